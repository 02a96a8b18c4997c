/** One cost and token model (planner + tasks) in list, status, the summary and --json. */
import { afterEach, beforeEach, expect, setDefaultTimeout, test } from "bun:test";
import { buildSummary } from "../../src/orchestrator/summary.ts";
import { addPlannerUsage, refreshTotals } from "../../src/store/orchestrations.ts";
import { runMaos } from "../support/cli.ts";
import { buildOrchestration, createTestDb, type TestDb } from "../support/fixtures.ts";
import { scaled } from "../support/machine.ts";

setDefaultTimeout(scaled(20_000));

let t: TestDb;
beforeEach(() => {
  t = createTestDb();
});
afterEach(() => t.cleanup());

test("the planner's cost and tokens count in list, status, the summary and --json alike", async () => {
  const o = buildOrchestration(t.db, { status: "completed", tasks: [{ key: "a", status: "completed", cost: 0.13 }] });
  addPlannerUsage(t.db, o.id, { costUsd: 0.01, inputTokens: 700, outputTokens: 90 });
  refreshTotals(t.db, o.id);
  const task = t.db.query<{ cost_usd: number; input_tokens: number; output_tokens: number }, [string]>(
    "SELECT cost_usd, input_tokens, output_tokens FROM tasks WHERE orchestration_id = ?",
  ).get(o.id)!;
  const expected = { cost: 0.01 + task.cost_usd, input: 700 + task.input_tokens, output: 90 + task.output_tokens };

  const summary = buildSummary(t.db, o.id, false).totals;
  expect(summary.cost_usd).toBeCloseTo(expected.cost, 10);
  expect([summary.input_tokens, summary.output_tokens]).toEqual([expected.input, expected.output]);

  const list = JSON.parse((await runMaos(["orchestration", "list", "--json", "--db", t.path])).stdout).orchestrations[0];
  expect(list.cost_usd).toBeCloseTo(expected.cost, 10);
  const status = JSON.parse((await runMaos(["orchestration", "status", o.id.slice(0, 8), "--json", "--db", t.path])).stdout).orchestration;
  expect(status.total_cost).toBeCloseTo(expected.cost, 10);
  expect([status.input_tokens, status.output_tokens]).toEqual([expected.input, expected.output]);

  const human = await runMaos(["orchestration", "list", "--db", t.path], { env: { NO_COLOR: "1" } });
  expect(human.stdout).toContain("$0.14");
  const detail = await runMaos(["orchestration", "status", o.id.slice(0, 8), "--db", t.path], { env: { NO_COLOR: "1" } });
  expect(detail.stdout).toContain(`Cost:     $0.14   Tokens: ${expected.input} in / ${expected.output} out`);
});
