import { defineCommand } from "../command.ts";
import { agentNames, loadCatalog } from "../../agents/catalog.ts";
import { findClaude } from "../../agents/find-claude.ts";
import { loadPlanFile } from "../../plan/plan-file.ts";
import { describeError, MaosError, UsageError } from "../../errors.ts";
import { hasTerminal } from "../../orchestrator/approval.ts";
import { orchestrate } from "../../orchestrator/orchestrate.ts";
import type { RunResult } from "../../orchestrator/run.ts";
import { buildSummary } from "../../orchestrator/summary.ts";
import { renderSummary } from "../../ui/summary-view.ts";
import { getSaveIntervalS } from "../../orchestrator/settings.ts";
import { LiveReporter, LogReporter } from "../../ui/run-reporter.ts";
import { dbArgs, jsonArgs } from "../args.ts";
import { log } from "../log.ts";
import { emit } from "../output.ts";
import { parseRunOptions, parseSaveInterval, runArgs } from "../run-options.ts";
import { dryRun } from "../dry-run.ts";
import { reportRun } from "../run-outcome.ts";
import { openStore } from "../store.ts";
import { parseChoice } from "../parse.ts";
import { chooseIsolation } from "../../orchestrator/isolation-choice.ts";

export default defineCommand({
  meta: { name: "orchestrate", description: "Plan a request as a graph of agent tasks, approve it, and run it" },
  args: {
    request: { type: "positional", description: "What you want done (quote it, or give several words)", required: false },
    auto: { type: "boolean", description: "Run without asking for approval (CI)" },
    plan: { type: "string", description: "Use this plan file instead of the planner (see README: Plan files)", valueHint: "FILE" },
    "dry-run": { type: "boolean", description: "Validate the request or --plan and show batches, agents, models and tool limits; record and run nothing" },
    ...runArgs,
    isolation: { type: "string", description: "worktree: a git worktree and branch per task, merged in dependency order (default in a git repository); none: all agents in this directory", valueHint: "worktree|none" },
    "on-conflict": { type: "string", description: "When a task's branch does not merge cleanly: resolve (a resolver agent, default) or stop (its dependents wait)", valueHint: "resolve|stop" },
    merge: { type: "boolean", default: true, description: "Merge the integration branch into your branch at the end (--no-merge leaves it)" },
    ...dbArgs,
    ...jsonArgs,
  },
  async run({ args }) {
    const request = [args.request, ...args._.slice(1)].filter(Boolean).join(" ").trim();
    if (!request) throw new UsageError("missing request", 'e.g. maos orchestrate "Build the billing API"');
    const options = parseRunOptions(args);
    if (args["dry-run"]) return dryRun(args, request, options);
    const saveFlag = parseSaveInterval(args["save-interval"]);
    const interactive = hasTerminal();
    if (!args.auto && !interactive) throw new UsageError("no terminal to ask for approval; pass --auto");
    const cwd = process.cwd();
    const isolation = args.isolation === undefined ? undefined : parseChoice(args.isolation, "--isolation", ["worktree", "none"] as const);
    if (args["on-conflict"] !== undefined) options.onConflict = parseChoice(args["on-conflict"], "--on-conflict", ["resolve", "stop"] as const);
    options.finalMerge = args.merge === false ? "keep" : "merge";
    // Everything that can be refused is checked before the database is opened or written.
    const bin = findClaude(options.claudeBin, cwd);
    const catalog = loadCatalog({ cwd });
    const plan = args.plan ? loadPlanFile(args.plan, agentNames(catalog.agents)) : null;
    options.isolation = await chooseIsolation(cwd, isolation, (text) => log.warn(text));
    const { db } = openStore(args, { durability: options.durability });
    for (const p of catalog.problems) log.warn(`skipped agent file ${p.file}: ${p.reason}`);
    let recorded: string | null = null;
    let result: RunResult;
    try {
      result = await orchestrate({
        db,
        request,
        bin,
        plan,
        auto: Boolean(args.auto),
        interactive,
        options,
        saveIntervalS: saveFlag ?? getSaveIntervalS(db),
        cwd,
        catalog,
        reporter: (id) => (process.stderr.isTTY && !args.json ? new LiveReporter(db, id) : new LogReporter()),
        note: (text) => log.info(text),
        recorded: (id) => (recorded = id),
      });
    } catch (error) {
      // Stopped before running (planning failed or was interrupted): --json still gets its document.
      if (args.json && recorded && error instanceof MaosError) {
        emit(args, { ...buildSummary(db, recorded, false), error: describeError(error).line }, renderSummary);
      }
      throw error;
    } finally {
      db.close(false);
    }
    reportRun(args, result);
  },
});
