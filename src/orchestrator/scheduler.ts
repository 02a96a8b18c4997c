import type { Database } from "bun:sqlite";
import { MaosError } from "../errors.ts";
import { agentLimits } from "../agents/agent-limits.ts";
import { AgentAttempt, type AttemptEnvironment, type AttemptReport } from "../agents/attempt.ts";
import type { AgentDefinition } from "../agents/catalog.ts";
import { interpretLine } from "../agents/stream-interpreter.ts";
import { transcriptExists } from "../agents/transcript.ts";
import { protocolInstructions } from "../bus/protocol.ts";
import { listTaskAttempts } from "../store/attempts.ts";
import { attemptAssistantEvents } from "../store/events.ts";
import { getOrchestration, refreshTotals, type RunOptions } from "../store/orchestrations.ts";
import { getTask, listTasks, setTaskStatus, taskDependencies, type TaskRow } from "../store/tasks.ts";
import { transaction } from "../store/tx.ts";
import { continuationFor, needsFreshSession } from "./continuation.ts";
import { buildTaskPrompt } from "./prompt.ts";
import type { ControlTarget, RunControl } from "./run-control.ts";
import type { LiveAgents } from "./stream-hooks.ts";
import type { Workspace } from "./workspace.ts";

export interface SchedulerEvents {
  taskStarted?(task: TaskRow, attempt: AgentAttempt): void;
  taskEnded?(task: TaskRow, report: AttemptReport, willRetry: boolean): void;
  tasksBlocked?(keys: string[]): void;
  budgetSpent?(): void;
  /** A failure that will repeat for every task (claude refuses to start): nothing more is started. */
  runStopped?(reason: string, hint: string | null): void;
}

export interface SchedulerInput {
  db: Database;
  orchestrationId: string;
  request: string;
  options: RunOptions;
  attemptEnv: Omit<AttemptEnvironment, "orchestrationId">;
  live: LiveAgents;
  definitionFor: (agentType: string) => AgentDefinition;
  events?: SchedulerEvents;
  /** Applies the users' interventions (retry, skip, cancel) between scheduling steps. */
  control?: RunControl;
  /** Worktree isolation: where each task works, and its merge once it completed (absent: all in attemptEnv.cwd). */
  workspace?: Workspace | null;
}

const failedStates = new Set(["failed", "blocked", "cancelled"]);

/** Below this a budget share buys nothing useful: the run's budget counts as spent. */
export function minimumShareUsd(budgetUsd: number): number {
  return Math.min(0.01, budgetUsd / 100);
}

const unfinishedTextLines = 20;

/**
 * The scheduling loop, the same for a fresh run and a resume: it reads task states from
 * the database, starts every task whose dependencies completed (at most --max-parallel
 * at once), blocks the dependents of failed tasks, and retries transient failures.
 *
 * Budget: each running agent holds a reserved share of what is left of --budget-usd
 * (its --max-budget-usd); the shares of the running agents never add up to more than what
 * is left, so the run overshoots by at most what one turn per running agent costs beyond
 * its share. An agent that used up its share while the run still has budget continues in
 * the same session with a new share (not counted as a retry).
 */
export class Scheduler implements ControlTarget {
  private readonly running = new Map<string, Promise<void>>();
  /** What to do once an attempt stopped for an intervention has ended, by task id. */
  private readonly afterStop = new Map<string, () => void>();
  /** Budget shares held by running attempts, by task id. */
  private readonly shares = new Map<string, number>();
  private stopping = false;
  budgetSpent = false;
  /** A failure every task would repeat (claude refuses to start): why, and how to fix it. */
  stoppedBy: { reason: string; hint: string | null } | null = null;

  constructor(private readonly input: SchedulerInput) {}

  async run(): Promise<void> {
    const control = this.input.control;
    for (;;) {
      control?.check(this);
      if (!this.stopping && !this.stoppedBy) this.startReady();
      if (this.running.size === 0) return;
      await Promise.race(control ? [...this.running.values(), control.tick()] : this.running.values());
    }
  }

  isRunning(taskId: string): boolean {
    return this.running.has(taskId);
  }

  interruptTask(taskId: string, then: () => void): void {
    this.afterStop.set(taskId, then);
    void this.input.live.get(taskId)?.stop();
  }

  stopAll(): void {
    void this.stop();
  }

