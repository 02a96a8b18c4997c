import { agentLimits } from "../agents/agent-limits.ts";
import type { AgentDefinition } from "../agents/catalog.ts";
import { dependencyLevels, type Plan } from "../plan/plan.ts";
import type { RunOptions } from "../store/orchestrations.ts";

/** One task as it would run: its batch and the limits its agent would get (agentLimits, as the scheduler computes them). */
export interface DryRunTask {
  id: string;
  agent_type: string;
  /** 1 = runs first; tasks of one batch can run in parallel. */
  batch: number;
  depends_on: string[];
  description: string;
  /** null = the CLI's default model. */
  model: string | null;
  /** null = not passed (the CLI's default, or the user's settings). */
  permission_mode: string | null;
  /** Tools that exist for the agent; null = the CLI's full set. */
  tools: string[] | null;
  allowed_tools: string[];
  disallowed_tools: string[];
  /** Whether the MCP servers of the user's Claude Code configuration are loaded (see agentLimits). */
  mcp_servers: boolean;
  max_turns: number | null;
  /** Where the agent definition comes from: built-in, user or project. */
  source: string;
}

export interface DryRun {
  dry_run: true;
  request: string;
  /** The plan came from --plan FILE (null: from the planner). */
  plan_file: string | null;
  summary: string;
  batches: string[][];
  tasks: DryRunTask[];
  options: Pick<RunOptions, "maxParallel" | "budgetUsd" | "agentTimeoutS" | "retries" | "model" | "permissionMode" | "maxTurns">;
  /** What planning cost when the planner ran for it. */
  planner_cost_usd: number;
}

/** What `orchestrate` would run, computed without recording anything. */
export function describeDryRun(input: {
  request: string;
  plan: Plan;
  planFile: string | null;
  plannerCostUsd: number;
  options: RunOptions;
  definitionFor: (agentType: string) => AgentDefinition;
}): DryRun {
  const { plan, options } = input;
  const batches = dependencyLevels(plan);
  const batchOf = new Map(batches.flatMap((ids, i) => ids.map((id) => [id, i + 1] as const)));
  return {
    dry_run: true,
    request: input.request,
    plan_file: input.planFile,
    summary: plan.summary ?? "",
    batches,
    tasks: plan.tasks.map((t) => {
      const definition = input.definitionFor(t.agent_type);
      const limits = agentLimits(definition, options);
      return {
        id: t.id,
        agent_type: t.agent_type,
        batch: batchOf.get(t.id)!,
        depends_on: t.depends_on,
        description: t.description,
        model: limits.model,
        permission_mode: limits.permissionMode,
        tools: limits.tools,
        allowed_tools: limits.allowedTools,
        disallowed_tools: limits.disallowedTools,
        mcp_servers: limits.mcpServers,
        max_turns: limits.maxTurns,
        source: definition.source,
      };
    }),
    options: {
      maxParallel: options.maxParallel,
      budgetUsd: options.budgetUsd,
      agentTimeoutS: options.agentTimeoutS,
      retries: options.retries,
      model: options.model,
      permissionMode: options.permissionMode,
      maxTurns: options.maxTurns,
    },
    planner_cost_usd: input.plannerCostUsd,
  };
}
