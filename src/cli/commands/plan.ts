import { writeFileSync } from "node:fs";
import { defineCommand } from "../command.ts";
import { loadCatalog } from "../../agents/catalog.ts";
import { findClaude } from "../../agents/find-claude.ts";
import { UsageError } from "../../errors.ts";
import { planOnly } from "../../orchestrator/plan-only.ts";
import { renderPlan } from "../../ui/plan-view.ts";
import { formatCost } from "../../ui/format.ts";
import { jsonArgs } from "../args.ts";
import { log } from "../log.ts";
import { emit, writeOut } from "../output.ts";
import { parseRunOptions, runArgs } from "../run-options.ts";

export default defineCommand({
  meta: { name: "plan", description: "Run only the planner and print its plan in the --plan file format (nothing is recorded)" },
  args: {
    request: { type: "positional", description: "What you want done (quote it, or give several words)", required: false },
    out: { type: "string", description: "Save the plan to this file instead of printing it (edit it, then `orchestrate --plan FILE`)", valueHint: "FILE" },
    model: runArgs.model,
    "budget-usd": { ...runArgs["budget-usd"], description: "Spend cap for the planner in USD" },
    "agent-timeout": { ...runArgs["agent-timeout"], description: "Wall-clock limit for planning in seconds (default 600)" },
    "claude-bin": runArgs["claude-bin"],
    verbose: { type: "boolean", description: "Show debug logs and stack traces" },
    ...jsonArgs,
  },
  async run({ args }) {
    const request = [args.request, ...args._.slice(1)].filter(Boolean).join(" ").trim();
    if (!request) throw new UsageError("missing request", 'e.g. maos plan "Build the billing API" --out plan.json');
    const options = parseRunOptions(args);
    const cwd = process.cwd();
    const bin = findClaude(options.claudeBin, cwd);
    const catalog = loadCatalog({ cwd });
    for (const p of catalog.problems) log.warn(`skipped agent file ${p.file}: ${p.reason}`);
    log.info("Planning…");
    const { plan, costUsd } = await planOnly({ bin, cwd, request, catalog: catalog.agents, options });
    const file = `${JSON.stringify(plan, null, 2)}\n`;
    if (!args.out) {
      // The plan itself is the result: `maos plan "…" > plan.json` gives a file --plan reads.
      log.info(`Planned ${plan.tasks.length} tasks (${formatCost(costUsd)}).`);
      writeOut(file);
      return;
    }
    try {
      writeFileSync(args.out, file);
    } catch (error) {
      throw new UsageError(`cannot write ${args.out}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const run = `maos orchestrate ${JSON.stringify(request)} --plan ${args.out}`;
    emit(args, { request, out: args.out, cost_usd: costUsd, plan, run }, (d) =>
      [renderPlan(d.plan, catalog.agents), "", `Saved to ${d.out} (${formatCost(d.cost_usd)}). Edit it, then run: ${d.run}`].join("\n"),
    );
  },
});
