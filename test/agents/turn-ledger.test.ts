import { expect, test } from "bun:test";
import { interpretLine } from "../../src/agents/stream-interpreter.ts";
import { TurnLedger, turnTextKeptChars } from "../../src/agents/turn-ledger.ts";

const said = (text: string) =>
  interpretLine(JSON.stringify({ type: "assistant", message: { model: "m", role: "assistant", content: [{ type: "text", text }] }, session_id: "s" }));
const result = interpretLine(
  JSON.stringify({ type: "result", subtype: "success", is_error: false, result: "done", session_id: "s", total_cost_usd: 0, num_turns: 1, duration_ms: 1, usage: { input_tokens: 1, output_tokens: 1 } }),
);

test("a turn's text is kept whole when short", () => {
  const ledger = new TurnLedger();
  ledger.saw(said("First part."));
  ledger.saw(said("Second part."));
  ledger.saw(result);
  expect(ledger.finishedTurnText).toBe("First part.\nSecond part.");
});

test("a turn that streams for long keeps only its latest text, bounded, ending with the last piece", () => {
  const ledger = new TurnLedger();
  for (let i = 0; i < 20_000; i++) ledger.saw(said(`line ${i}: ${"x".repeat(200)}`));
  ledger.saw(said("The answer."));
  ledger.saw(result);
  const text = ledger.finishedTurnText!;
  expect(text.length).toBeLessThanOrEqual(turnTextKeptChars);
  expect(text.length).toBeGreaterThan(turnTextKeptChars - 300);
  expect(text.endsWith("\nThe answer.")).toBe(true);
  expect(text).toContain("line 19999: ");
  expect(text).not.toContain("line 0: ");
});
