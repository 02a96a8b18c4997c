import type { Database } from "bun:sqlite";
import { countMailbox } from "../store/messages.ts";
import { getOrchestration, readOptions, type OrchestrationRow } from "../store/orchestrations.ts";
import { listTasks } from "../store/tasks.ts";
import { interventionEntries, type InterventionEntry } from "./intervention-log.ts";
import { raisedBudget } from "./resume-budget.ts";
import { orchestrationTotals } from "./totals.ts";
import { workspaceReport, type WorkspaceReport } from "./workspace-report.ts";

export interface TaskSummary {
  id: string;
  agent_type: string;
  status: string;
  session_id: string | null;
  attempts: number;
  cost_usd: number;
  duration_ms: number;
  num_turns: number;
  result: string | null;
  error: string | null;
}

export interface RunSummary {
  orchestration_id: string;
  status: string;
  request: string;
  tasks: TaskSummary[];
  totals: {
    tasks: number;
    completed: number;
    failed: number;
    blocked: number;
    cost_usd: number;
    input_tokens: number;
    output_tokens: number;
    duration_ms: number;
  };
  /** Agent messages: sent, and how many reached nobody (unknown or finished recipient) or still wait. */
  messages: { sent: number; undelivered: number; waiting: number };
  budget_exhausted: boolean;
  /** Retries, skips and cancels users asked for (who, when, what they changed). */
  interventions: InterventionEntry[];
  /** The command that continues this orchestration, when there is anything left to do. */
  resume_hint: string | null;
  /** Branches, commits and merges with --isolation worktree; null without it. */
  workspace: WorkspaceReport | null;
}

export function buildSummary(db: Database, orchestrationId: string, budgetExhausted: boolean): RunSummary {
  const o = getOrchestration(db, orchestrationId)!;
  const tasks = listTasks(db, orchestrationId);
  const count = (s: string) => tasks.filter((t) => t.status === s).length;
  const mail = countMailbox(db, orchestrationId);
  const totals = orchestrationTotals(o, tasks);
  return {
    orchestration_id: o.id,
    status: o.status,
    request: o.request,
    tasks: tasks.map((t) => ({
      id: t.task_key,
      agent_type: t.agent_type,
      status: t.status,
      session_id: t.session_id,
      attempts: t.attempt,
      cost_usd: t.cost_usd,
      duration_ms: t.duration_ms,
      num_turns: t.num_turns,
      result: t.result,
      error: t.error,
    })),
    totals: {
      tasks: tasks.length,
      completed: count("completed"),
      failed: count("failed"),
      blocked: count("blocked"),
      cost_usd: totals.cost_usd,
      input_tokens: totals.input_tokens,
      output_tokens: totals.output_tokens,
      duration_ms: o.total_duration_ms,
    },
    messages: { sent: mail.messages, undelivered: mail.undeliverable, waiting: mail.pending + mail.delivered },
    budget_exhausted: budgetExhausted,
    interventions: interventionEntries(db, orchestrationId),
    resume_hint: resumeHint(o, budgetExhausted),
    workspace: workspaceReport(db, orchestrationId),
  };
}

/** The resume command; once the budget is spent, with a higher one (resume refuses to run on a spent budget). */
function resumeHint(o: OrchestrationRow, budgetExhausted: boolean): string | null {
  if (o.status === "completed" || o.status === "cancelled") return null;
  const command = `maos orchestration resume ${o.id.slice(0, 8)}`;
  const budget = budgetExhausted ? readOptions(o).budgetUsd : null;
  return budget === null ? command : `${command} --budget-usd ${raisedBudget(o.total_cost, budget)}`;
}
