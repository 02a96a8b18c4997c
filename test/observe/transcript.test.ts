import { expect, test } from "bun:test";
import { terminalSafe } from "../../src/observe/terminal-safe.ts";
import { toolSummary, transcriptItems } from "../../src/observe/transcript.ts";

test("terminalSafe shows control, C1 and bidi characters instead of passing them to the terminal", () => {
  expect(terminalSafe("a\x1b[31mred\x1b[0m\tb\nc")).toBe("a^[[31mred^[[0m\tb\nc");
  expect(terminalSafe("\x1b]0;title\x07\r\x7f\x9b\u202e")).toBe("^[]0;title^G^M\\u{7f}\\u{9b}\\u{202e}");
  expect(terminalSafe("plain ünïcode ✓")).toBe("plain ünïcode ✓");
});

test("tool calls are summarised by the field that names their target", () => {
  expect(toolSummary({ command: "bun test\n  --watch" })).toBe("bun test --watch");
  expect(toolSummary({ file_path: "/src/a.ts", content: "x" })).toBe("/src/a.ts");
  expect(toolSummary({ other: 1 })).toBe('{"other":1}');
  expect(toolSummary({ command: "x".repeat(300) })).toHaveLength(120);
});

test("assistant lines give thinking, text, the messages said in it, and tool calls", () => {
  const raw = JSON.stringify({
    type: "assistant",
    message: {
      content: [
        { type: "thinking", thinking: "hmm" },
        { type: "text", text: "ok\nREQUEST @db: which ORM?\n```\nMESSAGE @x: quoted, not sent\n```" },
        { type: "tool_use", id: "t1", name: "Read", input: { file_path: "a.ts" } },
      ],
    },
  });
  expect(transcriptItems("assistant", raw)).toEqual([
    { kind: "thinking", text: "hmm" },
    { kind: "text", text: "ok\nREQUEST @db: which ORM?\n```\nMESSAGE @x: quoted, not sent\n```" },
    { kind: "sent", type: "request", to: "db", text: "which ORM?" },
    { kind: "tool_call", id: "t1", name: "Read", summary: "a.ts", input: { file_path: "a.ts" } },
  ]);
});

test("stream deltas and control responses are not repeated in the transcript", () => {
  expect(transcriptItems("stream_event", JSON.stringify({ type: "stream_event", event: { type: "content_block_delta" } }))).toEqual([]);
  expect(transcriptItems("control_response", JSON.stringify({ type: "control_response", response: { subtype: "success" } }))).toEqual([]);
  expect(transcriptItems("raw", "")).toEqual([]);
});
