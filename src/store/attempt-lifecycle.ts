/**
 * An attempt's state changes, one function each: every row an attempt touches moves in
 * the call that owns the transition. Callers run them inside a transaction (store/tx.ts).
 */
import type { Database } from "bun:sqlite";
import type { AgentStatus } from "../domain/status.ts";
import { activateAgent, addAgentUsage, setAgentSession, setAgentStatus } from "./agents.ts";
import { endAttempt, insertAttempt, setAttemptPid } from "./attempts.ts";
import { nextEventSeq } from "./events.ts";
import { addSessionUsage, saveSessionProgress, setSessionStatus, upsertSession, type Conversation } from "./sessions.ts";
import { addTaskUsage, finishTask, startTaskAttempt } from "./tasks.ts";

export interface AttemptIdentity {
  orchestrationId: string;
  taskId: string;
  agentId: string;
}

export interface BeginAttempt extends AttemptIdentity {
  sessionId: string;
  resumed: boolean;
  cwd: string;
  claudeConfigDir: string | null;
  budgetShareUsd: number | null;
}

export interface BegunAttempt {
  attempt: number;
  attemptRowId: number;
  /** The agent's next event sequence number (sequences continue across attempts). */
  nextSeq: number;
}

/** The task runs a new attempt: task, attempt row, session and agent move together. */
export function beginAttempt(db: Database, a: BeginAttempt): BegunAttempt {
  const attempt = startTaskAttempt(db, a.taskId, a.sessionId);
  const attemptRowId = insertAttempt(db, { ...a, attempt });
  upsertSession(db, { sessionId: a.sessionId, agentId: a.agentId, orchestrationId: a.orchestrationId, task: a.taskId, cwd: a.cwd, claudeConfigDir: a.claudeConfigDir });
  activateAgent(db, a.agentId, { pid: 0, sessionId: a.sessionId, attempt });
  return { attempt, attemptRowId, nextSeq: nextEventSeq(db, a.agentId) };
}

/** The process runs: its pid is recorded so a resume can find an orphan. */
export function attemptSpawned(db: Database, a: { attemptRowId: number; agentId: string; pid: number; sessionId: string; attempt: number }): void {
  setAttemptPid(db, a.attemptRowId, a.pid);
  activateAgent(db, a.agentId, { pid: a.pid, sessionId: a.sessionId, attempt: a.attempt });
}

/** claude chose another session id (e.g. a forked resume): follow it so a later resume finds it. */
export function attemptSessionChanged(db: Database, a: BeginAttempt): void {
  setAgentSession(db, a.agentId, a.sessionId);
  upsertSession(db, { sessionId: a.sessionId, agentId: a.agentId, orchestrationId: a.orchestrationId, task: a.taskId, cwd: a.cwd, claudeConfigDir: a.claudeConfigDir });
}

export interface AttemptEnd extends AttemptIdentity {
  attemptRowId: number;
  sessionId: string;
  status: "completed" | "failed" | "interrupted";
  cause: string;
  reason: string | null;
  stderrTail: string | null;
  resultText: string | null;
  usage: { costUsd: number; inputTokens: number; outputTokens: number; numTurns: number; durationMs: number };
  conversation: Conversation;
  turnsDelta: number;
}

/** The attempt ended: its row, usage, session, agent and task, in one call. */
export function finishAttempt(db: Database, e: AttemptEnd): void {
  endAttempt(db, e.attemptRowId, { status: e.status, cause: e.cause, reason: e.reason, stderrTail: e.stderrTail });
  addTaskUsage(db, e.taskId, e.usage);
  addAgentUsage(db, e.agentId, e.usage);
  addSessionUsage(db, e.sessionId, e.usage);
  saveSessionProgress(db, e.sessionId, { conversation: e.conversation, turnsDelta: e.turnsDelta });
  setSessionStatus(db, e.sessionId, e.status);
  setAgentStatus(db, e.agentId, e.status as AgentStatus);
  finishTask(db, e.taskId, {
    status: e.status === "completed" ? "completed" : e.status === "interrupted" ? "pending" : "failed",
    result: e.resultText,
    error: e.reason,
  });
}
