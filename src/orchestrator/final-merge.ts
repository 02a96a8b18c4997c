import type { Database } from "bun:sqlite";
import { fastForward, mergeInto } from "../git/merge.ts";
import { branchCommit, changedPaths, currentBranch, headCommit, isAncestor, mergesCleanly, uncommittedPaths } from "../git/repository.ts";
import { faultPoint } from "../system/fault-point.ts";
import { endMerge, insertMerge, lastMerge, setFinalOutcome, type WorkspaceRow } from "../store/workspaces.ts";

export type FinalOutcome = "fast-forward" | "merged" | "up-to-date" | "left" | "kept";

export interface FinalMerge {
  outcome: FinalOutcome;
  /** Why the branch was left, and the command that merges it by hand. */
  detail: string | null;
}

/** The one command that merges the integration branch by hand. */
export function mergeCommand(ws: Pick<WorkspaceRow, "repo_root" | "integration_branch">): string {
  return `git -C ${ws.repo_root} merge ${ws.integration_branch}`;
}

/**
 * The end of a completed orchestration: the integration branch goes into the branch the
 * user started from when that is a fast-forward or a clean merge and the user's
 * uncommitted changes touch none of the same files; otherwise (or with --no-merge) it is
 * left, with the command to merge it. Recorded like a task's merge: started before git
 * runs, so a crash in between is settled on resume by looking at the branch's history.
 */
export async function mergeIntoUserBranch(db: Database, ws: WorkspaceRow, keep: boolean): Promise<FinalMerge> {
  const decided = await decide(db, ws, keep);
  setFinalOutcome(db, ws.orchestration_id, decided.outcome, decided.detail);
  return decided;
}

async function decide(db: Database, ws: WorkspaceRow, keep: boolean): Promise<FinalMerge> {
  const root = ws.repo_root;
  const integration = (await branchCommit(root, ws.integration_branch))!;
  const leave = (why: string): FinalMerge => ({ outcome: "left", detail: `${why}; merge it with: ${mergeCommand(ws)}` });
  if (keep) return { outcome: "kept", detail: `--no-merge; merge it with: ${mergeCommand(ws)}` };
  const target = ws.base_branch;
  if (target === null) return leave("the run started on a detached HEAD");
  if ((await currentBranch(root)) !== target) return leave(`${target} is no longer checked out in ${root}`);
  const head = await headCommit(root);
  const unfinished = lastMerge(db, ws.orchestration_id, null);
  if (await isAncestor(root, integration, head)) {
    // Already in the user's branch: merged before a crash, or there was nothing to merge.
    if (unfinished?.status !== "started") return { outcome: "up-to-date", detail: null };
    endMerge(db, unfinished.id, "merged", head, null);
    return { outcome: (await isAncestor(root, unfinished.before_commit, unfinished.source_commit)) ? "fast-forward" : "merged", detail: null };
  }
  if (unfinished?.status === "started") endMerge(db, unfinished.id, "aborted", null, null);
  const touched = new Set(await changedPaths(root, head, integration));
  const overlap = (await uncommittedPaths(root)).filter((p) => touched.has(p));
  if (overlap.length > 0) return leave(`your uncommitted changes touch files the run changed (${overlap.slice(0, 5).join(", ")})`);
  const ff = await isAncestor(root, head, integration);
  if (!ff && !(await mergesCleanly(root, head, integration))) return leave(`${ws.integration_branch} does not merge cleanly into ${target}`);
  const id = insertMerge(db, {
    orchestration_id: ws.orchestration_id,
    task_id: null,
    source_branch: ws.integration_branch,
    source_commit: integration,
    target_branch: target,
    before_commit: head,
  });
  faultPoint("final-merge-before");
  const after = ff ? await fastForward(root, ws.integration_branch) : await mergeInto(root, ws.integration_branch, `maos: merge ${ws.integration_branch}`);
  faultPoint("final-merge-after");
  if (typeof after !== "string" && !after.clean) {
    // merge-tree said clean: only a race with the user's own edits gets here; their tree is left as git left it.
    endMerge(db, id, "conflict", null, after.conflicts);
    return leave(`merging into ${target} conflicted in ${after.conflicts.join(", ")} (resolve, or \`git merge --abort\`)`);
  }
  endMerge(db, id, "merged", typeof after === "string" ? after : after.head, null);
  return { outcome: ff ? "fast-forward" : "merged", detail: null };
}
