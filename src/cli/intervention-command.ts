import { UsageError } from "../errors.ts";
import { intervene, type InterveneInput } from "../orchestrator/intervene.ts";
import { interventionEntry } from "../orchestrator/intervention-log.ts";
import type { InterventionAction } from "../store/interventions.ts";
import { shortId } from "../ui/format.ts";
import { dbArgs, jsonArgs } from "./args.ts";
import { log } from "./log.ts";
import { emit } from "./output.ts";
import { parseIntInRange } from "./parse.ts";
import { resolveOrchestrationId } from "./resolve-id.ts";
import { openStore } from "./store.ts";

/** Flags every intervention command takes. */
export const interventionArgs = {
  id: { type: "positional", description: "Orchestration id (any unique prefix)", required: true },
  wait: { type: "string", description: "Seconds to wait for a running orchestration's process to apply it (default 60)", valueHint: "S" },
  ...dbArgs,
  ...jsonArgs,
} as const;

const TaskKey = /^@?([A-Za-z0-9][A-Za-z0-9_.-]{0,99})$/;

/** `@task` (or `task`) as typed: the plan's task id. */
export function parseTaskArg(value: string | undefined, command: string): string {
  const m = value === undefined ? null : TaskKey.exec(value.trim());
  if (!m) throw new UsageError(`${command} needs a task such as @build, got ${value === undefined ? "none" : `"${value}"`}`);
  return m[1]!;
}

interface CommandArgs {
  id: string;
  wait?: string;
  db?: string;
  verbose?: boolean;
  json?: boolean;
}

/** Runs one intervention command: record it, have it applied, print what it changed. */
export async function runIntervention(
  args: CommandArgs,
  what: { action: InterventionAction; taskKey: string | null; fresh?: boolean; resultText?: string | null },
): Promise<void> {
  const waitS = args.wait === undefined ? 60 : parseIntInRange(args.wait, "--wait", 1, 3600);
  const { db } = openStore(args, { create: false });
  try {
    const orchestrationId = resolveOrchestrationId(db, args.id);
    const input: InterveneInput = {
      db,
      orchestrationId,
      action: what.action,
      taskKey: what.taskKey,
      fresh: Boolean(what.fresh),
      resultText: what.resultText ?? null,
      waitMs: waitS * 1000,
      waiting: (o) => log.info(`Orchestration ${shortId(o.id)} is running in process ${o.owner_pid}; asking it to apply the ${what.action}…`),
    };
    const { intervention: i, byOwner, orchestration: o } = await intervene(input);
    const target = i.task_key === null ? `orchestration ${shortId(orchestrationId)}` : `@${i.task_key}`;
    if (i.status === "refused") throw new UsageError(`${i.action} of ${target} was not applied: ${i.outcome}`);
    const resumable = o.status === "paused" || o.status === "failed";
    const doc = {
      orchestration_id: orchestrationId,
      intervention: { id: i.id, ...interventionEntry(i), applied_by: byOwner ? "owner" : "command" },
      orchestration_status: o.status,
      resume_hint: resumable ? `maos orchestration resume ${shortId(orchestrationId)}` : null,
    };
    emit(args, doc, (d) =>
      [
        `${i.action[0]!.toUpperCase()}${i.action.slice(1)} of ${target} applied${byOwner ? ` by the running process ${i.applied_by_pid}` : ""}: ${i.outcome}.`,
        `Orchestration ${shortId(orchestrationId)} is ${d.orchestration_status}.${d.resume_hint ? ` Resume with: ${d.resume_hint}` : ""}`,
      ].join("\n"),
    );
  } finally {
    db.close(false);
  }
}
