import type { Database } from "bun:sqlite";

/** The dashboard's mailbox: each message with every recipient's delivery state. */

export interface MailboxMessageRow {
  id: number;
  timestamp: string;
  /** The sender's task key, or 'user' for a person. */
  from_task: string;
  to_task: string | null;
  message_type: string;
  message: string;
  undeliverable: number;
  /** JSON array of {to, status, attempt, via, delivered_at, acknowledged_at}. */
  deliveries: string;
}

export function listMailboxMessages(db: Database, orchestrationId: string, limit: number): MailboxMessageRow[] {
  return db
    .query<MailboxMessageRow, [string, number]>(
      `SELECT m.id, m.timestamp, COALESCE(ft.task_key, m.from_agent) AS from_task, m.to_task, m.message_type, m.message,
         m.undeliverable,
         (SELECT COALESCE(json_group_array(json_object('to', rt.task_key, 'status', d.status, 'attempt', d.attempt, 'via', d.via,
                   'delivered_at', d.delivered_at, 'acknowledged_at', d.acknowledged_at)), '[]')
            FROM deliveries d JOIN agents ra ON ra.id = d.agent_id JOIN tasks rt ON rt.id = ra.task_id
            WHERE d.message_id = m.id) AS deliveries
       FROM messages m LEFT JOIN agents fa ON fa.id = m.from_agent LEFT JOIN tasks ft ON ft.id = fa.task_id
       WHERE m.orchestration_id = ? ORDER BY m.id DESC LIMIT ?`,
    )
    .all(orchestrationId, limit)
    .reverse();
}

/**
 * A short text that changes whenever anything a dashboard shows about an orchestration
 * changes (status, heartbeat, task states, costs, deliveries): pages refetch only then.
 */
export function orchestrationSignature(db: Database, orchestrationId: string): string {
  return (
    db
      .query<{ s: string | null }, [string, string, string, string, string]>(
        `SELECT (SELECT status || '|' || COALESCE(heartbeat_at, '') || '|' || COALESCE(last_updated, '') || '|' || total_cost
                   FROM orchestrations WHERE id = ?)
           || '|' || (SELECT COALESCE(group_concat(status || attempt || ':' || cost_usd, ','), '') FROM tasks WHERE orchestration_id = ?)
           || '|' || (SELECT COUNT(*) || ':' || COALESCE(MAX(id), 0) || ':' || COALESCE(SUM(status = 'running'), 0) FROM attempts WHERE orchestration_id = ?)
           || '|' || (SELECT COUNT(*) || ':' || COALESCE(SUM(status = 'acknowledged'), 0) || ':' || COALESCE(SUM(status = 'delivered'), 0)
                        FROM deliveries WHERE agent_id IN (SELECT id FROM agents WHERE orchestration_id = ?))
           || '|' || (SELECT COALESCE(MAX(id), 0) FROM messages WHERE orchestration_id = ?) AS s`,
      )
      .get(orchestrationId, orchestrationId, orchestrationId, orchestrationId, orchestrationId)?.s ?? ""
  );
}
