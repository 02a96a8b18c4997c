import type { Database } from "bun:sqlite";
import { hostname } from "node:os";
import type { Catalog } from "../agents/catalog.ts";
import { Mailbox } from "../bus/mailbox.ts";
import { diffOptions, type OptionChange } from "../domain/option-changes.ts";
import { statSync } from "node:fs";
import { ConflictError, EnvironmentError, NotFoundError, UsageError } from "../errors.ts";
import { dependencyLevels } from "../plan/plan.ts";
import { markActiveAgentsInterrupted } from "../store/agents.ts";
import { interruptRunningAttempts, listRunningAttempts } from "../store/attempts.ts";
import { countPendingDeliveries } from "../store/messages.ts";
import {
  claimOrchestration,
  getOrchestration,
  readOptions,
  readPlan,
  setOrchestrationStatus,
  setOptions,
  setPlan,
  setPlannerPid,
  type OrchestrationRow,
  type RunOptions,
} from "../store/orchestrations.ts";
import { setDurability, synchronousMode } from "../store/db.ts";
import { insertResume, type ResumeSummary } from "../store/resumes.ts";
import { forgetUserCancels, listTasks, maxTaskPosition, reopenStoppedTasks, requeueRunningTasks, taskId, type TaskRow } from "../store/tasks.ts";
import { transaction } from "../store/tx.ts";
import { stopLeftoverAgents, stopLeftoverPlanner } from "./leftovers.ts";
import { hasLiveOwner, isInterrupted } from "./liveness.ts";
import { definitionLookup, insertPlanTasks, planStage } from "./orchestrate.ts";
import { refuseSpentBudget, spentUsd } from "./resume-budget.ts";
import { compileRunContext } from "./run-context.ts";
import { runToEnd, type RunReporter, type RunResult } from "./run.ts";
import { lastEventTime } from "../store/events.ts";

export interface ResumePreview {
  orchestration: OrchestrationRow;
  /** Interrupted tasks whose agents continue (their own Claude session when it still exists). */
  continue: string[];
  /** Tasks that never started, or that failed/were blocked and get another run. */
  start: string[];
  done: string[];
  messagesWaiting: number;
  /** The task --task adds. */
  addedTask: { key: string; description: string; dependsOn: string[] } | null;
  interrupted: boolean;
  /** The run stopped before a plan was accepted: resuming plans again. */
  needsPlan: boolean;
  /** The last time anything of it was committed: heartbeat, row update or an agent's event. */
  lastSavedAt: string | null;
  /** Run options the resume flags change (old → new); they are stored for this and later runs. */
  optionChanges: OptionChange[];
  /** The options this resume runs with. */
  options: RunOptions;
  /** What the orchestration has spent so far (planner and agents), in USD. */
  spentUsd: number;
}

export interface ResumeInput {
  db: Database;
  orchestrationId: string;
  addTask: string | null;
  /** Run flags given to resume: they replace the stored options. */
  overrides: Partial<RunOptions>;
  bin: string;
  catalog: Catalog;
  auto: boolean;
  /** Resume a cancelled orchestration too, with the tasks the user cancelled. */
  force?: boolean;
  interactive: boolean;
  reporter: (orchestrationId: string) => RunReporter;
  note: (text: string) => void;
  /** Debug lines (shown with --verbose). */
  debug?: (text: string) => void;
  /** Shown the preview; false = the user declined (nothing changes). */
  approve: (preview: ResumePreview) => Promise<boolean>;
}

export type ResumeOutcome =
  | { kind: "nothing"; preview: ResumePreview }
  | { kind: "declined"; preview: ResumePreview }
  | { kind: "ran"; preview: ResumePreview; result: RunResult };

const interruptedStates = new Set<TaskRow["status"]>(["running", "pending"]);

