import { defineCommand } from "../../command.ts";
import { interventionArgs, parseTaskArg, runIntervention } from "../../intervention-command.ts";
import { refuseExtraPositionals } from "../../parse.ts";

export default defineCommand({
  meta: { name: "retry", description: "Run a task again (and the dependents it blocked); on a running orchestration its agent is restarted" },
  args: {
    ...interventionArgs,
    task: { type: "positional", description: "The task, e.g. @build", required: true },
    fresh: { type: "boolean", description: "Start a new Claude session instead of continuing the task's conversation" },
  },
  async run({ args }) {
    refuseExtraPositionals(args, 2, "maos orchestration retry");
    await runIntervention(args, { action: "retry", taskKey: parseTaskArg(args.task, "retry"), fresh: Boolean(args.fresh) });
  },
});
