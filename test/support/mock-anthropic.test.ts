import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  errorReply,
  hangReply,
  messageReply,
  queue,
  route,
  slowTextReply,
  startMockAnthropic,
  structuredOutputReply,
  textReply,
  toolUseReply,
  type MockServer,
} from "./mock-anthropic.ts";
import { cleanupTempDirs, makeClaudeEnv, runClaude, startProcess, tempDir } from "./claude-env.ts";
import { scaled } from "./machine.ts";

// These tests start processes: on a loaded machine they need more than the 5 s default.
setDefaultTimeout(scaled(20_000));

/** Parse an SSE body into [event, data] pairs. */
function parseSse(body: string): Array<{ event: string; data: any }> {
  return body
    .split("\n\n")
    .filter((b) => b.trim())
    .map((b) => {
      const event = /^event: (.*)$/m.exec(b)?.[1] ?? "";
      const data = JSON.parse(/^data: (.*)$/m.exec(b)?.[1] ?? "null");
      return { event, data };
    });
}

const post = (mock: MockServer, body: unknown, path = "/v1/messages?beta=true", signal?: AbortSignal) =>
  fetch(mock.url + path, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": "sk-test" },
    body: JSON.stringify(body),
    signal,
  });

const userBody = (text: string, extra: Record<string, unknown> = {}) => ({
  model: "claude-test",
  stream: true,
  system: [{ type: "text", text: "SYS-A" }, { type: "text", text: "SYS-B" }],
  messages: [
    { role: "user", content: [{ type: "text", text: "<system-reminder>x</system-reminder>" }, { type: "text", text }] },
    { role: "system", content: "agent listing" },
  ],
  ...extra,
});

