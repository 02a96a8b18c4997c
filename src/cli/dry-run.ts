import { agentNames, loadCatalog } from "../agents/catalog.ts";
import { findClaude } from "../agents/find-claude.ts";
import { describeDryRun } from "../orchestrator/dry-run.ts";
import { definitionLookup } from "../orchestrator/orchestrate.ts";
import { planOnly } from "../orchestrator/plan-only.ts";
import { loadPlanFile } from "../plan/plan-file.ts";
import type { RunOptions } from "../store/orchestrations.ts";
import { renderDryRun } from "../ui/dry-run-view.ts";
import { log } from "./log.ts";
import { emit } from "./output.ts";

/**
 * `orchestrate --dry-run`: validates the request and the plan (a --plan file, or the
 * planner's answer), and shows what would run — batches, agents, models, tool limits —
 * without opening the database or starting an agent.
 */
export async function dryRun(args: { json?: boolean; plan?: string }, request: string, options: RunOptions): Promise<void> {
  const cwd = process.cwd();
  const catalog = loadCatalog({ cwd });
  for (const p of catalog.problems) log.warn(`skipped agent file ${p.file}: ${p.reason}`);
  let plan;
  let cost = 0;
  if (args.plan) {
    plan = loadPlanFile(args.plan, agentNames(catalog.agents));
  } else {
    log.info("Planning (the planner runs; nothing is recorded)…");
    const planned = await planOnly({ bin: findClaude(options.claudeBin, cwd), cwd, request, catalog: catalog.agents, options });
    plan = planned.plan;
    cost = planned.costUsd;
  }
  const d = describeDryRun({ request, plan, planFile: args.plan ?? null, plannerCostUsd: cost, options, definitionFor: definitionLookup(catalog) });
  emit(args, d, renderDryRun);
}
