import type { Database } from "bun:sqlite";
import { deleteCheckpoint, listCheckpointsBefore } from "../store/checkpoints.ts";
import { countOwnedRows, deleteOrchestration, listFinishedBefore, type OwnedRowCounts } from "../store/orchestrations.ts";
import { readTransaction, transaction } from "../store/tx.ts";
import { getWorkspace, listTaskWorktrees, type TaskWorktreeRow, type WorkspaceRow } from "../store/workspaces.ts";
import { removeWorkspace, type WorkspaceRemoval } from "./workspace-cleanup.ts";

/** A dry run only reads: it must not take the write lock a running orchestrator needs. */
const inTransaction = <T>(db: Database, dryRun: boolean, fn: () => T): T =>
  dryRun ? readTransaction(db, fn) : transaction(db, fn);

export interface RemovedOrchestration {
  id: string;
  request: string;
  status: string;
  finished_at: string | null;
  rows: OwnedRowCounts;
}

export interface OrchestrationCleanup {
  cutoff: string;
  dry_run: boolean;
  orchestrations: RemovedOrchestration[];
  /** Rows removed per table, the orchestrations themselves included. */
  totals: OwnedRowCounts & { orchestrations: number };
  /** The worktrees and branches of removed orchestrations that ran with --isolation worktree (not touched on a dry run). */
  git: WorkspaceRemoval[];
}

const emptyCounts = (): OwnedRowCounts => ({
  tasks: 0,
  agents: 0,
  sessions: 0,
  attempts: 0,
  messages: 0,
  deliveries: 0,
  events: 0,
  checkpoints: 0,
  resumes: 0,
});

/**
 * Deletes finished (completed, failed, cancelled) orchestrations that finished before the
 * cutoff, with every row that belongs to them (ON DELETE CASCADE), in one transaction.
 * Running and paused orchestrations are never selected. A dry run reports the same thing
 * and deletes nothing.
 */
export function cleanupOrchestrations(db: Database, cutoff: string, dryRun: boolean): OrchestrationCleanup {
  return inTransaction(db, dryRun, () => {
    const totals = { orchestrations: 0, ...emptyCounts() };
    const removed = listFinishedBefore(db, cutoff).map((o) => {
      const rows = countOwnedRows(db, o.id);
      if (!dryRun) deleteOrchestration(db, o.id);
      totals.orchestrations++;
      for (const key of Object.keys(rows) as (keyof OwnedRowCounts)[]) totals[key] += rows[key];
      return { id: o.id, request: o.request, status: o.status, finished_at: o.completed_at ?? o.last_updated, rows };
    });
    return { cutoff, dry_run: dryRun, orchestrations: removed, totals, git: [] };
  });
}

/**
 * Cleanup with the orchestrations' git state: their worktree rows are read before the rows
 * go, and their worktrees and branches removed after (see removeWorkspace for what stays).
 */
export async function cleanupOrchestrationsAndWorktrees(db: Database, cutoff: string, dryRun: boolean, force: boolean): Promise<OrchestrationCleanup> {
  const workspaces = new Map<string, { ws: WorkspaceRow; tasks: TaskWorktreeRow[] }>();
  for (const o of listFinishedBefore(db, cutoff)) {
    const ws = getWorkspace(db, o.id);
    if (ws) workspaces.set(o.id, { ws, tasks: listTaskWorktrees(db, o.id) });
  }
  const result = cleanupOrchestrations(db, cutoff, dryRun);
  if (dryRun) return result;
  for (const o of result.orchestrations) {
    const found = workspaces.get(o.id);
    if (found) result.git.push(await removeWorkspace(found.ws, found.tasks, force));
  }
  return result;
}

export interface CheckpointCleanup {
  cutoff: string;
  dry_run: boolean;
  checkpoints: { id: string; name: string; kind: string; orchestration_id: string | null; created_at: string }[];
}

/** Deletes checkpoints created before the cutoff, in one transaction (none on a dry run). */
export function cleanupCheckpoints(db: Database, cutoff: string, dryRun: boolean): CheckpointCleanup {
  return inTransaction(db, dryRun, () => {
    const checkpoints = listCheckpointsBefore(db, cutoff).map((c) => {
      if (!dryRun) deleteCheckpoint(db, c.id);
      return { id: c.id, name: c.name, kind: c.kind, orchestration_id: c.orchestration_id, created_at: c.created_at };
    });
    return { cutoff, dry_run: dryRun, checkpoints };
  });
}
