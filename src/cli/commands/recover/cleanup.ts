import { defineCommand } from "../../command.ts";
import { cleanupCheckpoints, type CheckpointCleanup } from "../../../orchestrator/cleanup.ts";
import { shortId } from "../../../ui/format.ts";
import { renderTable } from "../../../ui/table.ts";
import { dbArgs, jsonArgs } from "../../args.ts";
import { emit } from "../../output.ts";
import { parseOlderThan, refuseExtraPositionals } from "../../parse.ts";
import { openStore } from "../../store.ts";

export default defineCommand({
  meta: { name: "cleanup", description: "Delete checkpoints older than DAYS" },
  args: {
    "older-than": { type: "string", description: "Created more than DAYS days ago", valueHint: "DAYS", required: true },
    "dry-run": { type: "boolean", description: "Only show what would be removed" },
    ...dbArgs,
    ...jsonArgs,
  },
  run({ args }) {
    refuseExtraPositionals(args, 0, "maos recover cleanup");
    const { cutoff } = parseOlderThan(args["older-than"]);
    const { db } = openStore(args, { create: false });
    emit(args, cleanupCheckpoints(db, cutoff, Boolean(args["dry-run"])), render);
  },
});

function render(r: CheckpointCleanup): string {
  const before = `${r.cutoff.slice(0, 19)} UTC`;
  if (r.checkpoints.length === 0) return `No checkpoints older than ${before}; nothing ${r.dry_run ? "to remove" : "removed"}.`;
  const n = r.checkpoints.length;
  return [
    renderTable(r.checkpoints, [
      { header: "NAME", value: (c) => c.name },
      { header: "KIND", value: (c) => c.kind },
      { header: "ORCH", value: (c) => (c.orchestration_id ? shortId(c.orchestration_id) : "-") },
      { header: "CREATED", value: (c) => c.created_at.slice(0, 19) },
    ]),
    "",
    `${r.dry_run ? "Would remove" : "Removed"} ${n} checkpoint${n === 1 ? "" : "s"} created before ${before}.`,
  ].join("\n");
}
