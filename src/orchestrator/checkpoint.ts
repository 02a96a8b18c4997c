import type { Database } from "bun:sqlite";
import { listAgents } from "../store/agents.ts";
import { insertCheckpoint, checkpointNameExists } from "../store/checkpoints.ts";
import { countPendingDeliveries, lastMessageId } from "../store/messages.ts";
import { getOrchestration } from "../store/orchestrations.ts";
import { listTasks } from "../store/tasks.ts";
import { sqlNow } from "../store/time.ts";
import { transaction } from "../store/tx.ts";
import { UsageError } from "../errors.ts";
import type { CheckpointCode } from "../store/checkpoints.ts";
import { workspaceReport } from "./workspace-report.ts";

/** What the code was at this moment with --isolation worktree (null without it): a fork starts its integration branch there. */
function checkpointCode(db: Database, orchestrationId: string): CheckpointCode | null {
  const w = workspaceReport(db, orchestrationId);
  if (w === null) return null;
  return {
    integration_branch: w.integration_branch,
    integration_commit: w.integration_commit,
    tasks: Object.fromEntries(w.tasks.map((t) => [t.task, { branch: t.branch, commit: t.commit }])),
  };
}

export interface CheckpointInfo {
  id: string;
  name: string;
  kind: "manual" | "auto";
  tasks: number;
  agents: number;
  lastMessageId: number;
}

/**
 * Writes a checkpoint with real content, read in one transaction so it is a consistent
 * snapshot: task states, agent → session map with the last committed event sequence,
 * and the mailbox cursor (last message id and deliveries still pending).
 */
export function createCheckpoint(
  db: Database,
  orchestrationId: string,
  kind: "manual" | "auto",
  name?: string,
  description?: string,
): CheckpointInfo {
  return transaction(db, () => {
    const finalName = name ?? `auto-${orchestrationId.slice(0, 8)}-${sqlNow().replace(/[-: .]/g, "")}`;
    if (checkpointNameExists(db, finalName)) {
      throw new UsageError(`a checkpoint named "${finalName}" already exists`, "choose another --name");
    }
    const orchestration = getOrchestration(db, orchestrationId)!;
    const tasks = listTasks(db, orchestrationId);
    const agents = listAgents(db, orchestrationId);
    const cursor = lastMessageId(db, orchestrationId);
    const id = crypto.randomUUID();
    insertCheckpoint(db, {
      id,
      name: finalName,
      description: description ?? null,
      orchestrationId,
      kind,
      orchestratorState: {
        orchestration_id: orchestrationId,
        status: orchestration.status,
        owner_pid: orchestration.owner_pid,
        total_cost: orchestration.total_cost,
        active_agents: agents.filter((a) => a.status === "active").map((a) => a.id),
        code: checkpointCode(db, orchestrationId),
      },
      agentSessions: Object.fromEntries(
        agents.map((a) => [a.id, { session_id: a.session_id, last_seq: a.last_seq, status: a.status, attempt: a.attempt }]),
      ),
      taskStates: Object.fromEntries(
        // A finished task's result is kept so a fork from this checkpoint gives its dependents the same input.
        tasks.map((t) => [
          t.task_key,
          { status: t.status, attempt: t.attempt, session_id: t.session_id, progress: t.progress, ...(t.status === "completed" ? { result: t.result } : {}) },
        ]),
      ),
      messageHistory: { last_message_id: cursor, pending_deliveries: countPendingDeliveries(db, orchestrationId) },
    });
    return { id, name: finalName, kind, tasks: tasks.length, agents: agents.length, lastMessageId: cursor };
  });
}
