import type { Database, Statement } from "bun:sqlite";

export interface EventRow {
  id: number;
  orchestration_id: string;
  agent_id: string;
  session_id: string | null;
  attempt: number;
  seq: number;
  ts: string;
  type: string;
  subtype: string | null;
  raw: string;
}

export type NewEvent = Omit<EventRow, "id">;

/** The prepared insert, reused for every row of a group commit. */
export function eventInserter(db: Database): Statement {
  return db.query(
    `INSERT INTO events (orchestration_id, agent_id, session_id, attempt, seq, ts, type, subtype, raw)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
}

export function insertEvent(stmt: Statement, e: NewEvent): void {
  stmt.run(e.orchestration_id, e.agent_id, e.session_id, e.attempt, e.seq, e.ts, e.type, e.subtype, e.raw);
}

export function listEvents(db: Database, agentId: string): EventRow[] {
  return db.query<EventRow, [string]>("SELECT * FROM events WHERE agent_id = ? ORDER BY seq").all(agentId);
}

export function listOrchestrationEvents(db: Database, orchestrationId: string): EventRow[] {
  return db
    .query<EventRow, [string]>("SELECT * FROM events WHERE orchestration_id = ? ORDER BY id")
    .all(orchestrationId);
}

/** The next sequence number for an agent: sequences continue across attempts and resumes. */
export function nextEventSeq(db: Database, agentId: string): number {
  return (
    (db.query<{ s: number | null }, [string]>("SELECT MAX(seq) AS s FROM events WHERE agent_id = ?").get(agentId)?.s ?? 0) + 1
  );
}

/** The last assistant text an agent streamed (context for a fresh attempt when the transcript is gone). */
export function lastEventsOfType(db: Database, agentId: string, type: string, limit: number): EventRow[] {
  return db
    .query<EventRow, [string, string, number]>(
      "SELECT * FROM events WHERE agent_id = ? AND type = ? ORDER BY seq DESC LIMIT ?",
    )
    .all(agentId, type, limit);
}

export function countEvents(db: Database): number {
  return db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM events").get()!.n;
}
