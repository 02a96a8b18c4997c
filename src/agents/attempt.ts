import type { Database } from "bun:sqlite";
import { log } from "../cli/log.ts";
import type { Mailbox, MailboxDelivery } from "../bus/mailbox.ts";
import { formatDelivery } from "../bus/mailbox.ts";
import { attemptSessionChanged, attemptSpawned, beginAttempt, finishAttempt, type BeginAttempt } from "../store/attempt-lifecycle.ts";
import type { DroppedDelivery } from "../store/messages.ts";
import { saveSessionProgress, type Conversation } from "../store/sessions.ts";
import { transaction } from "../store/tx.ts";
import { agentArgs, agentEnv, userMessage, type AgentArgsOptions } from "./claude-args.ts";
import { ClaudeProcess, type ProcessExit } from "./claude-process.ts";
import { eventTimestamp, type EventWriter, type QueuedEvent } from "./event-writer.ts";
import type { Line } from "./line-splitter.ts";
import { classifyAttempt, type AttemptOutcome } from "./outcome.ts";
import { interpretLine, usageOf } from "./stream-interpreter.ts";
import { TurnLedger } from "./turn-ledger.ts";

/** An event as the attempt queues it: the stored row plus what the flush hooks need. */
export interface AgentEvent extends QueuedEvent {
  /** The model's text on the line (parsed for mailbox protocol lines in the flush transaction). */
  text?: string;
  /** Short description of what the agent is doing, for agents.last_activity. */
  activity?: string;
}

export interface AttemptEnvironment {
  db: Database;
  writer: EventWriter;
  mailbox: Mailbox;
  bin: string;
  env: Record<string, string>;
  orchestrationId: string;
  cwd: string;
  claudeConfigDir: string | null;
  wallTimeoutMs: number;
  idleTimeoutMs: number;
  graceMs: number;
  /** Live (stdin) writes one attempt may receive: mailbox messages and maos's own notes together. */
  liveDeliveryCap: number;
}

export interface AttemptSpec {
  taskId: string;
  agentId: string;
  sessionId: string;
  /** Continue the task's existing Claude session (`--resume`). */
  resume: boolean;
  args: Omit<AgentArgsOptions, "sessionId" | "resume" | "maxBudgetUsd">;
  /** This attempt's share of the run's budget (its --max-budget-usd); null without a budget. */
  budgetShareUsd: number | null;
  /** The first user message, given the messages that waited in the mailbox. */
  prompt: (mailbox: readonly MailboxDelivery[], attempt: number) => string;
}

export interface AttemptReport extends AttemptOutcome {
  attempt: number;
  sessionId: string;
  /** The agent's session was created (system/init seen): a later attempt can --resume it. */
  sessionStarted: boolean;
  costUsd: number;
  /** Messages that waited for this agent when it completed: they can never be read now. */
  dropped: DroppedDelivery[];
}

const conversationLimit = 40;
/** Messages handed over in a starting prompt; the rest follow live or at the next start. */
const promptMailboxLimit = 200;
const conversationTextLimit = 2000;
/** Turns in a row that each sent an undeliverable message before maos stops the agent. */
export const undeliverableTurnLimit = 3;

/**
 * One attempt of one task: one `claude` process whose every stdout line becomes an
 * event row (interpreted by stream-interpreter), whose turn ends acknowledge the messages
 * the turn consumed (TurnLedger), and whose mailbox is delivered into its stdin while it
 * runs. Its outcome is decided from the whole attempt (outcome.ts).
 */
export class AgentAttempt {
  attempt = 0;
  activity: string | null = null;
  private proc: ClaudeProcess | null = null;
  private seq = 0;
  private sessionId: string;
  private readonly ledger = new TurnLedger();
  private conversation: Conversation = [];
  private turnsSaved = 0;
  private stopCause: "user-interrupt" | "looping" | null = null;
  private liveWrites = 0;
  private notedThisTurn = false;
  private undeliverableThisTurn = false;
  private undeliverableTurns = 0;

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

