/**
 * Resume latency: time from `dist/maos orchestration resume <id> --auto` being spawned to
 * its first agent process running, on a paused orchestration with 50 tasks (30 completed,
 * 5 interrupted, 15 never started), 200,000 events and 20,000 messages (116,000 deliveries).
 * Target: median ≤ 300 ms. For comparison the same orchestration without history.
 *
 * The agent is a tiny bash script whose first action writes its pid and $EPOCHREALTIME;
 * maos is SIGKILLed once an agent has started. Each run resumes a fresh, fsynced copy of
 * the database (the page cache is warm, as it is for someone resuming on their machine).
 *
 * Where the time goes (profiled): nothing at startup scans the history — every query is an
 * index lookup. What grows with it is the first agent's mailbox: about 2,300 messages wait
 * for each unfinished agent here (every 10th message is a broadcast), and marking them
 * delivered in the attempt's start transaction rewrites one deliveries page per message
 * (rows are stored in send order): ~10 MB of WAL plus the auto-checkpoint it triggers,
 * about 100 ms — the bulk of the difference to the no-history row.
 *
 *   bun bench/resume.bench.ts      (standalone; bench/index.ts calls the default export)
 */
import type { Database } from "bun:sqlite";
import { chmodSync, closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { insertAgent, setAgentStatus } from "../src/store/agents.ts";
import { endAttempt, insertAttempt } from "../src/store/attempts.ts";
import { openDatabase } from "../src/store/db.ts";
import { insertOrchestration, refreshTotals, setOrchestrationStatus, setPlan } from "../src/store/orchestrations.ts";
import { upsertSession } from "../src/store/sessions.ts";
import { finishTask, insertTask, startTaskAttempt, taskId } from "../src/store/tasks.ts";
import { sqlNow } from "../src/store/time.ts";
import { transaction } from "../src/store/tx.ts";
import { ensureBinary } from "../test/support/binary.ts";
import { tempDir } from "../test/support/claude-env.ts";
import { defaultRunOptions } from "../test/support/fixtures.ts";
import type { BenchRow } from "./index.ts";
import { streamLine } from "./support/stream-child.ts";

const taskCount = 50;
const completedCount = 30;
const interruptedCount = 5;
const eventCount = 200_000;
const messageCount = 20_000;
const broadcastEvery = 10; // every 10th message is a broadcast (one delivery per other agent)
const runs = 15;
const warmups = 2;
const targetMs = 300;

interface History {
  events: number;
  messages: number;
}

/** Writes the paused orchestration; returns its id. Bulk rows go through prepared statements in one transaction. */
export function populate(db: Database, cwd: string, history: History): string {
  const id = crypto.randomUUID();
  const keys = Array.from({ length: taskCount }, (_, i) => `task-${String(i).padStart(2, "0")}`);
  // Completed tasks form chains of five; every later task waits for two completed ones, so it is ready on resume.
  const deps = keys.map((_, i) => (i < completedCount ? (i % 5 === 0 ? [] : [keys[i - 1]!]) : [keys[(i * 7) % completedCount]!, keys[(i * 11) % completedCount]!]));
  const agents = keys.map((k) => taskId(id, k));
  const ran = agents.slice(0, completedCount + interruptedCount);
  transaction(db, () => {
    insertOrchestration(db, {
      id,
      request: "Build the billing service with invoices, payments and reports",
      cwd,
      claudeConfigDir: join(cwd, "cfg"),
      ownerPid: 1,
      ownerHost: "bench",
      saveIntervalS: 30,
      options: { ...defaultRunOptions, maxParallel: 3 },
    });
    const plan = keys.map((k, i) => ({ id: k, agent_type: "developer", description: `Implement part ${i} of the billing service`, depends_on: deps[i]! }));
    setPlan(db, id, { summary: "billing", tasks: plan }, [keys], agents);
    keys.forEach((key, i) => {
      const task = insertTask(db, { orchestrationId: id, key, position: i, agentType: "developer", description: plan[i]!.description, dependsOn: deps[i]! });
      insertAgent(db, { id: task, name: `developer@${key}`, type: "developer", orchestrationId: id, taskId: task, capabilities: ["*"], source: "builtin" });
      if (i >= completedCount + interruptedCount) return;
      const session = crypto.randomUUID();
      const attempt = startTaskAttempt(db, task, session);
      upsertSession(db, { sessionId: session, agentId: task, orchestrationId: id, task, cwd, claudeConfigDir: join(cwd, "cfg") });
      const attemptId = insertAttempt(db, { orchestrationId: id, taskId: task, agentId: task, attempt, sessionId: session, resumed: false, budgetShareUsd: null });
      const done = i < completedCount;
      endAttempt(db, attemptId, { status: done ? "completed" : "interrupted", cause: done ? "completed" : "maos-stopped", reason: done ? null : "maos was stopped", stderrTail: null });
      finishTask(db, task, { status: done ? "completed" : "pending", result: done ? `Part ${i} is done. ${"Details of the work. ".repeat(40)}` : null, error: null });
      setAgentStatus(db, task, done ? "completed" : "interrupted");
    });

    const event = db.query(
      `INSERT INTO events (orchestration_id, agent_id, session_id, attempt, seq, ts, type, subtype, raw) VALUES (?, ?, NULL, 1, ?, ?, 'assistant', NULL, ?)`,
    );
    const perAgent = Math.ceil(history.events / ran.length);
    let written = 0;
    const ts = sqlNow();
    for (let a = 0; a < ran.length && written < history.events; a++) {
      for (let seq = 1; seq <= perAgent && written < history.events; seq++, written++) {
        event.run(id, ran[a]!, seq, ts, streamLine(a, seq).slice(0, -1));
      }
      db.query("UPDATE agents SET last_seq = ? WHERE id = ?").run(Math.min(perAgent, history.events - (written - perAgent)), ran[a]!);
    }

    const message = db.query<{ id: number }, [string, string, string | null, string | null, string, string, string, number, string]>(
      `INSERT INTO messages (orchestration_id, from_agent, to_agent, to_task, message_type, message, timestamp, acknowledged, idempotency_key)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    );
    const delivery = db.query(
      `INSERT INTO deliveries (message_id, agent_id, orchestration_id, status, attempt, via, delivered_at, acknowledged_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const completed = new Set(agents.slice(0, completedCount));
    for (let m = 0; m < history.messages; m++) {
      const from = ran[m % ran.length]!;
      const broadcast = m % broadcastEvery === 0;
      const to = broadcast ? null : agents[(m * 13 + 1) % taskCount] === from ? agents[(m * 13 + 2) % taskCount]! : agents[(m * 13 + 1) % taskCount]!;
      const recipients = to ? [to] : agents.filter((a) => a !== from);
      const allDone = recipients.every((r) => completed.has(r));
      const text = `${broadcast ? "found" : "please check"} item ${m}: the invoice totals must include tax`;
      const messageId = message.get(id, from, to, to ? to.slice(id.length + 1) : null, broadcast ? "discovery" : "message", text, ts, allDone ? 1 : 0, `${from}#1#${m}#1`)!.id;
      for (const r of recipients) {
        // Completed agents acknowledged theirs; the others' messages wait in their mailbox.
        if (completed.has(r)) delivery.run(messageId, r, id, "acknowledged", 1, "stdin", ts, ts);
        else delivery.run(messageId, r, id, "pending", null, null, null, null);
      }
    }
    refreshTotals(db, id);
    setOrchestrationStatus(db, id, "paused", "interrupted");
  });
  return id;
}

/** The stand-in agent: records its pid and start time first, then reads stdin until maos is gone. */
export function writeAgent(dir: string): string {
  const path = join(dir, "agent.sh");
  writeFileSync(path, `#!/bin/bash\nprintf '%s %s\\n' "$$" "$EPOCHREALTIME" >> "$BENCH_AGENT_LOG"\nexec cat > /dev/null\n`);
  chmodSync(path, 0o755);
  return path;
}

function kill(pid: number, signal: NodeJS.Signals = "SIGKILL"): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone
  }
}

/** One resume: spawn → first agent running, in ms. */
async function once(binary: string, template: string, dir: string, id: string, agent: string): Promise<number> {
  const db = join(dir, "run.db");
  for (const suffix of ["", "-wal", "-shm"]) rmSync(db + suffix, { force: true });
  copyFileSync(template, db);
  // A database someone resumes has been on disk for a while: no dirty copy pages competing with maos's fsyncs.
  const fd = openSync(db, "r+");
  fsyncSync(fd);
  closeSync(fd);
  const agentLog = join(dir, "agents.log");
  rmSync(agentLog, { force: true });
  const env = { ...process.env, MAOS_CLAUDE_BIN: agent, BENCH_AGENT_LOG: agentLog, NO_COLOR: "1" } as Record<string, string>;
  delete env.MAOS_DB;
  const spawnedAt = performance.timeOrigin + performance.now();
  const proc = Bun.spawn([binary, "orchestration", "resume", id.slice(0, 8), "--auto", "--db", db], {
    cwd: dir,
    env,
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
  });
  const stderr = new Response(proc.stderr).text();
  const deadline = performance.now() + 20_000;
  // The agent's line is complete once it ends in a newline (the file exists as soon as `>>` opens it).
  while (!(existsSync(agentLog) && readFileSync(agentLog, "utf8").includes("\n"))) {
    if (proc.exitCode !== null || performance.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`maos resume ended (${proc.exitCode}) before starting an agent:\n${await stderr}`);
    }
    await Bun.sleep(1);
  }
  proc.kill("SIGKILL");
  await proc.exited;
  await Bun.sleep(20); // let the agents maos had started by then write their line
  const starts = readFileSync(agentLog, "utf8")
    .trim()
    .split("\n")
    .map((line) => line.split(" ").map(Number) as [number, number])
    // Only whole lines: a pid of 0 (an empty line) would make kill(-0) signal this very process group.
    .filter(([pid, at]) => Number.isInteger(pid) && pid > 1 && Number.isFinite(at));
  for (const [pid] of starts) {
    kill(-pid);
    kill(pid);
  }
  return Math.min(...starts.map(([, at]) => at * 1000)) - spawnedAt;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))]!;
