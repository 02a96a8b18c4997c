import type { Database } from "bun:sqlite";
import { listPendingInterventions, settleIntervention, type InterventionRow } from "../store/interventions.ts";
import { listTasks } from "../store/tasks.ts";
import { cancelWholeRun, settleOnRows } from "./intervention.ts";

/** What the running scheduler lets the control hook do. */
export interface ControlTarget {
  /** An attempt of this task is in progress. */
  isRunning(taskId: string): boolean;
  /** Stops the task's agent; `then` runs once its attempt has ended and been recorded. */
  interruptTask(taskId: string, then: () => void): void;
  /** Starts nothing more and stops every agent gracefully. */
  stopAll(): void;
}

/** How often the owner looks for interventions between scheduling steps. */
export const controlPollMs = 300;

/**
 * The live owner's side of interventions: between scheduling steps it reads the pending
 * ones (recorded by `orchestration retry|skip|cancel` in another process) and applies
 * them — at once for a task that is not running, after stopping its agent for one that
 * is. Polling the database, not a signal: a signal sent to a maos that has not installed
 * its handler yet (still planning, or an older binary) would kill it.
 */
export class RunControl {
  /** Interventions being applied (waiting for an agent to stop): not picked up twice. */
  private readonly inFlight = new Set<number>();
  /** The whole-run cancel being carried out: settled when the run has stopped. */
  private cancel: InterventionRow | null = null;

  constructor(
    private readonly db: Database,
    private readonly orchestrationId: string,
  ) {}

  get cancelling(): boolean {
    return this.cancel !== null;
  }

  /** Applies what is pending; called by the scheduler before each scheduling step. */
  check(target: ControlTarget): void {
    if (this.cancel) return;
    for (const row of listPendingInterventions(this.db, this.orchestrationId)) {
      if (this.inFlight.has(row.id)) continue;
      if (row.task_key === null) {
        this.cancel = row;
        target.stopAll();
        return;
      }
      const task = listTasks(this.db, this.orchestrationId).find((t) => t.task_key === row.task_key);
      if (task && target.isRunning(task.id)) {
        this.inFlight.add(row.id);
        target.interruptTask(task.id, () => {
          this.inFlight.delete(row.id);
          settleOnRows(this.db, this.orchestrationId, row);
        });
        continue;
      }
      settleOnRows(this.db, this.orchestrationId, row);
    }
  }

  /** Resolves after the poll interval (the scheduler also wakes when an agent ends). */
  tick(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, controlPollMs).unref());
  }

  /**
   * The run stopped for a whole-run cancel: every unfinished task and the orchestration
   * become cancelled, and the intervention is recorded as applied. Call inside the run's
   * final transaction, after running tasks were put back to pending.
   */
  finishCancel(): void {
    const row = this.cancel!;
    const outcome = cancelWholeRun(this.db, this.orchestrationId, row.requested_by);
    settleIntervention(this.db, row.id, "applied", `${outcome}; its agents were stopped`, process.pid);
  }
}
