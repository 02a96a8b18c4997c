/**
 * The crash scenario shared by test/crash/crash.test.ts and scripts/soak.ts.
 *
 * One scenario = one orchestration of six fake agents (t1 → t2, t3 → t4, t5 → t6) that
 * stream lines at a steady rate and talk through the mailbox (a message to a task that
 * has not started, live messages between siblings, broadcasts, a request). The compiled
 * dist/maos runs it; it is SIGKILLed at random moments (the first run and some resumes),
 * resumed with `maos orchestration resume <id> --auto`, and after every kill and at the
 * end the database and the fake agents' log are checked against the invariants below.
 *
 * Everything random comes from the scenario's seed (kill delays, stream lengths), so a
 * failure names the seed; the kill moments themselves still depend on timing.
 */
import { Database } from "bun:sqlite";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatDelivery, idempotencyKey } from "../../src/bus/mailbox.ts";
import { parseProtocolLines } from "../../src/bus/protocol.ts";
import { interpretLine } from "../../src/agents/stream-interpreter.ts";
import { parseSqlTime } from "../../src/store/time.ts";
import { ensureBinary } from "../support/binary.ts";
import { fakeClaudePath, readFakeAgentLog, type FakeLogEntry, type FakeScript, type FakeStep } from "../support/fake-agent.ts";
import { scaled } from "../support/machine.ts";

// ---------------------------------------------------------------------------
// Randomness
// ---------------------------------------------------------------------------

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

function between(random: () => number, min: number, max: number): number {
  return Math.floor(min + random() * (max - min + 1));
}

// ---------------------------------------------------------------------------
// Running dist/maos
// ---------------------------------------------------------------------------

export interface MaosRun {
  proc: ReturnType<typeof Bun.spawn>;
  stdout: Promise<string>;
  stderr: Promise<string>;
  startedAt: number;
}

/** The environment maos and its fake agents see. */
export function scenarioEnv(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(MAOS_|FAKE_AGENT_|CLAUDE_CONFIG_DIR$)/.test(k)) env[k] = v;
  }
  return {
    ...env,
    NO_COLOR: "1",
    // The scenario's own directory: the user's ~/.claude/agents and shell files stay out.
    HOME: dir,
    MAOS_CLAUDE_BIN: fakeClaudePath(),
    CLAUDE_CONFIG_DIR: join(dir, "cfg"),
    FAKE_AGENT_LOG: join(dir, "log"),
    FAKE_AGENT_SCRIPT_FILE: join(dir, "script.json"),
    ...extra,
  };
}

export function spawnMaosIn(dir: string, args: string[], env: Record<string, string>): MaosRun {
  const proc = Bun.spawn([ensureBinary(), ...args], { cwd: dir, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  return {
    proc,
    stdout: new Response(proc.stdout as ReadableStream).text(),
    stderr: new Response(proc.stderr as ReadableStream).text(),
    startedAt: performance.now(),
  };
}

/** SIGKILL if still running; true when the kill landed on a live process. */
export async function killHard(run: MaosRun): Promise<boolean> {
  const alive = run.proc.exitCode === null && run.proc.signalCode === null;
  if (alive) run.proc.kill("SIGKILL");
  await run.proc.exited;
  return alive && run.proc.signalCode === "SIGKILL";
}

/** Waits for the run to end, failing after timeoutMs (the process is killed then). */
export async function finish(run: MaosRun, timeoutMs = scaled(60_000)): Promise<{ code: number; stdout: string; stderr: string }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
  const result = await Promise.race([run.proc.exited, timedOut]);
  clearTimeout(timer);
  if (result === "timeout") {
    run.proc.kill("SIGKILL");
    await run.proc.exited;
    throw new Error(`maos did not finish within ${timeoutMs} ms; stderr:\n${tail(await run.stderr)}`);
  }
  return { code: result, stdout: await run.stdout, stderr: await run.stderr };
}

export function tail(text: string, lines = 25): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/** Reads the database with a short-lived connection (null while it does not exist yet or has no schema). */
export function withDb<T>(path: string, fn: (db: Database) => T): T | null {
  if (!existsSync(path)) return null;
  let db: Database | undefined;
  try {
    db = new Database(path, { readwrite: true, create: false });
    db.exec("PRAGMA busy_timeout = 5000");
    return fn(db);
  } catch (error) {
    if (/no such table/.test(String(error))) return null;
    throw error;
  } finally {
    db?.close(false);
  }
}

/** Polls until cond(db) holds or the process exits; returns whether it held. */
export async function waitForDb(run: MaosRun, path: string, cond: (db: Database) => boolean, timeoutMs = scaled(20_000)): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (withDb(path, cond)) return true;
    if (run.proc.exitCode !== null || run.proc.signalCode !== null) return false;
    await Bun.sleep(5);
  }
  throw new Error(`condition not reached within ${timeoutMs} ms`);
}

