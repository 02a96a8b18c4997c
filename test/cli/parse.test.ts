import { describe, expect, test } from "bun:test";
import { parseCheckpointName, parseChoice, parseIntInRange, parseOlderThan, parsePositiveInt, refuseExtraPositionals } from "../../src/cli/parse.ts";
import { UsageError } from "../../src/errors.ts";

const usage = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  }
  throw new Error("expected a UsageError");
};

describe("flag parsers", () => {
  test("parsePositiveInt", () => {
    expect(parsePositiveInt("1", "--limit")).toBe(1);
    expect(parsePositiveInt(" 20 ", "--limit")).toBe(20);
    for (const bad of ["0", "-1", "1.0", "abc", "", "0x10", "9007199254740993", true, undefined]) {
      expect(usage(() => parsePositiveInt(bad, "--limit"))).toStartWith("--limit must be a positive integer, got ");
    }
  });

  test("parseIntInRange", () => {
    expect(parseIntInRange("5", "n", 5, 3600)).toBe(5);
    expect(parseIntInRange("3600", "n", 5, 3600)).toBe(3600);
    expect(usage(() => parseIntInRange("4", "n", 5, 3600))).toBe('n must be an integer from 5 to 3600, got "4"');
    expect(usage(() => parseIntInRange("3601", "n", 5, 3600))).toBe('n must be an integer from 5 to 3600, got "3601"');
  });

  test("parseChoice lists the valid values", () => {
    expect(parseChoice("b", "--x", ["a", "b"])).toBe("b");
    expect(usage(() => parseChoice("c", "--x", ["a", "b"]))).toBe('--x must be one of a, b, got "c"');
  });

  test("parseOlderThan returns the cutoff in SQLite's time format", () => {
    const now = Date.parse("2025-03-10T12:00:00.000Z");
    expect(parseOlderThan("7", now)).toEqual({ days: 7, cutoff: "2025-03-03 12:00:00.000" });
    expect(parseOlderThan("0.5", now)).toEqual({ days: 0.5, cutoff: "2025-03-10 00:00:00.000" });
    expect(parseOlderThan("0", now).cutoff).toBe("2025-03-10 12:00:00.000");
    for (const bad of ["-1", "", "1e3", "7d", "NaN", "Infinity", "99999999", ".5"]) {
      expect(usage(() => parseOlderThan(bad, now))).toStartWith("--older-than must be a number of days (0 or more)");
    }
  });

  test("parseCheckpointName", () => {
    expect(parseCheckpointName("  pre-deploy ")).toBe("pre-deploy");
    expect(parseCheckpointName("x".repeat(100))).toBe("x".repeat(100));
    expect(usage(() => parseCheckpointName("x".repeat(101)))).toBe("--name must be 1 to 100 printable characters, got 101 characters");
    expect(usage(() => parseCheckpointName(""))).toEndWith("got an empty name");
    expect(usage(() => parseCheckpointName("a\nb"))).toEndWith("got unprintable characters");
    expect(usage(() => parseCheckpointName("a\u200bb"))).toEndWith("got unprintable characters"); // zero-width space
  });

  test("refuseExtraPositionals", () => {
    expect(() => refuseExtraPositionals({ _: ["id"] }, 1, "maos x")).not.toThrow();
    expect(usage(() => refuseExtraPositionals({ _: ["id", "more"] }, 1, "maos x"))).toBe('unexpected argument "more" for `maos x`');
  });
});
