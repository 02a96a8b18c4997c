/**
 * What the readers (`maos logs`, the dashboard) need from the store, as plain functions:
 * observe/ and web/ never see the database handle; orchestrator/observe-source.ts binds
 * these to one.
 */
import type { EventRow } from "../store/events.ts";

export interface AttemptInfo {
  agent: string;
  attempt: number;
  session_id: string;
  resumed: boolean;
  status: string;
  reason: string | null;
  started_at: string;
  ended_at: string | null;
}

export interface ResumeInfo {
  created_at: string;
  pid: number;
  previous_status: string;
}

export interface RunState {
  /** Stored status. */
  status: string;
  /** What people see ('paused (interrupted)' for a crashed owner). */
  display_status: string;
  final: boolean;
}

export interface EventReader {
  page(afterId: number, limit: number): EventRow[];
  lastId(): number;
  /** The cursor just before the first event at or after a SQLite time. */
  idBefore(time: string): number;
  state(): RunState | null;
  attempts(): AttemptInfo[];
  resumes(): ResumeInfo[];
  /** The attempt of an agent's event by its per-agent sequence (null when there is none). */
  attemptOf(agentId: string, seq: number): number | null;
}