// ---------------------------------------------------------------------------
// The orchestration: plan and fake agent scripts
// ---------------------------------------------------------------------------

export interface PlanTask {
  id: string;
  agent_type: string;
  description: string;
  depends_on: string[];
}

export const crashPlanTasks: PlanTask[] = [
  { id: "t1", agent_type: "developer", description: "Lay the groundwork", depends_on: [] },
  { id: "t2", agent_type: "developer", description: "Build part two", depends_on: ["t1"] },
  { id: "t3", agent_type: "developer", description: "Build part three", depends_on: ["t1"] },
  { id: "t4", agent_type: "developer", description: "Extend part two", depends_on: ["t2"] },
  { id: "t5", agent_type: "developer", description: "Join parts two and three", depends_on: ["t2", "t3"] },
  { id: "t6", agent_type: "developer", description: "Wrap everything up", depends_on: ["t4", "t5"] },
];

/** The protocol lines each task says (k = the fake's attempt counter for that task, so every text is unique). */
function protocolLines(task: string, k: number): string[] {
  const tag = `${task} try ${k}`;
  switch (task) {
    case "t1":
      return [`MESSAGE @t5: schema notes for t5 (${tag})`, `DISCOVERY: the repo uses sqlite (${tag})`];
    case "t2":
      return [`MESSAGE @t3: shared helper is in util.ts (${tag})`];
    case "t3":
      return [`REQUEST @t2: which port do you use? (${tag})`, `BROADCAST: part three api is frozen (${tag})`];
    case "t4":
      return [`MESSAGE @t6: part four adds a flag (${tag})`];
    case "t5":
      return [`MESSAGE @t4: joined view ready (${tag})`];
    case "t6":
      return [`DISCOVERY: release notes drafted (${tag})`];
    default:
      return [];
  }
}

/** The key that selects a task's sub-script: only in that agent's system prompt (protocol instructions). */
export function scriptKey(task: string): string {
  return `You are the agent for task @${task},`;
}

export interface StreamShape {
  /** Lines before and after the protocol lines, per task. */
  before: Record<string, number>;
  after: Record<string, number>;
  /** A pause (thinking, a long tool call) between the two streams: an agent killed-over then outlives maos until it writes again. */
  pauseMs: Record<string, number>;
  intervalMs: number;
}

export function randomShape(random: () => number): StreamShape {
  const before: Record<string, number> = {};
  const after: Record<string, number> = {};
  const pauseMs: Record<string, number> = {};
  for (const t of crashPlanTasks) {
    before[t.id] = between(random, 5, 15);
    after[t.id] = between(random, 5, 15);
    pauseMs[t.id] = between(random, 0, 400);
  }
  return { before, after, pauseMs, intervalMs: between(random, 18, 30) };
}

