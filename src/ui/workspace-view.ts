import type { WorkspaceReport } from "../orchestrator/workspace-report.ts";
import { paint } from "./color.ts";
import { renderTable } from "./table.ts";

/** Each task's branch and commit, the integration branch, and the final merge, for people. */
export function renderWorkspace(w: WorkspaceReport): string {
  const lines = [
    `Integration branch: ${w.integration_branch} at ${w.integration_commit.slice(0, 10)} (from ${w.base_branch ?? "a detached HEAD"} at ${w.base_commit.slice(0, 10)})`,
  ];
  if (w.tasks.length > 0) {
    lines.push(
      renderTable(w.tasks, [
        { header: "TASK", value: (t) => t.task },
        { header: "BRANCH", value: (t) => t.branch },
        { header: "COMMIT", value: (t) => (t.commit ? t.commit.slice(0, 10) : "-") },
        { header: "MERGE", value: (t) => t.merge ?? "-" },
      ]),
    );
  }
  for (const t of w.tasks) if (t.note) lines.push(paint(t.note, "yellow"));
  if (w.final_merge) lines.push(`Final merge: ${w.final_merge.outcome}${w.final_merge.detail ? ` — ${w.final_merge.detail}` : ""}`);
  if (w.hint) lines.push(paint(`Merge conflict: ${w.hint}`, "yellow"));
  return lines.join("\n");
}
