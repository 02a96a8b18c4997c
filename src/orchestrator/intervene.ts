import type { Database } from "bun:sqlite";
import { hostname } from "node:os";
import { ConflictError, UsageError } from "../errors.ts";
import { markActiveAgentsInterrupted } from "../store/agents.ts";
import { interruptRunningAttempts, listRunningAttempts } from "../store/attempts.ts";
import {
  getIntervention,
  insertIntervention,
  listPendingInterventions,
  type InterventionAction,
  type InterventionRow,
} from "../store/interventions.ts";
import { claimOrchestration, getOrchestration, setOrchestrationStatus, setPlannerPid, type OrchestrationRow } from "../store/orchestrations.ts";
import { listTasks, requeueRunningTasks } from "../store/tasks.ts";
import { transaction } from "../store/tx.ts";
import { checkIntervention, requester, restateOrchestration, settleOnRows } from "./intervention.ts";
import { stopLeftoverAgents, stopLeftoverPlanner } from "./leftovers.ts";
import { isInterrupted } from "./liveness.ts";

export interface InterveneInput {
  db: Database;
  orchestrationId: string;
  action: InterventionAction;
  taskKey: string | null;
  fresh: boolean;
  resultText: string | null;
  /** How long to wait for a live owner to apply it. */
  waitMs: number;
  /** Told once, when a live owner is asked to apply it. */
  waiting?: (owner: OrchestrationRow) => void;
}

export interface InterveneResult {
  intervention: InterventionRow;
  /** Applied by the live process running the orchestration (else by this command). */
  byOwner: boolean;
  orchestration: OrchestrationRow;
}

const pollMs = 100;

function refuseOnState(o: OrchestrationRow, action: InterventionAction, taskKey: string | null): void {
  const short = o.id.slice(0, 8);
  if (o.status === "cancelled") {
    throw new UsageError(
      `orchestration ${short} is cancelled${o.summary ? ` (${o.summary})` : ""}`,
      `\`maos orchestration resume ${short} --force\` reopens it`,
    );
  }
  if (taskKey === null && o.status === "completed") throw new UsageError(`orchestration ${short} already completed; there is nothing to ${action}`);
}

/**
 * `maos orchestration retry|skip|cancel`: records the intervention (who, when, what), then
 * either applies it here — nobody runs the orchestration — or waits for its live owner to
 * apply it between scheduling steps. An owner that ends before applying it leaves it to
 * this command; one that crashed is settled first (its leftover agents stopped), like a resume.
 */
export async function intervene(input: InterveneInput): Promise<InterveneResult> {
  const { db, orchestrationId: id } = input;
  const start = getOrchestration(db, id)!;
  refuseOnState(start, input.action, input.taskKey);
  const request = { action: input.action, task_key: input.taskKey, fresh: input.fresh ? 1 : 0, result_text: input.resultText, requested_by: requester() };
  // Checked now for a clear error; checked again by whoever applies it, against the rows as they are then.
  checkIntervention(listTasks(db, id), request);
  const interventionId = transaction(db, () =>
    insertIntervention(db, {
      orchestrationId: id,
      taskKey: input.taskKey,
      action: input.action,
      fresh: input.fresh,
      resultText: input.resultText,
      requestedBy: request.requested_by,
      requestedPid: process.pid,
    }),
  );
  const deadline = Date.now() + input.waitMs;
  let told = false;
  for (;;) {
    const o = getOrchestration(db, id)!;
    const mine = getIntervention(db, interventionId)!;
    if (mine.status !== "pending") return { intervention: mine, byOwner: mine.applied_by_pid !== process.pid, orchestration: o };
    if (o.status === "running" && isInterrupted(o)) {
      await settleCrashed(db, o);
      continue;
    }
    if (o.status !== "running") {
      applyHere(db, id);
      continue;
    }
    if (!told) {
      input.waiting?.(o);
      told = true;
    }
    if (Date.now() > deadline) {
      throw new ConflictError(
        `process ${o.owner_pid} running orchestration ${id.slice(0, 8)} has not applied the ${input.action} within ${Math.round(input.waitMs / 1000)} s`,
        "it stays recorded and is applied at that process's next scheduling step, or by the next resume",
      );
    }
    await Bun.sleep(pollMs);
  }
}

/**
 * Applies every pending intervention, oldest first, in one transaction that first checks
 * nobody took the orchestration meanwhile (a resume claims it under the same write lock).
 */
function applyHere(db: Database, id: string): void {
  transaction(db, () => {
    const o = getOrchestration(db, id)!;
    if (o.status === "running") return;
    const applied = listPendingInterventions(db, id).filter((row) => settleOnRows(db, id, row));
    if (applied.length > 0) restateOrchestration(db, id, `${applied.map(describe).join(", ")} by ${applied.at(-1)!.requested_by}`);
  });
}

function describe(row: InterventionRow): string {
  return row.task_key === null ? row.action : `${row.action} @${row.task_key}`;
}

/**
 * A `running` orchestration whose owner died: take it (compare-and-set, as a resume does),
 * stop the agents it left behind, record their attempts as interrupted, and leave it
 * paused so the interventions can be applied to settled rows.
 */
async function settleCrashed(db: Database, o: OrchestrationRow): Promise<void> {
  if (!claimOrchestration(db, o.id, o.owner_pid, process.pid, hostname())) return;
  stopLeftoverPlanner(o.planner_pid);
  await stopLeftoverAgents(listRunningAttempts(db, o.id));
  transaction(db, () => {
    setPlannerPid(db, o.id, null);
    interruptRunningAttempts(db, o.id);
    requeueRunningTasks(db, o.id);
    markActiveAgentsInterrupted(db, o.id);
    setOrchestrationStatus(db, o.id, "paused", "interrupted");
  });
}
