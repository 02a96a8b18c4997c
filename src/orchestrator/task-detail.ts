import type { Database } from "bun:sqlite";
import { NotFoundError } from "../errors.ts";
import { listTaskAttempts } from "../store/attempts.ts";
import { listTasks, taskDependencies, taskId } from "../store/tasks.ts";

/** One task in full — what the status table cuts to a line: description, result, error and every attempt's reason. */
export interface TaskDetail {
  orchestration_id: string;
  key: string;
  agent_type: string;
  status: string;
  depends_on: string[];
  description: string;
  result: string | null;
  error: string | null;
  session_id: string | null;
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
  num_turns: number;
  duration_ms: number;
  attempts: {
    attempt: number;
    status: string;
    cause: string | null;
    reason: string | null;
    stderr_tail: string | null;
    session_id: string;
    started_at: string;
    ended_at: string | null;
  }[];
}

export function describeTask(db: Database, orchestrationId: string, key: string): TaskDetail {
  const tasks = listTasks(db, orchestrationId);
  const t = tasks.find((row) => row.task_key === key);
  if (!t) {
    throw new NotFoundError(
      `orchestration ${orchestrationId.slice(0, 8)} has no task "${key}"`,
      `its tasks: ${tasks.map((row) => row.task_key).join(", ") || "none yet"}`,
    );
  }
  return {
    orchestration_id: orchestrationId,
    key: t.task_key,
    agent_type: t.agent_type,
    status: t.status,
    depends_on: taskDependencies(t),
    description: t.description,
    result: t.result,
    error: t.error,
    session_id: t.session_id,
    cost_usd: t.cost_usd,
    input_tokens: t.input_tokens,
    output_tokens: t.output_tokens,
    num_turns: t.num_turns,
    duration_ms: t.duration_ms,
    attempts: listTaskAttempts(db, taskId(orchestrationId, t.task_key)).map((a) => ({
      attempt: a.attempt,
      status: a.status,
      cause: a.cause,
      reason: a.reason,
      stderr_tail: a.stderr_tail,
      session_id: a.session_id,
      started_at: a.started_at,
      ended_at: a.ended_at,
    })),
  };
}