/** Every attempt k of task t: stream, say its protocol lines, stream, finish. Attempts past the list reuse the last. */
export function crashScript(shape: StreamShape, attempts = 24): FakeScript {
  // A resume after a kill that came before the plan was recorded plans again: the planner gets the same plan.
  const byPrompt: Record<string, FakeScript> = {
    "Plan the work for this request.": { steps: [{ structured: { summary: "crash test", tasks: crashPlanTasks } }] },
  };
  for (const t of crashPlanTasks) {
    byPrompt[scriptKey(t.id)] = {
      attempts: Array.from({ length: attempts }, (_, k): FakeStep[] => [
        { lines: shape.before[t.id]!, bytes: 300, intervalMs: shape.intervalMs },
        { text: `working on ${t.id}\n${protocolLines(t.id, k).join("\n")}\nmore work follows` },
        { sleepMs: shape.pauseMs[t.id]! },
        // Work on disk, as real agents do: "<fake agent pid> <ms> <task>" (bash's parent is the fake).
        { sh: `echo "$PPID $(date +%s%3N) ${t.id}" >> work.log` },
        { lines: shape.after[t.id]!, bytes: 300, intervalMs: shape.intervalMs },
        { text: `${t.id} done (try ${k})` },
      ]),
      onMessage: [{ sleepMs: 10 }, { text: `${t.id} noted it` }],
    };
  }
  return { byPrompt };
}

// ---------------------------------------------------------------------------
// Invariants
// ---------------------------------------------------------------------------

export class InvariantError extends Error {}

function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new InvariantError(message);
}

interface EventRow {
  id: number;
  agent_id: string;
  attempt: number;
  seq: number;
  type: string;
  raw: string;
}
interface MessageRow {
  id: number;
  from_agent: string;
  to_agent: string | null;
  to_task: string | null;
  message: string;
  message_type: string;
  timestamp: string;
  undeliverable: number;
  acknowledged: number;
  idempotency_key: string;
}
interface DeliveryRow {
  message_id: number;
  agent_id: string;
  status: string;
  attempt: number | null;
  via: string | null;
  acknowledged_at: string | null;
}
interface TaskRow {
  id: string;
  task_key: string;
  status: string;
  completed_count: number;
  completed_at: string | null;
  result: string | null;
}
interface AttemptRow {
  id: number;
  task_id: string;
  attempt: number;
  pid: number | null;
  session_id: string;
  status: string;
  started_at: string;
}

/** Everything the invariants look at, read in one transaction. */
export interface Snapshot {
  orchestrationId: string | null;
  status: string | null;
  events: EventRow[];
  messages: MessageRow[];
  deliveries: DeliveryRow[];
  tasks: TaskRow[];
  attempts: AttemptRow[];
  agents: string[];
  integrity: string;
  foreignKeyProblems: number;
}

export function snapshot(path: string): Snapshot {
  const snap = withDb(path, (db) =>
    db.transaction(() => {
      const o = db.query<{ id: string; status: string }, []>("SELECT id, status FROM orchestrations").all();
      if (o.length > 1) throw new InvariantError(`expected one orchestration, found ${o.length}`);
      return {
        orchestrationId: o[0]?.id ?? null,
        status: o[0]?.status ?? null,
        events: db.query<EventRow, []>("SELECT id, agent_id, attempt, seq, type, raw FROM events ORDER BY id").all(),
        messages: db
          .query<MessageRow, []>(
            `SELECT id, from_agent, to_agent, to_task, message, message_type, timestamp, undeliverable, acknowledged, idempotency_key
             FROM messages ORDER BY id`,
          )
          .all(),
        deliveries: db
          .query<DeliveryRow, []>("SELECT message_id, agent_id, status, attempt, via, acknowledged_at FROM deliveries ORDER BY message_id, agent_id")
          .all(),
        tasks: db.query<TaskRow, []>("SELECT id, task_key, status, completed_count, completed_at, result FROM tasks ORDER BY position").all(),
        attempts: db
          .query<AttemptRow, []>("SELECT id, task_id, attempt, pid, session_id, status, started_at FROM attempts ORDER BY id")
          .all(),
        agents: db.query<{ id: string }, []>("SELECT id FROM agents ORDER BY id").all().map((r) => r.id),
        integrity: db
          .query<{ integrity_check: string }, []>("PRAGMA integrity_check")
          .all()
          .map((r) => r.integrity_check)
          .join("; "),
        foreignKeyProblems: db.query("PRAGMA foreign_key_check").all().length,
      };
    })(),
  );
  if (!snap) {
    return {
      orchestrationId: null,
      status: null,
      events: [],
      messages: [],
      deliveries: [],
      tasks: [],
      attempts: [],
      agents: [],
      integrity: "ok",
      foreignKeyProblems: 0,
    };
  }
  return snap;
}

