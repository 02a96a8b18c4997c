import type { Database } from "bun:sqlite";
import type { AgentDefinition } from "../agents/catalog.ts";
import { commitsTouching, headCommit } from "../git/repository.ts";
import { insertAgent } from "../store/agents.ts";
import { insertTask, listTasks, maxTaskPosition, type TaskRow } from "../store/tasks.ts";
import { transaction } from "../store/tx.ts";
import { insertTaskWorktree, listTaskWorktrees, type TaskWorktreeRow, type WorkspaceRow } from "../store/workspaces.ts";

/** The agent type of a resolver: a developer, recorded like any other task. */
export const resolverAgentType = "developer";

export function resolverDescription(task: Pick<TaskRow, "task_key" | "result">, branch: string, integrationBranch: string, files: string[], others: { key: string; result: string | null }[]): string {
  const result = (text: string | null) => (text ?? "").trim() || "(no result text)";
  return [
    `Resolve the git merge conflict between @${task.task_key}'s branch ${branch} and the integration branch ${integrationBranch}.`,
    `Your working directory is a worktree in the middle of that merge (git status shows it). Conflicting files: ${files.join(", ")}.`,
    "Edit each conflicting file so it keeps the intent of both sides and holds no conflict markers (<<<<<<<, =======, >>>>>>>). Do not commit, reset or abort the merge: maos commits it when you finish.",
    `What @${task.task_key} did: ${result(task.result)}`,
    ...others.map((o) => `What @${o.key} (already merged, also touching these files) did: ${result(o.result)}`),
  ].join("\n\n");
}

/**
 * Records a resolver for a task whose merge conflicted: a developer task (its own attempt,
 * events and cost) and its worktree row, made from the integration branch; the worktree is
 * created, with the conflicting merge in progress, when the task starts (Workspace.cwdFor).
 * Returns its key, or null when the task already has one (a resume met the conflict again).
 */
export async function recordResolver(
  db: Database,
  ws: WorkspaceRow,
  task: TaskRow,
  tw: TaskWorktreeRow,
  files: string[],
  definitionFor: (agentType: string) => AgentDefinition,
  place: (key: string) => { branch: string; path: string },
): Promise<string | null> {
  const worktrees = listTaskWorktrees(db, ws.orchestration_id);
  if (worktrees.some((w) => w.resolves_task_id === task.id)) return null;
  const head = await headCommit(ws.integration_path);
  const touching = new Set(await commitsTouching(ws.integration_path, tw.base_commit, head, files));
  const tasks = listTasks(db, ws.orchestration_id);
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const others = worktrees
    .filter((w) => w.commit_sha !== null && touching.has(w.commit_sha) && w.task_id !== task.id)
    .map((w) => ({ key: byId.get(w.task_id)?.task_key ?? w.task_id, result: byId.get(w.task_id)?.result ?? null }));
  const keys = new Set(tasks.map((t) => t.task_key));
  let key = `resolve-${task.task_key}`;
  for (let n = 2; keys.has(key); n++) key = `resolve-${task.task_key}-${n}`;
  const { branch, path } = place(key);
  const definition = definitionFor(resolverAgentType);
  transaction(db, () => {
    const id = insertTask(db, {
      orchestrationId: ws.orchestration_id,
      key,
      position: maxTaskPosition(db, ws.orchestration_id) + 1,
      agentType: resolverAgentType,
      description: resolverDescription(task, tw.branch, ws.integration_branch, files, others),
      dependsOn: [],
    });
    insertAgent(db, { id, name: `${resolverAgentType}@${key}`, type: resolverAgentType, orchestrationId: ws.orchestration_id, taskId: id, capabilities: definition.tools ?? ["*"], source: definition.source });
    insertTaskWorktree(db, { task_id: id, orchestration_id: ws.orchestration_id, branch, path, base_commit: head, note: null, resolves_task_id: task.id });
  });
  return key;
}
