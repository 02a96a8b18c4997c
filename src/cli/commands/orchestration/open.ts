import { defineCommand } from "../../command.ts";
import { findClaude } from "../../../agents/find-claude.ts";
import { ConflictError, RunFailedError } from "../../../errors.ts";
import { handoverCommand, handoverFor } from "../../../orchestrator/handover.ts";
import { getOrchestration, readOptions } from "../../../store/orchestrations.ts";
import { dbArgs, jsonArgs } from "../../args.ts";
import { parseTaskArg } from "../../intervention-command.ts";
import { log } from "../../log.ts";
import { emit } from "../../output.ts";
import { refuseExtraPositionals } from "../../parse.ts";
import { resolveOrchestrationId } from "../../resolve-id.ts";
import { openStore } from "../../store.ts";

export default defineCommand({
  meta: { name: "open", description: "Print (or run, with --exec) the `claude --resume` command that continues an agent's conversation in Claude Code" },
  args: {
    id: { type: "positional", description: "Orchestration id (any unique prefix)", required: true },
    task: { type: "positional", description: "The task whose agent to open, e.g. @build", required: true },
    exec: { type: "boolean", description: "Run claude now, interactively, in the agent's directory" },
    "claude-bin": { type: "string", description: "The claude executable (default: the one recorded, $MAOS_CLAUDE_BIN, then PATH)", valueHint: "PATH" },
    ...dbArgs,
    ...jsonArgs,
  },
  async run({ args }) {
    refuseExtraPositionals(args, 2, "maos orchestration open");
    const taskKey = parseTaskArg(args.task, "open");
    const { db } = openStore(args, { create: false });
    let h;
    let recordedBin: string | null;
    try {
      const id = resolveOrchestrationId(db, args.id);
      h = handoverFor(db, id, taskKey);
      recordedBin = readOptions(getOrchestration(db, id)!).claudeBin;
    } finally {
      db.close(false);
    }
    if (!h.transcript_found) log.warn(`no transcript of session ${h.session_id} under ${h.claude_config_dir ?? "~/.claude"}; claude may not find the conversation`);
    if (!args.exec) {
      // Printed with plain `claude` unless a particular executable was asked for or recorded.
      const explicit = args["claude-bin"] ?? recordedBin;
      const claude = explicit ? findClaude(explicit, h.cwd) : "claude";
      const command = handoverCommand(h, claude, process.env.CLAUDE_CONFIG_DIR);
      if (h.running) log.warn(`@${h.task} is running now; wait for it (or cancel it) before continuing its conversation`);
      emit(args, { ...h, command }, (d) => d.command);
      return;
    }
    if (h.running) {
      throw new ConflictError(`@${h.task} is running now in its orchestration`, "wait for it, or `maos orchestration cancel` it, then open it");
    }
    const bin = findClaude(args["claude-bin"] ?? recordedBin, h.cwd);
    const env: Record<string, string | undefined> = { ...process.env, CLAUDE_CONFIG_DIR: h.claude_config_dir ?? undefined };
    if (h.claude_config_dir === null) delete env.CLAUDE_CONFIG_DIR;
    const child = Bun.spawn([bin, "--resume", h.session_id], { cwd: h.cwd, env, stdio: ["inherit", "inherit", "inherit"] });
    // While claude owns the terminal, Ctrl-C is its to handle.
    const ignore = () => {};
    process.on("SIGINT", ignore);
    try {
      const code = await child.exited;
      if (code !== 0) throw new RunFailedError(`claude exited with code ${code}`);
    } finally {
      process.off("SIGINT", ignore);
    }
  },
});
