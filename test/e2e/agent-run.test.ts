// Issue 3, end to end: dist/maos runs the REAL claude CLI against the scripted mock of the
// Anthropic API, and every stream line, the session and the cost end up in the database.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import type { AttemptRow } from "../../src/store/attempts.ts";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { errorReply, hangReply, route, slowTextReply, textReply, toolUseReply } from "../support/mock-anthropic.ts";
import { dumpDatabase, fileFingerprint } from "../support/db-state.ts";
import { longSleepCommand, occurrences, pidAlive, processesMatching, startE2E, taskMarker, transcriptText, waitUntil } from "../support/e2e.ts";
import { scaled } from "../support/machine.ts";

// Real processes: each test gets up to 45 s (they take 0.1–4 s each).
setDefaultTimeout(scaled(45_000));

interface EventRow {
  seq: number;
  attempt: number;
  session_id: string;
  type: string;
  subtype: string | null;
  raw: string;
}

const eventsOf = (db: import("bun:sqlite").Database, taskKey: string) =>
  db.query<EventRow, [string]>("SELECT e.* FROM events e JOIN tasks t ON t.id = e.agent_id WHERE t.task_key = ? ORDER BY e.id").all(taskKey);
const attemptsOf = (db: import("bun:sqlite").Database, taskKey: string) =>
  db
    .query<AttemptRow, [string]>("SELECT a.* FROM attempts a JOIN tasks t ON t.id = a.task_id WHERE t.task_key = ? ORDER BY a.attempt")
    .all(taskKey);
const taskRow = (db: import("bun:sqlite").Database, taskKey: string) =>
  db.query<Record<string, any>, [string]>("SELECT * FROM tasks WHERE task_key = ?").get(taskKey)!;

