// Issue 4, end to end: `maos orchestrate` with the real claude CLI and the scripted mock —
// the planner, a parallel graph, failures, the budget, approval on a real terminal, Ctrl-C.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Database } from "bun:sqlite";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ensureBinary } from "../support/binary.ts";
import {
  errorReply,
  route,
  slowTextReply,
  structuredOutputReply,
  textReply,
  toolUseReply,
  type MessageReply,
  type MockHandler,
  type RecordedRequest,
} from "../support/mock-anthropic.ts";
import { longSleepCommand, pidAlive, processesMatching, REQUEST, sqlTimeMs, startE2E, taskMarker, transcriptText, waitUntil, type E2E } from "../support/e2e.ts";
import { scaled } from "../support/machine.ts";

// Real processes: each test gets up to 45 s (they take 0.1–4 s each).
setDefaultTimeout(scaled(45_000));

const tasksByKey = (db: Database) =>
  new Map(db.query<Record<string, any>, []>("SELECT * FROM tasks ORDER BY position").all().map((t) => [t.task_key as string, t]));
const attemptCount = (db: Database, key?: string) =>
  key === undefined
    ? db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM attempts").get()!.n
    : db.query<{ n: number }, [string]>("SELECT COUNT(*) AS n FROM attempts a JOIN tasks t ON t.id = a.task_id WHERE t.task_key = ?").get(key)!.n;
const requestsFor = (e: E2E, key: string) => e.mock.messageRequests().filter((r) => r.allUserText.includes(taskMarker(key)));

/** Single-quotes a word for `sh -c`. */
const sh = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

