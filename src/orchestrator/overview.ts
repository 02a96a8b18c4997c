import { workspaceReport, type WorkspaceReport } from "./workspace-report.ts";
import type { Database } from "bun:sqlite";
import type { OrchestrationStatus } from "../domain/status.ts";
import { listAgentOverviews } from "../store/agents.ts";
import { countOrchestrationCheckpoints, getLatestCheckpoint } from "../store/checkpoints.ts";
import { countMailbox, countOrchestrationMessages, listMessages, type MessageView } from "../store/messages.ts";
import { flagOf, type OptionChange } from "../domain/option-changes.ts";
import {
  getOrchestration,
  readOptions,
  type RunOptions,
  type OrchestrationRow,
} from "../store/orchestrations.ts";
import { listResumes, type ResumeSummary } from "../store/resumes.ts";
import { listTasks, taskDependencies } from "../store/tasks.ts";
import { readTransaction } from "../store/tx.ts";
import { interventionEntries, type InterventionEntry } from "./intervention-log.ts";
import { displayStatus, isInterrupted } from "./liveness.ts";
import { agentSummary, type AgentSummary } from "./orchestration-list.ts";
import { orchestrationTotals, type Totals } from "./totals.ts";

/** What `orchestration status` shows: plain data, rendered by the CLI. */

export interface TaskSummary {
  key: string;
  agent_type: string;
  status: string;
  depends_on: string[];
  attempts: number;
  cost_usd: number;
  duration_ms: number;
  started_at: string | null;
  completed_at: string | null;
  result: string | null;
  error: string | null;
}

export interface ResumeEntry {
  created_at: string;
  pid: number;
  previous_status: string;
  summary: ResumeSummary;
  /** Run options this resume changed (they hold from then on), with the flag that sets each. */
  option_changes: (OptionChange & { flag: string })[];
}

export interface CheckpointSummary {
  id: string;
  name: string;
  kind: "manual" | "auto";
  created_at: string;
}

export interface OrchestrationDetail {
  orchestration: {
    id: string;
    request: string;
    status: string;
    stored_status: OrchestrationStatus;
    interrupted: boolean;
    created_at: string;
    last_updated: string | null;
    completed_at: string | null;
    heartbeat_at: string | null;
    owner_pid: number | null;
    owner_host: string | null;
    cwd: string;
    total_cost: number;
    input_tokens: number;
    output_tokens: number;
    summary: string | null;
    /** The run options in force: as recorded at the start, with every resume's changes. */
    options: RunOptions;
  };
  progress: { completed: number; total: number; by_status: Record<string, number> };
  agents: AgentSummary[];
  tasks?: TaskSummary[];
  messages?: { total: number; shown: MessageView[] };
  /** Mailbox state: deliveries waiting, and messages that reached nobody. */
  mailbox: { sent: number; undelivered: number; waiting: number };
  resumes: ResumeEntry[];
  /** Retries, skips and cancels users asked for, with who, when and what they changed. */
  interventions: InterventionEntry[];
  checkpoints: { count: number; last: CheckpointSummary | null };
  /** Each task's branch and commit with --isolation worktree; null without it. */
  workspace: WorkspaceReport | null;
}

export interface DetailOptions {
  tasks: boolean;
  messages: boolean;
  /** How many of the most recent messages to include. */
  messageLimit: number;
}

/** `interrupted`: the one liveness check of this snapshot (it reads /proc; asked again, it could differ). */
function orchestrationPart(o: OrchestrationRow, totals: Totals, interrupted: boolean): OrchestrationDetail["orchestration"] {
  return {
    id: o.id,
    request: o.request,
    status: displayStatus(o, interrupted),
    stored_status: o.status,
    interrupted,
    created_at: o.created_at,
    last_updated: o.last_updated,
    completed_at: o.completed_at,
    heartbeat_at: o.heartbeat_at,
    owner_pid: o.owner_pid,
    owner_host: o.owner_host,
    cwd: o.cwd,
    total_cost: totals.cost_usd,
    input_tokens: totals.input_tokens,
    output_tokens: totals.output_tokens,
    summary: o.summary,
    options: readOptions(o),
  };
}

/** Everything `orchestration status` shows, read in one snapshot. Null when the id is unknown. */
export function describeOrchestration(db: Database, id: string, options: DetailOptions): OrchestrationDetail | null {
  return readTransaction(db, () => {
    const o = getOrchestration(db, id);
    if (!o) return null;
    const taskRows = listTasks(db, id);
    const byStatus: Record<string, number> = {};
    for (const t of taskRows) byStatus[t.status] = (byStatus[t.status] ?? 0) + 1;
    // Agents of an orchestration nobody drives any more are not active, whatever their row says.
    const interrupted = isInterrupted(o);
    const agents = listAgentOverviews(db, id)
      .map((a) => agentSummary(a, o.cwd))
      .map((a) => (interrupted && a.status === "active" ? { ...a, status: "interrupted" } : a));
    const tasks = options.tasks
      ? taskRows.map((t) => ({
          key: t.task_key,
          agent_type: t.agent_type,
          status: t.status,
          depends_on: taskDependencies(t),
          attempts: t.attempt,
          cost_usd: t.cost_usd,
          duration_ms: t.duration_ms,
          started_at: t.started_at,
          completed_at: t.completed_at,
          result: t.result,
          error: t.error,
        }))
      : undefined;
    const messages = options.messages
      ? { total: countOrchestrationMessages(db, id), shown: listMessages(db, id, options.messageLimit) }
      : undefined;
    const last = getLatestCheckpoint(db, id);
    const mail = countMailbox(db, id);
    return {
      orchestration: orchestrationPart(o, orchestrationTotals(o, taskRows), interrupted),
      progress: { completed: byStatus.completed ?? 0, total: taskRows.length, by_status: byStatus },
      agents,
      tasks,
      messages,
      mailbox: { sent: mail.messages, undelivered: mail.undeliverable, waiting: mail.pending + mail.delivered },
      resumes: listResumes(db, id).map((r) => ({
        created_at: r.created_at,
        pid: r.pid,
        previous_status: r.previous_status,
        summary: r.parsed,
        option_changes: r.changes.map((c) => ({ ...c, flag: flagOf(c.option) })),
      })),
      interventions: interventionEntries(db, id),
      checkpoints: {
        count: countOrchestrationCheckpoints(db, id),
        last: last && { id: last.id, name: last.name, kind: last.kind, created_at: last.created_at },
      },
      workspace: workspaceReport(db, id),
    };
  });
}