describe("e2e: one agent with the real claude CLI", () => {
  test("writes a file through the Write tool; init, assistant, tool result and result are committed in order with the session and the cost", async () => {
    await using e = await startE2E();
    const target = join(e.project, "hello.txt");
    const usage = { input_tokens: 1200, output_tokens: 300 };
    e.mock.script(
      route([
        [
          taskMarker("a"),
          [
            toolUseReply("Write", { file_path: target, content: "hello from the agent\n" }, { text: "Writing the file.", usage }),
            textReply("Wrote hello.txt with a greeting.", { usage }),
          ],
        ],
      ]),
    );
    const r = await e.orchestrate(e.plan([{ id: "a", description: "Create hello.txt" }]), ["--json"]);
    expect(r.stderr).not.toContain("failed");
    expect(r.code).toBe(0);
    expect(readFileSync(target, "utf8")).toBe("hello from the agent\n");

    const summary = JSON.parse(r.stdout);
    expect(summary.status).toBe("completed");
    expect(summary.tasks[0]).toMatchObject({ id: "a", status: "completed", result: "Wrote hello.txt with a greeting.", attempts: 1 });

    // The CLI executed the tool and sent its result back to the "API".
    const requests = e.mock.messageRequests();
    expect(requests).toHaveLength(2);
    expect(requests[1]!.hasToolResult("Write")).toBe(true);
    expect(requests[1]!.toolResults[0]!.content).toContain("File created successfully");

    e.query((db) => {
      const events = eventsOf(db, "a");
      // One row per stdout line, numbered 1, 2, 3 … without gaps.
      expect(events.map((ev) => ev.seq)).toEqual(events.map((_, i) => i + 1));
      const kinds = events.map((ev) => `${ev.type}${ev.subtype ? `/${ev.subtype}` : ""}`);
      const parsed = events.map((ev) => JSON.parse(ev.raw));
      const init = kinds.indexOf("system/init");
      const toolUse = parsed.findIndex((l) => l.type === "assistant" && l.message.content.some((b: any) => b.type === "tool_use" && b.name === "Write"));
      const toolResult = parsed.findIndex((l) => l.type === "user" && Array.isArray(l.message.content) && l.message.content.some((b: any) => b.type === "tool_result"));
      const finalText = parsed.findIndex((l) => l.type === "assistant" && l.message.content.some((b: any) => b.type === "text" && b.text.includes("Wrote hello.txt")));
      const result = kinds.lastIndexOf("result/success");
      expect(init).toBe(0);
      expect([init, toolUse, toolResult, finalText, result].every((i) => i >= 0)).toBe(true);
      expect(init < toolUse && toolUse < toolResult && toolResult < finalText && finalText < result).toBe(true);
      expect(result).toBe(events.length - 1);

      // The session: claude's init, the header it sent, and every row that records it agree.
      const sessionId = parsed[init].session_id as string;
      expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
      expect(new Set(events.map((ev) => ev.session_id))).toEqual(new Set([sessionId]));
      expect(requests.every((q) => q.sessionId === sessionId)).toBe(true);
      const task = taskRow(db, "a");
      expect(task.session_id).toBe(sessionId);
      expect(summary.tasks[0].session_id).toBe(sessionId);
      const agent = db.query<Record<string, any>, [string]>("SELECT * FROM agents WHERE id = ?").get(task.id)!;
      expect(agent.session_id).toBe(sessionId);
      expect(agent.status).toBe("completed");
      expect(agent.last_seq).toBe(events.length);
      const session = db.query<Record<string, any>, [string]>("SELECT * FROM sessions WHERE session_id = ?").get(sessionId)!;
      expect(session.agent_id).toBe(task.id);
      expect(session.status).toBe("completed");
      expect(attemptsOf(db, "a")).toMatchObject([{ attempt: 1, session_id: sessionId, resumed: 0, status: "completed" }]);

      // The cost is the result line's, on the task, the agent, the session and the orchestration.
      const resultLine = parsed[result];
      expect(resultLine.total_cost_usd).toBeGreaterThan(0);
      expect(task.cost_usd).toBeCloseTo(resultLine.total_cost_usd, 10);
      expect(agent.cost_usd).toBeCloseTo(resultLine.total_cost_usd, 10);
      expect(session.total_cost).toBeCloseTo(resultLine.total_cost_usd, 10);
      const orchestration = db.query<Record<string, any>, []>("SELECT * FROM orchestrations").get()!;
      expect(orchestration.total_cost).toBeCloseTo(resultLine.total_cost_usd, 10);
      expect(summary.totals.cost_usd).toBeCloseTo(resultLine.total_cost_usd, 10);
      expect(task.input_tokens).toBe(resultLine.usage.input_tokens);
      expect(task.output_tokens).toBe(resultLine.usage.output_tokens);
      expect(task.input_tokens).toBe(2 * usage.input_tokens);
      expect(task.num_turns).toBe(resultLine.num_turns);
      expect(orchestration.status).toBe("completed");
    });
  });

  test("an API error result (400) fails the task with the message, without a retry; exit 1", async () => {
    await using e = await startE2E();
    e.mock.script(route([[taskMarker("a"), errorReply(400, { message: "mock: the prompt is not acceptable" })]]));
    const r = await e.orchestrate(e.plan([{ id: "a" }]), ["--json"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("mock: the prompt is not acceptable");
    const summary = JSON.parse(r.stdout);
    expect(summary.status).toBe("failed");
    expect(summary.tasks[0].status).toBe("failed");
    expect(summary.tasks[0].error).toContain("API Error: 400");
    expect(summary.tasks[0].error).toContain("mock: the prompt is not acceptable");
    // One claude session (2.1.197 sends the request once; newer CLIs retry a 400 themselves, in that session).
    expect(new Set(e.mock.messageRequests().map((q) => q.sessionId)).size).toBe(1);
    e.query((db) => {
      const attempts = attemptsOf(db, "a");
      expect(attempts).toHaveLength(1); // a 400 is not transient: maos does not retry
      expect(attempts[0]!.status).toBe("failed");
      expect(attempts[0]!.reason).toContain("mock: the prompt is not acceptable");
      const result = JSON.parse(eventsOf(db, "a").at(-1)!.raw);
      expect(result).toMatchObject({ type: "result", is_error: true });
      expect(taskRow(db, "a").error).toContain("mock: the prompt is not acceptable");
    });
  });

  test("--max-turns: an agent that keeps calling tools fails with the turn limit as the reason", async () => {
    await using e = await startE2E();
    e.mock.script(route([[taskMarker("a"), toolUseReply("Bash", { command: "echo again", description: "Print again" })]]));
    const r = await e.orchestrate(e.plan([{ id: "a" }]), ["--max-turns", "1", "--json"]);
    expect(r.code).toBe(1);
    const summary = JSON.parse(r.stdout);
    expect(summary.tasks[0].status).toBe("failed");
    expect(summary.tasks[0].error).toMatch(/^reached the turn limit: .*turns \(1\)/);
    e.query((db) => {
      const attempts = attemptsOf(db, "a");
      expect(attempts).toHaveLength(1); // not transient
      expect(attempts[0]!.reason).toMatch(/turn limit/);
      const events = eventsOf(db, "a");
      expect(events.at(-1)).toMatchObject({ type: "result", subtype: "error_max_turns" });
      // the tool did run once before the limit
      expect(events.some((ev) => ev.type === "user" && ev.raw.includes('"tool_result"'))).toBe(true);
    });
  });

  test("a transient failure (API 500) is retried in the SAME Claude session with --resume", async () => {
    await using e = await startE2E({}, { CLAUDE_CODE_MAX_RETRIES: "0" });
    e.mock.script(route([[taskMarker("a"), [errorReply(500, { message: "mock: backend exploded" }), textReply("Done on the second attempt.")]]]));
    const r = await e.orchestrate(e.plan([{ id: "a" }]), ["--json"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("retrying");
    const summary = JSON.parse(r.stdout);
    expect(summary.tasks[0]).toMatchObject({ status: "completed", attempts: 2, result: "Done on the second attempt." });

    const requests = e.mock.messageRequests();
    expect(requests).toHaveLength(2);
    const [first, second] = requests as [(typeof requests)[0], (typeof requests)[0]];
    expect(first.reply?.type).toBe("error");
    e.query((db) => {
      const attempts = attemptsOf(db, "a");
      expect(attempts).toHaveLength(2);
      expect(attempts[0]).toMatchObject({ attempt: 1, resumed: 0, status: "failed" });
      expect(attempts[0]!.reason).toContain("500");
      expect(attempts[1]).toMatchObject({ attempt: 2, resumed: 1, status: "completed" });
      const sessionId = attempts[0]!.session_id;
      expect(attempts[1]!.session_id).toBe(sessionId);
      expect(taskRow(db, "a").session_id).toBe(sessionId);
      // Both API calls belong to that one conversation …
      expect(first.sessionId).toBe(sessionId);
      expect(second.sessionId).toBe(sessionId);
      // … and the second carries the earlier one: the original task prompt, then maos's note.
      expect(second.firstUserText).toContain(taskMarker("a"));
      expect(second.lastUserText).toContain("[maos] Attempt 1 failed on an API error: API Error: 500");
      expect(second.lastUserText).toContain("This is attempt 2.");
      // maos does not send the task again (the CLI may merge the note into the first user
      // message on resume, as it does for an agent with a --tools list, so count instead).
      expect(occurrences(second.allUserText, taskMarker("a"))).toBe(1);
      // Events of both attempts, one numbering across attempts.
      const events = eventsOf(db, "a");
      expect(events.map((ev) => ev.seq)).toEqual(events.map((_, i) => i + 1));
      expect(new Set(events.map((ev) => ev.attempt))).toEqual(new Set([1, 2]));
      expect(events.filter((ev) => ev.type === "result").map((ev) => ev.attempt)).toEqual([1, 2]);
    });
  });

  test("claude killed mid-stream: every line it printed is kept; the crash is retried in the same session", async () => {
    await using e = await startE2E();
    e.mock.script(
      route([
        [
          taskMarker("a"),
          [
            toolUseReply("Bash", { command: "echo tool-ran-1", description: "Print a marker" }),
            slowTextReply("partial ".repeat(300), 8, 50), // ~15 s: killed long before it ends
            textReply("Recovered after the crash."),
          ],
        ],
      ]),
    );
    const p = e.start(["orchestrate", "crash", "--auto", "--json", "--db", e.dbPath, "--plan", e.plan([{ id: "a" }])]);
    const streaming = await e.mock.waitFor((q) => q.isMessages && q.hasToolResult("Bash"), scaled(20_000));
    const [running] = await waitUntil(() => e.query((db) => attemptsOf(db, "a").filter((a) => a.status === "running")), "the running attempt");
    const before = await waitUntil(() => {
      const evs = e.query((db) => eventsOf(db, "a"));
      return evs.some((ev) => ev.type === "user" && ev.raw.includes("tool-ran-1")) ? evs : null;
    }, "the tool result to be committed");
    // The retry resumes claude's session, so the tool turn must be in claude's own transcript
    // (written behind its stdout) before the kill: on a stalled machine it can lag.
    await waitUntil(() => transcriptText(e, running!.session_id).includes("tool-ran-1"), "claude to record the tool turn in its transcript");
    await Bun.sleep(Math.max(0, streaming.receivedAt + 300 - Date.now()));
    expect(streaming.finishedAt).toBeUndefined();
    process.kill(running!.pid!, "SIGKILL");

    const r = await p.exited;
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).tasks[0]).toMatchObject({ status: "completed", attempts: 2, result: "Recovered after the crash." });
    e.query((db) => {
      const attempts = attemptsOf(db, "a");
      expect(attempts).toMatchObject([
        { attempt: 1, resumed: 0, status: "failed", cause: "crashed", reason: "claude was killed by SIGKILL without a result" },
        { attempt: 2, resumed: 1, status: "completed", session_id: running!.session_id },
      ]);
      // Every line of the dead attempt committed before the kill is still there, unchanged and first.
      const events = eventsOf(db, "a");
      expect(events.slice(0, before.length)).toEqual(before);
      const firstAttempt = events.filter((ev) => ev.attempt === 1).map((ev) => JSON.parse(ev.raw));
      expect(firstAttempt[0]).toMatchObject({ type: "system", subtype: "init" });
      expect(firstAttempt.some((l) => l.type === "assistant" && l.message.content.some((b: any) => b.type === "tool_use"))).toBe(true);
      expect(firstAttempt.some((l) => l.type === "user" && JSON.stringify(l.message.content).includes("tool-ran-1"))).toBe(true);
      expect(firstAttempt.some((l) => l.type === "result")).toBe(false);
    });
    // The retry's request carries the first attempt's tool turn.
    const retry = e.mock.messageRequests().at(-1)!;
    expect(retry.sessionId).toBe(running!.session_id);
    expect(retry.allUserText).toContain("tool-ran-1");
    expect(retry.lastUserText).toContain("[maos] Attempt 1 ended because your claude process stopped unexpectedly (claude was killed by SIGKILL without a result). This is attempt 2.");
  });

  test("--agent-timeout ends the attempt as failed, and claude and the tool it ran are really gone", async () => {
    await using e = await startE2E();
    const needle = `sleep 47.${Math.floor(Math.random() * 1e6)}`;
    e.mock.script(route([[taskMarker("a"), [toolUseReply("Bash", { command: longSleepCommand(needle), description: "Wait a long time" }), textReply("unreachable")]]]));
    const t0 = performance.now();
    const p = e.start(["orchestrate", "timeout", "--auto", "--db", e.dbPath, "--plan", e.plan([{ id: "a" }]), "--agent-timeout", "3", "--retries", "0"]);
    // The tool really runs (a child of claude) before the timeout hits.
    await waitUntil(() => processesMatching(needle).length > 0, "the agent's Bash tool to start", scaled(15_000));
    const r = await p.exited;
    expect(r.code).toBe(1);
    expect(performance.now() - t0).toBeLessThan(scaled(15_000));
    expect(r.stderr).toContain("timed out after 3 s (--agent-timeout)");
    e.query((db) => {
      const [attempt] = attemptsOf(db, "a");
      expect(attempt).toMatchObject({ status: "failed", reason: "timed out after 3 s (--agent-timeout)" });
      expect(attempt!.pid).toBeGreaterThan(0);
      expect(pidAlive(attempt!.pid!)).toBe(false);
      expect(processesMatching(attempt!.session_id)).toEqual([]);
      expect(taskRow(db, "a")).toMatchObject({ status: "failed", error: "timed out after 3 s (--agent-timeout)" });
      // claude was interrupted gracefully: its final lines were still committed
      expect(eventsOf(db, "a").at(-1)).toMatchObject({ type: "result", subtype: "error_during_execution" });
    });
    expect(processesMatching(needle)).toEqual([]);
  });

  test("--idle-timeout ends an attempt whose stream hangs; the process is gone afterwards", async () => {
    await using e = await startE2E();
    e.mock.script(route([[taskMarker("a"), hangReply()]]));
    const r = await e.orchestrate(e.plan([{ id: "a" }]), ["--idle-timeout", "2", "--retries", "0"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no output for 2 s (--idle-timeout)");
    e.query((db) => {
      const [attempt] = attemptsOf(db, "a");
      expect(attempt).toMatchObject({ status: "failed", reason: "no output for 2 s (--idle-timeout)" });
      expect(pidAlive(attempt!.pid!)).toBe(false);
      expect(processesMatching(attempt!.session_id)).toEqual([]);
    });
  });

  test("claude missing: exit 5 with one clear line, and no database is created or touched", async () => {
    await using e = await startE2E();
    const plan = e.plan([{ id: "a" }]);
    const missing = join(e.root.path, "no-such-claude");

    const fresh = await e.run(["orchestrate", "x", "--auto", "--plan", plan, "--db", e.dbPath, "--claude-bin", missing]);
    expect(fresh.code).toBe(5);
    expect(fresh.stdout).toBe("");
    expect(fresh.stderr).toBe(
      `maos: claude executable ${missing} (from --claude-bin) is missing or not executable — install Claude Code (npm install -g @anthropic-ai/claude-code) or pass --claude-bin / MAOS_CLAUDE_BIN\n`,
    );
    expect(existsSync(e.dbPath)).toBe(false);

    // An existing database stays exactly as it was (MAOS_CLAUDE_BIN, and PATH without claude).
    expect((await e.run(["orchestration", "save-interval", "45", "--db", e.dbPath])).code).toBe(0);
    const dump = dumpDatabase(e.dbPath);
    const print = fileFingerprint(e.dbPath);
    const viaEnv = await e.run(["orchestrate", "x", "--auto", "--plan", plan, "--db", e.dbPath], { env: { MAOS_CLAUDE_BIN: plan } });
    expect(viaEnv.code).toBe(5);
    expect(viaEnv.stderr).toContain(`claude executable ${plan} (from MAOS_CLAUDE_BIN) is missing or not executable`);
    const viaPath = await e.run(["orchestrate", "x", "--auto", "--plan", plan, "--db", e.dbPath], {
      env: { MAOS_CLAUDE_BIN: undefined, PATH: join(e.root.path, "empty-bin") },
    });
    expect(viaPath.code).toBe(5);
    expect(viaPath.stderr).toContain("claude (Claude Code CLI) was not found on PATH");
    expect(fileFingerprint(e.dbPath)).toBe(print);
    expect(dumpDatabase(e.dbPath)).toBe(dump);
    expect(e.mock.messageRequests()).toHaveLength(0);
  });
});
