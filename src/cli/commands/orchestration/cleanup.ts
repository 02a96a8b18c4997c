import { defineCommand } from "../../command.ts";
import { cleanupOrchestrationsAndWorktrees, type OrchestrationCleanup } from "../../../orchestrator/cleanup.ts";
import { paintStatus } from "../../../ui/color.ts";
import { shortId, shorten } from "../../../ui/format.ts";
import { renderTable } from "../../../ui/table.ts";
import { dbArgs, jsonArgs } from "../../args.ts";
import { emit } from "../../output.ts";
import { parseOlderThan, refuseExtraPositionals } from "../../parse.ts";
import { openStore } from "../../store.ts";

export default defineCommand({
  meta: { name: "cleanup", description: "Delete finished orchestrations (and all their rows) older than DAYS" },
  args: {
    "older-than": { type: "string", description: "Finished more than DAYS days ago", valueHint: "DAYS", required: true },
    "dry-run": { type: "boolean", description: "Only show what would be removed" },
    force: { type: "boolean", description: "Also remove worktrees with uncommitted changes and branches whose commits are merged nowhere else" },
    ...dbArgs,
    ...jsonArgs,
  },
  async run({ args }) {
    refuseExtraPositionals(args, 0, "maos orchestration cleanup");
    const { cutoff } = parseOlderThan(args["older-than"]);
    const { db } = openStore(args, { create: false });
    emit(args, await cleanupOrchestrationsAndWorktrees(db, cutoff, Boolean(args["dry-run"]), Boolean(args.force)), render);
  },
});

function render(r: OrchestrationCleanup): string {
  const verb = r.dry_run ? "Would remove" : "Removed";
  if (r.orchestrations.length === 0) {
    return `No finished orchestrations older than ${r.cutoff.slice(0, 19)} UTC; nothing ${r.dry_run ? "to remove" : "removed"}.`;
  }
  const t = r.totals;
  return [
    renderTable(r.orchestrations, [
      { header: "ID", value: (o) => shortId(o.id) },
      { header: "STATUS", value: (o) => paintStatus(o.status) },
      { header: "FINISHED", value: (o) => (o.finished_at ?? "-").slice(0, 19) },
      { header: "TASKS", value: (o) => String(o.rows.tasks), align: "right" },
      { header: "MESSAGES", value: (o) => String(o.rows.messages), align: "right" },
      { header: "EVENTS", value: (o) => String(o.rows.events), align: "right" },
      { header: "REQUEST", value: (o) => shorten(o.request, 40) },
    ]),
    "",
    `${verb} ${t.orchestrations} orchestration${t.orchestrations === 1 ? "" : "s"} finished before ${r.cutoff.slice(0, 19)} UTC, with ` +
      `${t.tasks} tasks, ${t.agents} agents, ${t.sessions} sessions, ${t.attempts} attempts, ${t.messages} messages, ` +
      `${t.deliveries} deliveries, ${t.events} events, ${t.checkpoints} checkpoints, ${t.resumes} resumes.`,
    ...r.git.flatMap((g) => [
      `${shortId(g.orchestration_id)}: removed ${g.removed_worktrees.length} worktrees and ${g.deleted_branches.length} branches`,
      ...g.kept.map((k) => `  kept ${k.what}: ${k.reason}`),
    ]),
  ].join("\n");
}