describe("mock-anthropic over plain fetch", () => {
  let mock: MockServer;
  beforeAll(async () => {
    mock = await startMockAnthropic();
  });
  afterAll(async () => {
    await mock.stop();
  });

  test("HEAD /, count_tokens, unknown path, default reply", async () => {
    expect((await fetch(mock.url + "/", { method: "HEAD" })).status).toBe(200);
    const ct = await post(mock, { messages: [] }, "/v1/messages/count_tokens");
    expect((await ct.json()) as any).toEqual({ input_tokens: 100 });
    const nf = await fetch(mock.url + "/v1/nope");
    expect(nf.status).toBe(404);
    expect(((await nf.json()) as any).error.type).toBe("not_found_error");

    mock.script(() => undefined);
    const res = await post(mock, userBody("hello"));
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const ev = parseSse(await res.text());
    expect(ev.map((e) => e.event)).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(ev[2]!.data.delta).toEqual({ type: "text_delta", text: "ok" });
    expect(ev[4]!.data.delta.stop_reason).toBe("end_turn");
    expect(ev[0]!.data.message.model).toBe("claude-test");

    const rec = mock.messageRequests().at(-1)!;
    expect(rec.method).toBe("POST");
    expect(rec.path).toBe("/v1/messages");
    expect(rec.url).toBe("/v1/messages?beta=true");
    expect(rec.headers["x-api-key"]).toBe("sk-test");
    expect(rec.lastUserText).toContain("hello");
    expect(rec.systemText).toContain("SYS-A");
    expect(rec.systemText).toContain("agent listing");
    expect(rec.hasToolResult()).toBe(false);
    await rec.done;
    expect(rec.finishedAt).toBeGreaterThanOrEqual(rec.receivedAt);
  });

  test("text + tool_use streaming with input_json_delta, usage, chunking", async () => {
    mock.script(() =>
      toolUseReply("Write", { file_path: "a.txt", content: "x".repeat(50) }, {
        text: "abcdefghij",
        chunkSize: 4,
        usage: { input_tokens: 1234, output_tokens: 567 },
      }),
    );
    const ev = parseSse(await (await post(mock, userBody("go"))).text());
    expect(ev[0]!.data.message.usage.input_tokens).toBe(1234);
    const textDeltas = ev.filter((e) => e.data.delta?.type === "text_delta").map((e) => e.data.delta.text);
    expect(textDeltas).toEqual(["abcd", "efgh", "ij"]);
    const toolStart = ev.find((e) => e.data.content_block?.type === "tool_use")!;
    expect(toolStart.data.index).toBe(1);
    expect(toolStart.data.content_block.name).toBe("Write");
    const json = ev
      .filter((e) => e.data.delta?.type === "input_json_delta")
      .map((e) => e.data.delta.partial_json)
      .join("");
    expect(JSON.parse(json)).toEqual({ file_path: "a.txt", content: "x".repeat(50) });
    const delta = ev.find((e) => e.event === "message_delta")!;
    expect(delta.data.delta.stop_reason).toBe("tool_use");
    expect(delta.data.usage.output_tokens).toBe(567);
  });

  test("non-streaming request (stream:false) gets a plain JSON message", async () => {
    mock.script(() => toolUseReply("Bash", { command: "ls" }, { text: "t" }));
    const res = await post(mock, userBody("x", { stream: false }));
    expect(res.headers.get("content-type")).toContain("application/json");
    const msg = (await res.json()) as any;
    expect(msg).toMatchObject({ type: "message", role: "assistant", stop_reason: "tool_use" });
    expect(msg.content[0]).toEqual({ type: "text", text: "t" });
    expect(msg.content[1]).toMatchObject({ type: "tool_use", name: "Bash", input: { command: "ls" } });
    expect(mock.messageRequests().at(-1)!.stream).toBe(false);
  });

  test("thinking blocks and explicit stop reason", async () => {
    mock.script(() => messageReply([{ type: "thinking", thinking: "hmm" }, { type: "text", text: "t" }], { stopReason: "max_tokens" }));
    const ev = parseSse(await (await post(mock, userBody("go"))).text());
    expect(ev.some((e) => e.data.delta?.type === "signature_delta")).toBe(true);
    expect(ev.find((e) => e.event === "message_delta")!.data.delta.stop_reason).toBe("max_tokens");
  });

  test("error reply: status, Anthropic JSON body, retry-after, x-should-retry", async () => {
    mock.script(() => errorReply(529, { message: "busy", retryAfter: 3, shouldRetry: false }));
    const res = await post(mock, userBody("x"));
    expect(res.status).toBe(529);
    expect(res.headers.get("retry-after")).toBe("3");
    expect(res.headers.get("x-should-retry")).toBe("false");
    expect(await res.json()).toMatchObject({ type: "error", error: { type: "overloaded_error", message: "busy" } });
  });

  test("handler errors become a 400 and are recorded", async () => {
    mock.script(() => {
      throw new Error("bad script");
    });
    const res = await post(mock, userBody("x"));
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.message).toContain("bad script");
    expect(mock.handlerErrors.at(-1)!.message).toBe("bad script");
  });

  test("queue, route by marker (anyUser / lastUser), tool_result detection", async () => {
    mock.script(queue(["first", textReply("second")]));
    const texts = async (body: unknown) =>
      parseSse(await (await post(mock, body)).text())
        .filter((e) => e.data.delta?.type === "text_delta")
        .map((e) => e.data.delta.text)
        .join("");
    expect(await texts(userBody("a"))).toBe("first");
    expect(await texts(userBody("b"))).toBe("second");
    expect(await texts(userBody("c"))).toBe("ok"); // exhausted → default

    mock.script(route([["TASK-A", ["A1", "A2"]], [/TASK-B/, textReply("B")]]));
    expect(await texts(userBody("do TASK-B"))).toBe("B");
    expect(await texts(userBody("do TASK-A"))).toBe("A1");
    // follow-up request of TASK-A: the last user message is a tool_result, the marker is in the first one
    const followUp = {
      model: "m",
      stream: true,
      messages: [
        { role: "user", content: "do TASK-A" },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_9", name: "Bash", input: { command: "ls" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_9", content: [{ type: "text", text: "file1" }] }] },
      ],
    };
    expect(await texts(followUp)).toBe("A2");
    const rec = mock.messageRequests().at(-1)!;
    expect(rec.hasToolResult()).toBe(true);
    expect(rec.hasToolResult("Bash")).toBe(true);
    expect(rec.hasToolResult("Write")).toBe(false);
    expect(rec.toolResults).toEqual([{ toolUseId: "toolu_9", name: "Bash", content: "file1", isError: false }]);
    expect(rec.lastUserText).toBe("file1");
    expect(rec.firstUserText).toBe("do TASK-A");

    mock.script(route({ "msg-2": "second message" }, { field: "lastUser", fallback: () => "fallback" }));
    expect(await texts(userBody("msg-2"))).toBe("second message");
    expect(await texts(followUp)).toBe("fallback");
  });

  test("slow streaming: concurrent requests overlap; timestamps record it", async () => {
    mock.script(() => slowTextReply("0123456789", 2, 40)); // 5 deltas, 40 ms apart
    const before = mock.messageRequests().length;
    const t0 = performance.now();
    await Promise.all([post(mock, userBody("one")).then((r) => r.text()), post(mock, userBody("two")).then((r) => r.text())]);
    const took = performance.now() - t0;
    const [a, b] = mock.messageRequests().slice(before);
    expect(a!.finishedAt! - a!.receivedAt).toBeGreaterThanOrEqual(150);
    // overlap: each one arrived before the other finished
    expect(a!.receivedAt).toBeLessThan(b!.finishedAt!);
    expect(b!.receivedAt).toBeLessThan(a!.finishedAt!);
    expect(took).toBeLessThan(2 * 150 + 150);
  });

  test("cutAfterEvents drops the connection mid-stream", async () => {
    mock.script(() => textReply("partial answer", { cutAfterEvents: 3, chunkSize: 3 }));
    let body = "";
    let failed = false;
    try {
      const res = await post(mock, userBody("x"));
      const reader = res.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        body += new TextDecoder().decode(value);
      }
    } catch {
      failed = true;
    }
    expect(failed).toBe(true);
    expect(body).toContain("message_start");
    expect(body).not.toContain("message_stop");
  });

  test("waitForRequests / waitFor", async () => {
    mock.script(() => "w");
    const n = mock.messageRequests().length;
    const p = mock.waitForRequests(n + 2, 2000);
    await (await post(mock, userBody("w1"))).text();
    await (await post(mock, userBody("w2"))).text();
    expect((await p).length).toBe(n + 2);
    expect((await mock.waitFor((r) => r.lastUserText.includes("w2"))).lastUserText).toContain("w2");
    await expect(mock.waitForRequests(n + 50, 50)).rejects.toThrow(/timed out/);
  });
});

