/**
 * Fixture data written through the store API (never raw SQL), so tests see rows exactly
 * as maos writes them. Times are controlled with bun:test's setSystemTime, which the
 * store's sqlNow() follows.
 */
import type { Database } from "bun:sqlite";
import { setSystemTime } from "bun:test";
import { hostname } from "node:os";
import { join } from "node:path";
import type { MessageType, OrchestrationStatus, TaskStatus } from "../../src/domain/status.ts";
import { createCheckpoint } from "../../src/orchestrator/checkpoint.ts";
import { activateAgent, addAgentUsage, insertAgent, setAgentStatus, touchAgent } from "../../src/store/agents.ts";
import { endAttempt, insertAttempt, setAttemptPid } from "../../src/store/attempts.ts";
import { openDatabase } from "../../src/store/db.ts";
import { eventInserter, insertEvent, nextEventSeq } from "../../src/store/events.ts";
import { acknowledgeDelivered, insertDelivery, insertMessage, markDelivered } from "../../src/store/messages.ts";
import {
  defaultRunOptions as productDefaults,
  insertOrchestration,
  refreshTotals,
  saveHeartbeat,
  setOrchestrationStatus,
  setPlan,
  type RunOptions,
} from "../../src/store/orchestrations.ts";
import { insertResume } from "../../src/store/resumes.ts";
import { addSessionUsage, saveSessionProgress, setSessionStatus, upsertSession } from "../../src/store/sessions.ts";
import { addTaskUsage, finishTask, insertTask, setTaskStatus, startTaskAttempt, taskId } from "../../src/store/tasks.ts";
import { sqlNow } from "../../src/store/time.ts";
import { tempDir } from "./claude-env.ts";

export const defaultRunOptions: RunOptions = { ...productDefaults, maxParallel: 2 };

export interface TestDb {
  dir: string;
  path: string;
  db: Database;
  /** Closes the handle and removes the directory. */
  cleanup: () => void;
}

/** A fresh database in its own temporary directory, created (and migrated) by openDatabase. */
export function createTestDb(): TestDb {
  const { path: dir, cleanup: remove } = tempDir();
  const path = join(dir, "maos.db");
  const db = openDatabase(path, { durability: "normal" });
  return {
    dir,
    path,
    db,
    cleanup: () => {
      db.close(false);
      remove();
    },
  };
}

/** A pid that belonged to a process that has exited (an orchestration owner that crashed). */
export function deadPid(): number {
  const child = Bun.spawnSync(["true"]);
  return child.pid;
}

export interface TaskSpec {
  key: string;
  type?: string;
  deps?: string[];
  status?: TaskStatus;
  /** Attempts started (default 1 for running/completed/failed, 0 otherwise). */
  attempts?: number;
  cost?: number;
  result?: string;
  error?: string;
  /** Stream events written per attempt. */
  events?: number;
}

export interface MessageSpec {
  from: string;
  /** A task key, or undefined for a broadcast. */
  to?: string;
  type?: MessageType;
  text: string;
  state?: "pending" | "delivered" | "acknowledged";
  at?: Date;
}

export interface OrchestrationSpec {
  id?: string;
  request?: string;
  /** Final stored status (default running). */
  status?: OrchestrationStatus;
  /** For running ones: a live owner (this process) or a dead one (a crash). */
  owner?: "live" | "dead";
  /** When everything is written (default now). */
  at?: Date;
  tasks?: TaskSpec[];
  messages?: MessageSpec[];
  checkpoints?: { name?: string; kind?: "manual" | "auto"; at?: Date }[];
  resumes?: number;
}

export interface BuiltOrchestration {
  id: string;
  taskIds: Record<string, string>;
  sessionIds: Record<string, string>;
  messageIds: number[];
  checkpointNames: string[];
}

/** Runs fn with the clock (as seen by sqlNow) set to `at`. */
function at<T>(when: Date | undefined, fn: () => T): T {
  if (!when) return fn();
  setSystemTime(when);
  try {
    return fn();
  } finally {
    setSystemTime();
  }
}

