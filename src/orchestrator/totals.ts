import type { OrchestrationRow } from "../store/orchestrations.ts";
import type { TaskRow } from "../store/tasks.ts";

export interface Totals {
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
}

type PlannerPart = Pick<OrchestrationRow, "planner_cost_usd" | "planner_input_tokens" | "planner_output_tokens">;
type TaskPart = Pick<TaskRow, "cost_usd" | "input_tokens" | "output_tokens">;

/**
 * The one cost and token model: the planner plus every task, read live from the rows, so
 * `list`, `status`, the summary and `--json` show the same numbers at any moment (the
 * orchestration row's own totals are only refreshed when a task ends).
 */
export function orchestrationTotals(o: PlannerPart, tasks: readonly TaskPart[]): Totals {
  return tasks.reduce(
    (sum, t) => ({ cost_usd: sum.cost_usd + t.cost_usd, input_tokens: sum.input_tokens + t.input_tokens, output_tokens: sum.output_tokens + t.output_tokens }),
    { cost_usd: o.planner_cost_usd, input_tokens: o.planner_input_tokens, output_tokens: o.planner_output_tokens },
  );
}
