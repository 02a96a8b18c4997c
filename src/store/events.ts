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

/**
 * The last assistant lines of one attempt, oldest first. With `unfinishedOnly`, only those
 * after its last `result` line (its unfinished turn): empty when its last turn ended.
 */
export function attemptAssistantEvents(db: Database, agentId: string, attempt: number, limit: number, unfinishedOnly: boolean): EventRow[] {
  return db
    .query<EventRow, [string, number, number, number]>(
      `SELECT * FROM events WHERE agent_id = ?1 AND attempt = ?2 AND type = 'assistant'
         AND (?4 = 0 OR seq > COALESCE((SELECT MAX(seq) FROM events WHERE agent_id = ?1 AND attempt = ?2 AND type = 'result'), -1))
       ORDER BY seq DESC LIMIT ?3`,
    )
    .all(agentId, attempt, limit, unfinishedOnly ? 1 : 0)
    .reverse();
}

export function countEvents(db: Database): number {
  return db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM events").get()!.n;
}

/** When the orchestration's most recent event was committed (null before any). */
export function lastEventTime(db: Database, orchestrationId: string): string | null {
  return (
    db.query<{ ts: string }, [string]>("SELECT ts FROM events WHERE orchestration_id = ? ORDER BY id DESC LIMIT 1").get(orchestrationId)?.ts ??
    null
  );
}
