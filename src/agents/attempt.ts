import type { Database } from "bun:sqlite";
import { acknowledge, formatDelivery, requeueForRetry, takeMailbox, type MailboxDelivery } from "../bus/mailbox.ts";
import { returnToMailbox } from "../store/messages.ts";
import { activateAgent, addAgentUsage, setAgentSession, setAgentStatus } from "../store/agents.ts";
import { endAttempt, insertAttempt, setAttemptPid } from "../store/attempts.ts";
import { nextEventSeq } from "../store/events.ts";
import { addSessionUsage, saveSessionProgress, setSessionStatus, upsertSession, type Conversation } from "../store/sessions.ts";
import { addTaskUsage, finishTask, startTaskAttempt } from "../store/tasks.ts";
import { transaction } from "../store/tx.ts";
import { agentArgs, agentEnv, userMessage, type AgentArgsOptions } from "./claude-args.ts";
import { ClaudeProcess, type ProcessExit } from "./claude-process.ts";
import { eventTimestamp, type EventWriter, type QueuedEvent } from "./event-writer.ts";
import type { Line } from "./line-splitter.ts";
import { classifyAttempt, type AttemptOutcome } from "./outcome.ts";
import { assistantText, parseStreamLine, toolUses, type ResultLine } from "./stream-schema.ts";

/** An event as the attempt queues it: the stored row plus what the flush hooks need. */
export interface AgentEvent extends QueuedEvent {
  /** Assistant text of the line (parsed for mailbox protocol lines in the flush transaction). */
  text?: string;
  /** Short description of what the agent is doing, for agents.last_activity. */
  activity?: string;
}

export interface AttemptEnvironment {
  db: Database;
  writer: EventWriter;
  bin: string;
  env: Record<string, string>;
  orchestrationId: string;
  cwd: string;
  claudeConfigDir: string | null;
  wallTimeoutMs: number;
  idleTimeoutMs: number;
  graceMs: number;
  liveDeliveryCap: number;
}

export interface AttemptSpec {
  taskId: string;
  agentId: string;
  sessionId: string;
  /** Continue the task's existing Claude session (`--resume`). */
  resume: boolean;
  args: Omit<AgentArgsOptions, "sessionId" | "resume">;
  /** The first user message, given the messages that waited in the mailbox. */
  prompt: (mailbox: readonly MailboxDelivery[], attempt: number) => string;
}

export interface AttemptReport extends AttemptOutcome {
  attempt: number;
  sessionId: string;
  /** The agent's session was created (system/init seen): a later attempt can --resume it. */
  sessionStarted: boolean;
  costUsd: number;
}

const conversationLimit = 40;
/** Messages handed over in a starting prompt; the rest follow live or at the next start. */
const promptMailboxLimit = 200;
const conversationTextLimit = 2000;

/** What one stdin write carried, so its messages are acknowledged once claude consumed it. */
interface Write {
  messageIds: number[];
}

/**
 * One attempt of one task: one `claude` process whose every stdout line becomes an
 * event row, whose turn ends acknowledge the messages it consumed, and whose mailbox
 * is delivered into its stdin while it runs.
 */
export class AgentAttempt {
  attempt = 0;
  activity: string | null = null;
  private proc: ClaudeProcess | null = null;
  private seq = 0;
  private sessionId: string;
  private sessionStarted = false;
  private results: ResultLine[] = [];
  private conversation: Conversation = [];
  private turnsSaved = 0;
  private readonly writes: Write[] = [];
  private consumed = 0;
  private replaySeen = false;
  private stopRequested = false;
  private liveDelivered = 0;

  constructor(
    private readonly env: AttemptEnvironment,
    private readonly spec: AttemptSpec,
  ) {
    this.sessionId = spec.sessionId;
  }

  get agentId(): string {
    return this.spec.agentId;
  }

  get pid(): number | null {
    return this.proc?.pid ?? null;
  }

