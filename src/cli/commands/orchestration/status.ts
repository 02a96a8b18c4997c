import { defineCommand } from "../../command.ts";
import { finalOrchestrationStatuses } from "../../../domain/status.ts";
import { NotFoundError, UsageError } from "../../../errors.ts";
import { describeOrchestration, type OrchestrationDetail } from "../../../orchestrator/overview.ts";
import { describeTask } from "../../../orchestrator/task-detail.ts";
import { renderOrchestrationDetail } from "../../../ui/orchestration-detail.ts";
import { renderTaskDetail } from "../../../ui/task-detail-view.ts";
import { dbArgs, jsonArgs } from "../../args.ts";
import { emit } from "../../output.ts";
import { refuseExtraPositionals } from "../../parse.ts";
import { resolveOrchestrationId } from "../../resolve-id.ts";
import { openStore } from "../../store.ts";

const watchIntervalMs = 2000;
const messageLimit = 100;
const clearScreen = "\x1b[2J\x1b[H";

export default defineCommand({
  meta: { name: "status", description: "Show one orchestration: progress, agents, and optionally its tasks and messages" },
  args: {
    id: { type: "positional", description: "Orchestration id (any unique prefix)", required: true },
    ...dbArgs,
    ...jsonArgs,
    messages: { type: "boolean", description: `Show the conversation (last ${messageLimit} messages)` },
    tasks: { type: "boolean", description: "Show the task table" },
    task: { type: "string", description: "Show one task in full: description, result, error and every attempt's reason", valueHint: "KEY" },
    watch: { type: "boolean", description: `Redraw every ${watchIntervalMs / 1000} s until it finishes (Ctrl-C stops)` },
  },
  async run({ args }) {
    refuseExtraPositionals(args, 1, "maos orchestration status");
    if (args.watch && args.json) {
      throw new UsageError("--watch cannot be combined with --json", "poll `maos orchestration status <id> --json` instead");
    }
    if (args.task !== undefined && args.watch) throw new UsageError("--task cannot be combined with --watch");
    const { db } = openStore(args, { create: false });
    const id = resolveOrchestrationId(db, args.id);
    if (args.task !== undefined) {
      emit(args, describeTask(db, id, args.task), renderTaskDetail);
      return;
    }
    const read = (): OrchestrationDetail => {
      const detail = describeOrchestration(db, id, { tasks: Boolean(args.tasks), messages: Boolean(args.messages), messageLimit });
      if (!detail) throw new NotFoundError(`orchestration ${id.slice(0, 8)} no longer exists`, "it was cleaned up");
      return detail;
    };
    if (!args.watch) {
      emit(args, read(), renderOrchestrationDetail);
      return;
    }
    await watch(read, args);
  },
});

/** Redraws until the orchestration reaches a final status or the user presses Ctrl-C (exit 0). */
async function watch(read: () => OrchestrationDetail, args: { json?: boolean }): Promise<void> {
  const tty = Boolean(process.stdout.isTTY);
  const interrupt = interruptibleSleep();
  try {
    for (;;) {
      const detail = read();
      const done = finalOrchestrationStatuses.includes(detail.orchestration.stored_status);
      emit(args, detail, (d) => {
        const footer = done ? "Finished." : `Watching; refreshes every ${watchIntervalMs / 1000} s, Ctrl-C to stop.`;
        const frame = `${renderOrchestrationDetail(d)}\n\n${footer}`;
        // On a terminal, redraw in place; in a pipe or log, append a separate block per refresh.
        return tty ? `${clearScreen}${frame}` : `--- ${new Date().toISOString()} ---\n${frame}\n`;
      });
      if (done || (await interrupt.sleep(watchIntervalMs))) return;
    }
  } finally {
    interrupt.dispose();
  }
}

/** A sleep that SIGINT cuts short (resolving true) instead of killing the process. */
function interruptibleSleep() {
  let interrupted = false;
  let wake: (() => void) | undefined;
  const onSignal = () => {
    interrupted = true;
    wake?.();
  };
  process.on("SIGINT", onSignal);
  return {
    sleep(ms: number): Promise<boolean> {
      if (interrupted) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          wake = undefined;
          resolve(false);
        }, ms);
        wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
    },
    dispose() {
      process.off("SIGINT", onSignal);
    },
  };
}
