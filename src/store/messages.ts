import type { Database } from "bun:sqlite";
import type { MessageType } from "../domain/status.ts";
import { sqlNow } from "./time.ts";

export interface MessageRow {
  id: number;
  from_agent: string;
  to_agent: string | null;
  message: string;
  message_type: MessageType;
  timestamp: string;
  acknowledged: number;
  orchestration_id: string;
  to_task: string | null;
  undeliverable: number;
  idempotency_key: string;
}

export interface NewMessage {
  orchestrationId: string;
  fromAgent: string;
  toAgent: string | null;
  toTask: string | null;
  type: MessageType;
  text: string;
  undeliverable: boolean;
  idempotencyKey: string;
}

/** Inserts a message once: a replayed idempotency key returns null and changes nothing. */
export function insertMessage(db: Database, m: NewMessage): number | null {
  const row = db
    .query<{ id: number }, [string, string, string | null, string | null, string, string, string, number, string]>(
      `INSERT INTO messages (orchestration_id, from_agent, to_agent, to_task, message_type, message, timestamp,
         undeliverable, idempotency_key)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(idempotency_key) DO NOTHING RETURNING id`,
    )
    .get(m.orchestrationId, m.fromAgent, m.toAgent, m.toTask, m.type, m.text, sqlNow(), m.undeliverable ? 1 : 0, m.idempotencyKey);
  return row?.id ?? null;
}

/** The agent that works on a task key of an orchestration (agents.id == tasks.id), or null. */
export function findRecipientAgent(db: Database, orchestrationId: string, taskKey: string): string | null {
  return (
    db
      .query<{ id: string }, [string, string]>(
        `SELECT a.id FROM tasks t JOIN agents a ON a.id = t.id WHERE t.orchestration_id = ? AND t.task_key = ?`,
      )
      .get(orchestrationId, taskKey)?.id ?? null
  );
}

/** Whether the agent's task is completed (agents.id == tasks.id): it reads no more messages. */
export function agentFinished(db: Database, agentId: string): boolean {
  return db.query<{ status: string }, [string]>("SELECT status FROM tasks WHERE id = ?").get(agentId)?.status === "completed";
}

/**
 * A broadcast's deliveries: one row per other agent of the orchestration whose task is not
 * completed (a finished agent reads nothing more); returns the recipients.
 */
export function insertBroadcastDeliveries(db: Database, messageId: number, orchestrationId: string, fromAgent: string): string[] {
  return db
    .query<{ agent_id: string }, [number, string, string]>(
      `INSERT INTO deliveries (message_id, agent_id, orchestration_id)
       SELECT ?, a.id, a.orchestration_id FROM agents a JOIN tasks t ON t.id = a.id
       WHERE a.orchestration_id = ? AND a.id != ? AND t.status != 'completed'
       ON CONFLICT(message_id, agent_id) DO NOTHING RETURNING agent_id`,
    )
    .all(messageId, orchestrationId, fromAgent)
    .map((r) => r.agent_id);
}

export function insertDelivery(db: Database, messageId: number, agentId: string, orchestrationId: string): void {
  db.query(
    `INSERT INTO deliveries (message_id, agent_id, orchestration_id) VALUES (?, ?, ?)
     ON CONFLICT(message_id, agent_id) DO NOTHING`,
  ).run(messageId, agentId, orchestrationId);
}

export interface PendingDelivery {
  message_id: number;
  agent_id: string;
  from_agent: string;
  from_task: string;
  message_type: MessageType;
  message: string;
  timestamp: string;
}

/**
 * The agent's mailbox: messages not yet delivered to it, oldest first (at most `limit`; -1 = all).
 * The sender is an agent, or a person ('user', from the dashboard), who has no agent row.
 */
export function listPendingDeliveries(db: Database, agentId: string, limit = -1): PendingDelivery[] {
  return db
    .query<PendingDelivery, [string, number]>(
      `SELECT d.message_id, d.agent_id, m.from_agent, COALESCE(t.task_key, m.from_agent) AS from_task, m.message_type, m.message,
         m.timestamp
       FROM deliveries d JOIN messages m ON m.id = d.message_id
       LEFT JOIN agents a ON a.id = m.from_agent LEFT JOIN tasks t ON t.id = a.task_id
       WHERE d.agent_id = ? AND d.status = 'pending' ORDER BY d.message_id LIMIT ?`,
    )
    .all(agentId, limit);
}

export function markDelivered(db: Database, messageId: number, agentId: string, attempt: number, via: "prompt" | "stdin"): boolean {
  return (
    db
      .query(
        `UPDATE deliveries SET status = 'delivered', attempt = ?, via = ?, delivered_at = ?
         WHERE message_id = ? AND agent_id = ? AND status = 'pending'`,
      )
      .run(attempt, via, sqlNow(), messageId, agentId).changes === 1
  );
}

