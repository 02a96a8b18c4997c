// Issue 9, end to end: the agent runtime keeps its promises with the real claude CLI —
// a budget shared by parallel agents, an agent killed while answering a REQUEST, and a
// start failure that would repeat.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Database } from "bun:sqlite";
import { hangReply, route, slowTextReply, textReply, toolUseReply } from "../support/mock-anthropic.ts";
import { processesMatching, startE2E, taskMarker, waitUntil } from "../support/e2e.ts";

setDefaultTimeout(60_000);

const attempts = (db: Database) =>
  db
    .query<{ task_key: string; status: string; cause: string | null; reason: string | null; budget_share_usd: number | null; session_id: string }, []>(
      `SELECT t.task_key, a.status, a.cause, a.reason, a.budget_share_usd, a.session_id FROM attempts a JOIN tasks t ON t.id = a.task_id ORDER BY a.id`,
    )
    .all();

describe("e2e: the agent runtime under faults, with the real claude CLI", () => {
  test("--budget-usd 1 with 4 parallel agents: each holds a $0.25 share, so the run stops near $1 instead of spending $1 per agent", async () => {
    await using e = await startE2E();
    // Every model call costs $0.30 (20,000 output tokens at Sonnet 4.5's $15/M; the model is named
    // so that every CLI version prices it alike); an agent wants two calls.
    const costly = { usage: { input_tokens: 10, output_tokens: 20_000 } };
    const agent = (key: string): [string, ReturnType<typeof textReply>[]] => [
      taskMarker(key),
      [toolUseReply("Bash", { command: `echo ${key}`, description: "Say the key" }, costly), textReply(`${key} done`, costly)],
    ];
    e.mock.script(route([agent("a"), agent("b"), agent("c"), agent("d")]));
    const plan = e.plan([{ id: "a" }, { id: "b" }, { id: "c" }, { id: "d" }]);
    const r = await e.orchestrate(plan, ["--budget-usd", "1", "--max-parallel", "4", "--model", "claude-sonnet-4-5-20250929", "--json"]);
    expect(r.code).toBe(1);
    const summary = JSON.parse(r.stdout);
    expect(summary.budget_exhausted).toBe(true);
    e.query((db) => {
      const rows = attempts(db);
      expect(rows).toHaveLength(4);
      for (const row of rows) expect(row.budget_share_usd).toBeCloseTo(0.25, 3);
    });
    // Each claude stopped at its own share after one call: 4 calls, not 8; about $1.20, not $2.40.
    expect(e.mock.messageRequests()).toHaveLength(4);
    expect(summary.totals.cost_usd).toBeLessThanOrEqual(1 + 4 * 0.3 + 1e-6);
    expect(summary.totals.cost_usd).toBeLessThan(1.5);
  });

  test("an agent SIGKILLed while answering a live REQUEST is failed, not completed; the REQUEST waits for its next attempt", async () => {
    await using e = await startE2E();
    e.mock.script(
      route([
        [taskMarker("a"), textReply("REQUEST @b: which port does the API listen on?")],
        // b is still streaming its first answer when a's REQUEST arrives: it becomes b's next turn, which hangs.
        [taskMarker("b"), [slowTextReply("b is working on it. ".repeat(30), 8, 60), hangReply()]],
      ]),
    );
    const p = e.start(["orchestrate", "port", "--auto", "--json", "--db", e.dbPath, "--plan", e.plan([{ id: "a" }, { id: "b" }]), "--max-parallel", "2", "--retries", "0"]);
    const answering = await e.mock.waitFor((q) => q.isMessages && q.lastUserText.includes("[message from @a (request)]"), 30_000);
    expect(answering).toBeDefined();
    const session = await waitUntil(() => e.query((db) => attempts(db).find((a) => a.task_key === "b")?.session_id), "b's attempt");
    for (const pid of processesMatching(session)) process.kill(pid, "SIGKILL");
    const r = await p.exited;
    expect(r.code).toBe(1);
    e.query((db) => {
      const b = attempts(db).filter((a) => a.task_key === "b");
      expect(b).toHaveLength(1);
      expect(b[0]).toMatchObject({ status: "failed", cause: "crashed" });
      expect(b[0]!.reason).toContain("in the middle of a turn");
      const tasks = db.query<{ task_key: string; status: string }, []>("SELECT task_key, status FROM tasks ORDER BY position").all();
      expect(tasks).toEqual([
        { task_key: "a", status: "completed" },
        { task_key: "b", status: "failed" },
      ]);
      const request = db
        .query<{ status: string }, []>("SELECT d.status FROM deliveries d JOIN messages m ON m.id = d.message_id WHERE m.message_type = 'request'")
        .all();
      expect(request).toEqual([{ status: "pending" }]);
    });
  });

  test.skipIf(process.getuid?.() !== 0)(
    "claude refusing root (IS_SANDBOX pre-set to a value it rejects) is not retried; the other tasks are not started; the fix is named",
    async () => {
      await using e = await startE2E({}, { IS_SANDBOX: "yes" });
      e.mock.script(route([[taskMarker("a"), textReply("unreachable")]]));
      const plan = e.plan([{ id: "a" }, { id: "b" }]);
      const r = await e.orchestrate(plan, ["--permission-mode", "bypassPermissions", "--retries", "3", "--max-parallel", "1", "--json"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("IS_SANDBOX=1");
      e.query((db) => {
        const rows = attempts(db);
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({ task_key: "a", status: "failed", cause: "start-failed" });
      });
      const summary = JSON.parse(r.stdout);
      expect(summary.tasks.map((t: { id: string; status: string }) => [t.id, t.status])).toEqual([
        ["a", "failed"],
        ["b", "cancelled"],
      ]);
      expect(e.mock.messageRequests()).toHaveLength(0);
    },
  );
});
