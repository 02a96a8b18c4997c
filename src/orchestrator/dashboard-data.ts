/**
 * What the dashboard shows, read from the store in one snapshot per request: the runs
 * list, one run (tasks as a graph and timelines, attempts, resumes, agents, totals,
 * actions) and its mailbox. Plain data; src/web renders it.
 */
import type { Database } from "bun:sqlite";
import { finalOrchestrationStatuses, type OrchestrationStatus } from "../domain/status.ts";
import { dependencyLevels } from "../observe/graph.ts";
import { taskTimeline, type Segment } from "../observe/timeline.ts";
import { listActions } from "../store/actions.ts";
import { listAgentOverviews } from "../store/agents.ts";
import { lastEventId } from "../store/event-pages.ts";
import { listMailboxMessages } from "../store/mailbox-view.ts";
import { iterateOrchestrationOverviews } from "../store/orchestration-overviews.ts";
import { getOrchestration, readOptions, type OrchestrationRow } from "../store/orchestrations.ts";
import { listTasks, taskDependencies } from "../store/tasks.ts";
import { ageMs } from "../store/time.ts";
import { readTransaction } from "../store/tx.ts";
import { displayStatus, isInterrupted } from "./liveness.ts";
import { eventReader } from "./observe-source.ts";

export interface RunListEntry {
  id: string;
  request: string;
  status: string;
  stored_status: string;
  /** Running, but its heartbeat is older than twice its save interval (or its owner is gone). */
  stale: boolean;
  heartbeat_age_ms: number | null;
  tasks_done: number;
  tasks_total: number;
  cost_usd: number;
  budget_usd: number | null;
  created_at: string;
  completed_at: string | null;
}

function budgetOf(row: Pick<OrchestrationRow, "id" | "options">): number | null {
  try {
    return readOptions(row).budgetUsd;
  } catch {
    return null; // options of an older or damaged row: show no budget rather than fail the page
  }
}

/**
 * What a run's row says about its owner, from one liveness check (it reads /proc; asked
 * twice, a dying owner could make the status and the flags disagree).
 */
function ownerState(row: Parameters<typeof isInterrupted>[0]): { status: string; interrupted: boolean; stale: boolean; heartbeat_age_ms: number | null } {
  const age = ageMs(row.heartbeat_at);
  const interrupted = isInterrupted(row);
  return {
    status: displayStatus(row, interrupted),
    interrupted,
    stale: row.status === "running" && (interrupted || age > 2 * row.save_interval_s * 1000),
    heartbeat_age_ms: Number.isFinite(age) ? Math.max(0, age) : null,
  };
}

export function listRuns(db: Database, limit: number): RunListEntry[] {
  return readTransaction(db, () => {
    const out: RunListEntry[] = [];
    for (const row of iterateOrchestrationOverviews(db, null)) {
      const tasks = listTasks(db, row.id);
      const { status, stale, heartbeat_age_ms } = ownerState(row);
      out.push({
        id: row.id,
        request: row.request,
        status,
        stored_status: row.status,
        stale,
        heartbeat_age_ms,
        tasks_done: tasks.filter((t) => t.status === "completed").length,
        tasks_total: tasks.length,
        cost_usd: row.live_cost + row.planner_cost_usd,
        budget_usd: budgetOf(row),
        created_at: row.created_at,
        completed_at: row.completed_at,
      });
      if (out.length >= limit) break;
    }
    return out;
  });
}

export interface RunTask {
  key: string;
  agent_type: string;
  status: string;
  depends_on: string[];
  level: number;
  attempts: number;
  session_id: string | null;
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
  num_turns: number;
  duration_ms: number;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  result: string | null;
  error: string | null;
  timeline: Segment[];
}

export function runDetail(db: Database, id: string) {
  return readTransaction(db, () => {
    const row = getOrchestration(db, id);
    if (!row) return null;
    const reader = eventReader(db, id);
    const attempts = reader.attempts();
    const taskRows = listTasks(db, id);
    const base = taskRows.map((t) => ({ key: t.task_key, depends_on: taskDependencies(t), completed_at: t.completed_at }));
    const levels = dependencyLevels(base);
    const tasks: RunTask[] = taskRows.map((t, i) => ({
      key: t.task_key,
      agent_type: t.agent_type,
      status: t.status,
      depends_on: base[i]!.depends_on,
      level: levels.get(t.task_key) ?? 0,
      attempts: t.attempt,
      session_id: t.session_id,
      cost_usd: t.cost_usd,
      input_tokens: t.input_tokens,
      output_tokens: t.output_tokens,
      num_turns: t.num_turns,
      duration_ms: t.duration_ms,
      created_at: t.created_at,
      started_at: t.started_at,
      completed_at: t.completed_at,
      result: t.result,
      error: t.error,
      timeline: taskTimeline(base[i]!, base, attempts, row.created_at),
    }));
    const agents = listAgentOverviews(db, id).map((a) => ({
      key: a.task_key,
      type: a.type,
      status: a.status,
      session_id: a.session_id,
      attempt: a.attempt,
      last_activity: a.last_activity,
      messages_sent: a.messages_sent,
      messages_received: a.messages_received,
    }));
    const stored = row.status as OrchestrationStatus;
    const live = ownerState(row);
    return {
      orchestration: {
        id: row.id,
        request: row.request,
        status: live.status,
        stored_status: row.status,
        interrupted: live.interrupted,
        final: finalOrchestrationStatuses.includes(stored),
        stale: live.stale,
        heartbeat_age_ms: live.heartbeat_age_ms,
        owner_pid: row.owner_pid,
        created_at: row.created_at,
        completed_at: row.completed_at,
        budget_usd: budgetOf(row),
        cwd: row.cwd,
      },
      totals: {
        tasks: tasks.length,
        done: tasks.filter((t) => t.status === "completed").length,
        cost_usd: tasks.reduce((s, t) => s + t.cost_usd, 0) + row.planner_cost_usd,
        input_tokens: tasks.reduce((s, t) => s + t.input_tokens, 0),
        output_tokens: tasks.reduce((s, t) => s + t.output_tokens, 0),
        turns: tasks.reduce((s, t) => s + t.num_turns, 0),
      },
      tasks,
      agents,
      attempts,
      resumes: reader.resumes(),
      actions: listActions(db, id, 50).map((a) => ({ ...a, detail: JSON.parse(a.detail) as unknown })),
      last_event_id: lastEventId(db, id),
      now: Date.now(),
    };
  });
}

export type RunDetail = NonNullable<ReturnType<typeof runDetail>>;

export function runMailbox(db: Database, id: string, limit: number) {
  return listMailboxMessages(db, id, limit).map((m) => ({
    ...m,
    undeliverable: m.undeliverable === 1,
    deliveries: JSON.parse(m.deliveries) as { to: string; status: string; attempt: number | null; via: string | null }[],
  }));
}
