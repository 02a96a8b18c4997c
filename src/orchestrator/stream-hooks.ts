import type { Database } from "bun:sqlite";
import type { AgentAttempt, AgentEvent } from "../agents/attempt.ts";
import type { EventWriter, QueuedEvent } from "../agents/event-writer.ts";
import { formatUndeliverableNote, type Mailbox, type MailboxDelivery, type RecordedMessage } from "../bus/mailbox.ts";
import { parseProtocolLines } from "../bus/protocol.ts";
import { touchAgent } from "../store/agents.ts";
import type { DroppedDelivery } from "../store/messages.ts";
import { transaction } from "../store/tx.ts";

/**
 * Connects the event writer to the rest of the store and to the live agents:
 * inside each flush transaction it advances agents' last sequence and activity and
 * records the mailbox protocol lines the batch contains (so a message commits with
 * the line that said it); after the commit it wakes the recipients.
 */
export class LiveAgents {
  private readonly attempts = new Map<string, AgentAttempt>();
  private recorded: { from: string; message: RecordedMessage }[] = [];
  private readonly detach: (() => void)[] = [];
  private db: Database | null = null;

  constructor(
    writer: EventWriter,
    private readonly mailbox: Mailbox,
    private readonly taskKeys: () => readonly string[],
  ) {
    this.detach.push(writer.onFlush((batch, db) => this.inFlush(batch, db)));
    this.detach.push(writer.onCommitted(() => this.afterCommit()));
  }

  add(attempt: AgentAttempt): void {
    this.attempts.set(attempt.agentId, attempt);
  }

  remove(attempt: AgentAttempt): void {
    if (this.attempts.get(attempt.agentId) === attempt) this.attempts.delete(attempt.agentId);
  }

  get(agentId: string): AgentAttempt | undefined {
    return this.attempts.get(agentId);
  }

  all(): AgentAttempt[] {
    return [...this.attempts.values()];
  }

  get size(): number {
    return this.attempts.size;
  }

  close(): void {
    for (const d of this.detach) d();
  }

  /** A recipient finished with these messages unread: the senders still running are told. */
  tellDropped(recipientKey: string, dropped: readonly DroppedDelivery[]): void {
    for (const d of dropped) {
      if (d.message_type !== "message" && d.message_type !== "request") continue;
      this.attempts
        .get(d.from_agent)
        ?.tellUndeliverable(`[maos] Your ${d.message_type.toUpperCase()} to @${recipientKey} was not delivered: @${recipientKey} finished its task before reading it.`);
    }
  }

  private inFlush(batch: readonly QueuedEvent[], db: Database): void {
    this.db = db;
    const touched = new Map<string, { seq: number; activity: string | null }>();
    for (const e of batch as readonly AgentEvent[]) {
      const prev = touched.get(e.agent_id);
      touched.set(e.agent_id, { seq: Math.max(prev?.seq ?? 0, e.seq), activity: e.activity ?? prev?.activity ?? null });
      if (!e.text) continue;
      const messages = parseProtocolLines(e.text);
      if (messages.length === 0) continue;
      const recorded = this.mailbox.record({
        orchestrationId: e.orchestration_id,
        fromAgentId: e.agent_id,
        attempt: e.attempt,
        seq: e.seq,
        messages,
      });
      for (const message of recorded) this.recorded.push({ from: e.agent_id, message });
    }
    for (const [agentId, t] of touched) touchAgent(db, agentId, t.seq, t.activity);
  }

  /**
   * Wakes the recipients of what the batch recorded: one transaction takes every running
   * recipient's mailbox, then each gets its messages on stdin (written only after the commit).
   */
  private afterCommit(): void {
    const recorded = this.recorded;
    this.recorded = [];
    if (recorded.length === 0 || !this.db) return;
    const recipients = new Set<AgentAttempt>();
    for (const { from, message } of recorded) {
      if (message.undeliverable) {
        this.attempts.get(from)?.tellUndeliverable(formatUndeliverableNote(message, this.taskKeys()));
        continue;
      }
      for (const id of message.recipients) {
        const attempt = this.attempts.get(id);
        if (attempt) recipients.add(attempt);
      }
    }
    if (recipients.size === 0) return;
    let taken: [AgentAttempt, MailboxDelivery[]][];
    try {
      taken = transaction(this.db, () => [...recipients].map((a): [AgentAttempt, MailboxDelivery[]] => [a, a.takeLive()]));
    } catch {
      // The messages stay pending: they reach each recipient at its next turn end or start.
      return;
    }
    for (const [attempt, deliveries] of taken) attempt.writeLive(deliveries);
  }
}