describe("mock-anthropic hang", () => {
  test("hangs after message_start until the client aborts", async () => {
    const mock = await startMockAnthropic({ handler: () => hangReply() });
    const ac = new AbortController();
    const res = await post(mock, userBody("x"), undefined, ac.signal);
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain("event: message_start");
    const rec = mock.messageRequests()[0]!;
    await Bun.sleep(100);
    expect(rec.finishedAt).toBeUndefined();
    expect(mock.openStreams()).toBe(1);
    ac.abort();
    await Promise.race([rec.done, Bun.sleep(3000)]);
    expect(rec.aborted).toBe(true);
    expect(mock.openStreams()).toBe(0);
    await mock.stop();
  });

  test("stop() closes hanging and slow streams and resolves promptly", async () => {
    const mock = await startMockAnthropic();
    mock.script(queue([hangReply(), slowTextReply("x".repeat(100), 1, 1000)]));
    const r1 = await post(mock, userBody("a"));
    const r2 = await post(mock, userBody("b"));
    const bodies = Promise.allSettled([r1.text(), r2.text()]);
    await Bun.sleep(50);
    expect(mock.openStreams()).toBe(2);
    const t0 = performance.now();
    await mock.stop();
    await bodies;
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(mock.openStreams()).toBe(0);
    expect(mock.requests.every((r) => r.finishedAt !== undefined)).toBe(true);
  });
});

// ---------------------------------------------------------------------------
// The REAL claude CLI against the mock
// ---------------------------------------------------------------------------

