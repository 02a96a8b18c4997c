import { afterAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { accessSync, constants, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupTempDirs, runClaude, startProcess, tempDir } from "./claude-env.ts";
import { fakeAgentEnv, fakeAgentScriptPath, fakeClaudePath, readFakeAgentLog, type FakeScript, type FakeStep } from "./fake-agent.ts";
import { scaled } from "./machine.ts";

// These tests start processes: on a loaded machine they need more than the 5 s default.
setDefaultTimeout(scaled(20_000));

afterAll(() => cleanupTempDirs());

const STREAM = ["-p", "--input-format", "stream-json", "--output-format", "stream-json", "--verbose"];
const isResult = (l: any) => l?.type === "result";

function env(script?: FakeScript | FakeStep[], logDir?: string, extra: Record<string, string> = {}) {
  return {
    PATH: process.env.PATH!,
    HOME: process.env.HOME!,
    ...(script ? fakeAgentEnv(script, logDir) : logDir ? { FAKE_AGENT_LOG: logDir } : {}),
    ...extra,
  };
}

/** Run the fake to completion (through the executable wrapper). */
function runFake(args: string[], script?: FakeScript | FakeStep[], o: { stdin?: string; logDir?: string; cwd?: string } = {}) {
  const cwd = o.cwd ?? tempDir("maos-fake-").path;
  return runClaude(args, { cmd: [fakeClaudePath()], env: env(script, o.logDir), cwd, stdin: o.stdin, timeoutMs: scaled(10_000) });
}

function startFake(args: string[], script?: FakeScript | FakeStep[], o: { logDir?: string; cwd?: string } = {}) {
  const cwd = o.cwd ?? tempDir("maos-fake-").path;
  return startProcess(args, { cmd: ["bun", fakeAgentScriptPath()], env: env(script, o.logDir), cwd });
}

describe("fake-agent: one-shot -p mode", () => {
  test("wrapper is executable; default reply is 'ok' (json output)", async () => {
    accessSync(fakeClaudePath(), constants.X_OK);
    const r = await runFake(["-p", "hi", "--output-format", "json"]);
    expect(r.exitCode).toBe(0);
    expect(r.lines.length).toBe(1);
    expect(r.result).toMatchObject({
      type: "result",
      subtype: "success",
      is_error: false,
      result: "ok",
      num_turns: 1,
      total_cost_usd: 0,
    });
    expect(r.result.session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.keys(r.result).slice(0, 3)).toEqual(["type", "subtype", "is_error"]);
  });

  test("text output prints the result text; prompt from stdin; echoPrompt", async () => {
    const r = await runFake(["-p", "--output-format", "text"], [{ echoPrompt: true }], { stdin: "prompt via stdin\n" });
    expect(r.stdout).toBe("prompt via stdin\n");
  });

  test("no prompt at all → rc 1 with the CLI's error", async () => {
    const r = await runFake(["-p"], undefined, { stdin: "" });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("Input must be provided");
  });

  test("stream-json output requires --verbose", async () => {
    const r = await runFake(["-p", "hi", "--output-format", "stream-json"]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("requires --verbose");
  });

  test("planner mode: --json-schema + structured step → structured_output", async () => {
    const schema = JSON.stringify({ type: "object" });
    const r = await runFake(["-p", "--output-format", "json", "--json-schema", schema, "--model", "sonnet", "plan it"], [
      { structured: { tasks: [{ id: "a" }] } },
      { cost: 0.02 },
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.result.structured_output).toEqual({ tasks: [{ id: "a" }] });
    expect(JSON.parse(r.result.result)).toEqual({ tasks: [{ id: "a" }] });
    expect(r.result.total_cost_usd).toBe(0.02);
  });

  test("stream-json lines are shaped like the real CLI's", async () => {
    const sid = crypto.randomUUID();
    const r = await runFake(
      ["-p", "go", "--output-format", "stream-json", "--verbose", "--session-id", sid, "--model", "sonnet", "--permission-mode", "acceptEdits", "--unknown-flag"],
      [{ text: "one" }, { toolUse: { name: "Bash", input: { command: "echo from-bash" } } }, { text: "two" }, { usage: { input_tokens: 7, output_tokens: 3 } }],
    );
    expect(r.exitCode).toBe(0);
    expect(r.lines.map((l) => l.type)).toEqual(["system", "assistant", "assistant", "user", "assistant", "result"]);
    const [init, a1, a2, user, a3, result] = r.lines;
    expect(init).toMatchObject({ subtype: "init", session_id: sid, model: "claude-sonnet-5", permissionMode: "acceptEdits" });
    expect(Array.isArray(init.tools)).toBe(true);
    expect(init.cwd).toBeTruthy();
    expect(a1.message.content).toEqual([{ type: "text", text: "one" }]);
    expect(a1.message.id).toBe(a2.message.id); // one line per block of the same message
    expect(a2.message.content[0]).toMatchObject({ type: "tool_use", name: "Bash" });
    expect(user.message.content[0]).toMatchObject({ type: "tool_result", tool_use_id: a2.message.content[0].id, content: "from-bash" });
    expect(a3.message.id).not.toBe(a1.message.id);
    expect(a1.session_id).toBe(sid);
    expect(result).toMatchObject({ result: "two", num_turns: 2, session_id: sid, usage: { input_tokens: 7, output_tokens: 3 } });
  });

  test("Write tool_use / writeFile / sh really act in cwd", async () => {
    const dir = tempDir("maos-fake-w-");
    const r = await runFake(["-p", "x", "--output-format", "json"], [
      { toolUse: { name: "Write", input: { file_path: "sub/a.txt", content: "A" } } },
      { writeFile: { path: "b.txt", content: "B" } },
      { sh: "echo C > c.txt" },
    ], { cwd: dir.path });
    expect(r.exitCode).toBe(0);
    expect(readFileSync(join(dir.path, "sub/a.txt"), "utf8")).toBe("A");
    expect(readFileSync(join(dir.path, "b.txt"), "utf8")).toBe("B");
    expect(readFileSync(join(dir.path, "c.txt"), "utf8")).toBe("C\n");
  });

  test("apiError → is_error result, subtype success, rc 1", async () => {
    const r = await runFake(["-p", "x", "--output-format", "stream-json", "--verbose"], [{ apiError: "overloaded", status: 529 }]);
    expect(r.exitCode).toBe(1);
    expect(r.lines.find((l) => l.type === "assistant").message.model).toBe("<synthetic>");
    expect(r.result).toMatchObject({ subtype: "success", is_error: true, api_error_status: 529, result: "API Error: 529 overloaded" });
  });

  test("result override, max-budget, max-turns", async () => {
    const o = await runFake(["-p", "x", "--output-format", "json"], [{ result: { subtype: "error_max_turns", is_error: true } }]);
    expect(o.exitCode).toBe(1);
    expect(o.result.subtype).toBe("error_max_turns");
    expect(o.result.result).toBeUndefined();
    expect(o.result.errors.length).toBe(1);

    const b = await runFake(["-p", "x", "--output-format", "json", "--max-budget-usd", "0.1"], [{ cost: 0.2 }]);
    expect(b.result).toMatchObject({ subtype: "error_max_budget_usd", is_error: true, errors: ["Reached maximum budget ($0.1)"] });

    const t = await runFake(["-p", "x", "--output-format", "json", "--max-turns", "1"], [
      { toolUse: { name: "Bash", input: { command: "true" } } },
      { text: "never" },
    ]);
    expect(t.result).toMatchObject({ subtype: "error_max_turns", is_error: true });
  });

  test("--allowedTools is variadic like the real CLI: it swallows a following positional prompt", async () => {
    const r = await runFake(["-p", "--allowedTools", "Write", "Bash", "the prompt"], undefined, { stdin: "" });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("Input must be provided");
  });

  test("raw / rawBase64 / stderr steps write exact bytes", async () => {
    const r = await runFake(["-p", "x", "--output-format", "stream-json", "--verbose"], [
      { raw: "not json\n\n" },
      { rawBase64: Buffer.from([0xff, 0xfe, 0x0a]).toString("base64") },
      { stderr: "warn!\n" },
    ]);
    expect(r.stdout).toContain("not json\n\n");
    expect(r.stdout).toContain("\uFFFD"); // invalid UTF-8 decoded as replacement chars
    expect(r.stderr).toBe("warn!\n");
    expect(r.result.subtype).toBe("success");
  });

  test("crash with exit code or signal, no result line", async () => {
    const c = await runFake(["-p", "x", "--output-format", "stream-json", "--verbose"], [{ text: "partial" }, { crash: 137 }]);
    expect(c.exitCode).toBe(137);
    expect(c.result).toBeUndefined();
    expect(c.lines.some((l) => l.type === "assistant")).toBe(true);
    const k = await runClaude(["-p", "x", "--output-format", "stream-json", "--verbose"], {
      cmd: ["bun", fakeAgentScriptPath()],
      env: env([{ crash: "SIGKILL" }]),
      cwd: tempDir("maos-fake-").path,
    });
    expect(k.signalCode).toBe("SIGKILL");
    expect(k.result).toBeUndefined();
  });

  test("bulk lines: N lines of about B bytes, fast", async () => {
    const n = 20_000;
    const t0 = performance.now();
    const r = await runFake(["-p", "x", "--output-format", "stream-json", "--verbose"], [{ lines: n, bytes: 1000 }]);
    const ms = performance.now() - t0;
    const bulk = r.lines.filter((l) => l.type === "assistant");
    expect(bulk.length).toBe(n);
    const sizes = r.stdout.split("\n").filter((l) => l.includes("msg_fake_bulk")).map((l) => l.length + 1);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(990);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1010);
    expect(new Set(bulk.map((l) => l.uuid)).size).toBe(n);
    expect(r.result.result).toBe(`lines:${n}`);
    expect(ms).toBeLessThan(5000); // ~20 MB
  });

  test("script from FAKE_AGENT_SCRIPT_FILE; bad script → rc 2", async () => {
    const dir = tempDir("maos-fake-f-");
    const f = join(dir.path, "script.json");
    writeFileSync(f, JSON.stringify([{ text: "from file" }]));
    const r = await runClaude(["-p", "x", "--output-format", "json"], {
      cmd: [fakeClaudePath()],
      env: { PATH: process.env.PATH!, FAKE_AGENT_SCRIPT_FILE: f },
      cwd: dir.path,
    });
    expect(r.result.result).toBe("from file");
    const bad = await runClaude(["-p", "x"], { cmd: [fakeClaudePath()], env: { PATH: process.env.PATH!, FAKE_AGENT_SCRIPT: "{nope" }, cwd: dir.path });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain("bad FAKE_AGENT_SCRIPT");
  });
});

describe("fake-agent: stream-json worker", () => {
  test("multi-turn: init per turn, onMessage by text, cumulative cost, exits 0 on stdin close", async () => {
    const log = tempDir("maos-fake-log-").path;
    const sid = crypto.randomUUID();
    const p = startFake([...STREAM, "--session-id", sid, "--append-system-prompt", "be nice"], {
      steps: [{ text: "first" }, { cost: 0.01 }],
      onMessage: { "status?": [{ text: "all good" }, { cost: 0.005 }], "*": [{ echoPrompt: true }] },
    }, { logDir: log });
    p.sendUser("task one");
    const r1 = await p.waitForLine(isResult);
    expect(r1).toMatchObject({ result: "first", total_cost_usd: 0.01, session_id: sid });
    p.sendUser("status?");
    const r2 = await p.waitForLine(isResult, 5000, p.lines.indexOf(r1) + 1);
    expect(r2.result).toBe("all good");
    expect(r2.total_cost_usd).toBeCloseTo(0.015, 10);
    p.send({ type: "user", message: { role: "user", content: [{ type: "text", text: "mail: hello" }] } });
    const r3 = await p.waitForLine(isResult, 5000, p.lines.indexOf(r2) + 1);
    expect(r3.result).toBe("mail: hello");
    p.closeStdin();
    expect(await p.exited).toBe(0);
    expect(p.lines.filter((l) => l.subtype === "init").length).toBe(3);
    expect(new Set(p.lines.map((l) => l.session_id)).size).toBe(1);

    const entries = readFakeAgentLog(log);
    const start = entries.find((e) => e.event === "start")!;
    expect(start.argv).toContain("--append-system-prompt");
    expect(start.sessionId).toBe(sid);
    expect((start.flags as any).appendSystemPrompt).toBe("be nice");
    expect(entries.filter((e) => e.event === "message").map((e) => e.text)).toEqual(["task one", "status?", "mail: hello"]);
    expect(entries.at(-1)).toMatchObject({ event: "exit", code: 0 });
  });

  test("nothing is written before the first user message; last error result → rc 1", async () => {
    const p = startFake(STREAM, [{ apiError: "boom" }]);
    await Bun.sleep(300);
    expect(p.stdout()).toBe("");
    p.sendUser("x");
    await p.waitForLine(isResult);
    p.closeStdin();
    expect(await p.exited).toBe(1);
  });

  test("byPrompt routes by first message; onResume when --resume keeps the session id", async () => {
    const script: FakeScript = {
      byPrompt: {
        "task-a": { steps: [{ text: "A fresh" }], onResume: [{ text: "A resumed" }] },
        "task-b": [{ text: "B" }],
        "*": [{ text: "other" }],
      },
    };
    const a = await runFake(["-p", "do task-a now", "--output-format", "json"], script);
    expect(a.result.result).toBe("A fresh");
    const sid = a.result.session_id;
    const ar = await runFake(["-p", "continue task-a", "--output-format", "json", "--resume", sid], script);
    expect(ar.result.result).toBe("A resumed");
    expect(ar.result.session_id).toBe(sid);
    expect((await runFake(["-p", "task-b", "--output-format", "json"], script)).result.result).toBe("B");
    expect((await runFake(["-p", "zzz", "--output-format", "json"], script)).result.result).toBe("other");
    // matching also looks at --append-system-prompt when the prompt has no key
    const s = await runFake(["-p", "begin", "--append-system-prompt", "You are task-b", "--output-format", "json"], script);
    expect(s.result.result).toBe("B");
  });

  test("attempts are counted across processes per byPrompt key (needs FAKE_AGENT_LOG)", async () => {
    const log = tempDir("maos-fake-att-").path;
    const script: FakeScript = {
      byPrompt: { "task-x": { attempts: [[{ text: "x1" }, { crash: 1 }], [{ text: "x2" }]] }, "task-y": { attempts: [[{ text: "y1" }]] } },
    };
    const r1 = await runFake(["-p", "task-x", "--output-format", "json"], script, { logDir: log });
    expect(r1.exitCode).toBe(1);
    expect(r1.result).toBeUndefined();
    const y = await runFake(["-p", "task-y", "--output-format", "json"], script, { logDir: log });
    expect(y.result.result).toBe("y1");
    const r2 = await runFake(["-p", "task-x", "--output-format", "json"], script, { logDir: log });
    expect(r2.result.result).toBe("x2");
    const r3 = await runFake(["-p", "task-x", "--output-format", "json"], script, { logDir: log });
    expect(r3.result.result).toBe("x2"); // last attempt repeats
  });

  test("strictSessions: reused --session-id and unknown --resume fail like the real CLI", async () => {
    const log = tempDir("maos-fake-ss-").path;
    const cwd = tempDir("maos-fake-cwd-").path;
    const sid = crypto.randomUUID();
    const script: FakeScript = { strictSessions: true };
    expect((await runFake(["-p", "x", "--session-id", sid], script, { logDir: log, cwd })).exitCode).toBe(0);
    const again = await runFake(["-p", "x", "--session-id", sid], script, { logDir: log, cwd });
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain("is already in use");
    expect((await runFake(["-p", "x", "--resume", sid], script, { logDir: log, cwd })).exitCode).toBe(0);
    const otherCwd = await runFake(["-p", "x", "--resume", sid], script, { logDir: log });
    expect(otherCwd.exitCode).toBe(1);
    expect(otherCwd.stderr).toContain("No conversation found with session ID");
  });

  test("interrupt control_request aborts a hang; the worker keeps serving", async () => {
    const p = startFake(STREAM, { steps: [{ text: "thinking..." }, { hang: true }], onMessage: [{ text: "back" }] });
    p.sendUser("go");
    await p.waitForLine((l) => l.type === "assistant");
    p.send({ type: "control_request", request_id: "c1", request: { subtype: "interrupt" } });
    expect(await p.waitForLine((l) => l.type === "control_response")).toEqual({
      type: "control_response",
      response: { subtype: "success", request_id: "c1" },
    });
    const r1 = await p.waitForLine(isResult);
    expect(r1).toMatchObject({ subtype: "error_during_execution", is_error: true });
    expect(r1.result).toBeUndefined();
    p.sendUser("again");
    const r2 = await p.waitForLine(isResult, 5000, p.lines.indexOf(r1) + 1);
    expect(r2.result).toBe("back");
    p.closeStdin();
    expect(await p.exited).toBe(0);
  });

  test("SIGINT during a turn → error_during_execution result, rc 0; SIGINT idle → rc 0 without result", async () => {
    const p = startFake(STREAM, [{ hang: true }]);
    p.sendUser("go");
    await p.waitForLine((l) => l.subtype === "init");
    await Bun.sleep(50);
    p.proc.kill("SIGINT");
    const r = await p.waitForLine(isResult);
    expect(r.subtype).toBe("error_during_execution");
    expect(await p.exited).toBe(0);

    const idle = startFake(STREAM, [{ text: "done" }]);
    idle.sendUser("go");
    await idle.waitForLine(isResult);
    idle.proc.kill("SIGINT");
    expect(await idle.exited).toBe(0);
    expect(idle.lines.filter(isResult).length).toBe(1);
  });

  test("SIGTERM → rc 143, no result; hang survives stdin close", async () => {
    const log = tempDir("maos-fake-log-").path;
    const p = startFake(STREAM, [{ hang: true }], { logDir: log });
    p.sendUser("go");
    await p.waitForLine((l) => l.subtype === "init");
    p.closeStdin();
    await Bun.sleep(200);
    expect(p.proc.exitCode).toBeNull(); // still hanging
    p.proc.kill("SIGTERM");
    expect(await p.exited).toBe(143);
    expect(p.lines.some(isResult)).toBe(false);
    expect(readFakeAgentLog(log).some((e) => e.event === "signal" && e.signal === "SIGTERM")).toBe(true);
  });

  test("ignoreSigint: only SIGKILL ends it", async () => {
    const p = startFake(STREAM, { steps: [{ hang: true }], ignoreSigint: true });
    p.sendUser("go");
    await p.waitForLine((l) => l.subtype === "init");
    p.proc.kill("SIGINT");
    await Bun.sleep(200);
    expect(p.proc.exitCode).toBeNull();
    p.proc.kill("SIGKILL");
    await p.exited;
    expect(p.proc.signalCode).toBe("SIGKILL");
  });

  test("messages sent during a turn are queued and each gets its own result", async () => {
    const p = startFake(STREAM, { steps: [{ sleepMs: 200 }, { text: "slow" }], onMessage: [{ echoPrompt: true }] });
    p.sendUser("one");
    p.sendUser("two");
    p.sendUser("three");
    p.closeStdin();
    expect(await p.exited).toBe(0);
    expect(p.lines.filter(isResult).map((r) => r.result)).toEqual(["slow", "two", "three"]);
  });

  test("intervalMs lines stream over time; --replay-user-messages echoes", async () => {
    const p = startFake([...STREAM, "--replay-user-messages"], [{ lines: 5, bytes: 500, intervalMs: 50 }]);
    p.sendUser("go");
    const replay = await p.waitForLine((l) => l.type === "user");
    expect(replay.isReplay).toBe(true);
    const first = await p.waitForLine((l) => l.type === "assistant");
    expect(p.lines.filter((l) => l.type === "assistant").length).toBeLessThan(5);
    await p.waitForLine(isResult);
    expect(p.lines.filter((l) => l.type === "assistant").length).toBe(5);
    expect(first).toBeTruthy();
    p.closeStdin();
    await p.exited;
  });

  test("a stdin line that is not JSON → rc 1 (like the real CLI)", async () => {
    const p = startFake(STREAM);
    p.proc.stdin.write("this is not json\n");
    p.proc.stdin.flush();
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toContain("Error parsing streaming input line");
  });

  test("starts fast", async () => {
    const dir = tempDir("maos-fake-s-").path;
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) {
      const r = await runClaude(["-p", "x"], { cmd: [fakeClaudePath()], env: env(), cwd: dir });
      expect(r.exitCode).toBe(0);
    }
    const avg = (performance.now() - t0) / 10;
    expect(avg).toBeLessThan(300);
    expect(existsSync(dir)).toBe(true);
  });
});
