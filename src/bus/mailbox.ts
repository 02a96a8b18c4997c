import type { Database } from "bun:sqlite";
import type { MessageType } from "../domain/status.ts";
import {
  acknowledgeDelivered,
  countLiveDeliveries,
  agentFinished,
  countMailbox,
  dropDeliveriesToFinished,
  dropPendingDeliveries,
  findRecipientAgent,
  insertBroadcastDeliveries,
  insertDelivery,
  insertMessage,
  listPendingDeliveries,
  markDeliveredThrough,
  requeueAgentDeliveries,
  requeueUnacknowledged,
  returnToMailbox,
  type DroppedDelivery,
  type MailboxCounts,
} from "../store/messages.ts";
import { transaction } from "../store/tx.ts";
import type { ProtocolMessage } from "./protocol.ts";

/**
 * Persisted mailboxes: the bookkeeping between "an agent said a protocol line" and
 * "the recipient's turn that saw it completed".
 *
 * A message row is written once (its idempotency key says where it was said); each
 * recipient has its own deliveries row that moves pending → delivered (to one attempt,
 * via the prompt or stdin) → acknowledged (that attempt's turn completed).
 *
 * Guarantees:
 * - Exactly once per attempt: takeMailbox only takes pending rows and marks them in the
 *   same IMMEDIATE transaction, so two takers (even in two processes) never both get one.
 * - At least once across attempts: an attempt that dies after a delivery but before
 *   acknowledging gets it again on its next attempt (requeueOnResume / requeueForRetry).
 *   That is never a duplicate to one attempt: a resume or retry is always a new attempt
 *   number, and requeueing only touches attempts that are dead by then.
 * - Exactly once overall for acknowledged messages: an acknowledged delivery never goes
 *   back to pending.
 *
 * Transactions: recordProtocolMessages never opens one (it runs in the event writer's
 * flush). takeMailbox and acknowledge open their own, or join the caller's when one is
 * open (it must be an IMMEDIATE one, from store/tx.ts), so a runner can deliver to every
 * recipient of a flush in one commit. Write to a stdin only after the take committed: a
 * crash in between leaves the delivery delivered-but-unacknowledged, which a resume
 * hands to the next attempt; writing first could hand it twice to the same attempt.
 */

export type DeliveryChannel = "prompt" | "stdin";

/**
 * Runs fn in its own transaction, or as part of the caller's when one is open. Joining
 * rather than nesting a SAVEPOINT spares SQLite journaling every page the nested work
 * touches a second time.
 */
function atomically<T>(db: Database, fn: () => T): T {
  return db.inTransaction ? fn() : transaction(db, fn);
}

/** Live (stdin) deliveries one agent attempt may receive; the rest waits for its next start. */
export const defaultLiveDeliveryCap = 20;

export interface RecordInput {
  orchestrationId: string;
  fromAgentId: string;
  /** The sender's attempt and the event sequence of the stream line the text came from. */
  attempt: number;
  seq: number;
  messages: readonly ProtocolMessage[];
}

/** unknown-task: no such task; self: the sender's own task; finished: the recipient's task is completed. */
export type UndeliverableReason = "unknown-task" | "self" | "finished";

export interface RecordedMessage {
  id: number;
  type: MessageType;
  text: string;
  line: number;
  toTask: string | null;
  /** Agent ids a deliveries row was made for (empty when undeliverable). */
  recipients: string[];
  /** Set when the target is unknown, the sender itself or finished: kept, never delivered; tell the sender. */
  undeliverable: UndeliverableReason | null;
}

export function idempotencyKey(fromAgentId: string, attempt: number, seq: number, line: number): string {
  return `${fromAgentId}#${attempt}#${seq}#${line}`;
}

/**
 * Agents known to exist, per database: an agent row lives as long as its orchestration
 * (created when the plan is accepted, deleted only with the whole orchestration), so a
 * positive lookup never goes stale; a miss always asks the database again.
 */
const knownAgents = new WeakMap<Database, Map<string, string>>();

function recipientAgent(db: Database, orchestrationId: string, taskKey: string): string | null {
  let known = knownAgents.get(db);
  if (!known) knownAgents.set(db, (known = new Map()));
  const cacheKey = `${orchestrationId}\n${taskKey}`;
  const cached = known.get(cacheKey);
  if (cached !== undefined) return cached;
  const found = findRecipientAgent(db, orchestrationId, taskKey);
  if (found !== null) known.set(cacheKey, found);
  return found;
}