  async run(): Promise<AttemptReport> {
    const { db } = this.env;
    const { taskId, agentId } = this.spec;
    let mailbox: MailboxDelivery[] = [];
    let attemptRowId = 0;
    transaction(db, () => {
      this.attempt = startTaskAttempt(db, taskId, this.sessionId);
      requeueForRetry(db, agentId, this.attempt);
      attemptRowId = insertAttempt(db, {
        orchestrationId: this.env.orchestrationId,
        taskId,
        agentId,
        attempt: this.attempt,
        sessionId: this.sessionId,
        resumed: this.spec.resume,
      });
      upsertSession(db, {
        sessionId: this.sessionId,
        agentId,
        orchestrationId: this.env.orchestrationId,
        task: taskId,
        cwd: this.env.cwd,
        claudeConfigDir: this.env.claudeConfigDir,
      });
      activateAgent(db, agentId, { pid: 0, sessionId: this.sessionId, attempt: this.attempt });
      mailbox = takeMailbox(db, agentId, this.attempt, "prompt", { limit: promptMailboxLimit });
      this.seq = nextEventSeq(db, agentId);
    });
    const prompt = this.spec.prompt(mailbox, this.attempt);
    this.conversation.push({ role: "user", text: prompt.slice(0, conversationTextLimit) });

    let exit: ProcessExit;
    try {
      this.proc = new ClaudeProcess({
        bin: this.env.bin,
        args: agentArgs({ ...this.spec.args, sessionId: this.sessionId, resume: this.spec.resume }),
        cwd: this.env.cwd,
        // Per agent: its own permission mode may differ from the run's (see agentEnv).
        env: agentEnv(this.spec.args.permissionMode, this.env.env),
        onLine: (line, readAt) => this.onLine(line, readAt),
        wallTimeoutMs: this.env.wallTimeoutMs,
        idleTimeoutMs: this.env.idleTimeoutMs,
        graceMs: this.env.graceMs,
      });
      const pid = this.proc.pid;
      transaction(db, () => {
        setAttemptPid(db, attemptRowId, pid);
        activateAgent(db, agentId, { pid, sessionId: this.sessionId, attempt: this.attempt });
      });
      this.writes.push({ messageIds: mailbox.map((m) => m.messageId) });
      this.proc.write(userMessage(prompt));
      if (this.stopRequested) void this.proc.stop("interrupted");
      exit = await this.proc.exited;
    } catch (error) {
      // Spawning failed (e.g. the executable vanished): not worth a retry.
      const message = error instanceof Error ? error.message : String(error);
      await this.env.writer.flush();
      const exit: ProcessExit = { code: null, signal: null, stopReason: "exited", stderrTail: message };
      const reason = `could not start ${this.env.bin}: ${message}`;
      return this.finish(attemptRowId, { status: "failed", reason, transient: false, resultText: null, budgetExhausted: false }, exit);
    }
    await this.env.writer.flush();
    const outcome = classifyAttempt(this.results.at(-1) ?? null, exit, this.env);
    return this.finish(attemptRowId, outcome, exit);
  }

  private async onLine(line: Line, readAt: number): Promise<void> {
    const parsed = parseStreamLine(line.text);
    const event: AgentEvent = {
      orchestration_id: this.env.orchestrationId,
      agent_id: this.spec.agentId,
      session_id: this.sessionId,
      attempt: this.attempt,
      seq: this.seq++,
      ts: eventTimestamp(),
      type: parsed.type,
      subtype: parsed.subtype,
      raw: line.text,
      readAt,
    };
    let result: ResultLine | null = null;
    if (parsed.kind === "known") {
      switch (parsed.type) {
        case "system":
          if (parsed.subtype === "init") this.onInit(parsed.line.session_id);
          break;
        case "assistant": {
          const text = assistantText(parsed.line);
          const tools = toolUses(parsed.line).map((t) => t.name);
          if (text) {
            event.text = text;
            event.activity = text.replace(/\s+/g, " ").trim().slice(0, 120);
            this.remember("assistant", text);
          }
          if (tools.length > 0) event.activity = `using ${tools.join(", ")}`;
          if (event.activity) this.activity = event.activity;
          break;
        }
        case "user":
          if ((parsed.line as { isReplay?: unknown }).isReplay === true) {
            this.replaySeen = true;
            this.consumed = Math.min(this.consumed + 1, this.writes.length);
          }
          break;
        case "result":
          result = parsed.line;
          this.results.push(result);
          break;
      }
    }
    const wait = this.env.writer.push(event);
    if (wait) await wait;
    if (result) await this.onTurnEnd(result);
  }

