/**
 * `maos orchestration resume` through the compiled binary with fake agents: ownership,
 * id resolution, --task, nothing to resume, a month-old orchestration, leftover agent
 * processes, Ctrl-C and the resume history in `status`.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatDelivery } from "../../src/bus/mailbox.ts";
import { tempDir, type TempDir } from "../support/claude-env.ts";
import { dumpDatabase } from "../support/db-state.ts";
import { readFakeAgentLog, type FakeLogEntry, type FakeScript } from "../support/fake-agent.ts";
import { buildOrchestration, createTestDb } from "../support/fixtures.ts";
import { finish, killHard, scenarioEnv, scriptKey, spawnMaosIn, waitForDb, withDb, type MaosRun } from "../crash/scenario.ts";
import { waitUntil } from "../support/e2e.ts";
import { scaled } from "../support/machine.ts";

// These tests start processes: on a loaded machine they need more than the 5 s default.
setDefaultTimeout(scaled(20_000));

interface Setup {
  dir: TempDir;
  db: string;
  log: string;
  env: Record<string, string>;
  maos: (args: string[]) => MaosRun;
  run: (args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;
  [Symbol.dispose](): void;
}

/** A working directory with a plan of developer tasks and per-task fake agent scripts. */
function setUp(tasks: { id: string; deps?: string[]; description?: string }[], scripts: Record<string, FakeScript>, root: FakeScript = {}): Setup {
  const dir = tempDir("maos-resume-");
  const plan = tasks.map((t) => ({ id: t.id, agent_type: "developer", description: t.description ?? `Task ${t.id}`, depends_on: t.deps ?? [] }));
  writeFileSync(join(dir.path, "plan.json"), JSON.stringify({ tasks: plan }));
  const byPrompt: Record<string, FakeScript> = {};
  for (const [task, script] of Object.entries(scripts)) byPrompt[scriptKey(task)] = script;
  writeFileSync(join(dir.path, "script.json"), JSON.stringify({ ...root, byPrompt }));
  const db = join(dir.path, "maos.db");
  const env = scenarioEnv(dir.path);
  const runs: MaosRun[] = [];
  const maos = (args: string[]) => {
    const run = spawnMaosIn(dir.path, [...args, "--db", db], env);
    runs.push(run);
    return run;
  };
  const log = join(dir.path, "log");
  return {
    dir,
    db,
    log,
    env,
    maos,
    run: (args) => finish(maos(args), scaled(30_000)),
    // Even when a test fails half-way: no maos and no (hanging, detached) fake agent outlives it.
    [Symbol.dispose]: () => {
      for (const run of runs) if (run.proc.exitCode === null) run.proc.kill("SIGKILL");
      for (const e of readFakeAgentLog(log)) {
        if (e.event !== "start") continue;
        try {
          if (readFileSync(`/proc/${e.pid}/cmdline`, "utf8").includes("fake-agent")) process.kill(e.pid, "SIGKILL");
        } catch {
          // gone
        }
      }
      dir.cleanup();
    },
  };
}

const orchestrate = ["orchestrate", "resume test", "--plan", "plan.json", "--auto"];

function orchestrationId(db: string): string {
  return withDb(db, (d) => d.query<{ id: string }, []>("SELECT id FROM orchestrations").get()!.id)!;
}

function query<T>(db: string, sql: string, ...params: (string | number)[]): T[] {
  return withDb(db, (d) => d.query<T, (string | number)[]>(sql).all(...params)) ?? [];
}

/** The fake agent processes, with the task each worked on (from its system prompt). */
function starts(log: string): (FakeLogEntry & { task: string | null; argv: string[] })[] {
  return readFakeAgentLog(log)
    .filter((e) => e.event === "start")
    .map((e) => {
      const argv = e.argv as string[];
      return { ...e, argv, task: /You are the agent for task @([A-Za-z0-9_.-]+),/.exec(argv.join("\n"))?.[1] ?? null };
    });
}

