import type { Database } from "bun:sqlite";
import { finalOrchestrationStatuses, type OrchestrationStatus } from "../domain/status.ts";
import type { EventReader } from "../observe/source.ts";
import { taskKeyOf } from "../observe/transcript.ts";
import { listAttempts } from "../store/attempts.ts";
import { attemptOfEvent, eventIdBefore, lastEventId, pageEvents } from "../store/event-pages.ts";
import { getOrchestration } from "../store/orchestrations.ts";
import { listResumes } from "../store/resumes.ts";
import { displayStatus } from "./liveness.ts";

/** The events of one orchestration (optionally some of its agents), read through the store. */
export function eventReader(db: Database, orchestrationId: string, agentIds: readonly string[] | null = null): EventReader {
  return {
    page: (afterId, limit) => pageEvents(db, { orchestrationId, agentIds, afterId, limit }),
    lastId: () => lastEventId(db, orchestrationId),
    idBefore: (time) => eventIdBefore(db, orchestrationId, time),
    state() {
      const row = getOrchestration(db, orchestrationId);
      if (!row) return null;
      return {
        status: row.status,
        display_status: displayStatus(row),
        final: finalOrchestrationStatuses.includes(row.status as OrchestrationStatus),
      };
    },
    attempts: () =>
      listAttempts(db, orchestrationId).map((a) => ({
        agent: taskKeyOf(a.agent_id),
        attempt: a.attempt,
        session_id: a.session_id,
        resumed: a.resumed === 1,
        status: a.status,
        reason: a.reason,
        started_at: a.started_at,
        ended_at: a.ended_at,
      })),
    attemptOf: (agentId, seq) => attemptOfEvent(db, agentId, seq),
    resumes: () => listResumes(db, orchestrationId).map((r) => ({ created_at: r.created_at, pid: r.pid, previous_status: r.previous_status })),
  };
}
