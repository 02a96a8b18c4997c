import type { Database } from "bun:sqlite";
import { listInterventions, type InterventionRow } from "../store/interventions.ts";

/** One retry, skip or cancel as `status` and the summary show it: who, when, what, and what it changed. */
export interface InterventionEntry {
  action: string;
  /** The task key, or null for the whole orchestration. */
  task: string | null;
  fresh: boolean;
  result: string | null;
  requested_by: string;
  requested_at: string;
  status: string;
  applied_at: string | null;
  outcome: string | null;
}

export function interventionEntry(i: InterventionRow): InterventionEntry {
  return {
    action: i.action,
    task: i.task_key,
    fresh: i.fresh === 1,
    result: i.result_text,
    requested_by: i.requested_by,
    requested_at: i.requested_at,
    status: i.status,
    applied_at: i.applied_at,
    outcome: i.outcome,
  };
}

export function interventionEntries(db: Database, orchestrationId: string): InterventionEntry[] {
  return listInterventions(db, orchestrationId).map(interventionEntry);
}