const bulkCounter = /"id":"msg_fake_bulk_(\d+)_(\d+)"/;

/**
 * What must hold in any committed state (after a kill or at the end), and relative to the
 * baseline read after the previous kill: committed events, messages, deliveries and
 * completions never change or go away.
 */
export function checkState(now: Snapshot, baseline: Snapshot | null): void {
  check(now.integrity === "ok", `PRAGMA integrity_check: ${now.integrity}`);
  check(now.foreignKeyProblems === 0, `PRAGMA foreign_key_check found ${now.foreignKeyProblems} problems`);

  // Events: per agent, seq runs 1, 2, 3 … in commit (id) order with no gap or duplicate; attempts never go
  // back; within one process the fake's line counter only grows (the writer kept the stream's order).
  const lastSeq = new Map<string, { seq: number; attempt: number }>();
  const lastBulk = new Map<string, number>();
  for (const e of now.events) {
    const prev = lastSeq.get(e.agent_id) ?? { seq: 0, attempt: 0 };
    check(e.seq === prev.seq + 1, `events of ${e.agent_id}: seq ${e.seq} follows ${prev.seq} (event id ${e.id})`);
    check(e.attempt >= prev.attempt, `events of ${e.agent_id}: attempt ${e.attempt} after ${prev.attempt} (event id ${e.id})`);
    lastSeq.set(e.agent_id, { seq: e.seq, attempt: e.attempt });
    const bulk = bulkCounter.exec(e.raw);
    if (bulk) {
      const key = `${e.agent_id}#${e.attempt}#${bulk[1]}`;
      const n = Number(bulk[2]);
      check(n > (lastBulk.get(key) ?? 0), `events of ${e.agent_id} attempt ${e.attempt}: line ${n} out of order (event id ${e.id})`);
      lastBulk.set(key, n);
    }
  }

  // Messages are exactly the protocol lines of committed assistant events: one row each, same transaction.
  const expected = new Map<string, { text: string; type: string; toTask: string | null }>();
  for (const e of now.events) {
    if (e.type !== "assistant") continue;
    const text = (interpretLine(e.raw).text ?? "");
    if (!text) continue;
    for (const m of parseProtocolLines(text)) {
      expected.set(idempotencyKey(e.agent_id, e.attempt, e.seq, m.line), { text: m.text, type: m.type, toTask: m.toTask });
    }
  }
  const byKey = new Map(now.messages.map((m) => [m.idempotency_key, m]));
  check(byKey.size === now.messages.length, "two messages rows share an idempotency key");
  for (const [key, m] of expected) {
    const row = byKey.get(key);
    check(row, `protocol line ${key} ("${m.text}") is in a committed event but has no messages row`);
    check(row.message === m.text && row.message_type === m.type && row.to_task === m.toTask, `messages row ${key} does not match its line`);
  }
  for (const m of now.messages) check(expected.has(m.idempotency_key), `messages row ${m.id} (${m.idempotency_key}) has no committed event`);

  // Deliveries: a direct message has one row for its target, a broadcast one per other agent —
  // except agents whose task had completed (they read nothing more: the message is undeliverable
  // to them, and a completed task never runs again, so it is completed now too).
  const completed = new Set(now.tasks.filter((t) => t.status === "completed").map((t) => t.id));
  const deliveriesOf = new Map<number, DeliveryRow[]>();
  for (const d of now.deliveries) deliveriesOf.set(d.message_id, [...(deliveriesOf.get(d.message_id) ?? []), d]);
  for (const m of now.messages) {
    const recipients = (deliveriesOf.get(m.id) ?? []).map((d) => d.agent_id).sort();
    if (m.undeliverable === 1) {
      check(m.to_agent !== null && completed.has(m.to_agent), `message ${m.id} ("${m.message}") is undeliverable, but its recipient did not finish`);
      check(recipients.length === 0, `undeliverable message ${m.id} has deliveries`);
      continue;
    }
    const want = m.to_task === null ? now.agents.filter((a) => a !== m.from_agent).sort() : [m.to_agent!];
    const missing = want.filter((a) => !recipients.includes(a));
    check(
      recipients.every((a) => want.includes(a)) && missing.every((a) => completed.has(a)),
      `message ${m.id} has deliveries to ${recipients.join(", ")}, expected ${want.join(", ")} (less completed ones)`,
    );
    const allAcknowledged = recipients.length > 0 && (deliveriesOf.get(m.id) ?? []).every((d) => d.status === "acknowledged");
    check(m.acknowledged === (allAcknowledged ? 1 : 0), `message ${m.id} has acknowledged = ${m.acknowledged} but its deliveries say ${allAcknowledged}`);
  }
  for (const d of now.deliveries) {
    check(d.status !== "undeliverable" || completed.has(d.agent_id), `delivery ${d.message_id}→${d.agent_id} is undeliverable but its agent did not finish`);
  }
  for (const d of now.deliveries) {
    check(d.status === "pending" || d.status === "undeliverable" || d.attempt !== null, `delivery ${d.message_id}→${d.agent_id} is ${d.status} without an attempt`);
  }

  // Tasks: completed at most once; a completed task has exactly one completed attempt and none started after it.
  for (const t of now.tasks) {
    check(t.completed_count <= 1, `task ${t.task_key} completed ${t.completed_count} times`);
    check((t.status === "completed") === (t.completed_count === 1), `task ${t.task_key} is ${t.status} with completed_count ${t.completed_count}`);
    const attempts = now.attempts.filter((a) => a.task_id === t.id);
    const completed = attempts.filter((a) => a.status === "completed");
    check(completed.length === (t.status === "completed" ? 1 : 0), `task ${t.task_key} (${t.status}) has ${completed.length} completed attempts`);
    if (t.completed_at) {
      const late = attempts.filter((a) => a.started_at > t.completed_at!);
      check(late.length === 0, `task ${t.task_key} completed at ${t.completed_at} but attempt ${late[0]?.attempt} started at ${late[0]?.started_at}`);
    }
  }
  check(now.attempts.filter((a) => a.status === "running").length <= 3, "more attempts running than --max-parallel");

  if (!baseline) return;
  // Nothing committed before the kill changed or went away.
  check(baseline.orchestrationId === null || baseline.orchestrationId === now.orchestrationId, "the orchestration id changed");
  const events = new Map(now.events.map((e) => [e.id, e]));
  for (const b of baseline.events) {
    const e = events.get(b.id);
    check(e, `event ${b.id} (${b.agent_id} seq ${b.seq}) committed before the kill is gone`);
    check(e.agent_id === b.agent_id && e.seq === b.seq && e.raw === b.raw, `event ${b.id} changed after the kill`);
  }
  const messages = new Map(now.messages.map((m) => [m.id, m]));
  for (const b of baseline.messages) {
    const m = messages.get(b.id);
    check(m && m.idempotency_key === b.idempotency_key && m.message === b.message, `message ${b.id} (${b.idempotency_key}) lost or changed after the kill`);
  }
  const deliveries = new Map(now.deliveries.map((d) => [`${d.message_id}|${d.agent_id}`, d]));
  for (const b of baseline.deliveries) {
    const d = deliveries.get(`${b.message_id}|${b.agent_id}`);
    check(d, `delivery ${b.message_id}→${b.agent_id} lost`);
    if (b.status === "acknowledged") {
      check(d.status === "acknowledged" && d.attempt === b.attempt, `acknowledged delivery ${b.message_id}→${b.agent_id} changed to ${d.status}/${d.attempt}`);
    }
  }
  const tasks = new Map(now.tasks.map((t) => [t.id, t]));
  for (const b of baseline.tasks) {
    if (b.status !== "completed") continue;
    const t = tasks.get(b.id)!;
    check(t.status === "completed" && t.completed_at === b.completed_at && t.result === b.result, `completed task ${b.task_key} changed after the kill`);
  }
}

