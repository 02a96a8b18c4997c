import type { Database } from "bun:sqlite";
import { EventWriter } from "../agents/event-writer.ts";
import { Mailbox } from "../bus/mailbox.ts";
import { EnvironmentError } from "../errors.ts";
import { markActiveAgentsInterrupted } from "../store/agents.ts";
import { refreshTotals, setOrchestrationStatus } from "../store/orchestrations.ts";
import { cancelPendingTasks, listTasks, requeueRunningTasks } from "../store/tasks.ts";
import { transaction } from "../store/tx.ts";
import { AutoSave } from "./autosave.ts";
import type { RunContext } from "./run-context.ts";
import { RunControl } from "./run-control.ts";
import { Scheduler, type SchedulerEvents } from "./scheduler.ts";
import { armWatchdog, onInterrupt } from "./shutdown.ts";
import { LiveAgents } from "./stream-hooks.ts";
import { buildSummary, type RunSummary } from "./summary.ts";
import { mergeIntoUserBranch } from "./final-merge.ts";
import { Workspace, type Conflict } from "./workspace.ts";

export interface RunReporter extends SchedulerEvents {
  note(text: string): void;
  close(): void;
}

export type { RunContext } from "./run-context.ts";

/** What one run adds to the orchestration's compiled context. */
export interface RunHooks {
  reporter: RunReporter;
  /** Grace period for a graceful agent stop before SIGKILL. */
  graceMs?: number;
}

export interface RunResult {
  summary: RunSummary;
  interrupted: boolean;
}

/**
 * Runs an orchestration's tasks to the end (fresh run and resume alike): group-commit
 * writer, live mailbox delivery, scheduler, auto-save, and Ctrl-C handling. Returns once
 * every agent has stopped and everything is committed, with the final status recorded.
 */
export async function runToEnd(ctx: RunContext & RunHooks): Promise<RunResult> {
  const { db, orchestrationId, reporter } = ctx;
  // Before any agent starts: the integration branch exists and no merge is left half done.
  const workspace =
    ctx.options.isolation === "worktree"
      ? await Workspace.open(db, orchestrationId, ctx.cwd, { onConflict: ctx.options.onConflict, definitionFor: ctx.definitionFor, note: (text) => reporter.note(text) })
      : null;
  let writeFailure: unknown = null;
  const writer = new EventWriter(db, {
    onError: (error) => {
      writeFailure ??= new EnvironmentError(
        `cannot write agent events to the database: ${error instanceof Error ? error.message : String(error)}`,
        "the agents were stopped; fix the database, then resume",
      );
      scheduler.kill();
    },
  });
  const mailbox = new Mailbox(db);
  const live = new LiveAgents(writer, mailbox, () => listTasks(db, orchestrationId).map((t) => t.task_key));
  const control = new RunControl(db, orchestrationId);
  const scheduler: Scheduler = new Scheduler({
    db,
    orchestrationId,
    request: ctx.request,
    options: ctx.options,
    attemptEnv: {
      db,
      writer,
      mailbox,
      bin: ctx.bin,
      env: ctx.env,
      cwd: ctx.cwd,
      claudeConfigDir: ctx.claudeConfigDir,
      wallTimeoutMs: ctx.options.agentTimeoutS * 1000,
      idleTimeoutMs: ctx.options.idleTimeoutS * 1000,
      graceMs: ctx.graceMs ?? 5000,
      liveDeliveryCap: ctx.options.liveDeliveryCap,
    },
    live,
    definitionFor: ctx.definitionFor,
    events: reporter,
    control,
    workspace,
  });
  const autosave = new AutoSave(db, orchestrationId, live, {
    saveIntervalS: ctx.saveIntervalS,
    checkpointIntervalS: ctx.options.checkpointIntervalS,
    onError: (error) => reporter.note(`auto-save failed: ${error instanceof Error ? error.message : String(error)}`),
  });
  let interrupted = false;
  const removeHandlers = onInterrupt({
    graceful: () => {
      interrupted = true;
      reporter.note("Stopping: interrupting agents gracefully (Ctrl-C again to stop them at once)…");
      void scheduler.stop();
    },
    immediate: () => {
      reporter.note("Stopping agents now…");
      scheduler.kill();
      // If stopping still hangs, leave anyway: every committed row is consistent.
      armWatchdog();
    },
  });
  autosave.start();
  try {
    await scheduler.run();
    const finished = !interrupted && !control.cancelling && !scheduler.stoppedBy && !writeFailure;
    if (workspace && finished && listTasks(db, orchestrationId).every((t) => t.status === "completed") && workspace.conflicts().length === 0) {
      const final = await mergeIntoUserBranch(db, workspace.row, ctx.options.finalMerge === "keep");
      reporter.note(`${workspace.row.integration_branch}: ${final.outcome}${final.detail ? ` — ${final.detail}` : ""}`);
    }
  } finally {
    autosave.stop();
    removeHandlers();
    await writer.close().catch((error: unknown) => (writeFailure ??= error));
    live.close();
    reporter.close();
  }
  if (writeFailure) throw writeFailure;
  const conflicts = workspace?.conflicts() ?? [];
  finishStatus(db, mailbox, orchestrationId, { interrupted, budgetSpent: scheduler.budgetSpent, stoppedBy: scheduler.stoppedBy, control, conflicts });
  return { summary: buildSummary(db, orchestrationId, scheduler.budgetSpent), interrupted };
}

interface RunEnd {
  interrupted: boolean;
  budgetSpent: boolean;
  stoppedBy: Scheduler["stoppedBy"];
  control: RunControl;
  conflicts: Conflict[];
}

function finishStatus(db: Database, mailbox: Mailbox, orchestrationId: string, { interrupted, budgetSpent, stoppedBy, control, conflicts }: RunEnd): void {
  transaction(db, () => {
    refreshTotals(db, orchestrationId);
    // Nothing waits silently for an agent that finished: such messages count as undeliverable.
    mailbox.closeFinished(orchestrationId);
    if (control.cancelling) {
      // A user cancelled the run from another process: its stopped agents end as cancelled, not resumable work.
      requeueRunningTasks(db, orchestrationId);
      markActiveAgentsInterrupted(db, orchestrationId);
      control.finishCancel();
      return;
    }
    if (interrupted) {
      requeueRunningTasks(db, orchestrationId);
      markActiveAgentsInterrupted(db, orchestrationId);
      setOrchestrationStatus(db, orchestrationId, "paused");
      return;
    }
    if (budgetSpent) cancelPendingTasks(db, orchestrationId, "not started: the --budget-usd budget was spent");
    if (stoppedBy) cancelPendingTasks(db, orchestrationId, `not started: ${stoppedBy.reason}`);
    const tasks = listTasks(db, orchestrationId);
    const allDone = tasks.every((t) => t.status === "completed") && conflicts.length === 0;
    setOrchestrationStatus(
      db,
      orchestrationId,
      allDone ? "completed" : "failed",
      allDone
        ? `${tasks.length} tasks completed`
        : conflicts.length > 0
          ? conflicts.map((c) => `merge conflict: @${c.taskKey} (${c.branch}) in ${c.files.join(", ")}`).join("; ")
          : stoppedBy
          ? `stopped: ${stoppedBy.reason}${stoppedBy.hint ? ` (${stoppedBy.hint})` : ""}`
          : budgetSpent
            ? "stopped: budget spent"
            : "some tasks did not complete",
    );
  });
}