/**
 * Records the protocol messages of one stream line. Must run INSIDE the transaction that
 * commits that line's event (it opens none), so the message is durable exactly when the
 * event is. A line processed again adds nothing and is left out of the result.
 */
export function recordProtocolMessages(db: Database, input: RecordInput): RecordedMessage[] {
  const { orchestrationId, fromAgentId, attempt, seq } = input;
  const recorded: RecordedMessage[] = [];
  for (const m of input.messages) {
    const target = m.toTask === null ? null : recipientAgent(db, orchestrationId, m.toTask);
    const undeliverable: UndeliverableReason | null =
      m.toTask === null
        ? null
        : target === null
          ? "unknown-task"
          : target === fromAgentId
            ? "self"
            : agentFinished(db, target)
              ? "finished"
              : null;
    const id = insertMessage(db, {
      orchestrationId,
      fromAgent: fromAgentId,
      toAgent: undeliverable === "finished" ? target : undeliverable ? null : target,
      toTask: m.toTask,
      type: m.type,
      text: m.text,
      undeliverable: undeliverable !== null,
      idempotencyKey: idempotencyKey(fromAgentId, attempt, seq, m.line),
    });
    if (id === null) continue;
    let recipients: string[] = [];
    if (m.toTask === null) recipients = insertBroadcastDeliveries(db, id, orchestrationId, fromAgentId);
    else if (undeliverable === null) {
      insertDelivery(db, id, target!, orchestrationId);
      recipients = [target!];
    }
    recorded.push({ id, type: m.type, text: m.text, line: m.line, toTask: m.toTask, recipients, undeliverable });
  }
  return recorded;
}

export interface MailboxDelivery {
  messageId: number;
  fromAgent: string;
  fromTask: string;
  type: MessageType;
  text: string;
  /** When it was sent (SQLite UTC text). */
  sentAt: string;
}

export interface TakeOptions {
  /** At most this many (oldest first). */
  limit?: number;
  /** For via "stdin": live deliveries allowed per attempt (default defaultLiveDeliveryCap). */
  liveDeliveryCap?: number;
}

/**
 * Takes the agent's waiting messages for one attempt, oldest first, marking them delivered
 * via that channel in one transaction. Via "stdin" it never goes past the live cap: what is
 * left stays pending for the next start or resume (delivered through the prompt).
 */
export function takeMailbox(
  db: Database,
  agentId: string,
  attempt: number,
  via: DeliveryChannel,
  options: TakeOptions = {},
): MailboxDelivery[] {
  return atomically(db, () => {
    let limit = options.limit ?? -1;
    if (via === "stdin") {
      const left = liveDeliveriesLeft(db, agentId, attempt, options.liveDeliveryCap);
      if (left <= 0) return [];
      if (Number.isFinite(left)) limit = limit < 0 ? left : Math.min(limit, left);
    }
    if (limit === 0) return [];
    const rows = listPendingDeliveries(db, agentId, limit);
    const last = rows.at(-1);
    if (last) markDeliveredThrough(db, agentId, last.message_id, attempt, via);
    return rows.map((r) => ({
      messageId: r.message_id,
      fromAgent: r.from_agent,
      fromTask: r.from_task,
      type: r.message_type,
      text: r.message,
      sentAt: r.timestamp,
    }));
  });
}

/** How many more live deliveries this attempt may receive (Infinity when uncapped). */
export function liveDeliveriesLeft(
  db: Database,
  agentId: string,
  attempt: number,
  cap: number = defaultLiveDeliveryCap,
): number {
  if (!Number.isFinite(cap)) return Number.POSITIVE_INFINITY;
  return Math.max(0, cap - countLiveDeliveries(db, agentId, attempt));
}

/**
 * The recipient's turn completed: its deliveries to this attempt become acknowledged, and a
 * message becomes acknowledged once every recipient has. Pass `throughMessageId` (the last
 * message the finished turn is known to have consumed) when a message written to stdin
 * during the turn may only be read by the next one; otherwise all deliveries are acknowledged.
 */
export function acknowledge(db: Database, agentId: string, attempt: number, throughMessageId?: number): number[] {
  return atomically(db, () => acknowledgeDelivered(db, agentId, attempt, throughMessageId));
}