  private onInit(sessionId: string | undefined): void {
    this.sessionStarted = true;
    if (sessionId && sessionId !== this.sessionId) {
      // claude chose another id (e.g. a forked resume): follow it so a later resume finds it.
      this.sessionId = sessionId;
      transaction(this.env.db, () => {
        setAgentSession(this.env.db, this.spec.agentId, sessionId);
        upsertSession(this.env.db, {
          sessionId,
          agentId: this.spec.agentId,
          orchestrationId: this.env.orchestrationId,
          task: this.spec.taskId,
          cwd: this.env.cwd,
          claudeConfigDir: this.env.claudeConfigDir,
        });
      });
    }
  }

  private remember(role: string, text: string): void {
    this.conversation.push({ role, text: text.slice(0, conversationTextLimit) });
    if (this.conversation.length > conversationLimit) this.conversation.splice(1, this.conversation.length - conversationLimit);
  }

  /**
   * A turn ended. Messages the turn consumed are acknowledged; then either the next
   * waiting messages go into stdin, or stdin is closed so claude exits.
   */
  private async onTurnEnd(result: ResultLine): Promise<void> {
    const { db } = this.env;
    await this.env.writer.flush();
    // Without --replay-user-messages echoes we cannot tell what was consumed: assume all of it.
    if (!this.replaySeen) this.consumed = this.writes.length;
    if (result.is_error) {
      // A failed turn acknowledges nothing (its messages go to the next attempt) and ends the attempt.
      this.proc?.closeInput();
      return;
    }
    const consumedIds = this.writes.slice(0, this.consumed).flatMap((w) => w.messageIds);
    if (consumedIds.length > 0) acknowledge(db, this.spec.agentId, this.attempt, Math.max(...consumedIds));
    this.saveProgress();
    if (this.consumed < this.writes.length) return; // a message is still queued inside claude
    if (!this.deliverPending()) this.proc?.closeInput();
  }

  /** Writes waiting mailbox messages into the running agent's stdin; false when none (or it cannot take them). */
  deliverPending(): boolean {
    return this.writeLive(transaction(this.env.db, () => this.takeLive()));
  }

  /**
   * Takes what waits in the mailbox for live delivery (marking it delivered to this
   * attempt), within the live-delivery cap. Only the database part: the caller commits,
   * then hands the result to writeLive. The cap is counted here, in memory: this attempt
   * is the only writer to its stdin.
   */
  takeLive(): MailboxDelivery[] {
    const proc = this.proc;
    const left = this.env.liveDeliveryCap - this.liveDelivered;
    if (!proc || this.stopRequested || proc.isStopping || !proc.running || left <= 0) return [];
    const deliveries = takeMailbox(this.env.db, this.spec.agentId, this.attempt, "stdin", {
      limit: left,
      liveDeliveryCap: Number.POSITIVE_INFINITY,
    });
    this.liveDelivered += deliveries.length;
    return deliveries;
  }

