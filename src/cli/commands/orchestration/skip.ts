import { defineCommand } from "../../command.ts";
import { UsageError } from "../../../errors.ts";
import { interventionArgs, parseTaskArg, runIntervention } from "../../intervention-command.ts";
import { refuseExtraPositionals } from "../../parse.ts";

export default defineCommand({
  meta: { name: "skip", description: "Mark a task done by you, so its dependents can run; they are given --result (default \"skipped\")" },
  args: {
    ...interventionArgs,
    task: { type: "positional", description: "The task, e.g. @build", required: true },
    result: { type: "string", description: "What the task's dependents are told it produced", valueHint: "TEXT" },
  },
  async run({ args }) {
    refuseExtraPositionals(args, 2, "maos orchestration skip");
    if (args.result !== undefined && args.result.trim() === "") throw new UsageError("--result needs text (leave it out for \"skipped\")");
    await runIntervention(args, { action: "skip", taskKey: parseTaskArg(args.task, "skip"), resultText: args.result ?? null });
  },
});