const ms = (n: number) => n.toFixed(1);

async function measure(binary: string, dir: string, history: History): Promise<{ samples: number[]; buildS: number; mb: number; waiting: number }> {
  const template = join(dir, `template-${history.events}.db`);
  const started = performance.now();
  const db = openDatabase(template, { durability: "normal" });
  const id = populate(db, dir, history);
  const waiting = db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM deliveries WHERE status = 'pending'").get()!.n / (taskCount - completedCount);
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  db.close(false);
  const buildS = (performance.now() - started) / 1000;
  const mb = Bun.file(template).size / 1e6;
  const agent = writeAgent(dir);
  for (let i = 0; i < warmups; i++) await once(binary, template, dir, id, agent);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await once(binary, template, dir, id, agent));
  return { samples: samples.sort((a, b) => a - b), buildS, mb, waiting };
}

function row(name: string, samples: number[], withTarget: boolean, note: string): BenchRow {
  const median = quantile(samples, 0.5);
  return {
    name,
    value: Number(ms(median)),
    unit: "ms",
    spread: `p10–p90 ${ms(quantile(samples, 0.1))}–${ms(quantile(samples, 0.9))}, min ${ms(samples[0]!)}, max ${ms(samples.at(-1)!)}`,
    ...(withTarget ? { target: `≤ ${targetMs} ms median`, pass: median <= targetMs } : {}),
    note,
  };
}

export default async function resumeBench(): Promise<BenchRow[]> {
  const binary = ensureBinary();
  const { path: dir, cleanup: remove } = tempDir("maos-bench-resume-");
  try {
    mkdirSync(join(dir, "cfg"), { recursive: true });
    const full = await measure(binary, dir, { events: eventCount, messages: messageCount });
    const empty = await measure(binary, dir, { events: 0, messages: 0 });
    return [
      row(
        "resume: spawn → first agent running (50 tasks, 200k events, 20k messages)",
        full.samples,
        true,
        `${runs} runs after ${warmups} warm-ups, each on a fresh copy of a ${full.mb.toFixed(0)} MB database (built in ${full.buildS.toFixed(1)} s); ` +
          `30 tasks done, 5 interrupted, 15 never started; each unfinished agent has ~${Math.round(full.waiting)} messages waiting (every 10th message a broadcast)`,
      ),
      row("resume: same orchestration without events or messages", empty.samples, false, "what the history costs is the difference to the row above"),
    ];
  } finally {
    remove();
  }
}

if (import.meta.main) console.table(await resumeBench());
