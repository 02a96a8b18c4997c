/**
 * A task's life as segments on a time axis: the wait in the queue (from when it could
 * have started — its last dependency finished, or the run began — to its first attempt),
 * each attempt from start to end, and the gaps between attempts (a crash, a pause, a
 * retry's wait) left empty so they show as gaps.
 */
import { parseSqlTime } from "../store/time.ts";
import type { AttemptInfo } from "./source.ts";

export type Segment =
  | { kind: "queued"; from: number; to: number }
  | { kind: "attempt"; attempt: number; resumed: boolean; status: string; reason: string | null; from: number; to: number | null };

export interface TimelineTask {
  key: string;
  depends_on: readonly string[];
  completed_at: string | null;
}

const ms = (text: string) => parseSqlTime(text).getTime();

export function taskTimeline(task: TimelineTask, all: readonly TimelineTask[], attempts: readonly AttemptInfo[], runStart: string): Segment[] {
  const mine = attempts.filter((a) => a.agent === task.key).sort((a, b) => a.attempt - b.attempt);
  const segments: Segment[] = [];
  const first = mine[0];
  if (first) {
    const depsDone = all
      .filter((t) => task.depends_on.includes(t.key) && t.completed_at !== null)
      .map((t) => ms(t.completed_at!));
    const ready = Math.max(ms(runStart), ...depsDone);
    const start = ms(first.started_at);
    if (start > ready) segments.push({ kind: "queued", from: ready, to: start });
  }
  for (const a of mine) {
    segments.push({
      kind: "attempt",
      attempt: a.attempt,
      resumed: a.resumed,
      status: a.status,
      reason: a.reason,
      from: ms(a.started_at),
      to: a.ended_at === null ? null : ms(a.ended_at),
    });
  }
  return segments;
}
