import type { Database } from "bun:sqlite";
import type { EventReader } from "../observe/source.ts";
import { orchestrationSignature } from "../store/mailbox-view.ts";
import { getOrchestration } from "../store/orchestrations.ts";
import { listTasks } from "../store/tasks.ts";
import { messageAgent, pauseRun, resumeRun, type ActionResult, type MessageRequest } from "./dashboard-actions.ts";
import { listRuns, runDetail, runMailbox, type RunDetail, type RunListEntry } from "./dashboard-data.ts";
import { eventReader } from "./observe-source.ts";

/** Everything the web server needs, bound to one database; src/web never sees the handle. */
export interface DashboardBackend {
  runs(limit: number): RunListEntry[];
  run(id: string): RunDetail | null;
  mailbox(id: string, limit: number): ReturnType<typeof runMailbox>;
  exists(id: string): boolean;
  /** The events of a run, or of one of its agents (null when it has no such task). */
  reader(id: string, agent: string | null): EventReader | null;
  signature(id: string): string;
  pause(id: string, actor: string): ActionResult;
  resume(id: string, actor: string): ActionResult;
  message(id: string, actor: string, m: MessageRequest): ActionResult;
}

export function dashboardBackend(db: Database, dbPath: string): DashboardBackend {
  return {
    runs: (limit) => listRuns(db, limit),
    run: (id) => runDetail(db, id),
    mailbox: (id, limit) => runMailbox(db, id, limit),
    exists: (id) => getOrchestration(db, id) !== null,
    reader(id, agent) {
      if (agent === null) return eventReader(db, id);
      const task = listTasks(db, id).find((t) => t.task_key === agent);
      return task ? eventReader(db, id, [task.id]) : null;
    },
    signature: (id) => orchestrationSignature(db, id),
    pause: (id, actor) => pauseRun({ db, dbPath, actor }, id),
    resume: (id, actor) => resumeRun({ db, dbPath, actor }, id),
    message: (id, actor, m) => messageAgent({ db, dbPath, actor }, id, m),
  };
}
