import { defineCommand } from "../../command.ts";

const load = <T>(p: Promise<{ default: T }>) => p.then((m) => m.default);

export default defineCommand({
  meta: { name: "recover", description: "Recovery housekeeping" },
  subCommands: {
    cleanup: () => load(import("./cleanup.ts")),
  },
});
