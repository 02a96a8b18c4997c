/**
 * Separators between the events of a transcript: where an agent attempt begins (a
 * retry, or a resumed session, with how the previous attempt ended) and where the
 * orchestration was resumed by another process.
 *
 * Both are decided from the data, not from what this reader happened to see first, so
 * `maos logs`, a dashboard that reconnects mid-stream and one that read from the start
 * put the same separators before the same events: an event starts an attempt when the
 * agent's previous event (by its per-agent sequence) belongs to an earlier attempt, and
 * a resume shows before the first event committed after it.
 */
import type { EventRow } from "../store/events.ts";
import type { AttemptInfo, ResumeInfo } from "./source.ts";
import { taskKeyOf } from "./transcript.ts";

export type Mark =
  | {
      kind: "attempt";
      agent: string;
      attempt: number;
      resumed: boolean;
      session_id: string | null;
      /** How the attempt before it ended (null for the first, or when unknown). */
      previous: { attempt: number; status: string; reason: string | null } | null;
    }
  | { kind: "resume"; at: string; pid: number; previous_status: string };

export interface MarkLoader {
  attempts(): AttemptInfo[];
  resumes(): ResumeInfo[];
  attemptOf(agentId: string, seq: number): number | null;
}

export class MarkTracker {
  /** Per agent: the attempt and sequence of the last event seen. */
  private readonly last = new Map<string, { attempt: number; seq: number }>();
  private attempts: AttemptInfo[] = [];
  private resumes: ResumeInfo[] = [];
  private loaded = false;
  private lastTs: string | null = null;

  constructor(private readonly loader: MarkLoader) {}

  private reload(): void {
    this.attempts = this.loader.attempts();
    this.resumes = this.loader.resumes();
    this.loaded = true;
  }

  private find(agent: string, attempt: number): AttemptInfo | undefined {
    return this.attempts.find((a) => a.agent === agent && a.attempt === attempt);
  }

  private startsAttempt(row: EventRow): boolean {
    if (row.seq <= 1) return true;
    const seen = this.last.get(row.agent_id);
    const previous = seen && seen.seq === row.seq - 1 ? seen.attempt : this.loader.attemptOf(row.agent_id, row.seq - 1);
    return previous === null || previous < row.attempt;
  }

  /** The separators to show before this event (in order). Call for every event, in position order. */
  before(row: EventRow): Mark[] {
    const marks: Mark[] = [];
    const starts = this.startsAttempt(row);
    this.last.set(row.agent_id, { attempt: row.attempt, seq: row.seq });
    const agent = taskKeyOf(row.agent_id);
    // Attempts and resumes rows are written before an attempt's first event: reload when one is new.
    if (!this.loaded || (starts && !this.find(agent, row.attempt))) this.reload();
    if (this.lastTs === null) this.lastTs = row.ts;
    for (const r of this.resumes) {
      if (r.created_at > this.lastTs && r.created_at <= row.ts) {
        marks.push({ kind: "resume", at: r.created_at, pid: r.pid, previous_status: r.previous_status });
      }
    }
    this.lastTs = row.ts;
    if (!starts) return marks;
    const info = this.find(agent, row.attempt);
    const prev = this.find(agent, row.attempt - 1);
    marks.push({
      kind: "attempt",
      agent,
      attempt: row.attempt,
      resumed: info?.resumed ?? false,
      session_id: info?.session_id ?? null,
      previous: prev ? { attempt: prev.attempt, status: prev.status, reason: prev.reason } : null,
    });
    return marks;
  }
}
