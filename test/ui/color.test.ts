import { afterEach, describe, expect, test } from "bun:test";
import { colorEnabled, paint, paintStatus, visibleLength } from "../../src/ui/color.ts";

describe("color", () => {
  const noColor = process.env.NO_COLOR;
  afterEach(() => {
    if (noColor === undefined) delete process.env.NO_COLOR;
    else process.env.NO_COLOR = noColor;
  });

  test("a painted cell is as wide as its text; wide and ellipsis characters count as on a terminal", () => {
    expect(visibleLength(paint("completed", "green", true))).toBe(9);
    expect(visibleLength(paintStatus("paused (interrupted)", true))).toBe("paused (interrupted)".length);
    expect(visibleLength("日本")).toBe(4);
    expect(visibleLength("build, t…")).toBe(9);
  });

  test("colour only for a terminal, never with NO_COLOR; fd 1 is asked directly", () => {
    delete process.env.NO_COLOR;
    expect(colorEnabled({ isTTY: true })).toBe(true);
    expect(colorEnabled({ isTTY: false })).toBe(false);
    expect(colorEnabled()).toBe(Boolean(process.stdout.isTTY));
    process.env.NO_COLOR = "1";
    expect(colorEnabled({ isTTY: true })).toBe(false);
  });
});