function writeTask(db: Database, orchestrationId: string, spec: TaskSpec, position: number, cwd: string): string | undefined {
  const id = insertTask(db, {
    orchestrationId,
    key: spec.key,
    position,
    agentType: spec.type ?? "developer",
    description: `Do ${spec.key}`,
    dependsOn: spec.deps ?? [],
  });
  insertAgent(db, { id, name: spec.key, type: spec.type ?? "developer", orchestrationId, taskId: id, capabilities: ["Read"], source: "builtin" });
  const status = spec.status ?? "pending";
  const attempts = spec.attempts ?? (["running", "completed", "failed"].includes(status) ? 1 : 0);
  const sessionId = crypto.randomUUID();
  const events = eventInserter(db);
  for (let n = 1; n <= attempts; n++) {
    const attempt = startTaskAttempt(db, id, sessionId);
    upsertSession(db, { sessionId, agentId: id, orchestrationId, task: `Do ${spec.key}`, cwd, claudeConfigDir: null });
    const attemptId = insertAttempt(db, { orchestrationId, taskId: id, agentId: id, attempt, sessionId, resumed: n > 1, budgetShareUsd: null });
    setAttemptPid(db, attemptId, 40_000 + n);
    activateAgent(db, id, { pid: 40_000 + n, sessionId, attempt });
    for (let e = 0; e < (spec.events ?? 3); e++) {
      const seq = nextEventSeq(db, id);
      insertEvent(events, {
        orchestration_id: orchestrationId,
        agent_id: id,
        session_id: sessionId,
        attempt,
        seq,
        ts: sqlNow(),
        type: "assistant",
        subtype: null,
        raw: JSON.stringify({ type: "assistant", n: seq }),
      });
      touchAgent(db, id, seq, `step ${seq}`);
    }
    saveSessionProgress(db, sessionId, { conversation: [{ role: "user", text: `Do ${spec.key}` }], turnsDelta: 1 });
    const last = n === attempts;
    if (!last) {
      endAttempt(db, attemptId, { status: "interrupted", cause: "maos-stopped", reason: "maos was stopped", stderrTail: null });
      continue;
    }
    if (status === "running") continue;
    const usage = { costUsd: spec.cost ?? 0.01, inputTokens: 100, outputTokens: 50, numTurns: 2, durationMs: 1500 };
    addTaskUsage(db, id, usage);
    addAgentUsage(db, id, usage);
    addSessionUsage(db, sessionId, usage);
    if (status === "completed") {
      endAttempt(db, attemptId, { status: "completed", cause: "completed", reason: null, stderrTail: null });
      finishTask(db, id, { status: "completed", result: spec.result ?? `${spec.key} done`, error: null });
      setAgentStatus(db, id, "completed");
    } else {
      endAttempt(db, attemptId, { status: "failed", cause: "failed", reason: spec.error ?? "it broke", stderrTail: "boom" });
      finishTask(db, id, { status: "failed", result: null, error: spec.error ?? "it broke" });
      setAgentStatus(db, id, "failed");
    }
    setSessionStatus(db, sessionId, "ended");
  }
  if (status === "blocked" || status === "cancelled") setTaskStatus(db, id, status, status === "blocked" ? "a dependency failed" : null);
  return attempts > 0 ? sessionId : undefined;
}

function writeMessage(db: Database, orchestrationId: string, keys: string[], m: MessageSpec): number {
  const from = taskId(orchestrationId, m.from);
  const to = m.to === undefined ? null : taskId(orchestrationId, m.to);
  const id = insertMessage(db, {
    orchestrationId,
    fromAgent: from,
    toAgent: to,
    toTask: m.to ?? null,
    type: m.type ?? (to ? "message" : "broadcast"),
    text: m.text,
    undeliverable: false,
    idempotencyKey: crypto.randomUUID(),
  })!;
  const recipients = to ? [to] : keys.map((k) => taskId(orchestrationId, k)).filter((a) => a !== from);
  for (const agent of recipients) {
    insertDelivery(db, id, agent, orchestrationId);
    if (m.state === "delivered" || m.state === "acknowledged") markDelivered(db, id, agent, 1, "stdin");
  }
  if (m.state === "acknowledged") for (const agent of recipients) acknowledgeDelivered(db, agent, 1);
  return id;
}

