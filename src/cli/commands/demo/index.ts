import { confirm, isCancel } from "@clack/prompts";
import { defineCommand } from "../../command.ts";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, resolve } from "node:path";
import { UsageError } from "../../../errors.ts";
import { hasTerminal } from "../../../orchestrator/approval.ts";
import { runDemo } from "../../../demo/run.ts";
import { demoPlan, demoRequest } from "../../../demo/script.ts";
import { renderPlan } from "../../../ui/plan-view.ts";
import { log } from "../../log.ts";
import { writeOut } from "../../output.ts";

const load = <T>(p: Promise<{ default: T }>) => p.then((m) => m.default);

/** How to start this maos again: the compiled binary, or bun with the entry script when run from source. */
function selfCommand(): string[] {
  return basename(process.execPath).startsWith("bun") ? [process.execPath, Bun.main] : [process.execPath];
}

export default defineCommand({
  meta: { name: "demo", description: "A complete run with simulated agents (no claude, no network): plan, parallel agents, a message, a crash and a resume" },
  args: {
    auto: { type: "boolean", description: "Run without asking for approval" },
    dir: { type: "string", description: "Directory for the demo's project and database (default: a new temporary one)", valueHint: "DIR" },
  },
  subCommands: { agent: () => load(import("./agent.ts")) },
  async run({ args }) {
    if (!args.auto && !hasTerminal()) throw new UsageError("no terminal to ask for approval; pass --auto");
    process.stderr.write(`maos demo — SIMULATED agents: no Claude, no network, no cost. Every other part is the real maos.\n\nRequest: ${demoRequest}\n\n${renderPlan(demoPlan)}\n\n`);
    if (!args.auto) {
      const answer = await confirm({ message: "Run this plan with simulated agents?", initialValue: true, output: process.stderr });
      if (isCancel(answer) || !answer) {
        writeOut("Demo cancelled.\n");
        return;
      }
    }
    const dir = args.dir ? resolve(args.dir) : mkdtempSync(`${tmpdir()}/maos-demo-`);
    const result = await runDemo({ dir, self: selfCommand(), note: (text) => log.info(text) });
    const { main } = await import("../../main.ts");
    const hasLogs = Boolean(main.subCommands && "logs" in (main.subCommands as object));
    const short = result.orchestrationId.slice(0, 8);
    const db = `--db ${result.db}`;
    writeOut(
      [
        "",
        "That was a simulated run: the agents were scripted stand-ins started by maos itself.",
        `Demo directory: ${result.dir}`,
        "Look around:",
        `  maos orchestration status ${short} --tasks --messages ${db}`,
        `  maos orchestration list ${db}`,
        ...(hasLogs ? [`  maos logs ${short} ${db}`] : []),
        `  maos orchestration checkpoints ${short} ${db}`,
        "Next, with real agents (needs ANTHROPIC_API_KEY or a logged-in Claude Code): maos doctor, then maos orchestrate \"<your request>\"",
        "",
      ].join("\n"),
    );
  },
});