describe("real claude CLI against the mock", () => {
  // One mock per test: a claude left over from a timed-out test must not take the next test's replies.
  let mock: MockServer;
  beforeEach(async () => {
    mock = await startMockAnthropic();
  });
  afterEach(async () => {
    await mock.stop();
  });
  afterAll(() => cleanupTempDirs());

  test("(a) -p 'say hi' --output-format json returns the scripted text", async () => {
    using dir = tempDir("maos-mock-a-");
    mock.script(route([["say hi", textReply("hi from the mock", { usage: { input_tokens: 1000, output_tokens: 100 } })]]));
    const r = await runClaude(["-p", "say hi", "--output-format", "json"], {
      env: makeClaudeEnv(mock.url, join(dir.path, "cfg")),
      cwd: dir.path,
    });
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    expect(r.result).toMatchObject({ type: "result", subtype: "success", is_error: false, result: "hi from the mock" });
    // opus pricing: $5/M input + $25/M output
    expect(r.result.total_cost_usd).toBeCloseTo(1000 * 5e-6 + 100 * 25e-6, 8);
    const req = mock.messageRequests().find((q) => q.lastUserText.includes("say hi"))!;
    expect(req.headers["x-api-key"]).toBe("sk-test");
    expect(req.sessionId).toBe(r.result.session_id);
    expect(req.body.stream).toBe(true);
    expect(req.toolNames).toContain("Write");
    expect(r.durationMs).toBeLessThan(scaled(15_000));
  });

  test("(b) stream-json: Write tool_use is executed, then text", async () => {
    using dir = tempDir("maos-mock-b-");
    const target = join(dir.path, "hello.txt");
    mock.script(
      route([
        [
          "MARK-B",
          [
            toolUseReply("Write", { file_path: target, content: "written by the mock\n" }, { text: "Writing the file." }),
            (req) => {
              // the CLI sends back the tool_result
              expect(req.hasToolResult("Write")).toBe(true);
              return textReply("file written");
            },
          ],
        ],
      ]),
    );
    const sessionId = crypto.randomUUID();
    const p = startProcess(
      [
        "-p",
        "--input-format",
        "stream-json",
        "--output-format",
        "stream-json",
        "--verbose",
        "--session-id",
        sessionId,
        "--permission-mode",
        "acceptEdits",
      ],
      { env: makeClaudeEnv(mock.url, join(dir.path, "cfg")), cwd: dir.path },
    );
    p.sendUser("please write the file MARK-B");
    const result = await p.waitForLine((l) => l.type === "result", scaled(20_000));
    p.closeStdin();
    expect(await p.exited).toBe(0);

    expect(result).toMatchObject({ subtype: "success", is_error: false, result: "file written", session_id: sessionId });
    expect(readFileSync(target, "utf8")).toBe("written by the mock\n");
    const init = p.lines.find((l) => l.type === "system" && l.subtype === "init");
    expect(init).toMatchObject({ session_id: sessionId, cwd: dir.path, permissionMode: "acceptEdits" });
    expect(init.tools).toContain("Write");
    const assistants = p.lines.filter((l) => l.type === "assistant");
    // one line per content block: text, tool_use (same message id), then the final text
    expect(assistants.map((a) => a.message.content[0].type)).toEqual(["text", "tool_use", "text"]);
    expect(assistants[0].message.id).toBe(assistants[1].message.id);
    const toolResult = p.lines.find((l) => l.type === "user");
    expect(toolResult.message.content[0].type).toBe("tool_result");
    expect(toolResult.message.content[0].content).toContain("File created successfully");
    const reqs = mock.messageRequests().filter((q) => q.allUserText.includes("MARK-B"));
    expect(reqs.length).toBe(2);
    expect(reqs[1]!.toolResults[0]!.name).toBe("Write");
    expect(mock.handlerErrors).toEqual([]);
    // the transcript lives under CLAUDE_CONFIG_DIR/projects/<cwd mangled>/<session>.jsonl
    const mangled = dir.path.replace(/[^A-Za-z0-9]/g, "-");
    expect(existsSync(join(dir.path, "cfg", "projects", mangled, `${sessionId}.jsonl`))).toBe(true);
  });

  test("(c) HTTP 500 with CLAUDE_CODE_MAX_RETRIES=1 gives an is_error result quickly", async () => {
    using dir = tempDir("maos-mock-c-");
    mock.script(route([["MARK-C", errorReply(500, { message: "mock exploded" })]]));
    const r = await runClaude(["-p", "MARK-C", "--output-format", "json"], {
      env: makeClaudeEnv(mock.url, join(dir.path, "cfg")),
      cwd: dir.path,
    });
    expect(r.exitCode).toBe(1);
    expect(r.result).toMatchObject({ subtype: "success", is_error: true, api_error_status: 500 });
    expect(r.result.result).toContain("API Error: 500");
    expect(r.result.result).toContain("mock exploded");
    // 1 try + 1 retry
    expect(mock.messageRequests().filter((q) => q.lastUserText.includes("MARK-C")).length).toBe(2);
    expect(r.durationMs).toBeLessThan(scaled(10_000));
  });

  test("(d) --json-schema + StructuredOutput gives structured_output", async () => {
    using dir = tempDir("maos-mock-d-");
    const schema = {
      type: "object",
      properties: { tasks: { type: "array", items: { type: "string" } } },
      required: ["tasks"],
    };
    mock.script(route([["MARK-D", structuredOutputReply({ tasks: ["build", "test"] })]]));
    const r = await runClaude(["-p", "--output-format", "json", "--json-schema", JSON.stringify(schema)], {
      env: makeClaudeEnv(mock.url, join(dir.path, "cfg")),
      cwd: dir.path,
      stdin: "plan MARK-D please", // prompt on stdin
    });
    expect(r.exitCode).toBe(0);
    expect(r.result).toMatchObject({ subtype: "success", is_error: false, structured_output: { tasks: ["build", "test"] } });
    expect(JSON.parse(r.result.result)).toEqual({ tasks: ["build", "test"] });
    const req = mock.messageRequests().find((q) => q.lastUserText.includes("MARK-D"))!;
    expect(req.toolNames).toContain("StructuredOutput");
  });

  test("a stream cut mid-way is retried by the CLI", async () => {
    using dir = tempDir("maos-mock-g-");
    mock.script(route([["MARK-G", [textReply("lost text", { cutAfterEvents: 3 }), textReply("after the cut")]]]));
    const r = await runClaude(["-p", "MARK-G", "--output-format", "json"], {
      env: makeClaudeEnv(mock.url, join(dir.path, "cfg")),
      cwd: dir.path,
    });
    expect(r.result).toMatchObject({ is_error: false, result: "after the cut" });
    const reqs = mock.messageRequests().filter((q) => q.lastUserText.includes("MARK-G"));
    // observed: after a broken stream the CLI retries ONCE WITHOUT streaming (stream:false)
    expect(reqs.map((q) => q.stream)).toEqual([true, false]);
  });

  test("two concurrent CLIs routed by marker; requests overlap", async () => {
    using dir = tempDir("maos-mock-e-");
    mock.script(
      route([
        ["MARK-E1", slowTextReply("reply one", 3, 100)],
        ["MARK-E2", slowTextReply("reply two", 3, 100)],
      ]),
    );
    const env = makeClaudeEnv(mock.url, join(dir.path, "cfg"));
    const [r1, r2] = await Promise.all([
      runClaude(["-p", "MARK-E1", "--output-format", "json"], { env, cwd: dir.path }),
      runClaude(["-p", "MARK-E2", "--output-format", "json"], { env, cwd: dir.path }),
    ]);
    expect(r1.result.result).toBe("reply one");
    expect(r2.result.result).toBe("reply two");
    const q1 = mock.messageRequests().find((q) => q.lastUserText.includes("MARK-E1"))!;
    const q2 = mock.messageRequests().find((q) => q.lastUserText.includes("MARK-E2"))!;
    expect(q1.receivedAt).toBeLessThan(q2.finishedAt!);
    expect(q2.receivedAt).toBeLessThan(q1.finishedAt!);
  });

  test("hanging stream: stdin interrupt aborts the request; the mock sees the disconnect", async () => {
    using dir = tempDir("maos-mock-f-");
    mock.script(route([["MARK-F", hangReply()]]));
    const p = startProcess(["-p", "--input-format", "stream-json", "--output-format", "stream-json", "--verbose"], {
      env: makeClaudeEnv(mock.url, join(dir.path, "cfg")),
      cwd: dir.path,
    });
    p.sendUser("MARK-F");
    const req = await mock.waitFor((q) => q.isMessages && q.lastUserText.includes("MARK-F"), scaled(15_000));
    await Bun.sleep(200);
    p.send({ type: "control_request", request_id: "int-1", request: { subtype: "interrupt" } });
    await p.waitForLine((l) => l.type === "control_response" && l.response?.request_id === "int-1");
    const result = await p.waitForLine((l) => l.type === "result");
    expect(result).toMatchObject({ subtype: "error_during_execution", is_error: true });
    p.closeStdin();
    await p.exited;
    await Promise.race([req.done, Bun.sleep(2000)]);
    expect(req.aborted).toBe(true);
  });
});
