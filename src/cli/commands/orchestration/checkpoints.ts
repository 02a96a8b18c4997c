import { defineCommand } from "../../command.ts";
import { listCheckpointEntries } from "../../../orchestrator/fork.ts";
import { formatAge, shortId, shorten } from "../../../ui/format.ts";
import { renderTable } from "../../../ui/table.ts";
import { dbArgs, jsonArgs } from "../../args.ts";
import { emit } from "../../output.ts";
import { refuseExtraPositionals } from "../../parse.ts";
import { resolveOrchestrationId } from "../../resolve-id.ts";
import { openStore } from "../../store.ts";

export default defineCommand({
  meta: { name: "checkpoints", description: "List an orchestration's checkpoints and what each holds (fork from one with `fork`)" },
  args: {
    id: { type: "positional", description: "Orchestration id (any unique prefix)", required: true },
    ...dbArgs,
    ...jsonArgs,
  },
  run({ args }) {
    refuseExtraPositionals(args, 1, "maos orchestration checkpoints");
    const { db } = openStore(args, { create: false });
    try {
      const id = resolveOrchestrationId(db, args.id);
      const checkpoints = listCheckpointEntries(db, id);
      emit(args, { orchestration_id: id, checkpoints }, (d) =>
        d.checkpoints.length === 0
          ? `Orchestration ${shortId(id)} has no checkpoints yet (take one: maos orchestration checkpoint ${shortId(id)} --name NAME).`
          : [
              renderTable(d.checkpoints, [
                { header: "NAME", value: (c) => c.name },
                { header: "KIND", value: (c) => c.kind },
                { header: "TAKEN", value: (c) => formatAge(c.created_at) },
                { header: "DONE", value: (c) => `${c.completed.length}/${c.completed.length + c.running.length + c.other.length}`, align: "right" },
                { header: "COMPLETED", value: (c) => shorten(c.completed.map((k) => `@${k}`).join(",") || "-", 40) },
                { header: "RUNNING", value: (c) => shorten(c.running.map((k) => `@${k}`).join(",") || "-", 30) },
                { header: "SESSIONS", value: (c) => String(c.sessions), align: "right" },
                { header: "MESSAGES", value: (c) => (c.last_message_id === null ? "-" : `≤ #${c.last_message_id}`) },
                { header: "CODE", value: (c) => (c.code ? `${c.code.integration_branch}@${c.code.integration_commit.slice(0, 10)}` : "-") },
              ]),
              "",
              `Fork from one: maos orchestration fork ${shortId(id)} --checkpoint NAME [--auto]`,
            ].join("\n"),
      );
    } finally {
      db.close(false);
    }
  },
});