function followUpKey(tasks: readonly TaskRow[]): string {
  const keys = new Set(tasks.map((t) => t.task_key));
  for (let n = 1; ; n++) if (!keys.has(`followup-${n}`)) return `followup-${n}`;
}

/** SQLite time texts compare in time order. */
function latest(times: (string | null)[]): string | null {
  return times.reduce<string | null>((max, t) => (t !== null && (max === null || t > max) ? t : max), null);
}

/** What a resume would do, read without changing anything. */
export function previewResume(db: Database, orchestrationId: string, addTask: string | null, overrides: Partial<RunOptions> = {}): ResumePreview {
  const orchestration = getOrchestration(db, orchestrationId)!;
  const tasks = listTasks(db, orchestrationId);
  const continued = tasks.filter((t) => interruptedStates.has(t.status) && t.attempt > 0);
  const stored = readOptions(orchestration);
  const options = { ...stored, ...overrides };
  return {
    orchestration,
    continue: continued.map((t) => t.task_key),
    start: tasks.filter((t) => t.status !== "completed" && !continued.includes(t)).map((t) => t.task_key),
    done: tasks.filter((t) => t.status === "completed").map((t) => t.task_key),
    messagesWaiting: countPendingDeliveries(db, orchestrationId),
    addedTask: addTask ? { key: followUpKey(tasks), description: addTask, dependsOn: tasks.map((t) => t.task_key) } : null,
    interrupted: isInterrupted(orchestration),
    needsPlan: tasks.length === 0,
    lastSavedAt: latest([orchestration.heartbeat_at, orchestration.last_updated, lastEventTime(db, orchestrationId)]),
    optionChanges: diffOptions(stored, options),
    options,
    spentUsd: spentUsd(orchestration, tasks),
  };
}

/**
 * `maos orchestration resume`: refuse a live owner (exit 4), say when there is nothing
 * to do, ask, take ownership atomically, stop agents a crashed run left behind, put
 * interrupted work back in the queue, and run the same scheduling loop as a fresh run.
 */
