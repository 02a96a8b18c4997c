import { defineCommand } from "../command.ts";
import { NotFoundError, UsageError } from "../../errors.ts";
import { eventPages } from "../../observe/event-feed.ts";
import { pageFormatter, type LogFormat } from "../../observe/logs-output.ts";
import { eventReader } from "../../orchestrator/observe-source.ts";
import { listTasks } from "../../store/tasks.ts";
import { colorEnabled } from "../../ui/color.ts";
import { dbArgs } from "../args.ts";
import { writeOutWaiting } from "../output.ts";
import { resolveOrchestrationId } from "../resolve-id.ts";
import { parseSince } from "../since.ts";
import { openStore } from "../store.ts";

export default defineCommand({
  meta: { name: "logs", description: "Show what the agents did: their transcripts in commit order (--follow tails a running one)" },
  args: {
    id: { type: "positional", description: "Orchestration id (any unique prefix), then optionally @task keys", required: true },
    follow: { type: "boolean", description: "Keep printing new events until the orchestration finishes (Ctrl-C stops)" },
    since: { type: "string", description: "Only events after this position, or since a time (2026-12-01T14:30:00Z) or age (10m)", valueHint: "SEQ|TIME" },
    json: { type: "boolean", description: "One JSON object per event and line (NDJSON): seq, agent, type, payload" },
    raw: { type: "boolean", description: "The stored stream-json lines, unchanged" },
    ...dbArgs,
  },
  async run({ args }) {
    if (args.json && args.raw) throw new UsageError("--json and --raw cannot be combined", "pick one output format");
    const since = args.since === undefined ? null : parseSince(args.since);
    const { db } = openStore(args, { create: false });
    try {
      const id = resolveOrchestrationId(db, args.id);
      const agentIds = selectAgents(db, id, args._.slice(1));
      const reader = eventReader(db, id, agentIds);
      const afterId = since === null ? 0 : since.kind === "position" ? since.afterId : reader.idBefore(since.at);
      const format: LogFormat = args.json ? "json" : args.raw ? "raw" : "text";
      const render = pageFormatter(format, reader, format === "text" && colorEnabled(process.stdout));
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      try {
        for await (const rows of eventPages(reader, { afterId, follow: Boolean(args.follow), signal: stop.signal })) {
          const chunk = render(rows);
          if (chunk === "") continue;
          // One page in flight at a time: a slow reader (a pager) holds us back instead of memory growing.
          if (!(await writeOutWaiting(chunk))) break;
        }
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    } finally {
      db.close(false);
    }
  },
});

/** `@api tests` → the agents of those task keys; an unknown key is exit 3 naming the known ones. */
function selectAgents(db: Parameters<typeof listTasks>[0], orchestrationId: string, words: string[]): string[] | null {
  if (words.length === 0) return null;
  const tasks = listTasks(db, orchestrationId);
  return words.map((word) => {
    const key = word.startsWith("@") ? word.slice(1) : word;
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(key)) {
      throw new UsageError(`"${word}" is not a task key`, "name tasks as @key, e.g. @api; see `maos orchestration status <id> --tasks`");
    }
    const task = tasks.find((t) => t.task_key === key);
    if (!task) {
      const known = tasks.map((t) => `@${t.task_key}`).join(", ") || "none";
      throw new NotFoundError(`orchestration ${orchestrationId.slice(0, 8)} has no task @${key}`, `its tasks: ${known}`);
    }
    return task.id;
  });
}
