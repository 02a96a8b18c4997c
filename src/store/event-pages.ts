import type { Database } from "bun:sqlite";
import type { EventRow } from "./events.ts";

/**
 * Paged reads of the events table by position (its row id), for readers that must not
 * load a whole orchestration: `maos logs`, its follow mode and the dashboard's stream.
 * Every read walks events_orchestration (orchestration_id, id) from a cursor, so a page
 * costs the same on the millionth event as on the first.
 */

export interface EventPage {
  orchestrationId: string;
  /** Only these agents; null for all of them. */
  agentIds: readonly string[] | null;
  /** Events after this position (exclusive). */
  afterId: number;
  limit: number;
}

export function pageEvents(db: Database, page: EventPage): EventRow[] {
  if (page.agentIds === null) {
    return db
      .query<EventRow, [string, number, number]>("SELECT * FROM events WHERE orchestration_id = ? AND id > ? ORDER BY id LIMIT ?")
      .all(page.orchestrationId, page.afterId, page.limit);
  }
  return db
    .query<EventRow, [string, number, string, number]>(
      `SELECT * FROM events WHERE orchestration_id = ? AND id > ? AND agent_id IN (SELECT value FROM json_each(?))
       ORDER BY id LIMIT ?`,
    )
    .all(page.orchestrationId, page.afterId, JSON.stringify(page.agentIds), page.limit);
}

/** The highest event position of an orchestration (0 when it has none). */
export function lastEventId(db: Database, orchestrationId: string): number {
  return (
    db.query<{ id: number | null }, [string]>("SELECT MAX(id) AS id FROM events WHERE orchestration_id = ?").get(orchestrationId)?.id ?? 0
  );
}

/** The position just before the first event committed at or after a time: the cursor for `--since TIME`. */
export function eventIdBefore(db: Database, orchestrationId: string, time: string): number {
  // ts grows with id within an orchestration (events are committed in order), so the first
  // match along the index is the answer without a ts index.
  const row = db
    .query<{ id: number }, [string, string]>("SELECT id FROM events WHERE orchestration_id = ? AND ts >= ? ORDER BY id LIMIT 1")
    .get(orchestrationId, time);
  return row ? row.id - 1 : lastEventId(db, orchestrationId);
}

/** The attempt an agent's event with this sequence number belongs to (null when there is none). */
export function attemptOfEvent(db: Database, agentId: string, seq: number): number | null {
  return db.query<{ attempt: number }, [string, number]>("SELECT attempt FROM events WHERE agent_id = ? AND seq = ?").get(agentId, seq)?.attempt ?? null;
}
