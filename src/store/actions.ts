import type { Database } from "bun:sqlite";
import { sqlNow } from "./time.ts";

export type ActionKind = "pause" | "resume" | "message";

export interface ActionRow {
  id: number;
  orchestration_id: string;
  kind: ActionKind;
  actor: string;
  detail: string;
  outcome: "done" | "refused";
  reason: string | null;
  created_at: string;
}

export interface NewAction {
  orchestrationId: string;
  kind: ActionKind;
  actor: string;
  detail: Record<string, unknown>;
  outcome: "done" | "refused";
  reason: string | null;
}

export function insertAction(db: Database, a: NewAction): number {
  return db
    .query<{ id: number }, [string, string, string, string, string, string | null, string]>(
      `INSERT INTO actions (orchestration_id, kind, actor, detail, outcome, reason, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    )
    .get(a.orchestrationId, a.kind, a.actor, JSON.stringify(a.detail), a.outcome, a.reason, sqlNow())!.id;
}

export function listActions(db: Database, orchestrationId: string, limit: number): ActionRow[] {
  return db
    .query<ActionRow, [string, number]>("SELECT * FROM actions WHERE orchestration_id = ? ORDER BY id DESC LIMIT ?")
    .all(orchestrationId, limit);
}
