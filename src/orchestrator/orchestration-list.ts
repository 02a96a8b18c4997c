import type { Database } from "bun:sqlite";
import type { OrchestrationStatus } from "../domain/status.ts";
import { listAgentOverviews, type AgentOverviewRow } from "../store/agents.ts";
import { iterateOrchestrationOverviews, type OrchestrationOverviewRow } from "../store/orchestration-overviews.ts";
import { displayStatus, isInterrupted } from "./liveness.ts";

/**
 * What `orchestration list` shows: plain data, rendered by the CLI. Apart from overview.ts
 * (`orchestration status`), so the list loads only the two queries it runs.
 */

export interface AgentSummary {
  id: string;
  task_key: string;
  type: string | null;
  status: string;
  /** The full Claude session id (`claude --resume <id>` from `cwd`). */
  session_id: string | null;
  /** Where the agent's session lives: `maos orchestration open` runs claude there. */
  cwd: string;
  attempt: number;
  messages_sent: number;
  messages_received: number;
  cost_usd: number;
  num_turns: number;
  duration_ms: number;
  last_activity: string | null;
}

export interface OrchestrationSummary {
  id: string;
  request: string;
  /** What people see: a crashed `running` one is `paused (interrupted)`. */
  status: string;
  stored_status: OrchestrationStatus;
  interrupted: boolean;
  agents: number;
  messages: number;
  cost_usd: number;
  created_at: string;
  last_updated: string | null;
  completed_at: string | null;
  agent_list?: AgentSummary[];
}

export function agentSummary(a: AgentOverviewRow, orchestrationCwd: string): AgentSummary {
  return {
    id: a.id,
    task_key: a.task_key,
    type: a.type,
    status: a.status,
    session_id: a.session_id,
    cwd: a.session_cwd ?? orchestrationCwd,
    attempt: a.attempt,
    messages_sent: a.messages_sent,
    messages_received: a.messages_received,
    cost_usd: a.cost_usd,
    num_turns: a.num_turns,
    duration_ms: a.duration_ms,
    last_activity: a.last_activity,
  };
}

function summary(row: OrchestrationOverviewRow): OrchestrationSummary {
  const interrupted = isInterrupted(row);
  return {
    id: row.id,
    request: row.request,
    status: displayStatus(row, interrupted),
    stored_status: row.status,
    interrupted,
    agents: row.agent_count,
    messages: row.live_message_count,
    cost_usd: row.live_cost,
    created_at: row.created_at,
    last_updated: row.last_updated,
    completed_at: row.completed_at,
  };
}

/**
 * The stored statuses to read for a status filter, and whether a row passes it: a crashed
 * `running` orchestration counts as paused, not running.
 */
function statusFilter(status: OrchestrationStatus | undefined): {
  stored: OrchestrationStatus[] | null;
  /** Null when every row read passes: the query's LIMIT then does the counting. */
  keep: ((s: OrchestrationSummary) => boolean) | null;
} {
  if (status === undefined) return { stored: null, keep: null };
  if (status === "running") return { stored: ["running"], keep: (s) => !s.interrupted };
  if (status === "paused") return { stored: ["paused", "running"], keep: (s) => s.stored_status === "paused" || s.interrupted };
  return { stored: [status], keep: null };
}

export interface ListOptions {
  status?: OrchestrationStatus;
  limit: number;
  withAgents: boolean;
}

export function listOrchestrationSummaries(db: Database, options: ListOptions): OrchestrationSummary[] {
  const filter = statusFilter(options.status);
  const result: OrchestrationSummary[] = [];
  for (const row of iterateOrchestrationOverviews(db, filter.stored, filter.keep ? undefined : options.limit)) {
    const s = summary(row);
    if (filter.keep && !filter.keep(s)) continue;
    if (options.withAgents) s.agent_list = listAgentOverviews(db, s.id).map((a) => agentSummary(a, row.cwd));
    result.push(s);
    if (result.length >= options.limit) break;
  }
  return result;
}