  private identity(): BeginAttempt {
    return {
      orchestrationId: this.env.orchestrationId,
      taskId: this.spec.taskId,
      agentId: this.spec.agentId,
      sessionId: this.sessionId,
      resumed: this.spec.resume,
      cwd: this.env.cwd,
      claudeConfigDir: this.env.claudeConfigDir,
      budgetShareUsd: this.spec.budgetShareUsd,
    };
  }

  async run(): Promise<AttemptReport> {
    const { db, mailbox } = this.env;
    const { agentId } = this.spec;
    let mail: MailboxDelivery[] = [];
    let attemptRowId = 0;
    transaction(db, () => {
      const begun = beginAttempt(db, this.identity());
      this.attempt = begun.attempt;
      attemptRowId = begun.attemptRowId;
      this.seq = begun.nextSeq;
      mailbox.requeueForRetry(agentId, this.attempt);
      mail = mailbox.take(agentId, this.attempt, "prompt", { limit: promptMailboxLimit });
    });
    const prompt = this.spec.prompt(mail, this.attempt);
    this.remember("user", prompt);

    let exit: ProcessExit;
    const args = agentArgs({ ...this.spec.args, sessionId: this.sessionId, resume: this.spec.resume, maxBudgetUsd: this.spec.budgetShareUsd });
    const label = `${this.spec.agentId.slice(this.spec.agentId.indexOf(":") + 1)} attempt ${this.attempt}`;
    log.debug(`@${label}: spawning ${[this.env.bin, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(" ")} in ${this.env.cwd}`);
    const spawnedAt = performance.now();
    try {
      this.proc = new ClaudeProcess({
        bin: this.env.bin,
        args,
        cwd: this.env.cwd,
        // Per agent: its own permission mode may differ from the run's (see agentEnv).
        env: agentEnv(this.spec.args.permissionMode, this.env.env),
        onLine: (line, readAt) => this.onLine(line, readAt),
        wallTimeoutMs: this.env.wallTimeoutMs,
        idleTimeoutMs: this.env.idleTimeoutMs,
        graceMs: this.env.graceMs,
      });
    } catch (error) {
      // Spawning failed (the executable or the working directory is gone): it would fail again.
      const message = error instanceof Error ? error.message : String(error);
      await this.env.writer.flush();
      const exit: ProcessExit = { code: null, signal: null, stopReason: "exited", stderrTail: message };
      return this.finish(attemptRowId, exit, {
        status: "failed",
        cause: "start-failed",
        reason: `could not start ${this.env.bin} in ${this.env.cwd}: ${message}`,
        transient: false,
        freshSession: false,
        resultText: null,
        budgetReached: false,
        hint: "check that the claude executable (--claude-bin, $MAOS_CLAUDE_BIN, PATH) and the working directory exist",
      });
    }
    const pid = this.proc.pid;
    transaction(db, () => attemptSpawned(db, { attemptRowId, agentId, pid, sessionId: this.sessionId, attempt: this.attempt }));
    this.ledger.wrote("prompt", mail.map((m) => m.messageId));
    this.proc.write(userMessage(prompt));
    if (this.stopCause) void this.proc.stop("interrupted");
    log.debug(`@${label}: pid ${pid} started in ${(performance.now() - spawnedAt).toFixed(0)} ms`);
    exit = await this.proc.exited;
    log.debug(
      `@${label}: pid ${pid} ended after ${((performance.now() - spawnedAt) / 1000).toFixed(1)} s (code ${exit.code}, signal ${exit.signal}, ${exit.stopReason})`,
    );
    await this.env.writer.flush();
    return this.finish(attemptRowId, exit);
  }

