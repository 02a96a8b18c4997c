import { defineCommand } from "citty";

// Placeholder while this command is being built.
export default defineCommand({
  meta: { name: "doctor", description: "(not built yet)" },
  run() {
    throw new Error("not built yet");
  },
});
