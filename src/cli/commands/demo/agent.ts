import { defineCommand } from "../../command.ts";
import { runDemoAgent } from "../../../demo/agent.ts";
import { writeOut } from "../../output.ts";

export default defineCommand({
  meta: { name: "agent", description: "The simulated agent `maos demo` runs in place of claude (claude's arguments after --)", hidden: true },
  async run({ rawArgs }) {
    const at = rawArgs.indexOf("--");
    await runDemoAgent(at >= 0 ? rawArgs.slice(at + 1) : rawArgs, writeOut);
  },
});
