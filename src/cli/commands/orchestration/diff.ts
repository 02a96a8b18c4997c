import { defineCommand } from "../../command.ts";
import { describeDiff, type WorkspaceDiff } from "../../../orchestrator/workspace-diff.ts";
import { dbArgs, jsonArgs } from "../../args.ts";
import { emit } from "../../output.ts";
import { refuseExtraPositionals } from "../../parse.ts";
import { resolveOrchestrationId } from "../../resolve-id.ts";
import { openStore } from "../../store.ts";

export default defineCommand({
  meta: { name: "diff", description: "Show what a task (@task) or the whole run changed, with --isolation worktree" },
  args: {
    id: { type: "positional", description: "Orchestration id (any unique prefix)", required: true },
    task: { type: "positional", description: "@task: only that task's changes", required: false },
    ...dbArgs,
    ...jsonArgs,
  },
  async run({ args }) {
    refuseExtraPositionals(args, 2, "maos orchestration diff");
    const { db } = openStore(args, { create: false });
    try {
      const id = resolveOrchestrationId(db, args.id);
      const task = args.task ? String(args.task).replace(/^@/, "") : null;
      emit(args, await describeDiff(db, id, task), render);
    } finally {
      db.close(false);
    }
  },
});

function render(d: WorkspaceDiff): string {
  const head = `${d.task ? `@${d.task}` : "the whole run"}: ${d.from.slice(0, 10)}..${d.to ? d.to.slice(0, 10) : "(uncommitted worktree)"}, ${d.files.length} file${d.files.length === 1 ? "" : "s"} changed`;
  return d.patch ? `${head}\n\n${d.patch.trimEnd()}` : head;
}
