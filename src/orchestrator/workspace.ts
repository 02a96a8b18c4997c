import type { Database } from "bun:sqlite";
import { existsSync, mkdirSync, realpathSync } from "node:fs";
import { join, relative } from "node:path";
import { branchCommit, branchExists, currentBranch, filesWithConflictMarkers, headCommit, isAncestor, isolationRefusal, repositoryRoot, resolveCommit } from "../git/repository.ts";
import { addWorktree, excludeFromStatus, listWorktrees } from "../git/worktree.ts";
import { UsageError } from "../errors.ts";
import { getCheckpoint, readCheckpointCode } from "../store/checkpoints.ts";
import { forkCheckpointId } from "../store/forks.ts";
import { getTask, listTasks, setTaskStatus, type TaskRow } from "../store/tasks.ts";
import {
  getTaskWorktree,
  getWorkspace,
  insertTaskWorktree,
  insertWorkspace,
  lastMerge,
  lastMergeByTask,
  listMerges,
  mergeConflicts,
  recordedIntegrationCommit,
  type TaskWorktreeRow,
  type WorkspaceRow,
} from "../store/workspaces.ts";
import { mergePending, mergeTask, recoverMerge } from "./task-merge.ts";
import { recordResolver } from "./conflict-resolver.ts";
import { mergeInto } from "../git/merge.ts";
import type { AgentDefinition } from "../agents/catalog.ts";
import type { RunOptions } from "../store/orchestrations.ts";

/** The directory maos owns inside the repository, kept out of `git status` through .git/info/exclude. */
export const worktreesDir = ".maos/worktrees";

export function integrationBranchName(orchestrationId: string): string {
  return `maos/${orchestrationId.slice(0, 8)}/integration`;
}

export function taskBranchName(orchestrationId: string, taskKey: string): string {
  return `maos/${orchestrationId.slice(0, 8)}/task/${taskKey}`;
}

export interface WorkspaceSettings {
  onConflict: RunOptions["onConflict"];
  definitionFor: (agentType: string) => AgentDefinition;
  note: (text: string) => void;
}

export interface Conflict {
  taskKey: string;
  branch: string;
  files: string[];
}

/**
 * An orchestration's worktree isolation while it runs: every task works in a worktree of
 * its own on its own branch, started from the integration branch; a completed task's work
 * is committed and merged into the integration branch, one merge at a time. Opening it
 * (fresh run or resume) creates the integration branch once, checks what it finds, and
 * settles every merge a crash interrupted before any task starts.
 */
export class Workspace {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly merging = new Set<string>();

  private constructor(
    private readonly db: Database,
    readonly row: WorkspaceRow,
    private readonly userCwd: string,
    private readonly settings: WorkspaceSettings,
  ) {}

  static async open(db: Database, orchestrationId: string, userCwd: string, settings: WorkspaceSettings): Promise<Workspace> {
    let row = getWorkspace(db, orchestrationId);
    if (row === null) row = await createIntegration(db, orchestrationId, userCwd);
    const ws = new Workspace(db, row, userCwd, settings);
    await ws.checkIntegration();
    await ws.settleMerges();
    return ws;
  }

  private note(text: string): void {
    this.settings.note(text);
  }

  private place(taskKey: string): { branch: string; path: string } {
    const { row } = this;
    return { branch: taskBranchName(row.orchestration_id, taskKey), path: join(row.repo_root, worktreesDir, row.orchestration_id.slice(0, 8), "tasks", taskKey) };
  }

