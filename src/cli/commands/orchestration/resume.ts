import { confirm, isCancel } from "@clack/prompts";
import { defineCommand } from "../../command.ts";
import { loadCatalog } from "../../../agents/catalog.ts";
import { findClaude } from "../../../agents/find-claude.ts";
import { UsageError } from "../../../errors.ts";
import { hasTerminal } from "../../../orchestrator/approval.ts";
import { resumeOrchestration, type ResumePreview } from "../../../orchestrator/resume.ts";
import { readOptions, getOrchestration } from "../../../store/orchestrations.ts";
import { buildSummary } from "../../../orchestrator/summary.ts";
import { renderResumePreview } from "../../../ui/resume-view.ts";
import { LiveReporter, LogReporter } from "../../../ui/run-reporter.ts";
import { renderSummary } from "../../../ui/summary-view.ts";
import { dbArgs, jsonArgs } from "../../args.ts";
import { log } from "../../log.ts";
import { emit } from "../../output.ts";
import { resolveOrchestrationId } from "../../resolve-id.ts";
import { parseResumeOverrides, resumeRunArgs } from "../../run-options.ts";
import { reportRun } from "../../run-outcome.ts";
import { openStore } from "../../store.ts";

export default defineCommand({
  meta: { name: "resume", description: "Continue an interrupted, paused or failed orchestration where it stopped; run flags replace the recorded ones" },
  args: {
    id: { type: "positional", description: "Orchestration id (any unique prefix)", required: true },
    task: { type: "string", description: "Add a new task (a developer) after everything else, e.g. \"now add authentication\"", valueHint: "TEXT" },
    auto: { type: "boolean", description: "Resume without asking" },
    force: { type: "boolean", description: "Resume a cancelled orchestration (and the tasks you cancelled)" },
    "claude-bin": { type: "string", description: "The claude executable (default: the one recorded, $MAOS_CLAUDE_BIN, then PATH)", valueHint: "PATH" },
    ...resumeRunArgs,
    ...dbArgs,
    ...jsonArgs,
  },
  async run({ args }) {
    // Checked before the database is opened: a bad flag changes nothing.
    const overrides = parseResumeOverrides(args);
    const { db } = openStore(args, { create: false });
    try {
      const id = resolveOrchestrationId(db, args.id);
      if (!args.auto && !hasTerminal()) throw new UsageError("no terminal to ask for approval; pass --auto");
      const row = getOrchestration(db, id)!;
      const recorded = readOptions(row).claudeBin;
      const bin = findClaude(args["claude-bin"] ?? recorded, row.cwd);
      const catalog = loadCatalog({ cwd: row.cwd });
      for (const p of catalog.problems) log.warn(`skipped agent file ${p.file}: ${p.reason}`);
      const outcome = await resumeOrchestration({
        db,
        orchestrationId: id,
        addTask: args.task ?? null,
        overrides,
        bin,
        catalog,
        auto: Boolean(args.auto),
        force: Boolean(args.force),
        interactive: hasTerminal(),
        reporter: (oid) => (process.stderr.isTTY && !args.json ? new LiveReporter(db, oid) : new LogReporter()),
        note: (text) => log.info(text),
        debug: (text) => log.debug(text),
        approve: (preview) => approve(preview, Boolean(args.auto)),
      });
      if (outcome.kind === "ran") return reportRun(args, outcome.result);
      const summary = buildSummary(db, id, false);
      const message =
        outcome.kind === "nothing"
          ? `Nothing to resume: orchestration ${id.slice(0, 8)} is ${summary.status} (add work with --task "…")`
          : "Resume cancelled; nothing was changed.";
      emit(args, { ...summary, resumed: false, message }, (s) => `${message}\n\n${renderSummary(s)}`);
    } finally {
      db.close(false);
    }
  },
});

async function approve(preview: ResumePreview, auto: boolean): Promise<boolean> {
  process.stderr.write(`${renderResumePreview(preview)}\n\n`);
  if (auto) return true;
  const answer = await confirm({ message: "Resume now?", initialValue: true, output: process.stderr });
  return !isCancel(answer) && answer;
}