/**
 * Marks the agent's pending deliveries up to a message id delivered, in one statement.
 * Called in the transaction that listed them, so "pending and <= id" is exactly that list.
 */
export function markDeliveredThrough(
  db: Database,
  agentId: string,
  throughMessageId: number,
  attempt: number,
  via: "prompt" | "stdin",
): number {
  return db
    .query(
      `UPDATE deliveries SET status = 'delivered', attempt = ?, via = ?, delivered_at = ?
       WHERE agent_id = ? AND status = 'pending' AND message_id <= ?`,
    )
    .run(attempt, via, sqlNow(), agentId, throughMessageId).changes;
}

/**
 * The recipient's turn completed: everything delivered to this attempt (up to a message id,
 * when the caller knows which deliveries that turn consumed) is acknowledged.
 */
export function acknowledgeDelivered(
  db: Database,
  agentId: string,
  attempt: number,
  throughMessageId = Number.MAX_SAFE_INTEGER,
): number[] {
  const ids = db
    .query<{ message_id: number }, [string, string, number, number]>(
      `UPDATE deliveries SET status = 'acknowledged', acknowledged_at = ?
       WHERE agent_id = ? AND attempt = ? AND status = 'delivered' AND message_id <= ? RETURNING message_id`,
    )
    .all(sqlNow(), agentId, attempt, throughMessageId)
    .map((r) => r.message_id);
  if (ids.length > 0) markMessagesAcknowledged(db, ids);
  return ids;
}

/** Of these messages, those whose every delivery is acknowledged become acknowledged (one statement). */
export function markMessagesAcknowledged(db: Database, messageIds: readonly number[]): number {
  return db
    .query(
      `UPDATE messages SET acknowledged = 1
       WHERE id IN (SELECT value FROM json_each(?)) AND acknowledged = 0
         AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = messages.id AND d.status != 'acknowledged')`,
    )
    .run(JSON.stringify(messageIds)).changes;
}

/** Deliveries made to an attempt that died before acknowledging go back to the mailbox. */
export function requeueUnacknowledged(db: Database, orchestrationId: string): number {
  return db
    .query(
      `UPDATE deliveries SET status = 'pending', attempt = NULL, via = NULL, delivered_at = NULL
       WHERE agent_id IN (SELECT id FROM agents WHERE orchestration_id = ?) AND status = 'delivered'`,
    )
    .run(orchestrationId).changes;
}

/** A retried task: deliveries made to its earlier (dead) attempts go back to its mailbox. */
export function requeueAgentDeliveries(db: Database, agentId: string, beforeAttempt: number): number {
  return db
    .query(
      `UPDATE deliveries SET status = 'pending', attempt = NULL, via = NULL, delivered_at = NULL
       WHERE agent_id = ? AND status = 'delivered' AND attempt < ?`,
    )
    .run(agentId, beforeAttempt).changes;
}

export function countAgentPendingDeliveries(db: Database, agentId: string): number {
  return db
    .query<{ n: number }, [string]>("SELECT COUNT(*) AS n FROM deliveries WHERE agent_id = ? AND status = 'pending'")
    .get(agentId)!.n;
}

export interface MailboxCounts {
  messages: number;
  pending: number;
  delivered: number;
  acknowledged: number;
  /** Messages that reached nobody (unknown or finished recipient) plus deliveries whose recipient finished first. */
  undeliverable: number;
}

/** Deliveries of an orchestration by status, plus its messages and how many of them were undeliverable. */
export function countMailbox(db: Database, orchestrationId: string): MailboxCounts {
  return db
    .query<MailboxCounts, { o: string }>(
      `SELECT
         (SELECT COUNT(*) FROM messages WHERE orchestration_id = $o) AS messages,
         (SELECT COUNT(*) FROM deliveries WHERE agent_id IN (SELECT id FROM agents WHERE orchestration_id = $o) AND status = 'pending') AS pending,
         (SELECT COUNT(*) FROM deliveries WHERE agent_id IN (SELECT id FROM agents WHERE orchestration_id = $o) AND status = 'delivered') AS delivered,
         (SELECT COUNT(*) FROM deliveries WHERE agent_id IN (SELECT id FROM agents WHERE orchestration_id = $o) AND status = 'acknowledged') AS acknowledged,
         (SELECT COUNT(*) FROM messages WHERE orchestration_id = $o AND undeliverable = 1)
           + (SELECT COUNT(*) FROM deliveries WHERE agent_id IN (SELECT id FROM agents WHERE orchestration_id = $o) AND status = 'undeliverable') AS undeliverable`,
    )
    .get({ o: orchestrationId })!;
}

