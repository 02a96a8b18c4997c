import type { Database } from "bun:sqlite";
import type { AgentStatus } from "../domain/status.ts";
import { sqlNow } from "./time.ts";

export interface AgentRow {
  id: string;
  name: string;
  type: string | null;
  session_id: string | null;
  process_id: string | null;
  status: AgentStatus;
  capabilities: string | null;
  created_at: string;
  last_active: string | null;
  metadata: string | null;
  orchestration_id: string;
  task_id: string;
  attempt: number;
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
  num_turns: number;
  duration_ms: number;
  last_seq: number;
  last_activity: string | null;
}

export interface NewAgent {
  id: string;
  name: string;
  type: string;
  orchestrationId: string;
  taskId: string;
  capabilities: string[];
  source: string;
}

export function insertAgent(db: Database, a: NewAgent): void {
  db.query(
    `INSERT INTO agents (id, name, type, orchestration_id, task_id, capabilities, metadata, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(a.id, a.name, a.type, a.orchestrationId, a.taskId, JSON.stringify(a.capabilities), JSON.stringify({ source: a.source }), sqlNow());
}

export function listAgents(db: Database, orchestrationId: string): AgentRow[] {
  return db
    .query<AgentRow, [string]>(
      `SELECT agents.* FROM agents JOIN tasks ON tasks.id = agents.task_id
       WHERE agents.orchestration_id = ? ORDER BY tasks.position`,
    )
    .all(orchestrationId);
}

export function getAgent(db: Database, id: string): AgentRow | null {
  return db.query<AgentRow, [string]>("SELECT * FROM agents WHERE id = ?").get(id);
}

/** An attempt starts: the actor becomes active with its process and session. */
export function activateAgent(db: Database, id: string, a: { pid: number; sessionId: string; attempt: number }): void {
  const now = sqlNow();
  db.query(
    `UPDATE agents SET status = 'active', process_id = ?, session_id = ?, attempt = ?, last_active = ? WHERE id = ?`,
  ).run(String(a.pid), a.sessionId, a.attempt, now, id);
}

export function setAgentSession(db: Database, id: string, sessionId: string): void {
  db.query("UPDATE agents SET session_id = ? WHERE id = ?").run(sessionId, id);
}

/** Progress from the stream: last sequence committed and a short text of what it is doing. */
export function touchAgent(db: Database, id: string, lastSeq: number, activity: string | null): void {
  db.query(
    "UPDATE agents SET last_seq = MAX(last_seq, ?), last_active = ?, last_activity = COALESCE(?, last_activity) WHERE id = ?",
  ).run(lastSeq, sqlNow(), activity, id);
}

export function setAgentStatus(db: Database, id: string, status: AgentStatus): void {
  db.query("UPDATE agents SET status = ?, last_active = ? WHERE id = ?").run(status, sqlNow(), id);
}

export function addAgentUsage(
  db: Database,
  id: string,
  u: { costUsd: number; inputTokens: number; outputTokens: number; numTurns: number; durationMs: number },
): void {
  db.query(
    `UPDATE agents SET cost_usd = cost_usd + ?, input_tokens = input_tokens + ?, output_tokens = output_tokens + ?,
       num_turns = num_turns + ?, duration_ms = duration_ms + ? WHERE id = ?`,
  ).run(u.costUsd, u.inputTokens, u.outputTokens, u.numTurns, u.durationMs, id);
}

export function markActiveAgentsInterrupted(db: Database, orchestrationId: string): number {
  return db
    .query("UPDATE agents SET status = 'interrupted' WHERE orchestration_id = ? AND status = 'active'")
    .run(orchestrationId).changes;
}

export function countAgentsByStatus(db: Database): Record<string, number> {
  const rows = db
    .query<{ status: string; n: number }, []>("SELECT status, COUNT(*) AS n FROM agents GROUP BY status")
    .all();
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Per orchestration, how many of its agents are marked active. */
export function countActiveAgentsByOrchestration(db: Database): Map<string, number> {
  const rows = db
    .query<{ orchestration_id: string; n: number }, []>(
      "SELECT orchestration_id, COUNT(*) AS n FROM agents WHERE status = 'active' GROUP BY orchestration_id",
    )
    .all();
  return new Map(rows.map((r) => [r.orchestration_id, r.n]));
}

/** An agent with its task key and how many messages it sent and was sent (for status tables). */
export interface AgentOverviewRow extends AgentRow {
  task_key: string;
  messages_sent: number;
  messages_received: number;
  /** The working directory of the agent's current session (where `claude --resume` finds it). */
  session_cwd: string | null;
}

export function listAgentOverviews(db: Database, orchestrationId: string): AgentOverviewRow[] {
  return db
    .query<AgentOverviewRow, { o: string }>(
      `SELECT agents.*, tasks.task_key, COALESCE(sent.n, 0) AS messages_sent,
         (SELECT COUNT(*) FROM deliveries d WHERE d.agent_id = agents.id) AS messages_received,
         (SELECT s.cwd FROM sessions s WHERE s.session_id = agents.session_id) AS session_cwd
       FROM agents JOIN tasks ON tasks.id = agents.task_id
       LEFT JOIN (SELECT from_agent, COUNT(*) AS n FROM messages WHERE orchestration_id = $o GROUP BY from_agent) sent
         ON sent.from_agent = agents.id
       WHERE agents.orchestration_id = $o ORDER BY tasks.position`,
    )
    .all({ o: orchestrationId });
}
