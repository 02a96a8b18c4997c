import type { Database } from "bun:sqlite";
import * as v from "valibot";
import { sqlNow } from "./time.ts";

export interface SessionRow {
  session_id: string;
  agent_id: string;
  task: string | null;
  conversation_history: string | null;
  turn_count: number;
  total_cost: number;
  status: string;
  created_at: string;
  updated_at: string | null;
  orchestration_id: string;
  cwd: string;
  claude_config_dir: string | null;
  input_tokens: number;
  output_tokens: number;
}

export const ConversationSchema = v.array(v.object({ role: v.string(), text: v.string() }));
export type Conversation = v.InferOutput<typeof ConversationSchema>;

export interface NewSession {
  sessionId: string;
  agentId: string;
  orchestrationId: string;
  task: string;
  cwd: string;
  claudeConfigDir: string | null;
}

/** Creates the session row, or reopens it when a later attempt resumes the same Claude session. */
export function upsertSession(db: Database, s: NewSession): void {
  const now = sqlNow();
  db.query(
    `INSERT INTO sessions (session_id, agent_id, orchestration_id, task, cwd, claude_config_dir, conversation_history,
       status, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, '[]', 'active', ?, ?)
     ON CONFLICT(session_id) DO UPDATE SET status = 'active', updated_at = excluded.updated_at`,
  ).run(s.sessionId, s.agentId, s.orchestrationId, s.task, s.cwd, s.claudeConfigDir, now, now);
}

export interface SessionProgress {
  conversation: Conversation;
  turnsDelta: number;
}

export function saveSessionProgress(db: Database, sessionId: string, p: SessionProgress): void {
  db.query(
    `UPDATE sessions SET conversation_history = ?, turn_count = turn_count + ?, updated_at = ? WHERE session_id = ?`,
  ).run(JSON.stringify(p.conversation), p.turnsDelta, sqlNow(), sessionId);
}

export function addSessionUsage(
  db: Database,
  sessionId: string,
  u: { costUsd: number; inputTokens: number; outputTokens: number },
): void {
  db.query(
    `UPDATE sessions SET total_cost = total_cost + ?, input_tokens = input_tokens + ?, output_tokens = output_tokens + ?,
       updated_at = ? WHERE session_id = ?`,
  ).run(u.costUsd, u.inputTokens, u.outputTokens, sqlNow(), sessionId);
}

export function setSessionStatus(db: Database, sessionId: string, status: string): void {
  db.query("UPDATE sessions SET status = ?, updated_at = ? WHERE session_id = ?").run(status, sqlNow(), sessionId);
}