export function countPendingDeliveries(db: Database, orchestrationId: string): number {
  return db
    .query<{ n: number }, [string]>(
      "SELECT COUNT(*) AS n FROM deliveries WHERE agent_id IN (SELECT id FROM agents WHERE orchestration_id = ?) AND status = 'pending'",
    )
    .get(orchestrationId)!.n;
}

export function countLiveDeliveries(db: Database, agentId: string, attempt: number): number {
  return db
    .query<{ n: number }, [string, number]>(
      "SELECT COUNT(*) AS n FROM deliveries WHERE agent_id = ? AND attempt = ? AND via = 'stdin'",
    )
    .get(agentId, attempt)!.n;
}

export interface MessageView {
  id: number;
  orchestration_id: string;
  timestamp: string;
  from_task: string;
  to_task: string | null;
  message_type: string;
  message: string;
  undeliverable: number;
  acknowledged: number;
  recipients: number;
  delivered: number;
  acked: number;
  /** Deliveries whose recipient finished before it could read them. */
  dropped: number;
}

const messageViewSelect = `
  SELECT m.id, m.orchestration_id, m.timestamp, COALESCE(ft.task_key, m.from_agent) AS from_task, m.to_task, m.message_type, m.message,
    m.undeliverable, m.acknowledged,
    (SELECT COUNT(*) FROM deliveries d WHERE d.message_id = m.id) AS recipients,
    (SELECT COUNT(*) FROM deliveries d WHERE d.message_id = m.id AND d.status IN ('delivered','acknowledged')) AS delivered,
    (SELECT COUNT(*) FROM deliveries d WHERE d.message_id = m.id AND d.status = 'acknowledged') AS acked,
    (SELECT COUNT(*) FROM deliveries d WHERE d.message_id = m.id AND d.status = 'undeliverable') AS dropped
  FROM messages m LEFT JOIN agents fa ON fa.id = m.from_agent LEFT JOIN tasks ft ON ft.id = fa.task_id`;

export function listMessages(db: Database, orchestrationId: string, limit: number): MessageView[] {
  return db
    .query<MessageView, [string, number]>(`${messageViewSelect} WHERE m.orchestration_id = ? ORDER BY m.id DESC LIMIT ?`)
    .all(orchestrationId, limit)
    .reverse();
}

export function listRecentMessages(db: Database, limit: number): MessageView[] {
  return db.query<MessageView, [number]>(`${messageViewSelect} ORDER BY m.id DESC LIMIT ?`).all(limit).reverse();
}

export function countMessages(db: Database): number {
  return db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM messages").get()!.n;
}

export function countOrchestrationMessages(db: Database, orchestrationId: string): number {
  return db
    .query<{ n: number }, [string]>("SELECT COUNT(*) AS n FROM messages WHERE orchestration_id = ?")
    .get(orchestrationId)!.n;
}

export function lastMessageId(db: Database, orchestrationId: string): number {
  return (
    db
      .query<{ id: number | null }, [string]>("SELECT MAX(id) AS id FROM messages WHERE orchestration_id = ?")
      .get(orchestrationId)?.id ?? 0
  );
}

/** Deliveries taken for an attempt but never handed over (its stdin closed first) go back to the mailbox. */
export function returnToMailbox(db: Database, agentId: string, attempt: number, messageIds: readonly number[]): number {
  return db
    .query(
      `UPDATE deliveries SET status = 'pending', attempt = NULL, via = NULL, delivered_at = NULL
       WHERE agent_id = ? AND attempt = ? AND status = 'delivered' AND message_id IN (SELECT value FROM json_each(?))`,
    )
    .run(agentId, attempt, JSON.stringify(messageIds)).changes;
}

export interface DroppedDelivery {
  message_id: number;
  from_agent: string;
  message_type: MessageType;
}

/**
 * The agent finished: what still waits in its mailbox can never be read. Those deliveries
 * become 'undeliverable' (never silently pending); returns them so live senders can be told.
 */
export function dropPendingDeliveries(db: Database, agentId: string): DroppedDelivery[] {
  return db
    .query<DroppedDelivery, [string]>(
      `UPDATE deliveries SET status = 'undeliverable' WHERE agent_id = ? AND status = 'pending'
       RETURNING message_id, (SELECT from_agent FROM messages WHERE id = message_id) AS from_agent,
         (SELECT message_type FROM messages WHERE id = message_id) AS message_type`,
    )
    .all(agentId);
}

/** Every completed agent's leftover pending deliveries become 'undeliverable' (a run's end). */
export function dropDeliveriesToFinished(db: Database, orchestrationId: string): number {
  return db
    .query(
      `UPDATE deliveries SET status = 'undeliverable'
       WHERE status = 'pending' AND agent_id IN (SELECT id FROM tasks WHERE orchestration_id = ? AND status = 'completed')`,
    )
    .run(orchestrationId).changes;
}
