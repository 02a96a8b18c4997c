import type { RunSummary } from "../orchestrator/summary.ts";
import { paint, paintStatus } from "./color.ts";
import { formatCost, formatDuration, shortId, shorten } from "./format.ts";
import { renderInterventions } from "./intervention-table.ts";
import { progressBar } from "./progress.ts";
import { renderTable } from "./table.ts";
import { renderWorkspace } from "./workspace-view.ts";

/** The end-of-run summary for people: per-task table, totals, and how to resume. */
export function renderSummary(s: RunSummary): string {
  const lines = [
    `Orchestration ${shortId(s.orchestration_id)}: ${paintStatus(s.status)}`,
    progressBar(s.totals.completed, s.totals.tasks),
    "",
    renderTable(s.tasks, [
      { header: "TASK", value: (t) => t.id },
      { header: "AGENT", value: (t) => t.agent_type },
      { header: "STATUS", value: (t) => paintStatus(t.status) },
      { header: "SESSION", value: (t) => (t.session_id ? shortId(t.session_id) : "-") },
      { header: "COST", value: (t) => formatCost(t.cost_usd), align: "right" },
      { header: "TIME", value: (t) => formatDuration(t.duration_ms), align: "right" },
      { header: "TURNS", value: (t) => String(t.num_turns), align: "right" },
      { header: "RESULT", value: (t) => shorten(t.status === "completed" ? (t.result ?? "") : (t.error ?? t.result ?? ""), 60) },
    ]),
    "",
    `Total: ${formatCost(s.totals.cost_usd)}, ${s.totals.input_tokens} input / ${s.totals.output_tokens} output tokens, ` +
      `${s.totals.completed}/${s.totals.tasks} tasks completed` +
      (s.totals.failed ? `, ${s.totals.failed} failed` : "") +
      (s.totals.blocked ? `, ${s.totals.blocked} blocked` : ""),
  ];
  if (s.messages.undelivered > 0) {
    lines.push(paint(`${s.messages.undelivered} of ${s.messages.sent} agent messages were not delivered (see maos orchestration status ${shortId(s.orchestration_id)} --messages).`, "yellow"));
  }
  if (s.budget_exhausted) lines.push(paint("The --budget-usd budget was spent: no further tasks were started.", "yellow"));
  if (s.interventions.length > 0) lines.push("", "Interventions:", renderInterventions(s.interventions));
  if (s.workspace) lines.push("", renderWorkspace(s.workspace));
  if (s.resume_hint) lines.push(`Resume with: ${s.resume_hint}`);
  return lines.join("\n");
}
