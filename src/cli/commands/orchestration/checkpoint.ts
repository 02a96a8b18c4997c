import { defineCommand } from "../../command.ts";
import { createCheckpoint } from "../../../orchestrator/checkpoint.ts";
import { sqlNow } from "../../../store/time.ts";
import { shortId } from "../../../ui/format.ts";
import { dbArgs, jsonArgs } from "../../args.ts";
import { emit } from "../../output.ts";
import { parseCheckpointName, refuseExtraPositionals } from "../../parse.ts";
import { resolveOrchestrationId } from "../../resolve-id.ts";
import { openStore } from "../../store.ts";

export default defineCommand({
  meta: { name: "checkpoint", description: "Save a named snapshot: task states, agent sessions, message cursor" },
  args: {
    id: { type: "positional", description: "Orchestration id (any unique prefix)", required: true },
    name: { type: "string", description: "Checkpoint name (unique; default manual-<id>-<time>)", valueHint: "NAME" },
    ...dbArgs,
    ...jsonArgs,
  },
  run({ args }) {
    refuseExtraPositionals(args, 1, "maos orchestration checkpoint");
    const name = args.name === undefined ? undefined : parseCheckpointName(args.name);
    const { db } = openStore(args, { create: false });
    const id = resolveOrchestrationId(db, args.id);
    const info = createCheckpoint(db, id, "manual", name ?? `manual-${shortId(id)}-${sqlNow().replace(/[-: .]/g, "")}`);
    emit(
      args,
      { orchestration_id: id, ...info },
      (c) =>
        `Checkpoint "${c.name}" saved for ${shortId(id)}: ${c.tasks} tasks, ${c.agents} agents, message cursor ${c.lastMessageId}.`,
    );
  },
});
