import type { Database } from "bun:sqlite";
import { agentLimits } from "../agents/agent-limits.ts";
import { AgentAttempt, type AttemptEnvironment, type AttemptReport } from "../agents/attempt.ts";
import type { AgentDefinition } from "../agents/catalog.ts";
import { transcriptExists } from "../agents/transcript.ts";
import { protocolInstructions } from "../bus/protocol.ts";
import { lastEventsOfType } from "../store/events.ts";
import { getOrchestration, refreshTotals, type RunOptions } from "../store/orchestrations.ts";
import { listTasks, setTaskStatus, taskDependencies, type TaskRow } from "../store/tasks.ts";
import { transaction } from "../store/tx.ts";
import { assistantTextOfRaw } from "./event-text.ts";
import { buildTaskPrompt, type TaskPromptInput } from "./prompt.ts";
import type { LiveAgents } from "./stream-hooks.ts";

export interface SchedulerEvents {
  taskStarted?(task: TaskRow, attempt: AgentAttempt): void;
  taskEnded?(task: TaskRow, report: AttemptReport, willRetry: boolean): void;
  tasksBlocked?(keys: string[]): void;
  budgetSpent?(): void;
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
  /** Why earlier attempts of unfinished tasks stopped (resume tells the agent). */
  resumeNote?: string;
}

const failedStates = new Set(["failed", "blocked", "cancelled"]);

/**
 * The scheduling loop, the same for a fresh run and a resume: it reads task states from
 * the database, starts every task whose dependencies completed (at most --max-parallel
 * at once), blocks the dependents of failed tasks, and retries transient failures in
 * the same Claude session.
 */
export class Scheduler {
  private readonly running = new Map<string, Promise<void>>();
  private stopping = false;
  budgetSpent = false;

  constructor(private readonly input: SchedulerInput) {}

  async run(): Promise<void> {
    for (;;) {
      if (!this.stopping) this.startReady();
      if (this.running.size === 0) return;
      await Promise.race(this.running.values());
    }
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
    const status = new Map(tasks.map((t) => [t.task_key, t.status]));
    const ready = tasks.filter(
      (t) =>
        t.status === "pending" &&
        !this.running.has(t.id) &&
        taskDependencies(t).every((d) => status.get(d) === "completed"),
    );
    for (const task of ready) {
      if (this.running.size >= options.maxParallel) return;
      const remaining = this.remainingBudget();
      if (remaining !== null && remaining <= 0) {
        if (!this.budgetSpent) this.input.events?.budgetSpent?.();
        this.budgetSpent = true;
        return;
      }
      const run = this.runTask(task).finally(() => this.running.delete(task.id));
      this.running.set(task.id, run);
    }
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

  /** What is left of --budget-usd (null without a budget). */
  private remainingBudget(): number | null {
    const budget = this.input.options.budgetUsd;
    if (budget === null) return null;
    refreshTotals(this.input.db, this.input.orchestrationId);
    return budget - getOrchestration(this.input.db, this.input.orchestrationId)!.total_cost;
  }

  private async runTask(initial: TaskRow): Promise<void> {
    const { options } = this.input;
    let task = initial;
    let why = this.input.resumeNote ?? null;
    for (let retry = 0; ; retry++) {
      const attempt = this.newAttempt(task, why);
      this.input.live.add(attempt);
      let report: AttemptReport;
      try {
        report = await attempt.run();
      } finally {
        this.input.live.remove(attempt);
      }
      if (report.budgetExhausted) this.budgetSpent = true;
      const willRetry =
        report.status === "failed" && report.transient && retry < options.retries && !this.stopping && !this.budgetSpent;
      this.input.events?.taskEnded?.(task, report, willRetry);
      if (!willRetry) return;
      why = `Your previous attempt failed (${report.reason}); this is attempt ${report.attempt + 1}.`;
      task = listTasks(this.input.db, this.input.orchestrationId).find((t) => t.id === task.id)!;
    }
  }

  private newAttempt(task: TaskRow, why: string | null): AgentAttempt {
    const { db, orchestrationId, options, attemptEnv } = this.input;
    const definition = this.input.definitionFor(task.agent_type);
    const tasks = listTasks(db, orchestrationId);
    const byKey = new Map(tasks.map((t) => [t.task_key, t]));
    // Continue the task's own Claude session when it exists (a retry, or a resume after an interruption).
    const resume = task.session_id !== null && transcriptExists(attemptEnv.claudeConfigDir, attemptEnv.cwd, task.session_id);
    const sessionId = resume ? task.session_id! : crypto.randomUUID();
    const previousOutput =
      task.attempt > 0
        ? lastEventsOfType(db, task.id, "assistant", 3)
            .reverse()
            .map((e) => assistantTextOfRaw(e.raw))
            .filter(Boolean)
            .join("\n") || null
        : null;
    const continuation: TaskPromptInput["continuation"] = resume
      ? { kind: "resumed", why: why ?? "You were interrupted.", previousOutput }
      : task.attempt > 0
        ? {
            kind: "restarted",
            why: `${why ?? "An earlier attempt of this task was interrupted."} Its Claude session could not be continued, so this is a fresh start.`,
            previousOutput,
          }
        : { kind: "first" };
    const remaining = this.remainingBudget();
    const attempt = new AgentAttempt(
      { ...attemptEnv, orchestrationId },
      {
        taskId: task.id,
        agentId: task.id,
        sessionId,
        resume,
        args: {
          ...agentLimits(definition, options),
          maxBudgetUsd: remaining === null ? null : Math.max(remaining, 0.0001),
          appendSystemPrompt: [
            definition.prompt,
            protocolInstructions(
              task.task_key,
              tasks.filter((t) => t.id !== task.id).map((t) => ({ key: t.task_key, agentType: t.agent_type, description: t.description })),
            ),
          ].join("\n\n"),
        },
        prompt: (mailbox) =>
          buildTaskPrompt({
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