/**
 * On resume (all earlier attempts of the orchestration are dead): deliveries made but never
 * acknowledged go back to pending, to be delivered to the agents' next attempts. Never call
 * it while an attempt of this orchestration is running.
 */
export function requeueOnResume(db: Database, orchestrationId: string): number {
  return requeueUnacknowledged(db, orchestrationId);
}

/** Before starting attempt `nextAttempt` of a task: what its dead attempts did not acknowledge is pending again. */
export function requeueForRetry(db: Database, agentId: string, nextAttempt: number): number {
  return requeueAgentDeliveries(db, agentId, nextAttempt);
}

export type MailboxSummary = MailboxCounts;

/** Counts for status displays: messages, deliveries pending/delivered/acknowledged, undeliverable messages. */
export function mailboxSummary(db: Database, orchestrationId: string): MailboxSummary {
  return countMailbox(db, orchestrationId);
}

/** The line an agent sees for one message: who sent it and what kind it is. */
export function formatDelivery(d: Pick<MailboxDelivery, "fromTask" | "type" | "text">): string {
  const reply = d.type === "request" ? ` (reply with a line: MESSAGE @${d.fromTask}: <answer>)` : "";
  return `[message from @${d.fromTask} (${d.type})] ${d.text}${reply}`;
}

/** The block added to an agent's prompt for messages that waited for it to start; "" when none. */
export function formatForPrompt(deliveries: readonly MailboxDelivery[]): string {
  if (deliveries.length === 0) return "";
  return [
    "## Messages from other agents",
    "These arrived for you from the other agents of this orchestration (oldest first):",
    ...deliveries.map(formatDelivery),
  ].join("\n");
}

/** The note written to a sender's stdin when its message could not be delivered. */
export function formatUndeliverableNote(message: RecordedMessage, knownTaskKeys: readonly string[]): string {
  const why =
    message.undeliverable === "self"
      ? "that is your own task"
      : message.undeliverable === "finished"
        ? `@${message.toTask} has already finished its task and reads no more messages (its result goes to the tasks that depend on it)`
        : `there is no task "${message.toTask}" in this orchestration`;
  const known = knownTaskKeys.length > 0 ? ` Tasks you can message: ${knownTaskKeys.map((k) => `@${k}`).join(", ")}.` : "";
  return `[maos] Your ${message.type.toUpperCase()} to @${message.toTask} was not delivered: ${why}.${known}`;
}

/**
 * The mailboxes of one database: record (inside the event writer's flush), take for an
 * attempt, acknowledge what a completed turn consumed, give back what an attempt took but
 * never finished with, and close a finished agent's mailbox. The functions above are its
 * steps; the runtime goes through this class.
 */
export class Mailbox {
  constructor(private readonly db: Database) {}

  record(input: RecordInput): RecordedMessage[] {
    return recordProtocolMessages(this.db, input);
  }

  take(agentId: string, attempt: number, via: DeliveryChannel, options: TakeOptions = {}): MailboxDelivery[] {
    return takeMailbox(this.db, agentId, attempt, via, options);
  }

  acknowledge(agentId: string, attempt: number, messageIds: readonly number[]): void {
    if (messageIds.length > 0) acknowledge(this.db, agentId, attempt, Math.max(...messageIds));
  }

  /** Deliveries an attempt took but never acknowledged go back to pending, for the next attempt. */
  giveBack(agentId: string, attempt: number, messageIds: readonly number[]): void {
    if (messageIds.length > 0) returnToMailbox(this.db, agentId, attempt, messageIds);
  }

  /** The agent finished: what still waits for it becomes undeliverable (returned, to tell the senders). */
  close(agentId: string): DroppedDelivery[] {
    return dropPendingDeliveries(this.db, agentId);
  }

  /** A run ended: nothing waits silently for an agent that finished. */
  closeFinished(orchestrationId: string): number {
    return dropDeliveriesToFinished(this.db, orchestrationId);
  }

  requeueForRetry(agentId: string, nextAttempt: number): number {
    return requeueForRetry(this.db, agentId, nextAttempt);
  }

  requeueOnResume(orchestrationId: string): number {
    return requeueOnResume(this.db, orchestrationId);
  }

  summary(orchestrationId: string): MailboxSummary {
    return mailboxSummary(this.db, orchestrationId);
  }
}
