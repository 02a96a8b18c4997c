import type { Database } from "bun:sqlite";
import type { OrchestrationStatus } from "../domain/status.ts";
import type { OrchestrationRow } from "./orchestrations.ts";

/*
 * The orchestration list's query, on its own: `maos orchestration list` loads this module
 * and not orchestrations.ts, whose JSON-column schemas bring valibot with them.
 */

/**
 * The columns the list and the dashboard read: not the plan, the other JSON columns or the
 * original's counters, which would otherwise be copied out of SQLite for every row read.
 */
const overviewColumns = [
  "id",
  "request",
  "status",
  "owner_pid",
  "owner_host",
  "heartbeat_at",
  "save_interval_s",
  "created_at",
  "last_updated",
  "completed_at",
  "planner_cost_usd",
  "options",
  "cwd",
] as const satisfies readonly (keyof OrchestrationRow)[];

/** An orchestration's overview columns with live counts from its child rows (the heartbeat columns can lag). */
export interface OrchestrationOverviewRow extends Pick<OrchestrationRow, (typeof overviewColumns)[number]> {
  agent_count: number;
  live_message_count: number;
  live_cost: number;
}

/**
 * Newest first, optionally only some stored statuses. An iterator, so a caller that filters
 * further (e.g. on liveness) stops reading as soon as it has enough; the counts are only
 * computed for the rows it reads. A caller that keeps every row passes `limit` and gets
 * them in one step, without the generator an iterator runs on (~0.1 ms of a list's start).
 */
export function iterateOrchestrationOverviews(
  db: Database,
  statuses: readonly OrchestrationStatus[] | null,
  limit?: number,
): Iterable<OrchestrationOverviewRow> {
  const where = statuses ? `WHERE status IN (${statuses.map(() => "?").join(", ")})` : "";
  // The ordered rows come from a sub-select (a co-routine), so even when they must be sorted
  // (several statuses) the counts are computed only for the rows the caller reads.
  const query = db.query<OrchestrationOverviewRow, (string | number)[]>(
    `SELECT o.*,
       (SELECT COUNT(*) FROM agents a WHERE a.orchestration_id = o.id) AS agent_count,
       (SELECT COUNT(*) FROM messages m WHERE m.orchestration_id = o.id) AS live_message_count,
       o.planner_cost_usd + (SELECT COALESCE(SUM(t.cost_usd), 0) FROM tasks t WHERE t.orchestration_id = o.id) AS live_cost
     FROM (SELECT ${overviewColumns.join(", ")} FROM orchestrations ${where} ORDER BY created_at DESC, id DESC) o${limit === undefined ? "" : " LIMIT ?"}`,
  );
  return limit === undefined ? query.iterate(...(statuses ?? [])) : query.all(...(statuses ?? []), limit);
}
