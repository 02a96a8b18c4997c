import { defineCommand } from "../../command.ts";
import { interventionArgs, parseTaskArg, runIntervention } from "../../intervention-command.ts";
import { refuseExtraPositionals } from "../../parse.ts";

export default defineCommand({
  meta: { name: "cancel", description: "Stop a whole orchestration (not resumable without --force), or one task (@task)" },
  args: {
    ...interventionArgs,
    task: { type: "positional", description: "One task to cancel, e.g. @build (default: the whole orchestration)", required: false },
  },
  async run({ args }) {
    refuseExtraPositionals(args, 2, "maos orchestration cancel");
    await runIntervention(args, { action: "cancel", taskKey: args.task === undefined ? null : parseTaskArg(args.task, "cancel") });
  },
});
