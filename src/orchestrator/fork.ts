import type { Database } from "bun:sqlite";
import { hostname } from "node:os";
import type { Catalog } from "../agents/catalog.ts";
import { NotFoundError, UsageError } from "../errors.ts";
import { setAgentSession, setAgentStatus } from "../store/agents.ts";
import { findCheckpoint, listCheckpoints, readCheckpointCode, readCheckpointTasks, type CheckpointCode, type CheckpointRow } from "../store/checkpoints.ts";
import { copyFinishedTask, recordForkOrigin } from "../store/forks.ts";
import {
  getOrchestration,
  insertOrchestration,
  readOptions,
  readPlan,
  refreshTotals,
  setOrchestrationStatus,
} from "../store/orchestrations.ts";
import { listTasks, taskId } from "../store/tasks.ts";
import { transaction } from "../store/tx.ts";
import { recordPlan } from "./orchestrate.ts";

/** What one checkpoint holds, for `orchestration checkpoints`. */
export interface CheckpointEntry {
  id: string;
  name: string;
  kind: "manual" | "auto";
  created_at: string;
  /** Task keys by their state at the checkpoint. */
  completed: string[];
  running: string[];
  other: string[];
  /** Agents whose Claude session was recorded. */
  sessions: number;
  /** Messages up to this id were sent before the checkpoint. */
  last_message_id: number | null;
  /** The integration branch and each task's branch and commit at the checkpoint (--isolation worktree). */
  code: CheckpointCode | null;
}

function entry(row: CheckpointRow): CheckpointEntry {
  const tasks = Object.entries(readCheckpointTasks(row));
  const cursor = row.message_history ? (JSON.parse(row.message_history) as { last_message_id?: number }).last_message_id : undefined;
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    created_at: row.created_at,
    completed: tasks.filter(([, t]) => t.status === "completed").map(([k]) => k),
    running: tasks.filter(([, t]) => t.status === "running").map(([k]) => k),
    other: tasks.filter(([, t]) => t.status !== "completed" && t.status !== "running").map(([k]) => k),
    sessions: tasks.filter(([, t]) => t.session_id !== null).length,
    last_message_id: typeof cursor === "number" ? cursor : null,
    code: readCheckpointCode(row),
  };
}

export function listCheckpointEntries(db: Database, orchestrationId: string): CheckpointEntry[] {
  return listCheckpoints(db, orchestrationId).map(entry);
}

export interface ForkResult {
  id: string;
  from: string;
  checkpoint: CheckpointEntry;
  /** Tasks the fork starts with done (results and sessions kept). */
  kept: string[];
  /** Tasks that run again in the fork. */
  rerun: string[];
}

/**
 * `orchestration fork`: a new orchestration with the same request, directory, config dir,
 * options and plan (the tasks the checkpoint knew), whose tasks finished at the checkpoint
 * are completed with their results and Claude sessions, and whose other tasks start again
 * in fresh sessions. It is left paused, so resume runs it like any other. The original is
 * only read. Messages are not copied: the re-run tasks are given their dependencies'
 * results, not the conversation that led to the checkpoint.
 */
export function forkFromCheckpoint(db: Database, sourceId: string, checkpointName: string, catalog: Catalog): ForkResult {
  const source = getOrchestration(db, sourceId)!;
  const row = findCheckpoint(db, sourceId, checkpointName);
  if (!row) {
    const names = listCheckpoints(db, sourceId).map((c) => c.name);
    throw new NotFoundError(
      `orchestration ${sourceId.slice(0, 8)} has no checkpoint "${checkpointName}"`,
      names.length ? `its checkpoints: ${names.slice(-5).join(", ")} (see \`maos orchestration checkpoints ${sourceId.slice(0, 8)}\`)` : "it has none; take one with `maos orchestration checkpoint`",
    );
  }
  const states = readCheckpointTasks(row);
  const plan = readPlan(source);
  if (!plan) throw new UsageError(`orchestration ${sourceId.slice(0, 8)} has no plan to fork`);
  const tasks = plan.tasks.filter((t) => states[t.id] !== undefined);
  if (tasks.length === 0) throw new UsageError(`checkpoint "${checkpointName}" was taken before the plan was recorded; there is nothing to fork`);
  const current = new Map(listTasks(db, sourceId).map((t) => [t.task_key, t]));
  const id = crypto.randomUUID();
  const kept: string[] = [];
  transaction(db, () => {
    insertOrchestration(db, {
      id,
      request: source.request,
      cwd: source.cwd,
      claudeConfigDir: source.claude_config_dir,
      ownerPid: process.pid,
      ownerHost: hostname(),
      saveIntervalS: source.save_interval_s,
      options: readOptions(source),
    });
    recordPlan(db, id, { summary: plan.summary, tasks }, catalog);
    for (const t of tasks) {
      const state = states[t.id]!;
      if (state.status !== "completed") continue;
      // Checkpoints written before results were kept: a completed task's result never changes afterwards.
      const result = state.result !== undefined ? state.result : (current.get(t.id)?.result ?? null);
      copyFinishedTask(db, taskId(id, t.id), { result, sessionId: state.session_id });
      if (state.session_id !== null) setAgentSession(db, taskId(id, t.id), state.session_id);
      setAgentStatus(db, taskId(id, t.id), "completed");
      kept.push(t.id);
    }
    recordForkOrigin(db, id, { forked_from: sourceId, checkpoint: row.name, checkpoint_id: row.id });
    refreshTotals(db, id);
    setOrchestrationStatus(db, id, "paused", `forked from ${sourceId.slice(0, 8)} at checkpoint "${row.name}"`);
  });
  return { id, from: sourceId, checkpoint: entry(row), kept, rerun: tasks.map((t) => t.id).filter((k) => !kept.includes(k)) };
}
