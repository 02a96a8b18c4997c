import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { listAttempts } from "../../src/store/attempts.ts";
import { listTasks } from "../../src/store/tasks.ts";
import { getOrchestration } from "../../src/store/orchestrations.ts";
import { readFakeAgentLog } from "../support/fake-agent.ts";
import { planOf, runWithFakeAgents } from "../support/run-harness.ts";
import { scaled } from "../support/machine.ts";

// These tests start processes: on a loaded machine they need more than the 5 s default.
setDefaultTimeout(scaled(20_000));

const diamond = planOf([
  ["a", []],
  ["b", ["a"]],
  ["c", ["a"]],
  ["d", ["b", "c"]],
]);

describe("Scheduler", () => {
  test("runs a graph in dependency order, at most --max-parallel at once", async () => {
    const run = await runWithFakeAgents(diamond, [{ sleepMs: 150 }, { text: "done" }], { maxParallel: 2 });
    const tasks = listTasks(run.db, run.orchestrationId);
    expect(tasks.map((t) => t.status)).toEqual(["completed", "completed", "completed", "completed"]);
    expect(run.result.summary.status).toBe("completed");
    const starts = readFakeAgentLog(run.logDir).filter((e) => e.event === "start");
    const exits = readFakeAgentLog(run.logDir).filter((e) => e.event === "exit");
    expect(starts).toHaveLength(4);
    // b and c overlap; d starts after both ended.
    const byTask = (key: string) => tasks.find((t) => t.task_key === key)!;
    const window = (key: string) => [Date.parse(`${byTask(key).started_at!.replace(" ", "T")}Z`), Date.parse(`${byTask(key).completed_at!.replace(" ", "T")}Z`)] as const;
    const [bStart, bEnd] = window("b");
    const [cStart, cEnd] = window("c");
    const [dStart] = window("d");
    expect(bStart).toBeLessThan(cEnd);
    expect(cStart).toBeLessThan(bEnd);
    expect(dStart).toBeGreaterThanOrEqual(Math.max(bEnd, cEnd));
    // never more than two agents alive at once
    const events = [...starts.map((e) => ({ t: e.t, d: 1 })), ...exits.map((e) => ({ t: e.t, d: -1 }))].sort((x, y) => x.t - y.t || x.d - y.d);
    let alive = 0;
    let peak = 0;
    for (const e of events) peak = Math.max(peak, (alive += e.d));
    expect(peak).toBeLessThanOrEqual(2);
  });

  test("a dependent's prompt carries its dependencies' results and the request", async () => {
    const run = await runWithFakeAgents(diamond, { byPrompt: { "@a)": [{ text: "RESULT-A" }], "@b)": [{ text: "RESULT-B" }], "@c)": [{ text: "RESULT-C" }], "*": [{ echoPrompt: true }] } });
    const d = listTasks(run.db, run.orchestrationId).find((t) => t.task_key === "d")!;
    expect(d.result).toContain("RESULT-B");
    expect(d.result).toContain("RESULT-C");
    expect(d.result).toContain("test request");
  });

  test("a failed task blocks its dependents; independent tasks carry on; the run fails", async () => {
    const plan = planOf([
      ["a", []],
      ["b", ["a"]],
      ["x", []],
    ]);
    const run = await runWithFakeAgents(plan, { byPrompt: { "@a)": [{ result: { is_error: true, subtype: "error_max_turns" } }], "*": [{ text: "ok" }] } });
    const status = Object.fromEntries(listTasks(run.db, run.orchestrationId).map((t) => [t.task_key, t.status]));
    expect(status).toEqual({ a: "failed", b: "blocked", x: "completed" });
    expect(run.result.summary.status).toBe("failed");
    // error_max_turns is not transient: one attempt only
    expect(listAttempts(run.db, run.orchestrationId).filter((a) => a.task_id.endsWith(":a"))).toHaveLength(1);
  });

  test("a transient failure is retried in the same Claude session", async () => {
    const plan = planOf([["a", []]]);
    const run = await runWithFakeAgents(plan, { attempts: [[{ text: "partial" }, { crash: 137 }], [{ text: "finished" }]] }, { retries: 1 });
    const attempts = listAttempts(run.db, run.orchestrationId);
    expect(attempts.map((a) => [a.status, a.resumed])).toEqual([
      ["failed", 0],
      ["completed", 1],
    ]);
    expect(attempts[1]!.session_id).toBe(attempts[0]!.session_id);
    expect(attempts[0]!.reason).toContain("without a result");
    const starts = readFakeAgentLog(run.logDir).filter((e) => e.event === "start");
    expect((starts[1]!.argv as string[]).join(" ")).toContain(`--resume ${attempts[0]!.session_id}`);
  });

  test("the turn that crosses the budget keeps its answer; then nothing more starts and the run says so", async () => {
    const plan = planOf([
      ["a", []],
      ["b", []],
    ]);
    // a alone holds the whole budget as its share; its turn ends normally past it (error_max_budget_usd, end_turn).
    const run = await runWithFakeAgents(plan, [{ cost: 0.3 }, { text: "spent" }], { budgetUsd: 0.25, maxParallel: 1 });
    const tasks = listTasks(run.db, run.orchestrationId);
    expect(Object.fromEntries(tasks.map((t) => [t.task_key, t.status]))).toEqual({ a: "completed", b: "cancelled" });
    expect(tasks[0]!.result).toBe("spent");
    expect(tasks[1]!.error).toContain("budget");
    expect(run.result.summary.budget_exhausted).toBe(true);
    expect(getOrchestration(run.db, run.orchestrationId)!.status).toBe("failed");
    const starts = readFakeAgentLog(run.logDir).filter((e) => e.event === "start");
    expect(starts).toHaveLength(1);
    expect((starts[0]!.argv as string[]).join(" ")).toContain("--max-budget-usd 0.2500");
  });

  test("parallel agents share the budget: each holds a reserved share, so together they cannot spend it several times", async () => {
    const plan = planOf([
      ["a", []],
      ["b", []],
      ["c", []],
      ["d", []],
    ]);
    const run = await runWithFakeAgents(plan, [{ cost: 0.3 }, { text: "done" }], { budgetUsd: 1, maxParallel: 4 });
    const starts = readFakeAgentLog(run.logDir).filter((e) => e.event === "start");
    expect(starts).toHaveLength(4);
    const caps = starts.map((s) => Number((s.argv as string[])[(s.argv as string[]).indexOf("--max-budget-usd") + 1]));
    expect(caps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1.0001);
    for (const cap of caps) expect(cap).toBeCloseTo(0.25, 3);
    const shares = run.db.query<{ s: number }, []>("SELECT budget_share_usd AS s FROM attempts").all();
    expect(shares.map((r) => r.s.toFixed(2))).toEqual(["0.25", "0.25", "0.25", "0.25"]);
    // Each agent went one turn past its share at most: the total is within budget + one turn per agent.
    expect(getOrchestration(run.db, run.orchestrationId)!.total_cost).toBeLessThanOrEqual(1 + 4 * 0.3);
  });
});

describe("Scheduler: a task between an attempt and its retry", () => {
  test("its dependents wait for the retry and run once it succeeds, while other tasks finish around it", async () => {
    // a's first attempt crashes at about the moment x1..x4 complete, so the scheduler looks at
    // the graph while a is 'failed' and about to be retried.
    const plan = planOf([
      ["a", []],
      ["x1", []],
      ["x2", []],
      ["x3", []],
      ["c", ["a"]],
    ]);
    const run = await runWithFakeAgents(
      plan,
      { byPrompt: { "@a)": { attempts: [[{ crash: 137 }], [{ sleepMs: 100 }, { text: "a done" }]] }, "*": [{ text: "ok" }] } },
      { maxParallel: 4, retries: 1 },
    );
    const status = Object.fromEntries(listTasks(run.db, run.orchestrationId).map((t) => [t.task_key, t.status]));
    expect(status).toEqual({ a: "completed", x1: "completed", x2: "completed", x3: "completed", c: "completed" });
  });
});
