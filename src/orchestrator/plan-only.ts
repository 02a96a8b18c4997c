import type { AgentDefinition } from "../agents/catalog.ts";
import { agentEnv } from "../agents/claude-args.ts";
import type { Plan } from "../plan/plan.ts";
import { runPlanner } from "../plan/planner.ts";
import type { RunOptions } from "../store/orchestrations.ts";
import { onInterrupt } from "./shutdown.ts";

export interface PlanOnlyInput {
  bin: string;
  cwd: string;
  request: string;
  catalog: readonly AgentDefinition[];
  options: Pick<RunOptions, "model" | "budgetUsd" | "agentTimeoutS" | "permissionMode">;
}

/**
 * Runs only the planner, with the same call and limits a run uses, and returns its plan
 * in the `--plan` file format. Writes nothing: no orchestration is recorded. Ctrl-C stops
 * the planner (InterruptedError, exit 130).
 */
export async function planOnly(input: PlanOnlyInput): Promise<{ plan: Plan; costUsd: number }> {
  const abort = new AbortController();
  const removeHandlers = onInterrupt({ graceful: () => abort.abort(), immediate: () => abort.abort() });
  try {
    const planned = await runPlanner({
      bin: input.bin,
      cwd: input.cwd,
      env: agentEnv(input.options.permissionMode),
      request: input.request,
      catalog: input.catalog,
      model: input.options.model,
      timeoutMs: Math.min(input.options.agentTimeoutS, 600) * 1000,
      maxBudgetUsd: input.options.budgetUsd,
      signal: abort.signal,
    });
    return { plan: { summary: planned.plan.summary ?? "", tasks: planned.plan.tasks }, costUsd: planned.costUsd };
  } finally {
    removeHandlers();
  }
}
