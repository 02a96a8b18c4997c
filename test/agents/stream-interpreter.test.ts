import { expect, test } from "bun:test";
import { interpretLine } from "../../src/agents/stream-interpreter.ts";

const line = (o: unknown) => JSON.stringify(o);

test("every line the agent streams says what it last did: the live view never shows 'starting…' for an agent at work", () => {
  expect(interpretLine(line({ type: "system", subtype: "init", session_id: "s1", tools: [], model: "m", cwd: "/" })).activity).toBe(
    "session started, waiting for the model",
  );
  expect(
    interpretLine(line({ type: "system", subtype: "api_retry", attempt: 2, max_retries: 10, retry_delay_ms: 1000, error_status: 529, session_id: "s1" })).activity,
  ).toBe("the API is overloaded (HTTP 529): retry 2 of 10, next in 1 s");
  const said = interpretLine(line({ type: "assistant", message: { model: "m", role: "assistant", content: [{ type: "text", text: "Reading the code\nnow" }] }, session_id: "s1" }));
  expect(said.activity).toBe("Reading the code now");
  const tool = interpretLine(
    line({ type: "assistant", message: { model: "m", role: "assistant", content: [{ type: "tool_use", id: "t1", name: "Bash", input: {} }] }, session_id: "s1" }),
  );
  expect(tool.activity).toBe("using Bash");
  const result = interpretLine(line({ type: "user", message: { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "ok" }] }, session_id: "s1" }));
  expect(result.activity).toBe("tool finished, waiting for the model");
});
