import type { DryRun } from "../orchestrator/dry-run.ts";
import { formatCost, shorten } from "./format.ts";
import { renderTable } from "./table.ts";

const list = (items: readonly string[] | null, none: string) => (items === null ? none : items.length === 0 ? "(none)" : items.join(","));

/** `orchestrate --dry-run` for people: batches, then each agent's model and limits. */
export function renderDryRun(d: DryRun): string {
  const o = d.options;
  const lines = [
    `Dry run: nothing was recorded and no agent was started.`,
    `Request: ${shorten(d.request, 200)}`,
    `Plan:    ${d.plan_file ? d.plan_file : `from the planner (${formatCost(d.planner_cost_usd)})`}${d.summary ? ` — ${shorten(d.summary, 120)}` : ""}`,
    `Run:     up to ${o.maxParallel} agents at once, ${o.agentTimeoutS} s per attempt, ${o.retries} retr${o.retries === 1 ? "y" : "ies"}, budget ${o.budgetUsd === null ? "none" : formatCost(o.budgetUsd)}`,
    "",
    ...d.batches.map((ids, i) => `Batch ${i + 1}${ids.length > 1 ? " (in parallel)" : ""}: ${ids.map((id) => `@${id}`).join(", ")}`),
    "",
    renderTable(d.tasks, [
      { header: "BATCH", value: (t) => String(t.batch), align: "right" },
      { header: "TASK", value: (t) => t.id },
      { header: "AGENT", value: (t) => (t.source === "built-in" ? t.agent_type : `${t.agent_type} (${t.source})`) },
      { header: "MODEL", value: (t) => t.model ?? "default" },
      { header: "MODE", value: (t) => t.permission_mode ?? "default" },
      { header: "TOOLS", value: (t) => shorten(list(t.tools, "all"), 40) },
      { header: "DENIED", value: (t) => shorten(list(t.disallowed_tools, "-"), 30) },
      { header: "MCP", value: (t) => (t.mcp_servers ? "yes" : "none") },
      { header: "MAX TURNS", value: (t) => (t.max_turns === null ? "-" : String(t.max_turns)), align: "right" },
      { header: "AFTER", value: (t) => (t.depends_on.length ? t.depends_on.join(",") : "-") },
    ]),
  ];
  return lines.join("\n");
}