  /** The directory a task's agent runs in: the user's subdirectory inside the task's worktree, created or repaired as needed. */
  async cwdFor(task: TaskRow): Promise<string> {
    const { row } = this;
    const recorded = getTaskWorktree(this.db, task.id);
    const { branch, path } = recorded ?? this.place(task.task_key);
    const registered = (await listWorktrees(row.repo_root)).find((w) => w.path === path);
    let note: string | null = null;
    let base = recorded?.base_commit ?? null;
    if (!(registered && existsSync(path))) {
      const start = await headCommit(row.integration_path);
      const branchHead = await branchCommit(row.repo_root, branch);
      // A resolver's worktree is recorded before it is made: its first creation is no loss.
      const firstResolverStart = recorded?.resolves_task_id != null && branchHead === null;
      if (recorded !== null && !firstResolverStart) {
        note =
          branchHead === null
            ? `@${task.task_key}: its branch ${branch} and worktree disappeared; it restarts from a fresh worktree on the integration branch`
            : `@${task.task_key}: its worktree ${path} disappeared; recreated from its branch ${branch}, which keeps its commits`;
      }
      await addWorktree(row.repo_root, path, branch, start);
      if (branchHead === null) base = start;
    } else if (registered.branch !== branch) {
      note = `@${task.task_key}: its worktree ${path} was switched to ${registered.branch ?? "a detached HEAD"} outside maos; the agent works on what is checked out there`;
    } else if (base !== null && registered.head !== null && !(await isAncestor(path, base, registered.head))) {
      note = `@${task.task_key}: its branch ${branch} was moved outside maos; the agent continues from its current commit`;
    }
    if (note) this.note(note);
    if (recorded?.resolves_task_id) await this.startConflictingMerge(path, recorded.resolves_task_id);
    if (recorded === null || note !== null) {
      insertTaskWorktree(this.db, { task_id: task.id, orchestration_id: row.orchestration_id, branch, path, base_commit: base ?? (await headCommit(path)), note });
    }
    // git reports the root with symlinks resolved: the user's directory is compared the same way.
    const cwd = join(path, relative(row.repo_root, realpathSync(this.userCwd)));
    mkdirSync(cwd, { recursive: true });
    return cwd;
  }

  /**
   * A completed task's work into the integration branch. Until this settles, the task
   * does not count as done for its dependents.
   */
  taskCompleted(task: TaskRow): Promise<void> {
    this.merging.add(task.id);
    const run = this.queue.then(() => this.merge(task));
    this.queue = run.catch(() => undefined);
    return run.finally(() => this.merging.delete(task.id));
  }

  /** Whether a completed dependency's work is in the integration branch (a task without a worktree counts as done). */
  dependencyDone(task: TaskRow): boolean {
    if (this.merging.has(task.id)) return false;
    if (getTaskWorktree(this.db, task.id) === null) return true;
    return mergePending(this.db, this.row, task.id) === null;
  }

  /** Completed tasks whose merge conflicted and is not resolved. */
  conflicts(): Conflict[] {
    const byId = new Map(listTasks(this.db, this.row.orchestration_id).map((t) => [t.id, t]));
    return [...lastMergeByTask(listMerges(this.db, this.row.orchestration_id)).values()]
      .filter((m) => m.status === "conflict")
      .map((m) => ({ taskKey: byId.get(m.task_id!)?.task_key ?? m.task_id!, branch: m.source_branch, files: mergeConflicts(m) }));
  }

  /** A resolver's worktree holds the conflicting merge of the task it resolves (unless it already did, or concluded it). */
  private async startConflictingMerge(path: string, resolvedTaskId: string): Promise<void> {
    const resolved = getTaskWorktree(this.db, resolvedTaskId);
    if (resolved?.commit_sha == null || (await isAncestor(path, resolved.commit_sha, "HEAD"))) return;
    if ((await resolveCommit(path, "MERGE_HEAD")) !== null) return;
    await mergeInto(path, resolved.branch, `maos: merge ${resolved.branch} (conflict resolved by an agent)`);
  }

  private async merge(task: TaskRow): Promise<void> {
    const tw = getTaskWorktree(this.db, task.id);
    if (tw === null) return;
    const fresh = getTask(this.db, task.id) ?? task;
    if (tw.resolves_task_id !== null && !(await this.resolverSucceeded(fresh, tw))) return;
    const outcome = await mergeTask(this.db, this.row, tw, fresh);
    if (outcome.status === "merged") {
      if (tw.resolves_task_id !== null) await this.mergeResolved(tw.resolves_task_id);
      return;
    }
    const resolver =
      this.settings.onConflict === "resolve" && tw.resolves_task_id === null
        ? await recordResolver(this.db, this.row, fresh, tw, outcome.conflicts, this.settings.definitionFor, (key) => this.place(key))
        : null;
    this.note(
      `@${task.task_key}: merging ${tw.branch} into ${this.row.integration_branch} conflicts in ${outcome.conflicts.join(", ")}; ` +
        (resolver ? `resolver task @${resolver} started; its dependents wait` : "its dependents wait"),
    );
  }

  /** A resolver's work is merged only without conflict markers; otherwise it failed and the conflict is the user's. */
  private async resolverSucceeded(resolver: TaskRow, tw: TaskWorktreeRow): Promise<boolean> {
    const conflicted = lastMerge(this.db, this.row.orchestration_id, tw.resolves_task_id);
    const files = conflicted ? mergeConflicts(conflicted) : [];
    const left = await filesWithConflictMarkers(tw.path, files);
    if (left.length === 0) return true;
    setTaskStatus(this.db, resolver.id, "failed", `conflict markers left in ${left.join(", ")}; the conflict is left for you (see status)`);
    this.note(`@${resolver.task_key}: conflict markers left in ${left.join(", ")}; the conflict is left for you`);
    return false;
  }

