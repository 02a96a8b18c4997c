/**
 * A writer process for the concurrency test: opens the database like maos does and writes an
 * orchestration, then `rounds` small transactions (message + delivery + event + heartbeat),
 * the way agents' streams are committed. Prints one JSON line with what it wrote; any error
 * (SQLITE_BUSY included) goes to stderr with exit 1.
 *
 *   bun test/support/concurrent-writer.ts <db> <worker> <rounds> <start-at-ms>
 */
import { hostname } from "node:os";
import { insertAgent, touchAgent } from "../../src/store/agents.ts";
import { openDatabase } from "../../src/store/db.ts";
import { eventInserter, insertEvent } from "../../src/store/events.ts";
import { insertDelivery, insertMessage } from "../../src/store/messages.ts";
import { insertOrchestration, listOrchestrations, saveHeartbeat } from "../../src/store/orchestrations.ts";
import { insertTask } from "../../src/store/tasks.ts";
import { sqlNow } from "../../src/store/time.ts";
import { transaction } from "../../src/store/tx.ts";
import { defaultRunOptions } from "./fixtures.ts";

const [path, worker, roundsText, startAtText] = process.argv.slice(2);
const rounds = Number(roundsText);

try {
  // Start together, to collide as much as possible (including on creating a new file).
  await Bun.sleep(Math.max(0, Number(startAtText) - Date.now()));
  const db = openDatabase(path!);
  const id = crypto.randomUUID();
  const [sender, receiver] = transaction(db, () => {
    insertOrchestration(db, {
      id,
      request: `worker ${worker}`,
      cwd: "/tmp",
      claudeConfigDir: null,
      ownerPid: process.pid,
      ownerHost: hostname(),
      saveIntervalS: 30,
      options: defaultRunOptions,
    });
    return ["send", "receive"].map((key, position) => {
      const taskId = insertTask(db, { orchestrationId: id, key, position, agentType: "developer", description: key, dependsOn: [] });
      insertAgent(db, { id: taskId, name: key, type: "developer", orchestrationId: id, taskId, capabilities: [], source: "builtin" });
      return taskId;
    });
  });
  const events = eventInserter(db);
  for (let seq = 1; seq <= rounds; seq++) {
    transaction(db, () => {
      const messageId = insertMessage(db, {
        orchestrationId: id,
        fromAgent: sender!,
        toAgent: receiver!,
        toTask: "receive",
        type: "message",
        text: `message ${seq} from worker ${worker}`,
        undeliverable: false,
        idempotencyKey: `${id}:${seq}`,
      })!;
      insertDelivery(db, messageId, receiver!, id);
      insertEvent(events, {
        orchestration_id: id,
        agent_id: sender!,
        session_id: null,
        attempt: 1,
        seq,
        ts: sqlNow(),
        type: "assistant",
        subtype: null,
        raw: JSON.stringify({ seq }),
      });
      touchAgent(db, sender!, seq, `step ${seq}`);
      saveHeartbeat(db, id, { activeAgents: 1 });
    });
    if (seq % 10 === 0) listOrchestrations(db, { limit: 5 }); // readers interleave with the writers
  }
  db.close();
  process.stdout.write(`${JSON.stringify({ worker, orchestrationId: id, rounds })}\n`);
} catch (error) {
  process.stderr.write(`worker ${worker}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
  if (process.env.MAOS_DEBUG === "1") process.stderr.write(`${(error as { cause?: Error }).cause?.stack ?? ""}\n`);
  process.exit(1);
}
