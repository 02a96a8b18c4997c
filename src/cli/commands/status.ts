import { defineCommand } from "../command.ts";
import { statSync } from "node:fs";
import { dbArgs, jsonArgs } from "../args.ts";
import { emit } from "../output.ts";
import { openStore } from "../store.ts";
import { userVersion } from "../../store/db.ts";
import { listUnfinishedOrchestrations } from "../../store/orchestrations.ts";
import { liveCounts } from "../../orchestrator/store-counts.ts";
import { countMessages, listRecentMessages } from "../../store/messages.ts";
import { countCheckpoints } from "../../store/checkpoints.ts";
import { countEvents } from "../../store/events.ts";
import { displayStatus } from "../../orchestrator/liveness.ts";
import { renderMessages } from "../../ui/message-table.ts";
import { renderTable } from "../../ui/table.ts";
import { formatAge, formatBytes, shortId, shorten } from "../../ui/format.ts";
import { paintStatus } from "../../ui/color.ts";

export default defineCommand({
  meta: { name: "status", description: "Database, counts and unfinished orchestrations" },
  args: { ...dbArgs, ...jsonArgs, messages: { type: "boolean", description: "Show the most recent messages" } },
  run({ args }) {
    const { db, path } = openStore(args, { create: false });
    const size = ["", "-wal"].reduce((sum, ext) => {
      try {
        return sum + statSync(path + ext).size;
      } catch {
        return sum;
      }
    }, 0);
    const unfinishedRows = listUnfinishedOrchestrations(db);
    const counts = liveCounts(db, unfinishedRows);
    const unfinished = unfinishedRows.map((o) => ({
      id: o.id,
      request: o.request,
      status: displayStatus(o),
      created_at: o.created_at,
      last_updated: o.last_updated,
    }));
    const data = {
      database: { path, bytes: size, schema_version: userVersion(db) },
      orchestrations: counts.orchestrations,
      agents: counts.agents,
      messages: countMessages(db),
      events: countEvents(db),
      checkpoints: countCheckpoints(db),
      unfinished,
      recent_messages: args.messages ? listRecentMessages(db, 20) : undefined,
    };
    emit(args, data, (d) => {
      const counts = (r: Record<string, number>) =>
        Object.entries(r).map(([k, n]) => `${n} ${k}`).join(", ") || "none";
      const lines = [
        `Database: ${d.database.path} (${formatBytes(d.database.bytes)}, schema v${d.database.schema_version})`,
        `Orchestrations: ${counts(d.orchestrations)}`,
        `Agents: ${counts(d.agents)}`,
        `Messages: ${d.messages}   Events: ${d.events}   Checkpoints: ${d.checkpoints}`,
        "",
      ];
      if (d.unfinished.length === 0) lines.push("No running or paused orchestrations.");
      else {
        lines.push("Running or paused:");
        lines.push(
          renderTable(d.unfinished, [
            { header: "ID", value: (o) => shortId(o.id) },
            { header: "STATUS", value: (o) => paintStatus(o.status) },
            { header: "REQUEST", value: (o) => shorten(o.request, 48) },
            { header: "UPDATED", value: (o) => formatAge(o.last_updated) },
          ]),
        );
      }
      if (d.recent_messages) {
        lines.push("", "Recent messages:");
        lines.push(renderMessages(d.recent_messages, { withOrchestration: true }));
      }
      return lines.join("\n");
    });
  },
});