  private onLine(line: Line, readAt: number): Promise<void> | undefined {
    const facts = interpretLine(line.text);
    const event: AgentEvent = {
      orchestration_id: this.env.orchestrationId,
      agent_id: this.spec.agentId,
      session_id: this.sessionId,
      attempt: this.attempt,
      seq: this.seq++,
      ts: eventTimestamp(),
      type: facts.type,
      subtype: facts.subtype,
      raw: line.text,
      readAt,
    };
    if (facts.sessionId !== undefined) this.onInit(facts.sessionId);
    if (facts.text) {
      event.text = facts.text;
      this.remember("assistant", facts.text);
    }
    if (facts.activity) event.activity = this.activity = facts.activity;
    if (facts.type === "system" && facts.subtype === "api_retry") log.debug(`@${this.spec.agentId.slice(this.spec.agentId.indexOf(":") + 1)}: ${facts.activity}`);
    const acknowledged = this.ledger.saw(facts);
    const wait = this.env.writer.push(event);
    if (acknowledged === null) return wait ?? undefined;
    return (async () => {
      if (wait) await wait;
      await this.onTurnEnd(acknowledged, facts.result!.is_error);
    })();
  }

  private onInit(sessionId: string): void {
    if (sessionId === this.sessionId) return;
    this.sessionId = sessionId;
    transaction(this.env.db, () => attemptSessionChanged(this.env.db, this.identity()));
  }

  private remember(role: string, text: string): void {
    this.conversation.push({ role, text: text.slice(0, conversationTextLimit) });
    if (this.conversation.length > conversationLimit) this.conversation.splice(1, this.conversation.length - conversationLimit);
  }

  /**
   * A turn ended. Its messages are acknowledged; an agent that keeps addressing nobody is
   * stopped; then either the next waiting messages go into stdin, or stdin is closed so
   * claude exits once it has read what is queued.
   */
  private async onTurnEnd(acknowledged: number[], failed: boolean): Promise<void> {
    await this.env.writer.flush();
    this.undeliverableTurns = this.undeliverableThisTurn ? this.undeliverableTurns + 1 : 0;
    this.undeliverableThisTurn = false;
    this.notedThisTurn = false;
    if (this.undeliverableTurns >= undeliverableTurnLimit && !this.stopCause) {
      this.stopCause = "looping";
      void this.proc?.stop("interrupted");
      return;
    }
    if (failed) {
      // A failed turn acknowledges nothing (its messages go to the next attempt) and ends the attempt.
      this.proc?.closeInput();
      return;
    }
    transaction(this.env.db, () => {
      this.env.mailbox.acknowledge(this.spec.agentId, this.attempt, acknowledged);
      this.saveProgress();
    });
    if (this.ledger.inputLeft) return; // a message is still queued inside claude
    if (!this.deliverPending()) this.proc?.closeInput();
  }

  private get canWrite(): boolean {
    const proc = this.proc;
    return proc !== null && !this.stopCause && !proc.isStopping && proc.running;
  }

  /** Writes waiting mailbox messages into the running agent's stdin; false when none (or it cannot take them). */
  deliverPending(): boolean {
    return this.writeLive(transaction(this.env.db, () => this.takeLive()));
  }

  /**
   * Takes what waits in the mailbox for live delivery (marking it delivered to this attempt),
   * within the live cap. Only the database part: the caller commits, then hands the result
   * to writeLive. The cap is counted here, in memory: this attempt is the only writer to its stdin.
   */
  takeLive(): MailboxDelivery[] {
    const left = this.env.liveDeliveryCap - this.liveWrites;
    if (!this.canWrite || left <= 0) return [];
    const deliveries = this.env.mailbox.take(this.spec.agentId, this.attempt, "stdin", {
      limit: left,
      liveDeliveryCap: Number.POSITIVE_INFINITY,
    });
    this.liveWrites += deliveries.length;
    return deliveries;
  }

