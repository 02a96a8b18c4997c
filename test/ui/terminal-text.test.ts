import { describe, expect, test } from "bun:test";
import { shorten } from "../../src/ui/format.ts";
import { safeLine, safeText, terminalSafe } from "../../src/ui/terminal-text.ts";

const hostile = "DISCOVERY: \x1b[2J\x1b]0;PWNED\x07 done\r\x9b31m \u202etxt.exe";

describe("terminal-safe text", () => {
  test("escape sequences, BEL, CR, C1 controls and bidi overrides become visible symbols", () => {
    const safe = safeLine(hostile);
    expect(safe).toBe("DISCOVERY: ␛[2J␛]0;PWNED␇ done \ufffd31m \ufffdtxt.exe");
    expect(safe).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
  });

  test("multi-line text keeps its lines and tabs; one line turns every break into a space", () => {
    expect(safeText("a\n\tb\r\nc\x1b")).toBe("a\n\tb\nc␛");
    expect(safeLine("a\nb\u2028c\td")).toBe("a b c d");
    expect(shorten("x\x1b[2Jy\n\nz", 80)).toBe("x␛[2Jy z");
  });

  test("terminalSafe copies plain data with every string made safe and leaves the original exact", () => {
    const data = { request: "r\x1b[2J", tasks: [{ result: "\x07ok", n: 1, none: null }] };
    expect(terminalSafe(data)).toEqual({ request: "r␛[2J", tasks: [{ result: "␇ok", n: 1, none: null }] });
    expect(data.request).toBe("r\x1b[2J");
  });

  test("terminalSafe: clean text comes back as it is; a lone \\r is shown; an own __proto__ key stays a key", () => {
    expect(safeText("plain text, ünïcode 字 ✓")).toBe("plain text, ünïcode 字 ✓");
    expect(safeText("a\rb")).toBe("a␍b");
    const parsed = JSON.parse('{"__proto__": {"polluted": "\\u001b"}, "x": "y"}');
    const safe = terminalSafe(parsed);
    expect(Object.getPrototypeOf(safe)).toBe(Object.prototype);
    expect(Object.keys(safe)).toEqual(["__proto__", "x"]);
    expect(safe["__proto__"]).toEqual({ polluted: "␛" });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test("terminalSafe: clean data comes back as it is (no copy); a backslash or a BigInt still get the walk", () => {
    const clean = { rows: [{ id: "a", request: 'say "hi" — ünïcode', n: 1.5, none: null }] };
    expect(terminalSafe(clean)).toBe(clean);
    expect(terminalSafe({ path: "C:\\new", evil: "\x1b" })).toEqual({ path: "C:\\new", evil: "␛" });
    expect(terminalSafe({ big: 10n, text: "\x07" })).toEqual({ big: 10n, text: "␇" });
    expect(terminalSafe({ rtl: "a\u202eb", c1: "\x9b" })).toEqual({ rtl: "a\ufffdb", c1: "\ufffd" });
  });
});
