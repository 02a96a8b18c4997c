/**
 * What a user's retry, skip or cancel does to the task rows. The same functions run in the
 * command (when nobody drives the orchestration) and in the live owner (between scheduling
 * steps, after it stopped the agent concerned), so both paths change rows the same way,
 * through the store functions the scheduler uses.
 */
import type { Database } from "bun:sqlite";
import { hostname, userInfo } from "node:os";
import { MaosError, NotFoundError, UsageError } from "../errors.ts";
import { setAgentStatus } from "../store/agents.ts";
import { settleIntervention, type InterventionRow } from "../store/interventions.ts";
import { getOrchestration, setOrchestrationStatus } from "../store/orchestrations.ts";
import {
  cancelTaskByUser,
  completeTaskByUser,
  listTasks,
  requeueTaskForRetry,
  setTaskStatus,
  taskDependencies,
  unblockTasks,
  type TaskRow,
} from "../store/tasks.ts";
import { transaction } from "../store/tx.ts";

export type InterventionRequest = Pick<InterventionRow, "action" | "task_key" | "fresh" | "result_text" | "requested_by">;

/** Who asked: the user and machine, as recorded with each intervention. */
export function requester(): string {
  let user = process.env.USER ?? process.env.LOGNAME;
  if (!user) {
    try {
      // Without a passwd entry (some containers) Bun reports "unknown": the uid says more.
      const name = userInfo().username;
      user = name && name !== "unknown" ? name : undefined;
    } catch {
      user = undefined;
    }
  }
  return `${user ?? `uid ${process.getuid?.() ?? "?"}`}@${hostname()}`;
}

/** Every task that depends on `key`, directly or through others. */
export function dependentsOf(tasks: readonly TaskRow[], key: string): TaskRow[] {
  const found = new Set<string>([key]);
  for (let changed = true; changed; ) {
    changed = false;
    for (const t of tasks) {
      if (found.has(t.task_key)) continue;
      if (taskDependencies(t).some((d) => found.has(d))) {
        found.add(t.task_key);
        changed = true;
      }
    }
  }
  found.delete(key);
  return tasks.filter((t) => found.has(t.task_key));
}

/**
 * The task an intervention names, checked against its current state; throws a one-line
 * error when the intervention cannot apply (unknown task, nothing to do). A running task
 * passes: only its owner can act on it, by stopping its agent first.
 */
export function checkIntervention(tasks: readonly TaskRow[], req: InterventionRequest): TaskRow | null {
  if (req.task_key === null) {
    if (req.action !== "cancel") throw new UsageError(`${req.action} needs a task, e.g. @build`);
    return null;
  }
  const task = tasks.find((t) => t.task_key === req.task_key);
  if (!task) {
    const keys = tasks.map((t) => `@${t.task_key}`).join(", ");
    throw new NotFoundError(`no task @${req.task_key} in this orchestration`, keys ? `its tasks: ${keys}` : "it has no plan yet");
  }
  if (task.status === "completed") {
    throw new UsageError(
      `@${task.task_key} already completed; its result stands`,
      req.action === "retry" ? "to redo it, fork from a checkpoint taken before it finished" : undefined,
    );
  }
  if (req.action === "cancel" && task.status === "cancelled") throw new UsageError(`@${task.task_key} is already cancelled`);
  return task;
}

const keys = (tasks: readonly TaskRow[]) => tasks.map((t) => `@${t.task_key}`).join(", ");

/**
 * Applies a retry, skip or task cancel to a task that is not running. Call inside a
 * transaction. Returns what it changed, in one sentence.
 */
export function applyToTask(db: Database, orchestrationId: string, req: InterventionRequest): string {
  const tasks = listTasks(db, orchestrationId);
  const task = checkIntervention(tasks, req)!;
  if (task.status === "running") throw new UsageError(`@${task.task_key} is running; only the process running it can stop it`);
  const dependents = dependentsOf(tasks, task.task_key);
  const who = req.requested_by;
  switch (req.action) {
    case "retry": {
      requeueTaskForRetry(db, task.id, req.fresh === 1);
      const freed = dependents.filter((t) => t.status === "blocked");
      unblockTasks(db, freed.map((t) => t.id));
      return `@${task.task_key} back to pending${req.fresh ? " (next attempt in a fresh Claude session)" : ""}${freed.length ? `; unblocked ${keys(freed)}` : ""}`;
    }
    case "skip": {
      completeTaskByUser(db, task.id, req.result_text ?? "skipped");
      // The task's actor (same id) is done too: status must not show it interrupted or failed.
      setAgentStatus(db, task.id, "completed");
      const freed = dependents.filter((t) => t.status === "blocked");
      unblockTasks(db, freed.map((t) => t.id));
      return `@${task.task_key} marked done by ${who}${req.result_text ? " with the given result" : ""}${freed.length ? `; unblocked ${keys(freed)}` : ""}`;
    }
    case "cancel": {
      cancelTaskByUser(db, task.id, `cancelled by ${who}`);
      const held = dependents.filter((t) => t.status === "pending");
      for (const t of held) setTaskStatus(db, t.id, "blocked", `blocked: dependency @${task.task_key} was cancelled`);
      return `@${task.task_key} cancelled${held.length ? `; blocked ${keys(held)}` : ""}`;
    }
  }
}

/** Cancels every unfinished task of the orchestration and the orchestration itself. Call inside a transaction. */
export function cancelWholeRun(db: Database, orchestrationId: string, who: string): string {
  const open = listTasks(db, orchestrationId).filter((t) => t.status !== "completed");
  for (const t of open) cancelTaskByUser(db, t.id, `cancelled by ${who}`);
  setOrchestrationStatus(db, orchestrationId, "cancelled", `cancelled by ${who}`);
  return `orchestration cancelled${open.length ? `: ${keys(open)} will not run` : ""}`;
}

/**
 * Applies one pending intervention in its own transaction and records how it ended
 * (applied, or refused with the reason when the tasks changed since it was asked for).
 * Returns whether it was applied. A whole-run cancel applied here assumes no agent runs.
 */
export function settleOnRows(db: Database, orchestrationId: string, row: InterventionRow): boolean {
  return transaction(db, () => {
    try {
      const outcome = row.task_key === null ? cancelWholeRun(db, orchestrationId, row.requested_by) : applyToTask(db, orchestrationId, row);
      settleIntervention(db, row.id, "applied", outcome, process.pid);
      return true;
    } catch (error) {
      if (!(error instanceof MaosError)) throw error;
      settleIntervention(db, row.id, "refused", error.message, process.pid);
      return false;
    }
  });
}

/**
 * After a change made without a live owner, the orchestration's status says what is left:
 * completed when every task is, paused when something can still run (resume continues),
 * failed otherwise. A cancelled orchestration stays cancelled.
 */
export function restateOrchestration(db: Database, orchestrationId: string, note: string): void {
  const o = getOrchestration(db, orchestrationId)!;
  if (o.status === "cancelled") return;
  const tasks = listTasks(db, orchestrationId);
  if (tasks.length > 0 && tasks.every((t) => t.status === "completed")) {
    setOrchestrationStatus(db, orchestrationId, "completed", `${tasks.length} tasks completed (${note})`);
  } else if (tasks.some((t) => t.status === "pending" || t.status === "running")) {
    setOrchestrationStatus(db, orchestrationId, "paused", `${note}; resume to continue`);
  } else {
    setOrchestrationStatus(db, orchestrationId, "failed", `${note}; some tasks did not complete`);
  }
}
