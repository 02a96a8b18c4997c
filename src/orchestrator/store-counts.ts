import type { Database } from "bun:sqlite";
import { countActiveAgentsByOrchestration, countAgentsByStatus } from "../store/agents.ts";
import { countOrchestrationsByStatus, type OrchestrationRow } from "../store/orchestrations.ts";
import { isInterrupted } from "./liveness.ts";

function move(counts: Record<string, number>, from: string, to: string, n: number): void {
  if (n <= 0) return;
  counts[from] = (counts[from] ?? 0) - n;
  if (counts[from]! <= 0) delete counts[from];
  counts[to] = (counts[to] ?? 0) + n;
}

/**
 * Orchestration and agent counts as `maos status` shows them, agreeing with its table: an
 * orchestration nobody drives any more counts as "paused (interrupted)", not running, and its
 * agents still marked active as "interrupted".
 */
export function liveCounts(db: Database, unfinished: readonly OrchestrationRow[]): { orchestrations: Record<string, number>; agents: Record<string, number> } {
  const orchestrations = countOrchestrationsByStatus(db);
  const agents = countAgentsByStatus(db);
  const activeBy = countActiveAgentsByOrchestration(db);
  for (const o of unfinished) {
    if (!isInterrupted(o)) continue;
    move(orchestrations, "running", "paused (interrupted)", 1);
    move(agents, "active", "interrupted", activeBy.get(o.id) ?? 0);
  }
  return { orchestrations, agents };
}
