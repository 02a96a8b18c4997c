import { describe, expect, test } from "bun:test";
import { maxMessageChars, parseProtocolLines, protocolInstructions, ProtocolStream, type ProtocolMessage } from "../../src/bus/protocol.ts";

function streamed(chunks: readonly string[]): ProtocolMessage[] {
  const stream = new ProtocolStream();
  return [...chunks.flatMap((c) => stream.push(c)), ...stream.end()];
}

const sample = [
  "I looked at the code. 🚀 結果は良好です",
  "DISCOVERY: the API uses snake_case 🐍 везде",
  "  MESSAGE @api-2: please expose GET /users — 用户列表 👍",
  "Some prose mentioning DISCOVERY: inline, which is not a message.",
  "REQUEST @db.schema_v1: which column holds the email?",
  "",
  "BROADCAST: build is green ✅",
  "```",
  "MESSAGE @api-2: quoted inside a code fence",
  "```",
  "- **DISCOVERY:** bold in a list",
  "MESSAGE @b: last line without newline 😀",
].join("\n");

describe("parseProtocolLines", () => {
  test("finds every protocol line with its type, target, text and line number", () => {
    expect(parseProtocolLines(sample)).toEqual([
      { type: "discovery", toTask: null, text: "the API uses snake_case 🐍 везде", line: 2 },
      { type: "message", toTask: "api-2", text: "please expose GET /users — 用户列表 👍", line: 3 },
      { type: "request", toTask: "db.schema_v1", text: "which column holds the email?", line: 5 },
      { type: "broadcast", toTask: null, text: "build is green ✅", line: 7 },
      { type: "discovery", toTask: null, text: "bold in a list", line: 11 },
      { type: "message", toTask: "b", text: "last line without newline 😀", line: 12 },
    ]);
  });

  test("lookalike text in the middle of a line is not a message", () => {
    expect(
      parseProtocolLines(
        [
          "As noted, DISCOVERY: x",
          "We could send MESSAGE @b: hi",
          "`REQUEST @b: in backticks`",
          "> BROADCAST: quoted",
          "日本語 DISCOVERY: 発見",
          "🙂 MESSAGE @b: emoji first",
        ].join("\n"),
      ),
    ).toEqual([]);
  });

  test("unknown prefixes, wrong case, missing or extra targets are prose", () => {
    const text = [
      "NOTE: something",
      "Discovery: lower case",
      "MESSAGES: plural",
      "MESSAGE: no target",
      "REQUEST b: no at-sign",
      "MESSAGE @b hello (no colon)",
      "MESSAGE @b : space before colon",
      "MESSAGE @-bad: target must start alphanumeric",
      "BROADCAST @b: broadcasts take no target",
      "DISCOVERY",
    ].join("\n");
    expect(parseProtocolLines(text)).toEqual([]);
  });

  test("empty text after the colon is ignored", () => {
    expect(parseProtocolLines("DISCOVERY:\nBROADCAST:    \nMESSAGE @b:\t\nREQUEST @b: **\n**DISCOVERY:**")).toEqual([]);
  });

  test("CRLF line endings", () => {
    expect(parseProtocolLines("hello\r\nDISCOVERY: one\r\nMESSAGE @b: two\r\n")).toEqual([
      { type: "discovery", toTask: null, text: "one", line: 2 },
      { type: "message", toTask: "b", text: "two", line: 3 },
    ]);
  });

  test("markdown decoration around the keyword", () => {
    const text = [
      "* DISCOVERY: star bullet",
      "+ BROADCAST: plus bullet",
      "1. MESSAGE @b: numbered",
      "**MESSAGE @b**: bold keyword and target",
      "__REQUEST @b:__ underscores",
      "**DISCOVERY: the whole line in bold**",
      "_BROADCAST:_ italic",
      "\t  DISCOVERY: indented",
    ].join("\n");
    expect(parseProtocolLines(text).map((m) => [m.type, m.toTask, m.text])).toEqual([
      ["discovery", null, "star bullet"],
      ["broadcast", null, "plus bullet"],
      ["message", "b", "numbered"],
      ["message", "b", "bold keyword and target"],
      ["request", "b", "underscores"],
      ["discovery", null, "the whole line in bold"],
      ["broadcast", null, "italic"],
      ["discovery", null, "indented"],
    ]);
  });

  test("task ids are slugs; colons and the rest of the line stay in the text", () => {
    expect(parseProtocolLines("MESSAGE @B_2.x-y: a: b @c: d")).toEqual([
      { type: "message", toTask: "B_2.x-y", text: "a: b @c: d", line: 1 },
    ]);
  });

  test("~~~ fences and unterminated fences hide protocol lines", () => {
    expect(parseProtocolLines("~~~\nDISCOVERY: hidden\n~~~\nDISCOVERY: seen\n```ts\nDISCOVERY: hidden too")).toEqual([
      { type: "discovery", toTask: null, text: "seen", line: 4 },
    ]);
  });

  test("many lines", () => {
    const lines = Array.from({ length: 5000 }, (_, i) => (i % 2 === 0 ? `MESSAGE @t${i % 7}: n${i}` : `prose ${i}`));
    const parsed = parseProtocolLines(lines.join("\n"));
    expect(parsed).toHaveLength(2500);
    expect(parsed[1249]).toEqual({ type: "message", toTask: `t${2498 % 7}`, text: "n2498", line: 2499 });
  });

  test("an overlong text is cut without splitting a surrogate pair", () => {
    const text = `${"a".repeat(maxMessageChars - 1)}😀tail`;
    const [m] = parseProtocolLines(`DISCOVERY: ${text}`);
    expect(m!.text.startsWith("a".repeat(maxMessageChars - 1))).toBe(true);
    expect(m!.text.endsWith("…[cut]")).toBe(true);
    expect(m!.text).not.toContain("\ud83d ");
  });
});