  /** Ctrl-C: start nothing more and interrupt the running agents gracefully. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.input.live.all().map((a) => a.stop()));
  }

  /** Second Ctrl-C: kill the agents now (the database stays consistent: the attempts are recorded as interrupted). */
  kill(): void {
    this.stopping = true;
    for (const a of this.input.live.all()) a.kill();
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  private startReady(): void {
    const { db, orchestrationId, options } = this.input;
    const tasks = listTasks(db, orchestrationId);
    this.blockDependentsOfFailures(tasks);
    const byKey = new Map(tasks.map((t) => [t.task_key, t]));
    const workspace = this.input.workspace;
    // With worktrees a dependency counts once its work is merged: a dependent's worktree starts from the integration branch.
    const done = (key: string) => {
      const d = byKey.get(key);
      return d?.status === "completed" && (!workspace || (!this.running.has(d.id) && workspace.dependencyDone(d)));
    };
    const ready = tasks.filter((t) => t.status === "pending" && !this.running.has(t.id) && taskDependencies(t).every(done));
    const starting = ready.slice(0, Math.max(0, options.maxParallel - this.running.size));
    starting.forEach((task, i) => {
      const share = this.reserveShare(task.id, starting.length - i);
      if (share === undefined) return;
      const run = this.runTask(task).finally(() => {
        this.running.delete(task.id);
        this.shares.delete(task.id);
      });
      this.running.set(task.id, run);
    });
  }

  private blockDependentsOfFailures(tasks: TaskRow[]): void {
    // A task still in this.running may be 'failed' between an attempt and its retry: not failed yet.
    const status = new Map(tasks.map((t) => [t.task_key, this.running.has(t.id) ? "running" : (t.status as string)]));
    const blocked: string[] = [];
    for (let changed = true; changed; ) {
      changed = false;
      for (const t of tasks) {
        if (status.get(t.task_key) !== "pending") continue;
        if (taskDependencies(t).some((d) => failedStates.has(status.get(d) ?? ""))) {
          status.set(t.task_key, "blocked");
          blocked.push(t.task_key);
          changed = true;
        }
      }
    }
    if (blocked.length === 0) return;
    const byKey = new Map(tasks.map((t) => [t.task_key, t]));
    transaction(this.input.db, () => {
      for (const key of blocked) {
        const t = byKey.get(key)!;
        const cause = taskDependencies(t).filter((d) => failedStates.has(status.get(d) ?? ""));
        setTaskStatus(this.input.db, t.id, "blocked", `blocked: dependency ${cause.map((c) => `@${c}`).join(", ")} did not complete`);
        t.status = "blocked";
      }
    });
    this.input.events?.tasksBlocked?.(blocked);
  }

  /** What is left of --budget-usd once spent money and the running agents' shares are counted (null without a budget). */
  private unreservedBudget(): number | null {
    const budget = this.input.options.budgetUsd;
    if (budget === null) return null;
    refreshTotals(this.input.db, this.input.orchestrationId);
    const spent = getOrchestration(this.input.db, this.input.orchestrationId)!.total_cost;
    let reserved = 0;
    for (const share of this.shares.values()) reserved += share;
    return budget - spent - reserved;
  }

  /**
   * Reserves a task's budget share: what is left, split between it and the `among - 1` tasks
   * starting after it. null = no budget; undefined = nothing worth starting is left.
   */
  private reserveShare(taskId: string, among: number): number | null | undefined {
    this.shares.delete(taskId);
    const left = this.unreservedBudget();
    if (left === null) return null;
    if (left < minimumShareUsd(this.input.options.budgetUsd!)) {
      if (!this.budgetSpent) this.input.events?.budgetSpent?.();
      this.budgetSpent = true;
      return undefined;
    }
    const share = left / Math.max(1, among);
    this.shares.set(taskId, share);
    return share;
  }

  private async runTask(initial: TaskRow): Promise<void> {
    const { options } = this.input;
    let task = initial;
    for (let retry = 0; ; ) {
      // A later attempt shares what is left with the slots that are free now.
      const share = this.shares.has(task.id)
        ? this.shares.get(task.id)!
        : this.reserveShare(task.id, Math.max(1, options.maxParallel - this.running.size + 1));
      if (share === undefined) return;
      const cwd = await this.gitStep(task, () => this.input.workspace?.cwdFor(task));
      if (cwd === null) return;
      const attempt = this.newAttempt(task, share, cwd ?? this.input.attemptEnv.cwd);
      this.input.live.add(attempt);
      let report: AttemptReport;
      try {
        report = await attempt.run();
      } finally {
        this.input.live.remove(attempt);
        this.shares.delete(task.id);
      }
      if (report.dropped.length > 0) this.input.live.tellDropped(task.task_key, report.dropped);
      const after = this.afterStop.get(task.id);
      if (after) {
        // Stopped for a user's intervention: it decides what the task does next, not the retry rules.
        this.afterStop.delete(task.id);
        after();
        this.input.events?.taskEnded?.(task, report, false);
        // A task the user marked done (skip) brings what its agent left in its worktree, like any completed task.
        const now = getTask(this.input.db, task.id);
        if (now?.status === "completed") await this.gitStep(task, () => this.input.workspace?.taskCompleted(now));
        return;
      }
      let again = false;
      if (report.cause === "start-failed") {
        this.stoppedBy ??= { reason: `@${task.task_key}: ${report.reason}`, hint: report.hint };
        this.input.events?.runStopped?.(this.stoppedBy.reason, this.stoppedBy.hint);
      } else if (report.budgetReached) {
        const left = this.unreservedBudget();
        const enough = left !== null && left >= minimumShareUsd(options.budgetUsd!);
        if (!enough && !this.budgetSpent) {
          this.budgetSpent = true;
          this.input.events?.budgetSpent?.();
        }
        // A used-up share is not a failure while the run has money left: continue with a new share.
        again = report.status === "failed" && enough && report.costUsd > 0 && !this.stopping;
      } else if (report.status === "failed" && report.transient && retry < options.retries && !this.stopping && !this.budgetSpent) {
        retry++;
        again = true;
      }
      this.input.events?.taskEnded?.(task, report, again);
      if (!again) {
        if (report.status === "completed") await this.gitStep(task, () => this.input.workspace?.taskCompleted(task));
        return;
      }
      task = getTask(this.input.db, task.id)!;
    }
  }

  /** A worktree or merge step; git failing stops the run like a claude that cannot start (null), since every task would meet it. */
  private async gitStep<T>(task: TaskRow, step: () => Promise<T> | undefined): Promise<T | undefined | null> {
    try {
      return await step();
    } catch (error) {
      const described = error instanceof MaosError ? error : null;
      this.stoppedBy ??= { reason: `@${task.task_key}: ${error instanceof Error ? error.message : String(error)}`, hint: described?.hint ?? null };
      this.input.events?.runStopped?.(this.stoppedBy.reason, this.stoppedBy.hint);
      return null;
    }
  }

  private newAttempt(task: TaskRow, budgetShareUsd: number | null, cwd: string): AgentAttempt {
    const { db, orchestrationId, options, attemptEnv } = this.input;
    const definition = this.input.definitionFor(task.agent_type);
    const tasks = listTasks(db, orchestrationId);
    const byKey = new Map(tasks.map((t) => [t.task_key, t]));
    const attempts = listTaskAttempts(db, task.id);
    const last = attempts.at(-1);
    // Continue the task's own Claude session when it exists and is worth continuing.
    const transcript = task.session_id !== null && transcriptExists(attemptEnv.claudeConfigDir, cwd, task.session_id);
    const fresh = needsFreshSession(attempts, task.session_id, task.fresh_session === 1);
    const resume = transcript && !fresh;
    const sessionId = resume ? task.session_id! : crypto.randomUUID();
    const textOf = (rows: { raw: string }[]) =>
      rows
        .map((e) => interpretLine(e.raw).text)
        .filter(Boolean)
        .join("\n") || null;
    const unfinishedText = last ? textOf(attemptAssistantEvents(db, task.id, last.attempt, unfinishedTextLines, true)) : null;
    const lastSaid = last && !resume ? textOf(attemptAssistantEvents(db, task.id, last.attempt, 1, false)) : null;
    const continuation = continuationFor({
      attempts,
      unfinishedText,
      lastWords: new Map(last && lastSaid ? [[last.attempt, lastSaid]] : []),
      resume,
      freshBecause:
        task.fresh_session === 1
          ? "The user asked for a fresh session (retry --fresh)"
          : fresh
            ? null
            : task.session_id !== null
              ? "Its Claude session's transcript could not be found"
              : null,
    });
    const attempt = new AgentAttempt(
      { ...attemptEnv, cwd, orchestrationId },
      {
        taskId: task.id,
        agentId: task.id,
        sessionId,
        resume,
        budgetShareUsd,
        args: {
          ...agentLimits(definition, options),
          appendSystemPrompt: [
            definition.prompt,
            protocolInstructions(
              task.task_key,
              tasks.filter((t) => t.id !== task.id).map((t) => ({ key: t.task_key, agentType: t.agent_type, description: t.description })),
            ),
          ].join("\n\n"),
        },
        prompt: (mailbox, attempt) =>
          buildTaskPrompt({
            attempt,
            request: this.input.request,
            taskKey: task.task_key,
            description: task.description,
            dependencies: taskDependencies(task).map((key) => ({
              key,
              agentType: byKey.get(key)?.agent_type ?? "",
              result: byKey.get(key)?.result ?? "",
            })),
            mailbox,
            continuation,
          }),
      },
    );
    this.input.events?.taskStarted?.(task, attempt);
    return attempt;
  }
}