interface FakeProcess {
  pid: number;
  /** Its parent: the supervisor maos started, whose pid is the one recorded for the attempt. */
  ppid: number;
  sessionId: string;
  task: string | null;
  startedAt: number;
  /** Every mailbox line ("[message from @x (type)] text") the process received, with repeats. */
  mailLines: string[];
  /** When it last read a message or finished a turn (it was working until then). */
  lastWorkAt: number;
}

function taskOfArgv(argv: unknown): string | null {
  if (!Array.isArray(argv)) return null;
  return /You are the agent for task @([A-Za-z0-9_.-]+),/.exec(argv.join("\n"))?.[1] ?? null;
}

/**
 * The fake agents' processes as their log tells them (start, every user message they read,
 * every turn they finished), plus the work they did on disk (workFile lines "<pid> <ms> …").
 */
export function fakeProcesses(logDir: string, workFile?: string): FakeProcess[] {
  const processes = new Map<string, FakeProcess>();
  const byPid = new Map<number, FakeProcess>();
  let entries: FakeLogEntry[];
  try {
    entries = readFakeAgentLog(logDir);
  } catch {
    // A leftover agent may be appending right now: read what parses.
    entries = [];
  }
  for (const e of entries) {
    if (e.event === "start") {
      const p: FakeProcess = { pid: e.pid, ppid: Number(e.ppid), sessionId: String(e.sessionId), task: taskOfArgv(e.argv), startedAt: e.t, mailLines: [], lastWorkAt: e.t };
      processes.set(`${e.pid}|${e.sessionId}|${e.t}`, p);
      byPid.set(e.pid, p);
    } else if (e.event === "message" || e.event === "result") {
      const p = byPid.get(e.pid);
      if (!p) continue;
      p.lastWorkAt = Math.max(p.lastWorkAt, e.t);
      if (e.event !== "message") continue;
      for (const line of String(e.text ?? "").split("\n")) if (line.startsWith("[message from @")) p.mailLines.push(line);
    }
  }
  if (workFile && existsSync(workFile)) {
    for (const line of readFileSync(workFile, "utf8").split("\n")) {
      const [pid, at] = line.split(" ").map(Number);
      const p = byPid.get(pid!);
      if (p && Number.isFinite(at)) p.lastWorkAt = Math.max(p.lastWorkAt, at!);
    }
  }
  return [...processes.values()];
}

