import { defineCommand } from "../../command.ts";

const load = <T>(p: Promise<{ default: T }>) => p.then((m) => m.default);

export default defineCommand({
  meta: { name: "orchestration", description: "Inspect, resume, checkpoint and clean up orchestrations" },
  subCommands: {
    list: () => load(import("./list.ts")),
    status: () => load(import("./status.ts")),
    resume: () => load(import("./resume.ts")),
    checkpoint: () => load(import("./checkpoint.ts")),
    "save-interval": () => load(import("./save-interval.ts")),
    cleanup: () => load(import("./cleanup.ts")),
    retry: () => load(import("./retry.ts")),
    skip: () => load(import("./skip.ts")),
    cancel: () => load(import("./cancel.ts")),
    open: () => load(import("./open.ts")),
    checkpoints: () => load(import("./checkpoints.ts")),
    fork: () => load(import("./fork.ts")),
    diff: () => load(import("./diff.ts")),
  },
});