describe("e2e: maos orchestrate with the real claude CLI", () => {
  test("planner path: the plan comes from the StructuredOutput tool, the tasks run, --json has them", async () => {
    await using e = await startE2E();
    const plan = {
      summary: "Design first, then build",
      tasks: [
        { id: "design", agent_type: "architect", description: "Design the greeting module", depends_on: [] },
        { id: "build", agent_type: "developer", description: "Build the greeting module", depends_on: ["design"] },
      ],
    };
    const agents = route([
      [taskMarker("design"), textReply("DESIGN: one function greet(name).")],
      [taskMarker("build"), textReply("BUILD: greet implemented.")],
    ]);
    const handler: MockHandler = (req) => (req.toolNames.includes("StructuredOutput") ? structuredOutputReply(plan) : agents(req));
    e.mock.script(handler);

    const r = await e.run(["orchestrate", "Make", "a", "greeting", "module", "--auto", "--json", "--db", e.dbPath]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ status: "completed", request: "Make a greeting module", budget_exhausted: false, resume_hint: null });
    expect(doc.tasks.map((t: any) => [t.id, t.agent_type, t.status, t.result])).toEqual([
      ["design", "architect", "completed", "DESIGN: one function greet(name)."],
      ["build", "developer", "completed", "BUILD: greet implemented."],
    ]);
    expect(doc.totals).toMatchObject({ tasks: 2, completed: 2, failed: 0 });

    const planner = e.mock.messageRequests().filter((q) => q.toolNames.includes("StructuredOutput"));
    expect(planner).toHaveLength(1);
    expect(planner[0]!.allUserText).toContain("Make a greeting module");
    // the agents got the plan's tasks, build with design's result
    expect(requestsFor(e, "build")[0]!.allUserText).toContain("DESIGN: one function greet(name).");
    e.query((db) => {
      const o = db.query<Record<string, any>, []>("SELECT * FROM orchestrations").get()!;
      expect(o.status).toBe("completed");
      expect(JSON.parse(o.plan)).toEqual(plan);
      expect(JSON.parse(o.batches)).toEqual([["design"], ["build"]]);
    });
  });

  test("planner failure with --auto: exit 1, a clear message suggesting --plan, nothing run", async () => {
    await using e = await startE2E();
    e.mock.script((req) => (req.toolNames.includes("StructuredOutput") ? errorReply(400, { message: "mock: no plan today" }) : textReply("unexpected")));
    const r = await e.run(["orchestrate", "Plan", "this", "--auto", "--db", e.dbPath]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("maos: planning failed: planner failed: API Error: 400 mock: no plan today");
    expect(r.stderr).toContain("pass --plan FILE");
    // The planner only (one session: newer CLIs retry a 400 themselves), no agent.
    const requests = e.mock.messageRequests();
    expect(requests.length).toBeGreaterThanOrEqual(1);
    expect(requests.every((q) => q.toolNames.includes("StructuredOutput"))).toBe(true);
    expect(new Set(requests.map((q) => q.sessionId)).size).toBe(1);
    e.query((db) => {
      const o = db.query<Record<string, any>, []>("SELECT * FROM orchestrations").get()!;
      expect(o.status).toBe("failed");
      expect(o.request).toBe("Plan this");
      expect(db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM tasks").get()!.n).toBe(0);
    });
  });

  test("a → (b, c) → d with --max-parallel 2: b and c overlap, d waits for both and receives their results", async () => {
    await using e = await startE2E();
    const bText = `B-RESULT: the b half is ready. ${"b".repeat(60)}`;
    const cText = `C-RESULT: the c half is ready. ${"c".repeat(60)}`;
    // b and c answer only once both have asked (so run one after the other, they would stall
    // and fail), then stream for ~0.5 s each.
    const bothAsked = (reply: MessageReply): MockHandler => async () => {
      await waitUntil(() => requestsFor(e, "b").length > 0 && requestsFor(e, "c").length > 0, "b and c to run at the same time", scaled(15_000));
      return reply;
    };
    e.mock.script(
      route([
        [taskMarker("a"), textReply("A-RESULT: foundations laid.")],
        [taskMarker("b"), bothAsked(slowTextReply(bText, 10, 50))],
        [taskMarker("c"), bothAsked(slowTextReply(cText, 10, 50))],
        [taskMarker("d"), textReply("D-RESULT: merged.")],
      ]),
    );
    const plan = e.plan([
      { id: "a" },
      { id: "b", depends_on: ["a"] },
      { id: "c", depends_on: ["a"] },
      { id: "d", depends_on: ["b", "c"] },
    ]);
    const r = await e.orchestrate(plan, ["--max-parallel", "2", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).tasks.map((t: any) => t.status)).toEqual(["completed", "completed", "completed", "completed"]);
    expect(e.mock.handlerErrors).toEqual([]);

    const [a, b, c, d] = ["a", "b", "c", "d"].map((k) => {
      const reqs = requestsFor(e, k);
      expect(reqs).toHaveLength(1);
      return reqs[0]!;
    }) as RecordedRequest[];
    // As the mock saw it: b and c streamed at the same time; a before both, d after both.
    expect(Math.max(b!.receivedAt, c!.receivedAt)).toBeLessThan(Math.min(b!.finishedAt!, c!.finishedAt!));
    expect(a!.finishedAt!).toBeLessThan(Math.min(b!.receivedAt, c!.receivedAt));
    expect(d!.receivedAt).toBeGreaterThan(Math.max(b!.finishedAt!, c!.finishedAt!));
    // d's prompt carries both results in full.
    expect(d!.firstUserText).toContain(`### @b (developer)\n${bText}`);
    expect(d!.firstUserText).toContain(`### @c (developer)\n${cText}`);
    expect(b!.firstUserText).toContain("A-RESULT: foundations laid.");

    e.query((db) => {
      const t = tasksByKey(db);
      const span = (k: string) => [sqlTimeMs(t.get(k)!.started_at), sqlTimeMs(t.get(k)!.completed_at)] as const;
      const [bs, be] = span("b");
      const [cs, ce] = span("c");
      const [ds] = span("d");
      const [, ae] = span("a");
      expect(Math.max(bs, cs)).toBeLessThan(Math.min(be, ce));
      expect(Math.min(bs, cs)).toBeGreaterThanOrEqual(ae);
      expect(ds).toBeGreaterThanOrEqual(Math.max(be, ce));
    });
  });

  test("a failing task blocks its dependents (transitively); independent tasks still complete; exit 1", async () => {
    await using e = await startE2E();
    e.mock.script(
      route([
        [taskMarker("a"), errorReply(400, { message: "mock: a cannot be done" })],
        [taskMarker("c"), textReply("C done.")],
      ]),
    );
    const plan = e.plan([{ id: "a" }, { id: "b", depends_on: ["a"] }, { id: "c" }, { id: "d", depends_on: ["b"] }]);
    const r = await e.orchestrate(plan, ["--json", "--max-parallel", "1"]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.status).toBe("failed");
    expect(doc.tasks.map((t: any) => [t.id, t.status])).toEqual([
      ["a", "failed"],
      ["b", "blocked"],
      ["c", "completed"],
      ["d", "blocked"],
    ]);
    expect(doc.totals).toMatchObject({ completed: 1, failed: 1, blocked: 2 });
    expect(r.stderr).toContain("finished with tasks not completed");
    expect(requestsFor(e, "b")).toHaveLength(0);
    expect(requestsFor(e, "d")).toHaveLength(0);
    e.query((db) => {
      const t = tasksByKey(db);
      expect(t.get("b")!.error).toBe("blocked: dependency @a did not complete");
      expect(t.get("d")!.error).toBe("blocked: dependency @b did not complete");
      expect(attemptCount(db, "b") + attemptCount(db, "d")).toBe(0);
      expect(db.query<{ status: string }, []>("SELECT status FROM orchestrations").get()!.status).toBe("failed");
    });
  });

  test("--budget-usd: once the first task spent the budget no other task starts; the summary says so; exit 1", async () => {
    await using e = await startE2E();
    // opus pricing: 20,000 in + 2,000 out ≈ $0.15, three times the budget
    e.mock.script(
      route([
        [taskMarker("a"), textReply("A spent a lot.", { usage: { input_tokens: 20_000, output_tokens: 2_000 } })],
        [taskMarker("b"), textReply("B must not run.")],
      ]),
    );
    const r = await e.orchestrate(e.plan([{ id: "a" }, { id: "b" }]), ["--budget-usd", "0.05", "--max-parallel", "1", "--json"]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.budget_exhausted).toBe(true);
    expect(doc.status).toBe("failed");
    expect(doc.totals.cost_usd).toBeGreaterThan(0.05);
    expect(doc.tasks[1]).toMatchObject({ id: "b", status: "cancelled", attempts: 0, error: "not started: the --budget-usd budget was spent" });
    expect(r.stderr).toContain("budget");
    expect(requestsFor(e, "a")).toHaveLength(1);
    expect(requestsFor(e, "b")).toHaveLength(0);
    e.query((db) => {
      expect(attemptCount(db, "b")).toBe(0);
      expect(db.query<{ total_cost: number }, []>("SELECT total_cost FROM orchestrations").get()!.total_cost).toBeGreaterThan(0.05);
    });
  });

  test("first contact without credentials: one line naming ANTHROPIC_API_KEY and maos doctor (exit 5), also in maos.log; --verbose logs the planner's argv", async () => {
    await using e = await startE2E();
    const r = await e.orchestrate(null, ["--verbose"], { env: { ANTHROPIC_API_KEY: undefined } });
    expect(r.code).toBe(5);
    const last = r.stderr.trim().split("\n").at(-1)!;
    expect(last).toMatch(/^maos: claude has no usable credentials \(it said: .*(Not logged in|login).*\) — set ANTHROPIC_API_KEY, or run `claude` once and log in; `maos doctor` checks it$/);
    expect(r.stderr).toContain("planner: spawning");
    expect(e.mock.messageRequests()).toHaveLength(0);
    const logText = readFileSync(join(dirname(e.dbPath), "maos.log"), "utf8");
    expect(logText).toContain("fatal");
    expect(logText).toContain("claude has no usable credentials");
  });

  test("first contact with an unreachable API: within seconds one line says so and what to do, then progress per retry; Ctrl-C pauses", async () => {
    await using e = await startE2E();
    // A port nobody listens on: claude's calls fail to connect, and it retries for ~3 minutes.
    const closed = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const url = `http://127.0.0.1:${closed.port}`;
    closed.stop(true);
    const p = e.start(["orchestrate", REQUEST, "--auto", "--db", e.dbPath], { env: { ANTHROPIC_BASE_URL: url, CLAUDE_CODE_MAX_RETRIES: "10" } });
    await p.waitForOutput("check the network and ANTHROPIC_BASE_URL", scaled(20_000));
    await p.waitForOutput(/Planning: no answer from the API \(no connection\?\), retry 2 of \d+/, scaled(20_000));
    p.kill("SIGINT");
    const r = await p.exited;
    expect(r.code).toBe(130);
    const warning = r.stderr.split("\n").find((l) => l.includes("check the network"))!;
    expect(warning).toMatch(/Planning: no answer from the API \(no connection\?\); claude keeps retrying for about 3 minutes \(retry 1 of \d+, next in \d+ s\) — check the network and ANTHROPIC_BASE_URL; `?maos doctor`? checks the set-up; Ctrl-C stops \(resume later\)$/);
    expect(r.stderr).toContain("interrupted while planning");
    e.query((db) => expect(db.query<{ status: string }, []>("SELECT status FROM orchestrations").get()!.status).toBe("paused"));
  });

  describe("approval on a real pseudo-terminal", () => {
    /** Runs dist/maos without --auto inside `script` (util-linux), which gives it a pty of 100x30. */
    function startOnTerminal(e: E2E, env: Record<string, string> = {}, planArgs: string[] = ["--plan", e.plan([{ id: "a" }])]) {
      const cmd = ["orchestrate", REQUEST, ...planArgs, "--db", e.dbPath].map(sh).join(" ");
      return e.start(["-q", "-e", "-c", `stty cols 100 rows 30; exec ${sh(ensureBinary())} ${cmd}`, "/dev/null"], {
        cmd: ["script"],
        stdin: "pipe",
        env: { TERM: "xterm-256color", ...env },
      });
    }

    test("Edit the plan: $EDITOR changes it, it is validated, shown again and run as edited", async () => {
      await using e = await startE2E();
      e.mock.script(route([[taskMarker("a"), textReply("A done as edited.")]]));
      const editor = join(e.root.path, "editor.sh");
      writeFileSync(editor, `#!/bin/sh\nsed -i 's/Do the part called a\\./EDITED-DESCRIPTION, must NOT touch deploy\\//' "$1"\n`, { mode: 0o755 });
      const p = startOnTerminal(e, { EDITOR: editor, VISUAL: "" });
      await p.waitForOutput("Run this plan (1 task)?");
      p.write("\x1b[B\x1b[B");
      await p.waitForOutput("● Edit the plan");
      p.write("\r");
      await p.waitForOutput(/EDITED-DESCRIPTION, must NOT touch deploy\/[\s\S]*Run this plan \(1 task\)\?/);
      p.write("\r");
      const r = await p.exited;
      expect(r.code).toBe(0);
      expect(requestsFor(e, "a")[0]!.allUserText).toContain("EDITED-DESCRIPTION, must NOT touch deploy/");
      e.query((db) => {
        expect(JSON.parse(db.query<{ plan: string }, []>("SELECT plan FROM orchestrations").get()!.plan).tasks[0].description).toBe(
          "EDITED-DESCRIPTION, must NOT touch deploy/",
        );
        expect(db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM tasks").get()!.n).toBe(1);
      });
    });

    test("Re-plan with feedback: the planner's session continues with the feedback; the revised plan replaces the first", async () => {
      await using e = await startE2E();
      const first = { summary: "first", tasks: [{ id: "a", agent_type: "developer", description: "FIRST-PLAN task" }] };
      const second = { summary: "second", tasks: [{ id: "b", agent_type: "developer", description: "SECOND-PLAN task" }] };
      const agents = route([[taskMarker("b"), textReply("B done.")]]);
      e.mock.script((req) =>
        req.toolNames.includes("StructuredOutput") ? structuredOutputReply(req.allUserText.includes("FEEDBACK-MARK") ? second : first) : agents(req),
      );
      const p = startOnTerminal(e, {}, []);
      await p.waitForOutput(/FIRST-PLAN task[\s\S]*Run this plan \(1 task\)\?/);
      p.write("\x1b[B\x1b[B\x1b[B");
      await p.waitForOutput("● Re-plan with feedback");
      p.write("\r");
      await p.waitForOutput("What should the planner change?");
      p.write("FEEDBACK-MARK use task b instead\r");
      await p.waitForOutput(/SECOND-PLAN task[\s\S]*Run this plan \(1 task\)\?/);
      p.write("\r");
      const r = await p.exited;
      expect(r.code).toBe(0);
      const planner = e.mock.messageRequests().filter((q) => q.toolNames.includes("StructuredOutput"));
      expect(planner.length).toBeGreaterThanOrEqual(2);
      expect(planner.at(-1)!.sessionId).toBe(planner[0]!.sessionId!);
      expect(requestsFor(e, "a")).toHaveLength(0);
      expect(requestsFor(e, "b")).toHaveLength(1);
      e.query((db) => {
        expect(db.query<{ task_key: string }, []>("SELECT task_key FROM tasks").all()).toEqual([{ task_key: "b" }]);
      });
    });

    test("Enter approves: the plan runs", async () => {
      await using e = await startE2E();
      e.mock.script(route([[taskMarker("a"), textReply("A done on a terminal.")]]));
      const p = startOnTerminal(e);
      await p.waitForOutput("Run this plan (1 task)?");
      expect(p.stdout()).toContain("Do the part called a.");
      expect(requestsFor(e, "a")).toHaveLength(0); // nothing runs before the answer
      p.write("\r");
      const r = await p.exited;
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("Approve and run");
      expect(r.stdout).toMatch(/Orchestration [0-9a-f]{8}: completed/);
      expect(requestsFor(e, "a")).toHaveLength(1);
      e.query((db) => {
        expect(db.query<{ status: string }, []>("SELECT status FROM orchestrations").get()!.status).toBe("completed");
        expect(attemptCount(db)).toBe(1);
      });
    });

    test("arrow down + Enter cancels: orchestration cancelled, nothing run", async () => {
      await using e = await startE2E();
      const p = startOnTerminal(e);
      await p.waitForOutput("Run this plan (1 task)?");
      p.write("\x1b[B");
      await p.waitForOutput("● Cancel");
      p.write("\r");
      const r = await p.exited;
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Orchestration [0-9a-f]{8}: cancelled/);
      expect(e.mock.messageRequests()).toHaveLength(0);
      e.query((db) => {
        expect(db.query<{ status: string }, []>("SELECT status FROM orchestrations").get()!.status).toBe("cancelled");
        expect(attemptCount(db)).toBe(0);
        expect([...tasksByKey(db).values()].map((t) => t.status)).toEqual(["cancelled"]);
        expect(db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM events").get()!.n).toBe(0);
      });
    });

    test("killed at the prompt: the plan was recorded before the question; resume shows it and runs it, no planner call", async () => {
      await using e = await startE2E();
      e.mock.script(route([[taskMarker("a"), textReply("A done after the resume.")]]));
      const p = startOnTerminal(e);
      await p.waitForOutput("Run this plan (1 task)?");
      const owner = e.query((db) => db.query<{ id: string; owner_pid: number }, []>("SELECT id, owner_pid FROM orchestrations").get()!);
      process.kill(owner.owner_pid, "SIGKILL");
      await p.exited;
      const r = await e.run(["orchestration", "resume", owner.id.slice(0, 8), "--auto", "--db", e.dbPath]);
      expect(r.code).toBe(0);
      expect(r.stdout + r.stderr).toContain("Start: @a");
      expect(r.stdout).toMatch(/Orchestration [0-9a-f]{8}: completed/);
      expect(e.mock.messageRequests().filter((q) => q.toolNames.includes("StructuredOutput"))).toHaveLength(0);
      expect(requestsFor(e, "a")).toHaveLength(1);
      e.query((db) => {
        expect(JSON.parse(db.query<{ plan: string }, []>("SELECT plan FROM orchestrations").get()!.plan).tasks[0].description).toBe("Do the part called a.");
      });
    });

    test("no terminal and no --auto: exit 2, nothing recorded", async () => {
      await using e = await startE2E();
      const r = await e.run(["orchestrate", REQUEST, "--plan", e.plan([{ id: "a" }]), "--db", e.dbPath]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("no terminal to ask for approval; pass --auto");
      expect(r.stdout).toBe("");
      expect(existsSync(e.dbPath)).toBe(false);
      expect(e.mock.messageRequests()).toHaveLength(0);
    });
  });

  test("SIGINT during a run: agents interrupted gracefully, every event kept, orchestration paused, exit 130", async () => {
    await using e = await startE2E();
    e.mock.script(
      route([
        // ~10 s of streaming: still going when the signal comes
        [taskMarker("a"), slowTextReply("word ".repeat(200), 5, 50)],
        [taskMarker("b"), textReply("B must not start.")],
      ]),
    );
    const p = e.start(["orchestrate", REQUEST, "--auto", "--db", e.dbPath, "--plan", e.plan([{ id: "a" }, { id: "b", depends_on: ["a"] }])]);
    const streaming = await e.mock.waitFor((q) => q.isMessages && q.allUserText.includes(taskMarker("a")), scaled(20_000));
    const countEvents = () => e.query((db) => db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM events").get()!.n);
    const before = await waitUntil(() => countEvents(), "the agent's first events");
    // claude is under way (its transcript holds the task) and some text has streamed (10
    // chunks, more on a slow machine: the stream lasts ~10 s) when the signal comes.
    const sessionId = e.query((db) => db.query<{ session_id: string }, []>("SELECT session_id FROM attempts").get()!.session_id);
    await waitUntil(() => transcriptText(e, sessionId).includes(taskMarker("a")), "claude to start its transcript");
    await Bun.sleep(Math.max(0, streaming.receivedAt + Math.min(scaled(500), 3_000) - Date.now()));
    expect(streaming.finishedAt).toBeUndefined();
    p.kill("SIGINT");
    const r = await p.exited;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain("interrupted; orchestration");
    expect(r.stderr).toContain("maos orchestration resume");
    expect(requestsFor(e, "b")).toHaveLength(0);

    const id = e.query((db) => {
      expect(countEvents()).toBeGreaterThanOrEqual(before);
      const o = db.query<Record<string, any>, []>("SELECT * FROM orchestrations").get()!;
      expect(o.status).toBe("paused");
      const t = tasksByKey(db);
      expect(t.get("a")!.status).toBe("pending");
      expect(t.get("b")!.status).toBe("pending");
      const attempt = db.query<Record<string, any>, []>("SELECT * FROM attempts").get()!;
      expect(attempt.status).toBe("interrupted");
      const events = db
        .query<{ seq: number; type: string; subtype: string | null; raw: string }, []>("SELECT seq, type, subtype, raw FROM events ORDER BY seq")
        .all();
      expect(events.map((ev) => ev.seq)).toEqual(events.map((_, i) => i + 1));
      expect(events[0]).toMatchObject({ type: "system", subtype: "init" });
      // The interrupted agent's last words were committed before maos exited: the partial
      // answer, claude's interruption marker and its final result line.
      expect(events.some((ev) => ev.type === "assistant" && ev.raw.includes("word word"))).toBe(true);
      expect(events.some((ev) => ev.type === "user" && ev.raw.includes("[Request interrupted by user]"))).toBe(true);
      expect(events.at(-1)).toMatchObject({ type: "result", subtype: "error_during_execution" });
      return o.id as string;
    });

    const list = await e.run(["orchestration", "list", "--json", "--db", e.dbPath]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).orchestrations).toMatchObject([{ id, status: "paused", stored_status: "paused", interrupted: false }]);
  });

  /**
   * One agent whose Bash tool sleeps a long time (see longSleepCommand);
   * once the tool runs, a first Ctrl-C, and maos says it is stopping.
   */
  async function stoppingDuringLongTool(e: E2E) {
    const needle = `sleep 53.${Math.floor(Math.random() * 1e6)}`;
    e.mock.script(route([[taskMarker("a"), [toolUseReply("Bash", { command: longSleepCommand(needle), description: "Wait a long time" }), textReply("A done after all.")]]]));
    const p = e.start(["orchestrate", REQUEST, "--auto", "--db", e.dbPath, "--plan", e.plan([{ id: "a" }])]);
    await waitUntil(() => processesMatching(needle).length > 0, "the agent's tool to run");
    p.kill("SIGINT");
    await p.waitForOutput("Stopping: interrupting agents gracefully");
    return { p, needle };
  }

  test("a second Ctrl-C kills the agents at once: no tool process survives, the database stays resumable", async () => {
    await using e = await startE2E();
    const { p, needle } = await stoppingDuringLongTool(e);
    p.kill("SIGINT");
    const r = await p.exited;
    expect(r.code).toBe(130);
    // claude runs its tools in their own session: killing its process group alone would leave this sleep behind.
    expect(processesMatching(needle)).toEqual([]);
    const id = e.query((db) => {
      const attempt = db.query<{ status: string; pid: number; session_id: string }, []>("SELECT status, pid, session_id FROM attempts").get()!;
      expect(attempt.status).toBe("interrupted");
      expect(pidAlive(attempt.pid)).toBe(false);
      expect(processesMatching(attempt.session_id)).toEqual([]);
      const o = db.query<{ id: string; status: string }, []>("SELECT id, status FROM orchestrations").get()!;
      expect(o.status).toBe("paused");
      expect(db.query<{ integrity_check: string }, []>("PRAGMA integrity_check").get()!.integrity_check).toBe("ok");
      return o.id;
    });
    const resumed = await e.run(["orchestration", "resume", id, "--auto", "--json", "--db", e.dbPath]);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout).tasks).toMatchObject([{ id: "a", status: "completed", attempts: 2, result: "A done after all." }]);
  });

  test("Ctrl-C pressed again and again while maos winds down never cuts its last writes: exit 130, resume hint, paused", async () => {
    await using e = await startE2E();
    const { p, needle } = await stoppingDuringLongTool(e);
    // Every millisecond until maos is gone: some land while it stops the agent, some after, while it
    // records the end of the run (before, such a late signal killed maos there).
    let exited = false;
    const presses = (async () => {
      while (!exited) {
        p.kill("SIGINT");
        await Bun.sleep(1);
      }
    })();
    const r = await p.exited;
    exited = true;
    await presses;
    expect(r.signal).toBeNull();
    expect(r.code).toBe(130);
    expect(r.stderr).toContain("maos orchestration resume");
    expect(processesMatching(needle)).toEqual([]);
    e.query((db) => {
      expect(db.query<{ status: string }, []>("SELECT status FROM attempts").get()!.status).toBe("interrupted");
      expect(db.query<{ status: string }, []>("SELECT status FROM orchestrations").get()!.status).toBe("paused");
    });
  });
});
