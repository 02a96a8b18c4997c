import type { Database } from "bun:sqlite";
import { maxMessageChars } from "./protocol.ts";
import { findRecipientAgent, insertDelivery, insertMessage } from "../store/messages.ts";

/**
 * A person's message to one agent's mailbox (from the dashboard). It is an ordinary
 * message row from the sender "user" with one pending delivery, so the runtime delivers
 * it like an agent's: into the agent's stdin after its current turn, or in its prompt at
 * its next start or resume. The caller's request id is the idempotency key, so a retried
 * request never sends twice.
 */
export const userSender = "user";

export interface UserMessage {
  orchestrationId: string;
  toTask: string;
  text: string;
  requestId: string;
}

/** Must run inside the caller's transaction; returns the message id (null when the request id was used before), or "unknown-task". */
export function recordUserMessage(db: Database, m: UserMessage): number | null | "unknown-task" {
  const agentId = findRecipientAgent(db, m.orchestrationId, m.toTask);
  if (agentId === null) return "unknown-task";
  const id = insertMessage(db, {
    orchestrationId: m.orchestrationId,
    fromAgent: userSender,
    toAgent: agentId,
    toTask: m.toTask,
    type: "message",
    text: m.text.length > maxMessageChars ? m.text.slice(0, maxMessageChars) : m.text,
    undeliverable: false,
    idempotencyKey: `${userSender}#${m.requestId}`,
  });
  if (id !== null) insertDelivery(db, id, agentId, m.orchestrationId);
  return id;
}
