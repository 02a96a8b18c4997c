import { describe, expect, test } from "bun:test";
import { assistantText, parseStreamLine, toolUses, type KnownLine, type ParsedLine } from "../../src/agents/stream-schema.ts";

const session = "0b6f0c4e-2a2b-4d43-9b1c-3c5d2f7e8a91";

// Shapes as printed by claude 2.1.197 (CLAUDE_HEADLESS.md), one JSON object per line.
const samples = {
  init: {
    type: "system",
    subtype: "init",
    cwd: "/srv/app",
    session_id: session,
    tools: ["Task", "Bash", "Edit", "Read", "Write"],
    mcp_servers: [],
    model: "claude-opus-4-8[1m]",
    permissionMode: "acceptEdits",
    slash_commands: ["compact"],
    apiKeySource: "ANTHROPIC_API_KEY",
    claude_code_version: "2.1.197",
    output_style: "default",
    uuid: "9a0e1d36-3f51-4d8f-bb1b-5d9a6a0c2f10",
  },
  apiRetry: {
    type: "system",
    subtype: "api_retry",
    attempt: 1,
    max_retries: 10,
    retry_delay_ms: 512,
    error_status: 529,
    error: "overloaded",
    session_id: session,
  },
  status: { type: "system", subtype: "status", status: "requesting", session_id: session },
  text: {
    type: "assistant",
    message: {
      id: "msg_01XYZ",
      type: "message",
      role: "assistant",
      model: "claude-opus-4-8",
      content: [{ type: "text", text: "DISCOVERY: the API uses JWT" }],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 12, output_tokens: 7, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    },
    parent_tool_use_id: null,
    session_id: session,
    request_id: "req_011",
    uuid: "2f4c2f0e-6e0a-4f0b-8c93-5b9f0f7b2a11",
  },
  toolUse: {
    type: "assistant",
    message: {
      id: "msg_01XYZ",
      role: "assistant",
      model: "claude-opus-4-8",
      content: [{ type: "tool_use", id: "toolu_2", name: "Bash", input: { command: "echo hi", description: "Print hi" } }],
      stop_reason: null,
    },
    parent_tool_use_id: null,
    session_id: session,
  },
  thinking: {
    type: "assistant",
    message: { id: "msg_01XYZ", role: "assistant", model: "claude-opus-4-8", content: [{ type: "thinking", thinking: "Let me look.", signature: "sig" }], stop_reason: null },
    parent_tool_use_id: null,
    session_id: session,
  },
  toolResult: {
    type: "user",
    message: { role: "user", content: [{ tool_use_id: "toolu_2", type: "tool_result", content: "hi", is_error: false }] },
    parent_tool_use_id: null,
    session_id: session,
    tool_use_result: { stdout: "hi", stderr: "", interrupted: false, isImage: false },
  },
  replay: { type: "user", message: { role: "user", content: "MESSAGE from reviewer: looks good" }, session_id: session, isReplay: true },
  success: {
    type: "result",
    subtype: "success",
    is_error: false,
    duration_ms: 2310,
    duration_api_ms: 2100,
    num_turns: 2,
    result: "Done. Wrote hello.txt",
    stop_reason: "end_turn",
    session_id: session,
    total_cost_usd: 0.0123,
    usage: { input_tokens: 1200, cache_creation_input_tokens: 0, cache_read_input_tokens: 300, output_tokens: 250, server_tool_use: { web_search_requests: 0 } },
    modelUsage: { "claude-opus-4-8": { inputTokens: 1200, outputTokens: 250, costUSD: 0.0123 } },
    permission_denials: [],
    terminal_reason: "completed",
    uuid: "c0ffee00-0000-4000-8000-000000000001",
  },
  apiError: {
    type: "result",
    subtype: "success",
    is_error: true,
    api_error_status: 500,
    result: "API Error: 500 internal error",
    session_id: session,
    total_cost_usd: 0,
    usage: { input_tokens: 0, output_tokens: 0 },
    num_turns: 1,
    duration_ms: 180_000,
  },
  maxBudget: {
    type: "result",
    subtype: "error_max_budget_usd",
    is_error: true,
    errors: ["Reached maximum budget ($0.1)"],
    session_id: session,
    total_cost_usd: 0.11,
    usage: { input_tokens: 20000, output_tokens: 1000 },
    num_turns: 3,
    duration_ms: 5000,
    permission_denials: [{ tool_name: "Write", tool_use_id: "toolu_1", tool_input: { file_path: "/etc/x" } }],
  },
  interrupted: {
    type: "result",
    subtype: "error_during_execution",
    is_error: true,
    session_id: session,
    terminal_reason: "aborted_streaming",
    num_turns: 1,
    duration_ms: 900,
  },
  streamEvent: {
    type: "stream_event",
    event: { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hel" } },
    session_id: session,
    parent_tool_use_id: null,
    uuid: "1b1b1b1b-0000-4000-8000-000000000002",
  },
  controlResponse: { type: "control_response", response: { subtype: "success", request_id: "c1" } },
} as const;

function parse(value: unknown): ParsedLine {
  return parseStreamLine(JSON.stringify(value));
}

function known(value: unknown): KnownLine {
  const parsed = parse(value);
  if (parsed.kind !== "known") throw new Error(`expected a known line, got ${JSON.stringify(parsed)}`);
  return parsed;
}

describe("parseStreamLine: known lines", () => {
  test("system/init gives the session id and keeps extra fields", () => {
    const p = known(samples.init);
    expect([p.type, p.subtype]).toEqual(["system", "init"]);
    if (p.subtype !== "init") throw new Error("narrowing");
    expect(p.line.session_id).toBe(session);
    expect(p.line.tools).toContain("Bash");
    expect(p.line.model).toBe("claude-opus-4-8[1m]");
    expect(p.line.permissionMode).toBe("acceptEdits");
    expect(p.line.claude_code_version).toBe("2.1.197");
    expect(p.line.output_style).toBe("default"); // unknown field kept
  });

  test("system/api_retry and system/status", () => {
    const retry = known(samples.apiRetry);
    expect([retry.type, retry.subtype]).toEqual(["system", "api_retry"]);
    if (retry.subtype !== "api_retry") throw new Error("narrowing");
    expect(retry.line).toMatchObject({ attempt: 1, max_retries: 10, retry_delay_ms: 512, error_status: 529, error: "overloaded" });
    const status = known(samples.status);
    if (status.subtype !== "status") throw new Error("narrowing");
    expect(status.line.status).toBe("requesting");
  });

  test("assistant text, tool_use and thinking blocks", () => {
    const text = known(samples.text);
    if (text.type !== "assistant") throw new Error("narrowing");
    expect(text.subtype).toBeNull();
    expect(assistantText(text.line)).toBe("DISCOVERY: the API uses JWT");
    expect(text.line.message.usage?.output_tokens).toBe(7);
    expect(toolUses(text.line)).toEqual([]);

    const tool = known(samples.toolUse);
    if (tool.type !== "assistant") throw new Error("narrowing");
    expect(assistantText(tool.line)).toBe("");
    expect(toolUses(tool.line)).toEqual([
      { type: "tool_use", id: "toolu_2", name: "Bash", input: { command: "echo hi", description: "Print hi" } },
    ]);

    const thinking = known(samples.thinking);
    if (thinking.type !== "assistant") throw new Error("narrowing");
    expect(thinking.line.message.content[0]).toMatchObject({ type: "thinking", thinking: "Let me look." });
  });

  test("several text blocks are joined line by line; unknown block types are kept", () => {
    const p = known({
      ...samples.text,
      message: { ...samples.text.message, content: [{ type: "text", text: "a" }, { type: "redacted_thinking", data: "…" }, { type: "text", text: "MESSAGE @api: b" }] },
    });
    if (p.type !== "assistant") throw new Error("narrowing");
    expect(assistantText(p.line)).toBe("a\nMESSAGE @api: b");
    expect(p.line.message.content[1]).toEqual({ type: "redacted_thinking", data: "…" });
  });

  test("user tool results and replayed messages", () => {
    const result = known(samples.toolResult);
    if (result.type !== "user") throw new Error("narrowing");
    expect(result.line.message.content).toEqual([{ tool_use_id: "toolu_2", type: "tool_result", content: "hi", is_error: false }]);
    expect(result.line.tool_use_result).toMatchObject({ stdout: "hi" });
    const replay = known(samples.replay);
    if (replay.type !== "user") throw new Error("narrowing");
    expect(replay.line.isReplay).toBe(true);
    expect(replay.line.message.content).toBe("MESSAGE from reviewer: looks good");
  });

  test("result lines: success, API error, budget, interrupt", () => {
    const ok = known(samples.success);
    if (ok.type !== "result") throw new Error("narrowing");
    expect(ok.subtype).toBe("success");
    expect(ok.line).toMatchObject({ is_error: false, result: "Done. Wrote hello.txt", total_cost_usd: 0.0123, num_turns: 2, terminal_reason: "completed" });
    expect(ok.line.usage).toMatchObject({ input_tokens: 1200, output_tokens: 250, cache_read_input_tokens: 300 });

    const apiError = known(samples.apiError);
    if (apiError.type !== "result") throw new Error("narrowing");
    expect([apiError.subtype, apiError.line.is_error, apiError.line.api_error_status]).toEqual(["success", true, 500]);

    const budget = known(samples.maxBudget);
    if (budget.type !== "result") throw new Error("narrowing");
    expect(budget.subtype).toBe("error_max_budget_usd");
    expect(budget.line.result).toBeUndefined();
    expect(budget.line.errors).toEqual(["Reached maximum budget ($0.1)"]);
    expect(budget.line.permission_denials?.[0]?.tool_name).toBe("Write");

    const interrupted = known(samples.interrupted);
    if (interrupted.type !== "result") throw new Error("narrowing");
    expect([interrupted.subtype, interrupted.line.terminal_reason]).toEqual(["error_during_execution", "aborted_streaming"]);
  });

  test("a result subtype maos does not know is still a result", () => {
    const p = known({ ...samples.interrupted, subtype: "error_new_kind" });
    expect([p.type, p.subtype]).toEqual(["result", "error_new_kind"]);
  });

  test("a result field of an unexpected shape reads as absent instead of hiding the outcome", () => {
    const p = known({ ...samples.success, total_cost_usd: "0.01", usage: "n/a", errors: [{ code: 1 }] });
    if (p.type !== "result") throw new Error("narrowing");
    expect(p.line.is_error).toBe(false);
    expect(p.line.total_cost_usd).toBeUndefined();
    expect(p.line.usage).toBeUndefined();
    expect(p.line.errors).toBeUndefined();
  });

  test("an infinite cost (1e309) or negative tokens read as absent: no $Infinity, no negative totals", () => {
    const p = parseStreamLine(
      JSON.stringify(samples.success).replace(/"total_cost_usd":[^,]+/, '"total_cost_usd":1e309').replace(/"input_tokens":\d+/, '"input_tokens":-5'),
    );
    if (p.kind !== "known" || p.type !== "result") throw new Error("narrowing");
    expect(p.line.is_error).toBe(false);
    expect(p.line.total_cost_usd).toBeUndefined();
    expect(p.line.usage?.input_tokens).toBeUndefined();
  });

  test("stream_event carries the SSE event type as subtype; control_response its response subtype", () => {
    const event = known(samples.streamEvent);
    expect([event.type, event.subtype]).toEqual(["stream_event", "content_block_delta"]);
    const control = known(samples.controlResponse);
    expect([control.type, control.subtype]).toEqual(["control_response", "success"]);
  });
});

describe("parseStreamLine: everything else", () => {
  test("not JSON is raw, never an exception", () => {
    for (const line of ["", "Error: something went wrong", "{\"type\":\"assistant\"", "\uFFFD\uFFFD", "{'a':1}"]) {
      expect(parseStreamLine(line)).toEqual({ kind: "raw", type: "raw", subtype: null, reason: "not-json" });
    }
  });

  test("JSON that is not an object, or has no string type, is raw", () => {
    for (const line of ["42", "null", '"text"', "[1,2]", "true"]) expect(parseStreamLine(line).kind).toBe("raw");
    expect(parseStreamLine("[1,2]")).toMatchObject({ reason: "not-object" });
    expect(parseStreamLine('{"type":7}')).toMatchObject({ kind: "raw", reason: "no-type" });
    expect(parseStreamLine('{"message":{}}')).toMatchObject({ kind: "raw", reason: "no-type" });
  });

  test("an unrecognised type is unknown and kept as-is", () => {
    const p = parse({ type: "rate_limit_event", subtype: "warning", remaining: 3 });
    expect(p).toEqual({ kind: "unknown", type: "rate_limit_event", subtype: "warning", value: { type: "rate_limit_event", subtype: "warning", remaining: 3 } });
  });

  test("a system subtype without a schema is unknown without a note", () => {
    const p = parse({ type: "system", subtype: "model_fallback", from: "claude-opus-4-8", to: "claude-sonnet-5" });
    expect(p).toMatchObject({ kind: "unknown", type: "system", subtype: "model_fallback" });
    expect((p as { note?: string }).note).toBeUndefined();
  });

  test("a recognised type that fails its schema is unknown with a note", () => {
    const p = parse({ type: "result", subtype: "success", result: "done" }); // no is_error
    expect(p).toMatchObject({ kind: "unknown", type: "result", subtype: "success" });
    expect((p as { note?: string }).note).toContain("is_error");

    const init = parse({ type: "system", subtype: "init", cwd: "/x" }); // no session_id
    expect(init).toMatchObject({ kind: "unknown", type: "system", subtype: "init" });
    expect((init as { note?: string }).note).toContain("session_id");

    const assistant = parse({ type: "assistant", message: { content: "not blocks" } });
    expect(assistant).toMatchObject({ kind: "unknown", type: "assistant" });
  });
});
