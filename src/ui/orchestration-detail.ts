import { renderWorkspace } from "./workspace-view.ts";
import type { OrchestrationDetail } from "../orchestrator/overview.ts";
import { ageMs } from "../store/time.ts";
import { paint, paintStatus } from "./color.ts";
import { formatAge, formatCost, formatDuration, shortId, shorten } from "./format.ts";
import { progressBar } from "./progress.ts";
import { renderMessages } from "./message-table.ts";
import { renderInterventions } from "./intervention-table.ts";
import { formatOptionChanges } from "./option-change.ts";
import { renderTable } from "./table.ts";

/** The human view of `maos orchestration status`. */
export function renderOrchestrationDetail(d: OrchestrationDetail): string {
  const o = d.orchestration;
  const owner = o.owner_pid !== null && o.stored_status === "running" ? `  (pid ${o.owner_pid}, heartbeat ${formatAge(o.heartbeat_at)})` : "";
  const lines = [
    `Orchestration ${paint(shortId(o.id), "bold")}  ${paint(o.id, "gray")}`,
    `Request:  ${shorten(o.request, 200)}`,
    `Directory: ${o.cwd}`,
    `Status:   ${paintStatus(o.status)}${owner}`,
    `Created:  ${formatAge(o.created_at)}   Updated: ${formatAge(o.last_updated)}${o.completed_at ? `   Finished: ${formatAge(o.completed_at)}` : ""}`,
    `Cost:     ${formatCost(o.total_cost)}   Tokens: ${o.input_tokens} in / ${o.output_tokens} out`,
    progressBar(d.progress.completed, d.progress.total),
  ];
  if (o.summary) lines.push(`Summary:  ${shorten(o.summary, 200)}`);
  if (d.mailbox.sent > 0) {
    const undelivered = d.mailbox.undelivered > 0 ? paint(`, ${d.mailbox.undelivered} not delivered`, "yellow") : "";
    lines.push(`Mailbox:  ${d.mailbox.sent} sent, ${d.mailbox.waiting} waiting${undelivered}`);
  }

  lines.push("", "Agents:");
  lines.push(
    d.agents.length === 0
      ? "  (no agents yet)"
      : renderTable(d.agents, [
          { header: "AGENT", value: (a) => a.task_key },
          { header: "TYPE", value: (a) => a.type ?? "-" },
          { header: "STATUS", value: (a) => paintStatus(a.status) },
          // In full: it is what `claude --resume` takes (see `maos orchestration open`).
          { header: "SESSION", value: (a) => a.session_id ?? "-" },
          { header: "MESSAGES", value: (a) => String(a.messages_sent + a.messages_received), align: "right" },
          { header: "COST", value: (a) => formatCost(a.cost_usd), align: "right" },
          ...(d.agents.some((a) => a.cwd !== o.cwd) ? [{ header: "DIRECTORY", value: (a: (typeof d.agents)[number]) => a.cwd }] : []),
        ]),
  );
  if (d.agents.some((a) => a.session_id)) lines.push(`Open an agent's conversation in Claude Code: maos orchestration open ${shortId(o.id)} @<task>`);

  if (d.tasks) {
    lines.push("", "Tasks:");
    lines.push(
      d.tasks.length === 0
        ? "  (no plan yet)"
        : renderTable(d.tasks, [
            { header: "KEY", value: (t) => t.key },
            { header: "TYPE", value: (t) => t.agent_type },
            { header: "STATUS", value: (t) => paintStatus(t.status) },
            { header: "DEPS", value: (t) => (t.depends_on.length ? t.depends_on.join(",") : "-") },
            { header: "ATTEMPTS", value: (t) => String(t.attempts), align: "right" },
            { header: "COST", value: (t) => formatCost(t.cost_usd), align: "right" },
            {
              header: "DURATION",
              value: (t) =>
                t.duration_ms > 0 ? formatDuration(t.duration_ms) : t.status === "running" ? formatDuration(ageMs(t.started_at)) : "-",
              align: "right",
            },
            {
              header: "RESULT / ERROR",
              value: (t) => (t.error ? paint(shorten(t.error, 50), "red") : t.result ? shorten(t.result, 50) : "-"),
            },
          ]),
    );
    if (d.tasks.some((t) => (t.error ?? t.result ?? "").length > 50)) {
      lines.push(paint(`Full results and errors: maos orchestration status ${shortId(o.id)} --task <KEY>`, "gray"));
    }
  }

  if (d.messages) {
    const { total, shown } = d.messages;
    lines.push("", shown.length < total ? `Messages (last ${shown.length} of ${total}):` : `Messages (${total}):`);
    lines.push(renderMessages(shown));
  }

  if (d.resumes.length > 0) {
    lines.push("", "Resumes:");
    lines.push(
      renderTable(d.resumes, [
        { header: "WHEN", value: (r) => formatAge(r.created_at) },
        { header: "PID", value: (r) => String(r.pid), align: "right" },
        { header: "WAS", value: (r) => r.previous_status },
        { header: "CONTINUED", value: (r) => r.summary.continued.join(",") || "-" },
        { header: "STARTED", value: (r) => r.summary.started.join(",") || "-" },
        { header: "WAITING MSGS", value: (r) => String(r.summary.messagesWaiting), align: "right" },
        { header: "ADDED TASK", value: (r) => (r.summary.addedTask ? shorten(r.summary.addedTask, 30) : "-") },
        { header: "OPTIONS CHANGED", value: (r) => (r.option_changes.length ? formatOptionChanges(r.option_changes) : "-") },
      ]),
    );
  }

  if (d.interventions.length > 0) lines.push("", "Interventions:", renderInterventions(d.interventions));

  if (d.workspace) lines.push("", renderWorkspace(d.workspace));

  const last = d.checkpoints.last;
  lines.push(
    "",
    last
      ? `Last checkpoint: ${last.name} (${last.kind}, ${formatAge(last.created_at)}; ${d.checkpoints.count} in total)`
      : "No checkpoints yet.",
  );
  return lines.join("\n");
}