/** The end: completed, every task once, every message delivered where it had to be, each at most once per process. */
export function checkFinal(now: Snapshot, logDir: string, workFile?: string): void {
  check(now.status === "completed", `orchestration ended ${now.status}`);
  for (const t of now.tasks) check(t.status === "completed" && t.completed_count === 1, `task ${t.task_key} ended ${t.status}`);

  const processes = fakeProcesses(logDir, workFile);
  const taskKeyOf = new Map(now.tasks.map((t) => [t.id, t.task_key]));
  // No completed task's agent was started again (the fake's own log, not just maos's rows).
  for (const t of now.tasks) {
    const completedAt = parseSqlTime(t.completed_at!).getTime();
    const late = processes.filter((p) => p.task === t.task_key && p.startedAt > completedAt);
    check(late.length === 0, `task ${t.task_key} completed at ${t.completed_at} but an agent for it started at ${new Date(late[0]?.startedAt ?? 0).toISOString()}`);
  }
  // Two agents never worked one task at once: a process of a killed run did nothing once the next one for its task started.
  for (const t of now.tasks) {
    const mine = processes.filter((p) => p.task === t.task_key).sort((a, b) => a.startedAt - b.startedAt);
    for (let i = 1; i < mine.length; i++) {
      const busy = mine.slice(0, i).find((p) => p.lastWorkAt > mine[i]!.startedAt);
      check(!busy, `@${t.task_key}: agent process ${busy?.pid} was still working after process ${mine[i]!.pid} started for the same task`);
    }
  }
  // Each message reached each agent process at most once.
  for (const p of processes) {
    const seen = new Map<string, number>();
    for (const line of p.mailLines) seen.set(line, (seen.get(line) ?? 0) + 1);
    for (const [line, n] of seen) check(n === 1, `agent process ${p.pid} (@${p.task}) received "${line}" ${n} times`);
  }

  const messages = new Map(now.messages.map((m) => [m.id, m]));
  const attemptOf = new Map(now.attempts.map((a) => [`${a.task_id}#${a.attempt}`, a]));
  const fromTask = (agentId: string) => taskKeyOf.get(agentId) ?? "?";
  for (const d of now.deliveries) {
    const m = messages.get(d.message_id)!;
    const line = formatDelivery({ fromTask: fromTask(m.from_agent), type: m.message_type as never, text: m.message });
    // A message sent before its recipient's completing attempt started was in that attempt's prompt (or acknowledged earlier).
    const completing = now.attempts.find((a) => a.task_id === d.agent_id && a.status === "completed")!;
    if (m.timestamp < completing.started_at) {
      check(d.status === "acknowledged", `message ${m.id} ("${m.message}") sent before @${fromTask(d.agent_id)} last started is still ${d.status}`);
    }
    // Pending, or undeliverable (its recipient finished first): recorded against no attempt.
    if (d.status === "pending" || d.status === "undeliverable") continue;
    // The attempt it is recorded against really got it, once (an acknowledged one for sure).
    const attempt = attemptOf.get(`${d.agent_id}#${d.attempt}`);
    check(attempt, `delivery ${m.id}→${fromTask(d.agent_id)} names attempt ${d.attempt}, which does not exist`);
    const proc = processes.find((p) => p.ppid === attempt.pid && p.task === fromTask(d.agent_id));
    const count = proc ? proc.mailLines.filter((l) => l === line).length : 0;
    if (d.status === "acknowledged") {
      check(count === 1, `acknowledged message ${m.id} ("${m.message}") reached attempt ${d.attempt} of @${fromTask(d.agent_id)} ${count} times`);
    } else check(count <= 1, `message ${m.id} reached attempt ${d.attempt} of @${fromTask(d.agent_id)} ${count} times`);
  }
}