  /** Once a resolver's merge is in, the task it resolved is recorded as merged (its commit is in the integration branch now). */
  private async mergeResolved(taskId: string): Promise<void> {
    const task = getTask(this.db, taskId);
    const tw = getTaskWorktree(this.db, taskId);
    if (task && tw) await mergeTask(this.db, this.row, tw, task);
  }

  /** The integration branch as maos left it, or a note saying what changed outside maos. */
  private async checkIntegration(): Promise<void> {
    const { row } = this;
    const expected = recordedIntegrationCommit(row, listMerges(this.db, row.orchestration_id));
    const registered = (await listWorktrees(row.repo_root)).find((w) => w.path === row.integration_path);
    if (!(registered && existsSync(row.integration_path))) {
      const exists = await branchExists(row.repo_root, row.integration_branch);
      this.note(`the integration worktree ${row.integration_path} disappeared; recreated${exists ? "" : ` with ${row.integration_branch} at ${expected.slice(0, 10)}`}`);
      await addWorktree(row.repo_root, row.integration_path, row.integration_branch, expected);
      return;
    }
    const head = registered.head;
    if (head !== null && head !== expected && !(await this.startedMergeExplains(head))) {
      this.note(`the integration branch ${row.integration_branch} moved outside maos (${expected.slice(0, 10)} → ${head.slice(0, 10)}); continuing from ${head.slice(0, 10)}`);
    }
  }

  private async startedMergeExplains(head: string): Promise<boolean> {
    const started = listMerges(this.db, this.row.orchestration_id).filter((m) => m.status === "started" && m.task_id !== null);
    for (const m of started) if (await isAncestor(this.row.integration_path, m.source_commit, head)) return true;
    return false;
  }

  /**
   * Before anything starts: merges a crash interrupted are finished or redone, and every
   * completed task whose work is not in the integration branch (merge never ran, or a
   * conflict the user may have resolved by hand since) is merged now.
   */
  private async settleMerges(): Promise<void> {
    for (const m of listMerges(this.db, this.row.orchestration_id)) {
      if (m.status !== "started" || m.task_id === null) continue;
      const outcome = await recoverMerge(this.db, this.row, m);
      this.note(`a merge of ${m.source_branch} interrupted by a crash was ${outcome === "merged" ? "found complete" : "rolled back and is redone"}`);
    }
    for (const task of listTasks(this.db, this.row.orchestration_id)) {
      if (task.status !== "completed" || getTaskWorktree(this.db, task.id) === null) continue;
      if (mergePending(this.db, this.row, task.id) === null) continue;
      await this.taskCompleted(task);
    }
  }
}

async function forkStartCommit(db: Database, orchestrationId: string, root: string): Promise<string | null> {
  const checkpointId = forkCheckpointId(db, orchestrationId);
  const checkpoint = checkpointId === null ? null : getCheckpoint(db, checkpointId);
  const code = checkpoint === null ? null : readCheckpointCode(checkpoint);
  return code === null ? null : resolveCommit(root, code.integration_commit);
}

/** The integration branch and its worktree, from the user's HEAD; the user's own tree is not touched. */
async function createIntegration(db: Database, orchestrationId: string, userCwd: string): Promise<WorkspaceRow> {
  const root = await repositoryRoot(userCwd);
  if (root === null) throw new UsageError(`--isolation worktree needs a git repository, and ${userCwd} is not in one`, "use --isolation none");
  const refusal = await isolationRefusal(root);
  if (refusal) throw new UsageError(`cannot isolate agents in worktrees: ${refusal}`, "use --isolation none");
  await excludeFromStatus(root, "/.maos/");
  // A fork starts from the code its checkpoint recorded, so the work of the tasks it keeps is there.
  const base = (await forkStartCommit(db, orchestrationId, root)) ?? (await headCommit(root));
  const branch = integrationBranchName(orchestrationId);
  const path = join(root, worktreesDir, orchestrationId.slice(0, 8), "integration");
  await addWorktree(root, path, branch, base);
  insertWorkspace(db, {
    orchestration_id: orchestrationId,
    repo_root: root,
    base_branch: await currentBranch(root),
    base_commit: base,
    integration_branch: branch,
    integration_path: path,
  });
  return getWorkspace(db, orchestrationId)!;
}