  /** Writes taken deliveries into stdin as one user message; if stdin is gone they return to the mailbox. */
  writeLive(deliveries: readonly MailboxDelivery[]): boolean {
    if (deliveries.length === 0) return false;
    const ids = deliveries.map((d) => d.messageId);
    const text = deliveries.map(formatDelivery).join("\n");
    if (!this.proc?.write(userMessage(text))) {
      this.liveWrites -= deliveries.length;
      transaction(this.env.db, () => this.env.mailbox.giveBack(this.spec.agentId, this.attempt, ids));
      return false;
    }
    this.ledger.wrote("mail", ids);
    this.remember("user", text);
    return true;
  }

  /**
   * Tells the running agent that a message of its own went nowhere. At most once per turn
   * and within the live cap: each note costs the agent a turn, so maos's notes must not loop.
   */
  tellUndeliverable(text: string): void {
    this.undeliverableThisTurn = true;
    if (this.notedThisTurn || !this.canWrite || this.liveWrites >= this.env.liveDeliveryCap) return;
    this.notedThisTurn = true;
    if (!this.proc!.write(userMessage(text))) return;
    this.liveWrites += 1;
    this.ledger.wrote("note");
    this.remember("user", text);
  }

  /** Persists the conversation so far and the turn count (turn ends and auto-save). */
  saveProgress(): void {
    saveSessionProgress(this.env.db, this.sessionId, this.progressSinceSave());
  }

  /** The conversation so far and the turns since it was last saved. */
  private progressSinceSave(): { conversation: Conversation; turnsDelta: number } {
    const turnsDelta = this.ledger.results.length - this.turnsSaved;
    this.turnsSaved = this.ledger.results.length;
    return { conversation: this.conversation, turnsDelta };
  }

  /** Graceful stop (Ctrl-C): interrupt, then SIGKILL after the grace period. */
  stop(): Promise<void> {
    this.stopCause ??= "user-interrupt";
    return this.proc?.stop("interrupted") ?? Promise.resolve();
  }

  /** Immediate stop (second Ctrl-C). */
  kill(): void {
    this.stopCause ??= "user-interrupt";
    this.proc?.kill("killed");
  }

  private finish(attemptRowId: number, exit: ProcessExit, decided?: AttemptOutcome): AttemptReport {
    const { db, mailbox } = this.env;
    const { taskId, agentId } = this.spec;
    const outcome =
      decided ??
      classifyAttempt({
        results: this.ledger.results,
        turnOpen: this.ledger.turnOpen,
        started: this.ledger.started,
        lastTurnText: this.ledger.finishedTurnText,
        exit,
        stopCause: this.stopCause,
        limits: this.env,
      });
    const usage = usageOf(this.ledger.results);
    // Later turns answer mailbox messages: keep every turn's answer, not just the last.
    const answers = outcome.status === "completed" ? this.ledger.answers() : [];
    if (outcome.status === "completed" && outcome.budgetReached && outcome.resultText) answers.push(outcome.resultText);
    const resultText = answers.length > 0 ? answers.join("\n\n") : outcome.status === "completed" ? "" : null;
    if (resultText) this.remember("result", resultText);
    let dropped: DroppedDelivery[] = [];
    transaction(db, () => {
      const progress = this.progressSinceSave();
      finishAttempt(db, {
        orchestrationId: this.env.orchestrationId,
        taskId,
        agentId,
        attemptRowId,
        sessionId: this.sessionId,
        status: outcome.status,
        cause: outcome.cause,
        reason: outcome.reason,
        stderrTail: exit.stderrTail ? exit.stderrTail.slice(-2000) : null,
        resultText,
        usage,
        conversation: progress.conversation,
        turnsDelta: progress.turnsDelta,
      });
      // Whatever a turn took without finishing goes back to the mailbox for the next attempt.
      mailbox.giveBack(agentId, this.attempt, this.ledger.unacknowledged());
      if (outcome.status === "completed") dropped = mailbox.close(agentId);
    });
    return {
      ...outcome,
      attempt: this.attempt,
      sessionId: this.sessionId,
      sessionStarted: this.ledger.started,
      costUsd: usage.costUsd,
      dropped,
    };
  }
}