// ---------------------------------------------------------------------------
// The scenario
// ---------------------------------------------------------------------------

export interface ScenarioOptions {
  seed: number;
  /** Kills to attempt (a phase that finishes before its kill moment ends the scenario early). */
  kills: number;
  /** An empty working directory for this scenario (realpath). */
  dir: string;
  /** Upper bound of a kill delay, in ms. */
  maxDelayMs?: number;
  log?: (line: string) => void;
}

export interface ScenarioResult {
  seed: number;
  orchestrationId: string;
  kills: number;
  /** Resumes that were killed (the rest of the kills hit `orchestrate`). */
  killedResumes: number;
  resumes: number;
  /** Agent processes of killed runs that a resume found alive and stopped. */
  leftoversStopped: number;
  events: number;
  messages: number;
  ms: number;
}

/** Runs one scenario; throws (naming the seed) when an invariant breaks. */
export async function runCrashScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const { seed, dir } = options;
  const random = rng(seed);
  const maxDelay = options.maxDelayMs ?? 1800;
  const started = performance.now();
  const dbPath = join(dir, "maos.db");
  const logDir = join(dir, "log");
  const shape = randomShape(random);
  writeFileSync(join(dir, "plan.json"), JSON.stringify({ summary: "crash test", tasks: crashPlanTasks }));
  writeFileSync(join(dir, "script.json"), JSON.stringify(crashScript(shape)));
  const env = scenarioEnv(dir);
  const history: string[] = [];
  const note = (text: string) => {
    history.push(text);
    options.log?.(text);
  };
  let kills = 0;
  let killedResumes = 0;
  let resumes = 0;
  let baseline: Snapshot | null = null;
  let lastRun: MaosRun | null = null;
  const orchestrate = () =>
    (lastRun = spawnMaosIn(dir, ["orchestrate", "crash test", "--plan", "plan.json", "--auto", "--max-parallel", "3", "--db", dbPath], env));
  try {
    let run = orchestrate();
    let resuming = false;
    let finished = false;
    for (let phase = 0; phase < options.kills; phase++) {
      // A quarter of the first kills land in maos's first 150 ms: opening the database, recording, planning.
      const delay = between(random, 0, phase === 0 && random() < 0.25 ? 150 : maxDelay);
      await Bun.sleep(delay);
      const killed = await killHard(run);
      if (!killed) {
        const exited = { code: run.proc.exitCode, stderr: await run.stderr };
        if (exited.code !== 0) throw new Error(`maos exited ${exited.code} before its kill:\n${tail(exited.stderr)}`);
        note(`phase ${phase}: finished before the kill at ${delay} ms`);
        finished = true;
        break;
      }
      kills++;
      if (resuming) killedResumes++;
      const now = snapshot(dbPath);
      note(`phase ${phase}: ${resuming ? "resume" : "orchestrate"} killed after ${delay} ms (${now.events.length} events, ${now.messages.length} messages, tasks ${now.tasks.map((t) => `${t.task_key}:${t.status}`).join(" ")})`);
      checkState(now, baseline);
      baseline = now;
      if (!now.orchestrationId) {
        // Killed before the orchestration was recorded: nothing to resume, the user runs it again.
        run = orchestrate();
        resuming = false;
        continue;
      }
      resumes++;
      run = spawnMaosIn(dir, ["orchestration", "resume", now.orchestrationId.slice(0, 8), "--auto", "--db", dbPath], env);
      lastRun = run;
      resuming = true;
    }
    if (!finished) {
      const result = await finish(run);
      if (result.code !== 0) throw new Error(`the last run exited ${result.code}:\n${tail(result.stderr)}`);
    }
    const end = snapshot(dbPath);
    checkState(end, baseline);
    checkFinal(end, logDir, join(dir, "work.log"));
    const leftoversStopped =
      withDb(dbPath, (db) =>
        db
          .query<{ summary: string }, []>("SELECT summary FROM resumes")
          .all()
          .reduce((n, r) => n + (JSON.parse(r.summary) as { stoppedPids: number[] }).stoppedPids.length, 0),
      ) ?? 0;
    note(`completed: ${end.events.length} events, ${end.messages.length} messages, ${end.attempts.length} attempts, ${leftoversStopped} leftover agents stopped`);
    return {
      seed,
      orchestrationId: end.orchestrationId!,
      kills,
      killedResumes,
      resumes,
      leftoversStopped,
      events: end.events.length,
      messages: end.messages.length,
      ms: Math.round(performance.now() - started),
    };
  } catch (error) {
    if (lastRun) await killHard(lastRun);
    const stderr = lastRun ? tail(await lastRun.stderr, 15) : "";
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(
      `crash scenario seed ${seed} failed: ${message}\n` +
        `  replay (kill moments depend on timing too): bun run soak --iterations 1 --seed ${seed} --kills ${options.kills}\n` +
        `  (MAOS_KEEP_TEMP=1 keeps the scenario directory ${dir}: maos.db, log/agents.jsonl)\n` +
        `  history:\n    ${history.join("\n    ")}\n  last maos stderr:\n${stderr}`,
      { cause: error },
    );
  }
}
