import { UsageError } from "../errors.ts";
import type { OrchestrationRow } from "../store/orchestrations.ts";
import type { TaskRow } from "../store/tasks.ts";

/** What an orchestration has spent so far (planner and every task), read from the rows, not the cached total. */
export function spentUsd(row: Pick<OrchestrationRow, "planner_cost_usd">, tasks: readonly Pick<TaskRow, "cost_usd">[]): number {
  return tasks.reduce((sum, t) => sum + t.cost_usd, row.planner_cost_usd);
}

/** USD with cents, and more digits only where they matter ($0.10, $0.1234). */
function usd(amount: number): string {
  return `$${amount.toFixed(4).replace(/(\.\d\d\d?)0+$/, "$1").replace(/(\.\d\d)0$/, "$1")}`;
}

/** A budget to suggest once one is spent: another budget's worth on top of the spend, in whole cents. */
export function raisedBudget(spentUsd: number, budgetUsd: number): string {
  // The epsilon absorbs float noise (0.05 + 0.1 is 0.15000000000000002).
  return (Math.ceil((spentUsd + budgetUsd) * 100 - 1e-6) / 100).toFixed(2);
}

/**
 * --budget-usd caps the whole orchestration's total, so a resume whose budget is already
 * spent would start agents that stop at once. Refused (exit 2, nothing written) with the
 * way out: a given budget that is not above the spend, or a spent recorded budget.
 */
export function refuseSpentBudget(
  p: { orchestration: Pick<OrchestrationRow, "id">; options: { budgetUsd: number | null }; spentUsd: number },
  budgetGiven: boolean,
): void {
  const budget = p.options.budgetUsd;
  if (budget === null || budget - p.spentUsd > 0) return;
  const short = p.orchestration.id.slice(0, 8);
  const spent = usd(p.spentUsd);
  if (budgetGiven) {
    throw new UsageError(
      `--budget-usd ${budget} is not above the ${spent} orchestration ${short} has already spent`,
      `the budget caps the orchestration's whole total; give more than ${spent}`,
    );
  }
  throw new UsageError(
    `the --budget-usd budget of ${usd(budget)} for orchestration ${short} is spent (${spent} so far); resuming would start no agent`,
    `raise it: maos orchestration resume ${short} --budget-usd ${raisedBudget(p.spentUsd, budget)}`,
  );
}