describe("ProtocolStream", () => {
  test("splitting the text at every position gives the same messages", () => {
    const whole = parseProtocolLines(sample);
    for (let i = 0; i <= sample.length; i++) {
      expect(streamed([sample.slice(0, i), sample.slice(i)])).toEqual(whole);
    }
  });

  test("splitting into three pieces at many positions, and one character at a time", () => {
    const text = `${sample}\r\n汉字 MESSAGE @x: no\r\nREQUEST @x: 🎉 yes\r\n`;
    const whole = parseProtocolLines(text);
    expect(whole.map((m) => m.text)).toContain("🎉 yes");
    for (let i = 0; i <= text.length; i += 3) {
      for (let j = i; j <= text.length; j += 7) {
        expect(streamed([text.slice(0, i), text.slice(i, j), text.slice(j)])).toEqual(whole);
      }
    }
    expect(streamed([...text])).toEqual(whole);
    expect(streamed(text.split(""))).toEqual(whole);
  });

  test("emits a message only when its line completes; end() flushes the last line", () => {
    const stream = new ProtocolStream();
    expect(stream.push("DISCOVERY: par")).toEqual([]);
    expect(stream.push("tial")).toEqual([]);
    expect(stream.push(" done\nMESSAGE @b: ")).toEqual([{ type: "discovery", toTask: null, text: "partial done", line: 1 }]);
    expect(stream.push("hi")).toEqual([]);
    expect(stream.end()).toEqual([{ type: "message", toTask: "b", text: "hi", line: 2 }]);
    expect(stream.end()).toEqual([]);
  });

  test("a CR at a chunk boundary is not a line break of its own", () => {
    expect(streamed(["DISCOVERY: a\r", "\nDISCOVERY: b\r", "\n"])).toEqual([
      { type: "discovery", toTask: null, text: "a", line: 1 },
      { type: "discovery", toTask: null, text: "b", line: 2 },
    ]);
  });
});

describe("protocolInstructions", () => {
  test("names the agent, its peers and every kind of line", () => {
    const text = protocolInstructions("api", [
      { key: "db", agentType: "architect", description: "Design the\nschema for users" },
      { key: "docs", agentType: "documenter", description: "x".repeat(500) },
    ]);
    expect(text).toContain("@api");
    expect(text).toContain("- @db (architect): Design the schema for users");
    expect(text).toContain("- @docs (documenter): ");
    expect(text.length).toBeLessThan(2500);
    for (const kind of ["DISCOVERY:", "BROADCAST:", "MESSAGE @<task-id>:", "REQUEST @<task-id>:", "[message from @"]) {
      expect(text).toContain(kind);
    }
    // The instructions quote the protocol in a fence, so they do not parse as messages themselves.
    expect(parseProtocolLines(text)).toEqual([]);
  });

  test("an agent alone is told so", () => {
    expect(protocolInstructions("solo", [])).toContain("only agent");
  });
});

describe("line separators inside a protocol line", () => {
  test("a lone \\r or U+2028 mid-line keeps the message (it used to be dropped as prose)", () => {
    const messages = parseProtocolLines("MESSAGE @b: x\u2028y\nDISCOVERY: a\rb\nREQUEST @c: p\u2029q\n");
    expect(messages.map((m) => [m.type, m.toTask, m.text])).toEqual([
      ["message", "b", "x\u2028y"],
      ["discovery", null, "a\rb"],
      ["request", "c", "p\u2029q"],
    ]);
  });
});