  /** Writes taken deliveries into stdin as one user message; if stdin is gone they return to the mailbox. */
  writeLive(deliveries: readonly MailboxDelivery[]): boolean {
    if (deliveries.length === 0) return false;
    const ids = deliveries.map((d) => d.messageId);
    const text = deliveries.map(formatDelivery).join("\n");
    if (!this.proc?.write(userMessage(text))) {
      this.liveDelivered -= deliveries.length;
      transaction(this.env.db, () => returnToMailbox(this.env.db, this.spec.agentId, this.attempt, ids));
      return false;
    }
    this.writes.push({ messageIds: ids });
    this.remember("user", text);
    return true;
  }

  /** Tells the running agent something (e.g. that its message could not be delivered). */
  note(text: string): void {
    if (this.proc?.write(userMessage(text))) this.writes.push({ messageIds: [] });
  }

  /** Persists the conversation so far and the turn count. */
  saveProgress(): void {
    const turns = this.results.length - this.turnsSaved;
    this.turnsSaved = this.results.length;
    saveSessionProgress(this.env.db, this.sessionId, { conversation: this.conversation, turnsDelta: turns });
  }

  /** Graceful stop (Ctrl-C): interrupt, then SIGKILL after the grace period. */
  stop(): Promise<void> {
    this.stopRequested = true;
    return this.proc?.stop("interrupted") ?? Promise.resolve();
  }

  /** Immediate stop (second Ctrl-C). */
  kill(): void {
    this.stopRequested = true;
    this.proc?.kill("killed");
  }

  private finish(attemptRowId: number, outcome: AttemptOutcome, exit: ProcessExit): AttemptReport {
    const { db } = this.env;
    const { taskId, agentId } = this.spec;
    // total_cost_usd and modelUsage are running totals for the process; usage is per turn
    // (and zeroed on error_max_budget_usd), so prefer modelUsage for tokens.
    const modelTotals = Object.values(this.results.at(-1)?.modelUsage ?? {});
    const usage = {
      costUsd: Math.max(0, ...this.results.map((r) => r.total_cost_usd ?? 0)),
      inputTokens:
        modelTotals.length > 0
          ? modelTotals.reduce((n, m) => n + (m.inputTokens ?? 0), 0)
          : this.results.reduce((n, r) => n + (r.usage?.input_tokens ?? 0), 0),
      outputTokens:
        modelTotals.length > 0
          ? modelTotals.reduce((n, m) => n + (m.outputTokens ?? 0), 0)
          : this.results.reduce((n, r) => n + (r.usage?.output_tokens ?? 0), 0),
      numTurns: this.results.reduce((n, r) => n + (r.num_turns ?? 0), 0),
      durationMs: this.results.reduce((n, r) => n + (r.duration_ms ?? 0), 0),
    };
    // Later turns answer mailbox messages: keep every turn's answer, not just the last.
    const resultText =
      outcome.status === "completed" ? this.results.map((r) => r.result ?? "").filter(Boolean).join("\n\n") : null;
    if (resultText) this.remember("result", resultText);
    transaction(db, () => {
      endAttempt(db, attemptRowId, {
        status: outcome.status,
        reason: outcome.reason,
        stderrTail: exit.stderrTail ? exit.stderrTail.slice(-2000) : null,
      });
      // Messages written to stdin that claude never consumed go back to the mailbox.
      const unconsumed = this.writes.slice(this.consumed).flatMap((w) => w.messageIds);
      if (unconsumed.length > 0) returnToMailbox(db, agentId, this.attempt, unconsumed);
      addTaskUsage(db, taskId, usage);
      addAgentUsage(db, agentId, usage);
      addSessionUsage(db, this.sessionId, usage);
      this.saveProgress();
      setSessionStatus(db, this.sessionId, outcome.status);
      setAgentStatus(db, agentId, outcome.status);
      finishTask(db, taskId, {
        status: outcome.status === "completed" ? "completed" : outcome.status === "interrupted" ? "pending" : "failed",
        result: resultText,
        error: outcome.reason,
      });
    });
    return { ...outcome, attempt: this.attempt, sessionId: this.sessionId, sessionStarted: this.sessionStarted, costUsd: usage.costUsd };
  }
}
