import type { Database } from "bun:sqlite";
import { sqlNow } from "./time.ts";

export type InterventionAction = "retry" | "skip" | "cancel";
export type InterventionStatus = "pending" | "applied" | "refused";

export interface InterventionRow {
  id: number;
  orchestration_id: string;
  task_key: string | null;
  action: InterventionAction;
  fresh: number;
  result_text: string | null;
  requested_by: string;
  requested_pid: number;
  requested_at: string;
  status: InterventionStatus;
  applied_at: string | null;
  applied_by_pid: number | null;
  outcome: string | null;
}

export interface NewIntervention {
  orchestrationId: string;
  taskKey: string | null;
  action: InterventionAction;
  fresh: boolean;
  resultText: string | null;
  requestedBy: string;
  requestedPid: number;
}

export function insertIntervention(db: Database, i: NewIntervention): number {
  return db
    .query<{ id: number }, [string, string | null, string, number, string | null, string, number, string]>(
      `INSERT INTO interventions (orchestration_id, task_key, action, fresh, result_text, requested_by, requested_pid, requested_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    )
    .get(i.orchestrationId, i.taskKey, i.action, i.fresh ? 1 : 0, i.resultText, i.requestedBy, i.requestedPid, sqlNow())!.id;
}

export function getIntervention(db: Database, id: number): InterventionRow | null {
  return db.query<InterventionRow, [number]>("SELECT * FROM interventions WHERE id = ?").get(id);
}

/** Interventions not applied yet, oldest first: they are applied in the order they were asked for. */
export function listPendingInterventions(db: Database, orchestrationId: string): InterventionRow[] {
  return db
    .query<InterventionRow, [string]>("SELECT * FROM interventions WHERE orchestration_id = ? AND status = 'pending' ORDER BY id")
    .all(orchestrationId);
}

export function listInterventions(db: Database, orchestrationId: string): InterventionRow[] {
  return db.query<InterventionRow, [string]>("SELECT * FROM interventions WHERE orchestration_id = ? ORDER BY id").all(orchestrationId);
}

/** Records how a pending intervention ended; false when someone else settled it first. */
export function settleIntervention(db: Database, id: number, status: Exclude<InterventionStatus, "pending">, outcome: string, pid: number): boolean {
  return (
    db
      .query("UPDATE interventions SET status = ?, outcome = ?, applied_at = ?, applied_by_pid = ? WHERE id = ? AND status = 'pending'")
      .run(status, outcome, sqlNow(), pid, id).changes === 1
  );
}