export async function resumeOrchestration(input: ResumeInput): Promise<ResumeOutcome> {
  const { db, orchestrationId } = input;
  if (input.addTask !== null && input.addTask.trim() === "") throw new UsageError("--task needs a description of the new work");
  const preview = previewResume(db, orchestrationId, input.addTask, input.overrides);
  const row = preview.orchestration;
  if (hasLiveOwner(row)) {
    const says = row.status === "running" ? "" : ` (its status says ${row.status})`;
    throw new ConflictError(
      `orchestration ${row.id.slice(0, 8)} is being run by live process ${row.owner_pid} on ${row.owner_host}${says}`,
      "wait for it, or stop that process (Ctrl-C) and resume then",
    );
  }
  if (row.status === "cancelled" && !input.force) {
    throw new UsageError(
      `orchestration ${row.id.slice(0, 8)} was cancelled${row.summary ? ` (${row.summary})` : ""}`,
      "pass --force to resume it anyway, with every unfinished task",
    );
  }
  // Every task done but the run died before recording its end: the loop below finds nothing to start and records it.
  const ended = row.status === "completed" || row.status === "cancelled";
  if (preview.continue.length + preview.start.length === 0 && !preview.addedTask && !preview.needsPlan && ended) {
    return { kind: "nothing", preview };
  }
  refuseSpentBudget(preview, input.overrides.budgetUsd !== undefined);
  const agentsWouldRun = preview.continue.length + preview.start.length > 0 || preview.addedTask !== null || preview.needsPlan;
  if (agentsWouldRun) refuseMissingDirectory(row);
  if (!(await input.approve(preview))) return { kind: "declined", preview };

  const previousStatus = preview.interrupted ? "paused (interrupted)" : row.status;
  if (!claimOrchestration(db, orchestrationId, row.owner_pid, process.pid, hostname())) {
    const now = getOrchestration(db, orchestrationId);
    // Removed while the question was open (`maos orchestration cleanup` from another shell).
    if (!now) throw new NotFoundError(`orchestration ${row.id.slice(0, 8)} was removed while waiting for the answer`, "nothing was resumed");
    throw new ConflictError(`orchestration ${row.id.slice(0, 8)} was just taken by process ${now.owner_pid}`);
  }
  const planner = stopLeftoverPlanner(row.planner_pid);
  const stoppedPids = [...(planner === null ? [] : [planner]), ...(await stopLeftoverAgents(listRunningAttempts(db, orchestrationId)))];
  transaction(db, () => {
    setPlannerPid(db, orchestrationId, null);
    if (preview.optionChanges.length > 0) setOptions(db, orchestrationId, preview.options);
    interruptRunningAttempts(db, orchestrationId);
    requeueRunningTasks(db, orchestrationId);
    if (input.force) forgetUserCancels(db, orchestrationId);
    reopenStoppedTasks(db, orchestrationId);
    markActiveAgentsInterrupted(db, orchestrationId);
    new Mailbox(db).requeueOnResume(orchestrationId);
    if (preview.addedTask) appendTask(db, row, preview.addedTask, input.catalog);
    const summary: ResumeSummary = {
      continued: preview.continue,
      started: preview.start,
      done: preview.done,
      messagesWaiting: preview.messagesWaiting,
      addedTask: preview.addedTask?.key ?? null,
      stoppedPids,
    };
    insertResume(db, orchestrationId, process.pid, previousStatus, summary, preview.optionChanges);
  });
  if (stoppedPids.length > 0) input.note(`Stopped ${stoppedPids.length} agent process(es) left by the interrupted run: ${stoppedPids.join(", ")}`);
  const ctx = compileRunContext(db, getOrchestration(db, orchestrationId)!, { bin: input.bin, definitionFor: definitionLookup(input.catalog) });
  // The connection was opened with the default; the run keeps the durability it was started (or resumed) with.
  setDurability(db, ctx.options.durability);
  input.debug?.(`database synchronous=${synchronousMode(db)} (durability ${ctx.options.durability})`);
  if (preview.needsPlan) {
    const stage = await planStage({ ctx, catalog: input.catalog, auto: input.auto, interactive: input.interactive, plan: null, note: input.note });
    if (stage === "cancelled") return { kind: "declined", preview };
  }
  try {
    const result = await runToEnd({
      ...ctx,
      reporter: input.reporter(orchestrationId),
    });
    return { kind: "ran", preview, result };
  } catch (error) {
    setOrchestrationStatus(db, orchestrationId, "paused");
    throw error;
  }
}

/**
 * Agents run (and claude keeps their sessions) in the orchestration's directory: without it
 * every attempt would fail to start and burn its retries, so resume refuses before changing anything.
 */
function refuseMissingDirectory(row: OrchestrationRow): void {
  const stat = statSync(row.cwd, { throwIfNoEntry: false });
  if (stat?.isDirectory()) return;
  throw new EnvironmentError(
    `the working directory of orchestration ${row.id.slice(0, 8)}, ${row.cwd}, ${stat ? "is not a directory" : "no longer exists"}`,
    "restore it (agents run there and their Claude sessions belong to it), then resume again; nothing was changed",
  );
}

function appendTask(db: Database, row: OrchestrationRow, task: NonNullable<ResumePreview["addedTask"]>, catalog: Catalog): void {
  const planTask = { id: task.key, agent_type: "developer", description: task.description, depends_on: task.dependsOn };
  insertPlanTasks(db, row.id, [planTask], catalog, maxTaskPosition(db, row.id) + 1);
  const stored = readPlan(row) ?? { summary: "", tasks: [] };
  const merged = { summary: stored.summary, tasks: [...stored.tasks, planTask] };
  setPlan(db, row.id, merged, dependencyLevels(merged), merged.tasks.map((t) => taskId(row.id, t.id)));
}

