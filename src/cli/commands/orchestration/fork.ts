import { defineCommand, runCommand } from "../../command.ts";
import { loadCatalog } from "../../../agents/catalog.ts";
import { forkFromCheckpoint } from "../../../orchestrator/fork.ts";
import { getOrchestration } from "../../../store/orchestrations.ts";
import { shortId } from "../../../ui/format.ts";
import { dbArgs, jsonArgs } from "../../args.ts";
import { log } from "../../log.ts";
import { emit } from "../../output.ts";
import { parseCheckpointName, refuseExtraPositionals } from "../../parse.ts";
import { resolveOrchestrationId } from "../../resolve-id.ts";
import { openStore } from "../../store.ts";

export default defineCommand({
  meta: { name: "fork", description: "Start a new orchestration from a checkpoint: its finished tasks kept, the rest run again; the original is untouched" },
  args: {
    id: { type: "positional", description: "Orchestration id (any unique prefix)", required: true },
    checkpoint: { type: "string", description: "The checkpoint's name (see `orchestration checkpoints`)", valueHint: "NAME", required: true },
    auto: { type: "boolean", description: "Run the fork at once, without asking (as `resume --auto`)" },
    ...dbArgs,
    ...jsonArgs,
  },
  async run({ args }) {
    refuseExtraPositionals(args, 1, "maos orchestration fork");
    const name = parseCheckpointName(args.checkpoint);
    const { db, path } = openStore(args, { create: false });
    let fork;
    try {
      const id = resolveOrchestrationId(db, args.id);
      const catalog = loadCatalog({ cwd: getOrchestration(db, id)!.cwd });
      for (const p of catalog.problems) log.warn(`skipped agent file ${p.file}: ${p.reason}`);
      fork = forkFromCheckpoint(db, id, name, catalog);
    } finally {
      db.close(false);
    }
    const resume = `maos orchestration resume ${shortId(fork.id)}`;
    if (!args.auto) {
      emit(args, { ...fork, resume_hint: resume }, (f) =>
        [
          `Forked ${shortId(f.from)} at checkpoint "${f.checkpoint.name}" into ${shortId(f.id)} (${f.id}).`,
          `Kept (completed, results and sessions): ${f.kept.map((k) => `@${k}`).join(", ") || "none"}`,
          `Will run again: ${f.rerun.map((k) => `@${k}`).join(", ") || "none"}`,
          `Run it with: ${resume}`,
        ].join("\n"),
      );
      return;
    }
    log.info(`Forked ${shortId(fork.from)} at checkpoint "${name}" into ${shortId(fork.id)}; kept ${fork.kept.length}, running ${fork.rerun.length} again.`);
    // The fork runs exactly as a resume of it would: same command, same code path.
    const resumeCommand = (await import("./resume.ts")).default;
    await runCommand(resumeCommand, { rawArgs: [fork.id, "--auto", "--db", path, ...(args.json ? ["--json"] : []), ...(args.verbose ? ["--verbose"] : [])] });
  },
});