function messagesOf(log: string, pid: number): string[] {
  return readFakeAgentLog(log)
    .filter((e) => e.event === "message" && e.pid === pid)
    .map((e) => String(e.text));
}

/** Alive and not a zombie (a detached agent whose parent died is reaped by whoever adopted it, maybe never). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** Waits until an attempt of the task has a pid and its agent has streamed at least one committed event. */
async function agentStreaming(run: MaosRun, db: string, task: string): Promise<number> {
  expect(
    await waitForDb(
      run,
      db,
      (d) =>
        d
          .query(
            `SELECT 1 FROM attempts a JOIN events e ON e.agent_id = a.agent_id AND e.attempt = a.attempt
             WHERE a.task_id LIKE ? AND a.status = 'running' AND a.pid IS NOT NULL AND e.type = 'assistant'`,
          )
          .get(`%:${task}`) !== null,
    ),
  ).toBe(true);
  return query<{ pid: number }>(db, "SELECT pid FROM attempts WHERE task_id LIKE ? AND status = 'running'", `%:${task}`)[0]!.pid;
}

describe("maos orchestration resume", () => {
  test("an orchestration a live process owns is refused with exit 4 naming that pid, and left alone", async () => {
    using s = setUp([{ id: "h" }], { h: { steps: [{ text: "busy" }, { hang: true }] } });
    const owner = s.maos(orchestrate);
    await agentStreaming(owner, s.db, "h");
    const id = orchestrationId(s.db);
    const before = query(s.db, "SELECT status, owner_pid, heartbeat_at FROM orchestrations");

    const refused = await s.run(["orchestration", "resume", id.slice(0, 8), "--auto"]);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain(`live process ${owner.proc.pid}`);
    expect(query(s.db, "SELECT status, owner_pid, heartbeat_at FROM orchestrations")).toEqual(before);
    expect(query(s.db, "SELECT * FROM resumes")).toEqual([]);

    owner.proc.kill("SIGINT");
    expect((await finish(owner, scaled(15_000))).code).toBe(130);
  }, scaled(30_000));

  test("a live owner is never taken over whatever the status says (forced paused, failed): exit 4, its agent untouched", async () => {
    using s = setUp([{ id: "h" }], { h: { steps: [{ text: "busy" }, { hang: true }] } });
    const owner = s.maos(orchestrate);
    const agentPid = await agentStreaming(owner, s.db, "h");
    const id = orchestrationId(s.db);
    for (const status of ["paused", "failed"]) {
      // The README's "force paused" query, run while the owner is alive.
      withDb(s.db, (d) => d.query("UPDATE orchestrations SET status = ? WHERE id = ?").run(status, id));
      const refused = await s.run(["orchestration", "resume", id.slice(0, 8), "--auto"]);
      expect(refused.code).toBe(4);
      expect(refused.stderr).toContain(`live process ${owner.proc.pid}`);
      expect(refused.stderr).toContain(`status says ${status}`);
      expect(running(agentPid)).toBe(true);
      expect(query(s.db, "SELECT * FROM resumes")).toEqual([]);
      expect(query<{ n: number }>(s.db, "SELECT COUNT(*) AS n FROM attempts")[0]!.n).toBe(1);
    }
    owner.proc.kill("SIGINT");
    expect((await finish(owner, scaled(15_000))).code).toBe(130);
  }, scaled(30_000));

  test("an unknown id exits 3 and an ambiguous prefix exits 2", async () => {
    const t = createTestDb();
    try {
      buildOrchestration(t.db, { id: "abcd0001-0000-4000-8000-000000000001", status: "paused", owner: "dead", tasks: [{ key: "x" }] });
      buildOrchestration(t.db, { id: "abcd0002-0000-4000-8000-000000000002", status: "paused", owner: "dead", tasks: [{ key: "x" }] });
      const dump = dumpDatabase(t.path);
      using s = setUp([], {});
      const unknown = await finish(spawnMaosIn(s.dir.path, ["orchestration", "resume", "0123abcd", "--auto", "--db", t.path], s.env));
      expect(unknown.code).toBe(3);
      expect(unknown.stderr).toContain('no orchestration matches "0123abcd"');
      const ambiguous = await finish(spawnMaosIn(s.dir.path, ["orchestration", "resume", "abcd000", "--auto", "--db", t.path], s.env));
      expect(ambiguous.code).toBe(2);
      expect(ambiguous.stderr).toContain("matches several orchestrations");
      expect(ambiguous.stderr).toContain("abcd0001");
      expect(dumpDatabase(t.path)).toBe(dump);
    } finally {
      t.cleanup();
    }
  }, scaled(30_000));

  test('--task on a completed orchestration runs a developer after every task, with their results, and re-runs nothing', async () => {
    using s = setUp(
      [
        { id: "a", description: "Collect the requirements" },
        { id: "b", deps: ["a"], description: "Write the server" },
      ],
      {
        a: { steps: [{ text: "RESULT-ALPHA: three endpoints" }] },
        b: { steps: [{ text: "RESULT-BETA: server in src/server.ts" }] },
      },
      { steps: [{ echoPrompt: true }] },
    );
    expect((await s.run(orchestrate)).code).toBe(0);
    const id = orchestrationId(s.db);
    const firstStarts = starts(s.log);
    expect(firstStarts.map((p) => p.task)).toEqual(["a", "b"]);

    const resumed = await s.run(["orchestration", "resume", id.slice(0, 8), "--task", "now add authentication", "--auto", "--json"]);
    expect(resumed.code).toBe(0);
    const summary = JSON.parse(resumed.stdout);
    expect(summary.status).toBe("completed");
    expect(summary.tasks.map((t: { id: string; status: string; attempts: number }) => [t.id, t.status, t.attempts])).toEqual([
      ["a", "completed", 1],
      ["b", "completed", 1],
      ["followup-1", "completed", 1],
    ]);
    const followUp = query<{ agent_type: string; depends_on: string; description: string; completed_count: number }>(
      s.db,
      "SELECT agent_type, depends_on, description, completed_count FROM tasks WHERE task_key = 'followup-1'",
    )[0]!;
    expect(followUp).toEqual({ agent_type: "developer", depends_on: '["a","b"]', description: "now add authentication", completed_count: 1 });

    // Only the new task's agent started, and its prompt carried the earlier results.
    const later = starts(s.log).slice(firstStarts.length);
    expect(later.map((p) => p.task)).toEqual(["followup-1"]);
    const prompt = messagesOf(s.log, later[0]!.pid)[0]!;
    expect(prompt).toContain("now add authentication");
    expect(prompt).toContain("RESULT-ALPHA: three endpoints");
    expect(prompt).toContain("RESULT-BETA: server in src/server.ts");
    expect(query(s.db, "SELECT COUNT(*) AS n FROM attempts")).toEqual([{ n: 3 }]);
    const plan = JSON.parse(query<{ plan: string }>(s.db, "SELECT plan FROM orchestrations")[0]!.plan);
    expect(plan.tasks.map((t: { id: string }) => t.id)).toEqual(["a", "b", "followup-1"]);
    const history = query<{ previous_status: string; summary: string }>(s.db, "SELECT previous_status, summary FROM resumes");
    expect(history).toHaveLength(1);
    expect(history[0]!.previous_status).toBe("completed");
    expect(JSON.parse(history[0]!.summary)).toMatchObject({ addedTask: "followup-1", done: ["a", "b"], continued: [], started: [] });
  }, scaled(30_000));

  test('a completed orchestration without --task: "Nothing to resume", exit 0, nothing changed', async () => {
    using s = setUp([{ id: "a" }], { a: { steps: [{ text: "done" }] } });
    expect((await s.run(orchestrate)).code).toBe(0);
    const dump = dumpDatabase(s.db);
    const result = await s.run(["orchestration", "resume", orchestrationId(s.db), "--auto"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Nothing to resume");
    expect(starts(s.log)).toHaveLength(1);
    expect(dumpDatabase(s.db)).toBe(dump);
  }, scaled(30_000));

  test("killed after its last task completed but before the end was recorded: resume records it, re-running nothing", async () => {
    const t = createTestDb();
    try {
      const built = buildOrchestration(t.db, {
        owner: "dead",
        tasks: [
          { key: "a", status: "completed" },
          { key: "b", status: "completed", deps: ["a"] },
        ],
      });
      using s = setUp([], {});
      const result = await finish(spawnMaosIn(s.dir.path, ["orchestration", "resume", built.id.slice(0, 8), "--auto", "--json", "--db", t.path], s.env));
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ status: "completed", totals: { tasks: 2, completed: 2 } });
      expect(readFakeAgentLog(s.log)).toEqual([]);
      const rows = t.db.query("SELECT status, owner_pid FROM orchestrations").all();
      expect(rows).toEqual([{ status: "completed", owner_pid: null }]);
      expect(t.db.query("SELECT task_key, attempt, completed_count FROM tasks ORDER BY position").all()).toEqual([
        { task_key: "a", attempt: 1, completed_count: 1 },
        { task_key: "b", attempt: 1, completed_count: 1 },
      ]);
    } finally {
      t.cleanup();
    }
  }, scaled(30_000));

  test("an orchestration paused a month ago resumes with all its agents, messages and results", async () => {
    using s = setUp(
      [
        { id: "a" },
        { id: "b", deps: ["a"] },
        { id: "c", deps: ["b"] },
      ],
      {
        a: { steps: [{ text: "DISCOVERY: the config lives in config.yml\nMESSAGE @c: remember the rate limit" }, { text: "a: requirements written" }] },
        b: { attempts: [[{ text: "b is halfway" }, { hang: true }], [{ text: "b: finished a month later" }]] },
        c: { steps: [{ echoPrompt: true }] },
      },
    );
    const first = s.maos(orchestrate);
    await agentStreaming(first, s.db, "b");
    first.proc.kill("SIGINT");
    expect((await finish(first, scaled(15_000))).code).toBe(130);
    const id = orchestrationId(s.db);

    // Everything happened 31 days ago: every timestamp column of every table moves back.
    const raw = new Database(s.db);
    const trigger = raw.query<{ sql: string }, []>("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'events_append_only'").get()!.sql;
    raw.transaction(() => {
      raw.exec("DROP TRIGGER events_append_only");
      const tables = raw.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all();
      for (const { name } of tables) {
        for (const col of raw.query<{ name: string; type: string }, []>(`PRAGMA table_info("${name}")`).all()) {
          if (col.type !== "TIMESTAMP") continue;
          raw.exec(`UPDATE "${name}" SET "${col.name}" = strftime('%Y-%m-%d %H:%M:%f', "${col.name}", '-31 days') WHERE "${col.name}" IS NOT NULL`);
        }
      }
      raw.exec(trigger);
    })();
    const recent = raw.query<{ n: number }, []>(
      `SELECT (SELECT COUNT(*) FROM events WHERE ts > datetime('now','-30 days')) + (SELECT COUNT(*) FROM messages WHERE timestamp > datetime('now','-30 days'))
        + (SELECT COUNT(*) FROM orchestrations WHERE heartbeat_at > datetime('now','-30 days') OR created_at > datetime('now','-30 days')) AS n`,
    ).get()!.n;
    raw.close();
    expect(recent).toBe(0);
    const before = query<{ id: number; agent_id: string; seq: number; raw: string }>(s.db, "SELECT id, agent_id, seq, raw FROM events ORDER BY id");
    const aResult = query<{ result: string }>(s.db, "SELECT result FROM tasks WHERE task_key = 'a'")[0]!.result;
    expect(query(s.db, "SELECT task_key, status FROM tasks ORDER BY position")).toEqual([
      { task_key: "a", status: "completed" },
      { task_key: "b", status: "pending" },
      { task_key: "c", status: "pending" },
    ]);

    const listed = await s.run(["orchestration", "list", "--json"]);
    expect(JSON.parse(listed.stdout).orchestrations.map((o: { id: string; status: string }) => [o.id, o.status])).toEqual([[id, "paused"]]);

    const resumed = await s.run(["orchestration", "resume", id.slice(0, 8), "--auto", "--json"]);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout).status).toBe("completed");
    expect(query(s.db, "SELECT task_key, status, attempt, completed_count FROM tasks ORDER BY position")).toEqual([
      { task_key: "a", status: "completed", attempt: 1, completed_count: 1 },
      { task_key: "b", status: "completed", attempt: 2, completed_count: 1 },
      { task_key: "c", status: "completed", attempt: 1, completed_count: 1 },
    ]);
    expect(query<{ result: string }>(s.db, "SELECT result FROM tasks WHERE task_key = 'a'")[0]!.result).toBe(aResult);
    // The month-old events are all still there, unchanged, and the streams went on after them.
    const after = query<{ id: number; agent_id: string; seq: number; raw: string }>(s.db, "SELECT id, agent_id, seq, raw FROM events ORDER BY id");
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.length).toBeGreaterThan(before.length);
    // b continued its own session; c got a's month-old messages in its prompt.
    const procs = starts(s.log);
    expect(procs.map((p) => p.task)).toEqual(["a", "b", "b", "c"]);
    expect(procs[2]!.argv).toContain("--resume");
    expect(procs[2]!.sessionId).toBe(procs[1]!.sessionId);
    const cPrompt = messagesOf(s.log, procs[3]!.pid)[0]!;
    expect(cPrompt).toContain(formatDelivery({ fromTask: "a", type: "discovery", text: "the config lives in config.yml" }));
    expect(cPrompt).toContain(formatDelivery({ fromTask: "a", type: "message", text: "remember the rate limit" }));
    expect(query(s.db, "SELECT message_type, status FROM deliveries d JOIN messages m ON m.id = d.message_id ORDER BY m.id, d.agent_id")).toEqual([
      { message_type: "discovery", status: "acknowledged" },
      { message_type: "discovery", status: "acknowledged" },
      { message_type: "message", status: "acknowledged" },
    ]);
  }, scaled(30_000));

  test("an orchestration killed while planning plans again on resume, then runs", async () => {
    const plan = { summary: "two steps", tasks: [{ id: "one", agent_type: "developer", description: "Step one", depends_on: [] }, { id: "two", agent_type: "tester", description: "Step two", depends_on: ["one"] }] };
    using s = setUp([], { one: { steps: [{ text: "one done" }] }, two: { steps: [{ text: "two done" }] } });
    // The first planner call takes long (maos is killed meanwhile); the next one answers with the plan.
    const script = JSON.parse(readFileSync(join(s.dir.path, "script.json"), "utf8"));
    script.byPrompt = { "Plan the work for this request.": { attempts: [[{ sleepMs: 20_000 }], [{ structured: plan }]] }, ...script.byPrompt };
    writeFileSync(join(s.dir.path, "script.json"), JSON.stringify(script));
    const first = s.maos(["orchestrate", "build it in two steps", "--auto"]);
    const plannerStarted = () => readFakeAgentLog(s.log).some((e) => e.event === "message");
    expect(await waitForDb(first, s.db, (d) => d.query("SELECT 1 FROM orchestrations").get() !== null && plannerStarted())).toBe(true);
    expect(await killHard(first)).toBe(true);
    const planner = readFakeAgentLog(s.log).find((e) => e.event === "start")!.pid;
    try {
      // The planner runs under the supervisor too: it dies with maos, whatever killed maos.
      await waitUntil(() => !running(planner), "the planner to die with maos", 3000).catch(() => {});
      expect(running(planner)).toBe(false);
      expect(query(s.db, "SELECT COUNT(*) AS n FROM tasks")).toEqual([{ n: 0 }]);
      const resumed = await s.run(["orchestration", "resume", orchestrationId(s.db), "--auto"]);
      expect(resumed.code).toBe(0);
      expect(resumed.stderr).toContain("Planning");
      expect(query(s.db, "SELECT task_key, agent_type, status, completed_count FROM tasks ORDER BY position")).toEqual([
        { task_key: "one", agent_type: "developer", status: "completed", completed_count: 1 },
        { task_key: "two", agent_type: "tester", status: "completed", completed_count: 1 },
      ]);
      expect(query(s.db, "SELECT status FROM orchestrations")).toEqual([{ status: "completed" }]);
      expect(query<{ previous_status: string }>(s.db, "SELECT previous_status FROM resumes").map((r) => r.previous_status)).toEqual(["paused (interrupted)"]);
      const summary = JSON.parse(query<{ summary: string }>(s.db, "SELECT summary FROM resumes")[0]!.summary);
      expect(summary.stoppedPids).toEqual([]);
      expect(query(s.db, "SELECT planner_pid FROM orchestrations")).toEqual([{ planner_pid: null }]);
    } finally {
      try {
        process.kill(planner, "SIGKILL");
      } catch {
        // gone
      }
    }
  }, scaled(30_000));

  for (const variant of ["exits on SIGINT", "ignores SIGINT"] as const) {
    test(`agent processes left by a crashed run are stopped before anything is resumed (an agent that ${variant})`, async () => {
      using s = setUp(
        [{ id: "h" }],
        { h: { attempts: [[{ text: "working" }, { hang: true }], [{ text: "h done" }]] } },
        variant === "ignores SIGINT" ? { ignoreSigint: true } : {},
      );
      const first = s.maos(orchestrate);
      const supervisor = await agentStreaming(first, s.db, "h");
      const oldPid = starts(s.log).find((p) => p.task === "h")!.pid;
      // Like `pkill -9 maos`: maos and the agent's supervisor die together (the supervisor is
      // stopped first so that it cannot act on maos's death), and the agent, whose hang
      // ignores stdin EOF, is left running with nobody watching it.
      process.kill(supervisor, "SIGSTOP");
      expect(await killHard(first)).toBe(true);
      process.kill(supervisor, "SIGKILL");
      await waitUntil(() => !running(supervisor), "the supervisor to be gone");
      await Bun.sleep(100);
      expect(running(oldPid)).toBe(true);

      let goneAt = 0;
      const watcher = setInterval(() => {
        if (!goneAt && !running(oldPid)) goneAt = Date.now();
      }, 2);
      const resumed = await s.run(["orchestration", "resume", orchestrationId(s.db), "--auto"]);
      clearInterval(watcher);
      expect(resumed.code).toBe(0);
      expect(resumed.stderr).toContain(`Stopped 1 agent process(es) left by the interrupted run: ${oldPid}`);
      expect(running(oldPid)).toBe(false);

      const procs = starts(s.log);
      expect(procs.map((p) => [p.task, p.pid === oldPid])).toEqual([
        ["h", true],
        ["h", false],
      ]);
      expect(goneAt).toBeGreaterThan(0);
      expect(goneAt).toBeLessThanOrEqual(procs[1]!.t);
      const signals = readFakeAgentLog(s.log).filter((e) => e.pid === oldPid && e.event === "signal");
      expect(signals.map((e) => e.signal)).toEqual(["SIGINT"]);
      const summary = JSON.parse(query<{ summary: string }>(s.db, "SELECT summary FROM resumes")[0]!.summary);
      expect(summary.stoppedPids).toEqual([oldPid]);
      expect(summary.continued).toEqual(["h"]);
      expect(query(s.db, "SELECT attempt, status, resumed FROM attempts ORDER BY id")).toEqual([
        { attempt: 1, status: "interrupted", resumed: 0 },
        { attempt: 2, status: "completed", resumed: 1 },
      ]);
    }, scaled(30_000));
  }

  test("an agent dies with a SIGKILLed maos (its hang ignores stdin EOF): nothing is left for the resume to stop", async () => {
    using s = setUp([{ id: "h" }], { h: { attempts: [[{ text: "working" }, { hang: true }], [{ text: "h done" }]] } }, { ignoreSigint: true });
    const first = s.maos(orchestrate);
    const supervisor = await agentStreaming(first, s.db, "h");
    const agent = starts(s.log).find((p) => p.task === "h")!.pid;
    expect(await killHard(first)).toBe(true);
    await waitUntil(() => !running(agent) && !running(supervisor), "the agent and its supervisor to die with maos", 3000).catch(() => {});
    expect([running(agent), running(supervisor)]).toEqual([false, false]);
    const resumed = await s.run(["orchestration", "resume", orchestrationId(s.db), "--auto"]);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).not.toContain("left by the interrupted run");
    expect(JSON.parse(query<{ summary: string }>(s.db, "SELECT summary FROM resumes")[0]!.summary).stoppedPids).toEqual([]);
  }, 30_000);

  test("Ctrl-C pauses (exit 130); resume continues the interrupted agent's own session and status shows the history", async () => {
    using s = setUp(
      [{ id: "h" }, { id: "next", deps: ["h"] }],
      {
        h: { attempts: [[{ text: "first half" }, { hang: true }], [{ text: "second half" }]] },
        next: { steps: [{ text: "next done" }] },
      },
    );
    const first = s.maos(orchestrate);
    await agentStreaming(first, s.db, "h");
    first.proc.kill("SIGINT");
    const stopped = await finish(first, scaled(15_000));
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain("orchestration resume");
    const id = orchestrationId(s.db);
    expect(query(s.db, "SELECT status, owner_pid FROM orchestrations")).toEqual([{ status: "paused", owner_pid: null }]);
    expect(query(s.db, "SELECT task_key, status FROM tasks ORDER BY position")).toEqual([
      { task_key: "h", status: "pending" },
      { task_key: "next", status: "pending" },
    ]);
    expect(query(s.db, "SELECT status FROM attempts")).toEqual([{ status: "interrupted" }]);

    const resumed = await s.run(["orchestration", "resume", id.slice(0, 8), "--auto"]);
    expect(resumed.code).toBe(0);
    expect(query(s.db, "SELECT status FROM orchestrations")).toEqual([{ status: "completed" }]);
    const attempts = query<{ attempt: number; session_id: string; resumed: number; status: string }>(
      s.db,
      "SELECT attempt, session_id, resumed, status FROM attempts WHERE task_id LIKE '%:h' ORDER BY attempt",
    );
    expect(attempts.map((a) => [a.attempt, a.resumed, a.status])).toEqual([
      [1, 0, "interrupted"],
      [2, 1, "completed"],
    ]);
    expect(attempts[1]!.session_id).toBe(attempts[0]!.session_id);
    const procs = starts(s.log).filter((p) => p.task === "h");
    expect(procs).toHaveLength(2);
    expect(procs[0]!.argv).toContain("--session-id");
    const resumeAt = procs[1]!.argv.indexOf("--resume");
    expect(procs[1]!.argv[resumeAt + 1]).toBe(attempts[0]!.session_id);
    expect(messagesOf(s.log, procs[1]!.pid)[0]).toContain("interrupted by the user (maos was stopped with Ctrl-C)");
    expect(query<{ result: string }>(s.db, "SELECT result FROM tasks WHERE task_key = 'h'")[0]!.result).toBe("second half");

    const status = await s.run(["orchestration", "status", id.slice(0, 8)]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain("Resumes:");
    expect(status.stdout).toMatch(/Resumes:\n.*WAS.*CONTINUED.*STARTED[^\n]*\n.*\n.*paused +h +next/);
    const json = JSON.parse((await s.run(["orchestration", "status", id.slice(0, 8), "--json"])).stdout);
    expect(json.resumes).toEqual([
      expect.objectContaining({
        previous_status: "paused",
        summary: { continued: ["h"], started: ["next"], done: [], messagesWaiting: 0, addedTask: null, stoppedPids: [] },
      }),
    ]);
  }, scaled(30_000));
});
