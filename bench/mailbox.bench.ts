// Mailbox throughput, end to end, on a temp file with synchronous=FULL: 50 agents of one
// orchestration send direct messages (recorded the way the event writer commits stream
// lines: one transaction per ~25 ms worth), the runner delivers them (takeMailbox) and the
// recipients' turns complete (acknowledge). Also the p99 send→deliver latency: from the
// commit of the send to the commit of the delivery that hands the message to its recipient.
import type { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { acknowledge, recordProtocolMessages, takeMailbox } from "../src/bus/mailbox.ts";
import type { ProtocolMessage } from "../src/bus/protocol.ts";
import { insertAgent } from "../src/store/agents.ts";
import { openDatabase } from "../src/store/db.ts";
import { countMailbox } from "../src/store/messages.ts";
import { insertOrchestration } from "../src/store/orchestrations.ts";
import { insertTask } from "../src/store/tasks.ts";
import { transaction } from "../src/store/tx.ts";

export interface Row {
  name: string;
  value: number;
  unit: string;
  target?: string;
  pass?: boolean;
  note?: string;
}

const agentCount = 50;
const totalMessages = 60_000;
/** What 25 ms of stream lines carry at the 20,000 messages/s target. */
const messagesPerFlush = 500;
const targetPerSecond = 20_000;
const orchestrationId = crypto.randomUUID();
/** Effectively uncapped, but finite so the cap check runs as it does in production. */
const benchCap = 1_000_000_000;

function seed(db: Database): string[] {
  const ids: string[] = [];
  transaction(db, () => {
    insertOrchestration(db, {
      id: orchestrationId,
      request: "mailbox bench",
      cwd: tmpdir(),
      claudeConfigDir: null,
      ownerPid: process.pid,
      ownerHost: "bench",
      saveIntervalS: 30,
      options: {
        maxParallel: agentCount,
        agentTimeoutS: 600,
        idleTimeoutS: 300,
        retries: 0,
        budgetUsd: null,
        model: null,
        permissionMode: null,
        checkpointIntervalS: 120,
        maxTurns: null,
        claudeBin: null,
        liveDeliveryCap: benchCap,
      },
    });
    for (let i = 0; i < agentCount; i++) {
      const key = `agent-${i}`;
      const taskId = insertTask(db, { orchestrationId, key, position: i, agentType: "developer", description: key, dependsOn: [] });
      insertAgent(db, { id: taskId, name: key, type: "developer", orchestrationId, taskId, capabilities: [], source: "builtin" });
      ids.push(taskId);
    }
  });
  return ids;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

interface Result {
  seconds: number;
  latencies: Float64Array;
  transactions: number;
}

/**
 * The runner's loop. Each cycle: one transaction records a flush worth of stream lines
 * (1–3 direct messages each) together with the acknowledgements of the turns that
 * completed (their `result` lines are in the same flush); then one transaction delivers
 * to every agent that has mail. `perAgent` instead gives every take and every
 * acknowledgement its own transaction (one fsync each), for comparison.
 */
function run(db: Database, agents: string[], perAgent: boolean): Result {
  const sentAt = new Float64Array(totalMessages + 1);
  const latencies = new Float64Array(totalMessages);
  const seqs = new Array<number>(agentCount).fill(0);
  let sent = 0;
  let delivered = 0;
  let transactions = 0;
  let rng = 42;
  const random = (n: number) => {
    rng = (rng * 1_103_515_245 + 12_345) & 0x7fffffff;
    return rng % n;
  };
  let toAcknowledge = new Set<string>();
  const started = performance.now();

  while (delivered < totalMessages) {
    const hasMail = new Set<string>();
    const firstId = { value: Number.POSITIVE_INFINITY, last: 0 };
    const flush = () => {
      for (let n = 0; n < messagesPerFlush && sent < totalMessages; ) {
        const from = random(agentCount);
        const messages: ProtocolMessage[] = [];
        const lines = Math.min(1 + random(3), totalMessages - sent, messagesPerFlush - n);
        for (let line = 1; line <= lines; line++) {
          const to = (from + 1 + random(agentCount - 1)) % agentCount;
          messages.push({ type: "message", toTask: `agent-${to}`, text: `finding ${sent + line} from agent-${from}: see src/x.ts line 42`, line });
        }
        seqs[from]! += 1;
        const recorded = recordProtocolMessages(db, { orchestrationId, fromAgentId: agents[from]!, attempt: 1, seq: seqs[from]!, messages });
        for (const m of recorded) {
          for (const r of m.recipients) hasMail.add(r);
          firstId.value = Math.min(firstId.value, m.id);
          firstId.last = Math.max(firstId.last, m.id);
        }
        sent += lines;
        n += lines;
      }
    };
    if (perAgent) {
      transaction(db, flush);
      transactions += 1;
      for (const agent of toAcknowledge) {
        acknowledge(db, agent, 1);
        transactions += 1;
      }
    } else {
      transaction(db, () => {
        flush();
        for (const agent of toAcknowledge) acknowledge(db, agent, 1);
      });
      transactions += 1;
    }
    const committed = performance.now();
    for (let id = firstId.value; id <= firstId.last; id++) sentAt[id] = committed;

    toAcknowledge = new Set();
    const takenIds: number[] = [];
    const deliver = () => {
      for (const agent of hasMail) {
        for (const d of takeMailbox(db, agent, 1, "stdin", { liveDeliveryCap: benchCap })) takenIds.push(d.messageId);
        toAcknowledge.add(agent);
      }
    };
    if (perAgent) {
      for (const agent of hasMail) {
        const taken = takeMailbox(db, agent, 1, "stdin", { liveDeliveryCap: benchCap });
        const now = performance.now();
        for (const d of taken) latencies[delivered++] = now - sentAt[d.messageId]!;
        toAcknowledge.add(agent);
        transactions += 1;
      }
    } else {
      transaction(db, deliver);
      transactions += 1;
      const now = performance.now();
      for (const id of takenIds) latencies[delivered++] = now - sentAt[id]!;
    }
  }
  transaction(db, () => {
    for (const agent of toAcknowledge) acknowledge(db, agent, 1);
  });
  const seconds = (performance.now() - started) / 1000;
  return { seconds, latencies: latencies.sort(), transactions };
}

function measure(perAgent: boolean): { result: Result; ok: boolean } {
  const dir = mkdtempSync(join(tmpdir(), "maos-bench-mailbox-"));
  const db = openDatabase(join(dir, "maos.db"), { durability: "full" });
  try {
    const agents = seed(db);
    const result = run(db, agents, perAgent);
    const counts = countMailbox(db, orchestrationId);
    const ok = counts.messages === totalMessages && counts.acknowledged === totalMessages && counts.pending + counts.delivered === 0;
    return { result, ok };
  } finally {
    db.close(false);
    rmSync(dir, { recursive: true, force: true });
  }
}

export default async function mailboxBench(): Promise<Row[]> {
  const grouped = measure(false);
  const perAgent = measure(true);
  const rate = totalMessages / grouped.result.seconds;
  const p99 = percentile(grouped.result.latencies, 99);
  const shape = `${agentCount} agents, ${totalMessages} direct messages, ${messagesPerFlush} per flush, synchronous=FULL`;
  return [
    {
      name: "mailbox send→deliver→ack",
      value: Math.round(rate),
      unit: "msg/s",
      target: `>= ${targetPerSecond}`,
      pass: grouped.ok && rate >= targetPerSecond,
      note: `${shape}; ${grouped.result.transactions} commits${grouped.ok ? "" : "; COUNTS WRONG"}`,
    },
    {
      name: "mailbox send→deliver p99",
      value: Number(p99.toFixed(2)),
      unit: "ms",
      note: `p50 ${percentile(grouped.result.latencies, 50).toFixed(2)} ms, max ${percentile(grouped.result.latencies, 100).toFixed(2)} ms`,
    },
    {
      name: "mailbox, one commit per take/ack",
      value: Math.round(totalMessages / perAgent.result.seconds),
      unit: "msg/s",
      note: `for comparison: ${perAgent.result.transactions} commits; p99 send→deliver ${percentile(perAgent.result.latencies, 99).toFixed(2)} ms${perAgent.ok ? "" : "; COUNTS WRONG"}`,
    },
  ];
}

if (import.meta.main) console.table(await mailboxBench());