/** Writes one orchestration with its tasks, agents, sessions, attempts, events, messages, checkpoints and resumes. */
export function buildOrchestration(db: Database, spec: OrchestrationSpec = {}): BuiltOrchestration {
  const id = spec.id ?? crypto.randomUUID();
  const cwd = "/tmp/project";
  const tasks = spec.tasks ?? [];
  const built: BuiltOrchestration = { id, taskIds: {}, sessionIds: {}, messageIds: [], checkpointNames: [] };
  at(spec.at, () => {
    insertOrchestration(db, {
      id,
      request: spec.request ?? `Request for ${id.slice(0, 8)}`,
      cwd,
      claudeConfigDir: null,
      ownerPid: spec.owner === "dead" ? deadPid() : process.pid,
      ownerHost: hostname(),
      saveIntervalS: 30,
      options: defaultRunOptions,
    });
    const plan = {
      summary: "fixture plan",
      tasks: tasks.map((t) => ({ id: t.key, agent_type: t.type ?? "developer", description: `Do ${t.key}`, depends_on: t.deps ?? [] })),
    };
    setPlan(db, id, plan, [tasks.map((t) => t.key)], tasks.map((t) => taskId(id, t.key)));
    tasks.forEach((t, i) => {
      built.taskIds[t.key] = taskId(id, t.key);
      const session = writeTask(db, id, t, i, cwd);
      if (session) built.sessionIds[t.key] = session;
    });
  });
  for (const m of spec.messages ?? []) {
    at(m.at ?? spec.at, () => built.messageIds.push(writeMessage(db, id, tasks.map((t) => t.key), m)));
  }
  (spec.checkpoints ?? []).forEach((c, i) => {
    const name = c.name ?? `cp-${id.slice(0, 8)}-${i + 1}`;
    at(c.at ?? spec.at, () => built.checkpointNames.push(createCheckpoint(db, id, c.kind ?? "manual", name).name));
  });
  at(spec.at, () => {
    for (let r = 0; r < (spec.resumes ?? 0); r++) {
      insertResume(db, id, 50_000 + r, "paused", {
        continued: tasks.filter((t) => t.status === "running").map((t) => t.key),
        started: [],
        done: tasks.filter((t) => t.status === "completed").map((t) => t.key),
        messagesWaiting: r,
        addedTask: null,
        stoppedPids: [],
      });
    }
    refreshTotals(db, id);
    saveHeartbeat(db, id, { activeAgents: tasks.filter((t) => t.status === "running").length });
    const status = spec.status ?? "running";
    if (status !== "running") setOrchestrationStatus(db, id, status, status === "completed" ? "all done" : undefined);
  });
  return built;
}

/** A typical mixed orchestration: 2 done, 1 running, 2 pending; messages in every delivery state. */
export function standardSpec(overrides: OrchestrationSpec = {}): OrchestrationSpec {
  return {
    request: "Build a complete web application with auth and tests",
    tasks: [
      { key: "analyze", type: "analyst", status: "completed", cost: 0.1, result: "Requirements: login, signup" },
      { key: "design", type: "architect", status: "completed", deps: ["analyze"], cost: 0.2, attempts: 2 },
      { key: "build", type: "developer", status: "running", deps: ["design"] },
      { key: "test", type: "tester", status: "pending", deps: ["build"] },
      { key: "review", type: "reviewer", status: "pending", deps: ["build"] },
    ],
    messages: [
      { from: "analyze", text: "DISCOVERY: uses postgres", type: "discovery", state: "acknowledged" },
      { from: "design", to: "build", text: "use the repository pattern", state: "delivered" },
      { from: "build", to: "design", type: "request", text: "which ORM?", state: "pending" },
    ],
    checkpoints: [{}],
    resumes: 1,
    ...overrides,
  };
}
