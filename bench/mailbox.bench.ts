/**
 * Mailbox throughput, end to end, on a temp file with synchronous=FULL: 50 agents of one
 * orchestration send direct messages, the runner delivers them (takeMailbox, via stdin) and
 * the recipients' turns complete (acknowledge); plus the send→deliver latency, from the
 * commit of the send to the commit of the take that hands the message to its recipient.
 *
 * Sends are committed the way the event writer commits stream lines: one transaction per
 * flush, a flush being ~25 ms worth of lines at the target rate (500 messages in lines of
 * 1–3). "grouped" is the intended runner pattern: the acknowledgements of turns that
 * completed ride in the flush transaction, and one transaction after each flush takes the
 * mailboxes of every recipient (takeMailbox/acknowledge join an open transaction).
 * "one commit per take/ack" gives every take and acknowledgement its own transaction.
 *
 *   bun bench/mailbox.bench.ts                      (standalone; bench/index.ts calls the default export)
 *   MAOS_BENCH_MAILBOX_MESSAGES=10000 bun bench/…   (smaller run)
 */
import type { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { acknowledge, recordProtocolMessages, takeMailbox, type MailboxDelivery } from "../src/bus/mailbox.ts";
import type { ProtocolMessage } from "../src/bus/protocol.ts";
import { insertAgent } from "../src/store/agents.ts";
import { openDatabase } from "../src/store/db.ts";
import { countMailbox } from "../src/store/messages.ts";
import { defaultRunOptions, insertOrchestration } from "../src/store/orchestrations.ts";
import { insertTask } from "../src/store/tasks.ts";
import { transaction } from "../src/store/tx.ts";
import type { BenchRow } from "./index.ts";

const agentCount = 50;
const totalMessages = Number(process.env.MAOS_BENCH_MAILBOX_MESSAGES ?? 50_000);
const runs = 3;
/** What 25 ms of stream lines carry at the target rate. */
const messagesPerFlush = 500;
const targetPerSecond = 20_000;
/**
 * The runner counts each attempt's live deliveries in memory and passes what is left of
 * the cap as a limit (see AgentAttempt.takeLive); the bench does the same.
 */
const live = { limit: 1_000_000, liveDeliveryCap: Number.POSITIVE_INFINITY };

type Mode = "grouped" | "per-commit";

interface Run {
  perSecond: number;
  /** send→deliver latencies in ms, sorted. */
  latencies: Float64Array;
  commits: number;
  consistent: boolean;
}

function seed(db: Database, orchestrationId: string): string[] {
  return transaction(db, () => {
    insertOrchestration(db, {
      id: orchestrationId,
      request: "mailbox bench",
      cwd: tmpdir(),
      claudeConfigDir: null,
      ownerPid: process.pid,
      ownerHost: "bench",
      saveIntervalS: 30,
      options: { ...defaultRunOptions, maxParallel: agentCount, retries: 0 },
    });
    return Array.from({ length: agentCount }, (_, i) => {
      const key = `agent-${i}`;
      const taskId = insertTask(db, { orchestrationId, key, position: i, agentType: "developer", description: key, dependsOn: [] });
      insertAgent(db, { id: taskId, name: key, type: "developer", orchestrationId, taskId, capabilities: [], source: "builtin" });
      return taskId;
    });
  });
}

/** A deterministic stream of stream lines: (sender, 1–3 direct messages to others). */
function* lines(count: number): Generator<{ from: number; messages: ProtocolMessage[] }> {
  let state = 42;
  const random = (n: number) => {
    state = (state * 1_103_515_245 + 12_345) & 0x7fffffff;
    return state % n;
  };
  for (let sent = 0; sent < count; ) {
    const from = random(agentCount);
    const n = Math.min(1 + random(3), count - sent);
    const messages = Array.from({ length: n }, (_, i): ProtocolMessage => {
      const to = (from + 1 + random(agentCount - 1)) % agentCount;
      return { type: "message", toTask: `agent-${to}`, text: `finding ${sent + i}: the users table lives in src/db/schema.ts`, line: i + 1 };
    });
    sent += n;
    yield { from, messages };
  }
}

function runOnce(mode: Mode, count: number): Run {
  const dir = mkdtempSync(join(tmpdir(), "maos-bench-mailbox-"));
  const db = openDatabase(join(dir, "maos.db"), { durability: "full" });
  try {
    const orchestrationId = crypto.randomUUID(); // real ids are UUIDs: index keys of realistic length
    const agents = seed(db, orchestrationId);
    const seqs = new Array<number>(agentCount).fill(0);
    const committedAt = new Map<number, number>();
    const latencies = new Float64Array(count);
    const source = lines(count);
    let delivered = 0;
    let commits = 0;
    let turnsEnded = new Set<string>();
    const commit = <T>(fn: () => T): T => {
      commits++;
      return transaction(db, fn);
    };
    const took = (taken: readonly MailboxDelivery[], at: number) => {
      for (const d of taken) {
        latencies[delivered++] = at - committedAt.get(d.messageId)!;
        committedAt.delete(d.messageId);
      }
    };
    const started = performance.now();

    for (let exhausted = false; !exhausted || delivered < count; ) {
      const recipients = new Set<string>();
      const flushed: number[] = [];
      const flush = () => {
        for (let n = 0; n < messagesPerFlush; ) {
          const next = source.next();
          if (next.done) {
            exhausted = true;
            break;
          }
          const { from, messages } = next.value;
          const seq = (seqs[from]! += 1);
          for (const m of recordProtocolMessages(db, { orchestrationId, fromAgentId: agents[from]!, attempt: 1, seq, messages })) {
            flushed.push(m.id);
            for (const r of m.recipients) recipients.add(r);
          }
          n += messages.length;
        }
      };
      if (mode === "grouped") {
        // The turns that took mail last cycle have completed: their result lines are in this flush.
        commit(() => {
          flush();
          for (const agent of turnsEnded) acknowledge(db, agent, 1);
        });
        turnsEnded = recipients;
      } else commit(flush);
      const sentAt = performance.now();
      for (const id of flushed) committedAt.set(id, sentAt);

      if (mode === "grouped") {
        const taken = commit(() => [...recipients].flatMap((agent) => takeMailbox(db, agent, 1, "stdin", live)));
        took(taken, performance.now());
      } else {
        for (const agent of recipients) {
          const taken = commit(() => takeMailbox(db, agent, 1, "stdin", live));
          took(taken, performance.now());
        }
        for (const agent of recipients) commit(() => acknowledge(db, agent, 1));
      }
    }
    commit(() => {
      for (const agent of turnsEnded) acknowledge(db, agent, 1);
    });
    const seconds = (performance.now() - started) / 1000;
    const counts = countMailbox(db, orchestrationId);
    const consistent =
      delivered === count && counts.messages === count && counts.acknowledged === count && counts.pending + counts.delivered === 0;
    return { perSecond: count / seconds, latencies: latencies.sort(), commits, consistent };
  } finally {
    db.close(false);
    rmSync(dir, { recursive: true, force: true });
  }
}

function percentile(sorted: ArrayLike<number>, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const ms = (x: number) => `${x.toFixed(1)} ms`;

export default async function mailboxBench(): Promise<BenchRow[]> {
  const grouped = Array.from({ length: runs }, () => runOnce("grouped", totalMessages)).sort((a, b) => a.perSecond - b.perSecond);
  const median = grouped[Math.floor(runs / 2)]!;
  const perCommit = runOnce("per-commit", Math.min(totalMessages, 20_000));
  const consistent = grouped.every((r) => r.consistent) && perCommit.consistent;
  const shape = `${agentCount} agents, ${totalMessages} direct messages, ${messagesPerFlush} per flush, synchronous=FULL, ${median.commits} commits`;
  const wrong = consistent ? "" : "; MESSAGES LOST OR DUPLICATED";
  return [
    {
      name: "mailbox send→deliver→ack",
      value: Math.round(median.perSecond),
      unit: "msg/s",
      spread: `min ${Math.round(grouped[0]!.perSecond)}, max ${Math.round(grouped.at(-1)!.perSecond)} (${runs} runs)`,
      target: `>= ${targetPerSecond}`,
      pass: consistent && median.perSecond >= targetPerSecond,
      note: `${shape}${wrong}`,
    },
    {
      name: "mailbox send→deliver latency",
      value: Number(percentile(median.latencies, 50).toFixed(1)),
      unit: "ms",
      spread: `p99 ${ms(percentile(median.latencies, 99))}, max ${ms(percentile(median.latencies, 100))}`,
      note: "send commit → commit of the take that returns it, at full load (one 500-message flush per cycle)",
    },
    {
      name: "mailbox, one commit per take/ack",
      value: Math.round(perCommit.perSecond),
      unit: "msg/s",
      spread: `p99 send→deliver ${ms(percentile(perCommit.latencies, 99))}`,
      note: `${perCommit.commits} commits (each an fsync) for ${perCommit.latencies.length} messages; for comparison with the grouped pattern${wrong}`,
    },
  ];
}

if (import.meta.main) console.table(await mailboxBench());
