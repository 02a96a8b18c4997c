/**
 * The dashboard's three actions, each through the CLI's own code paths and each recorded
 * (who, when, what, how it went) in the actions table:
 * - pause: SIGINT to the live owner, exactly what Ctrl-C in its terminal does (it stops
 *   the agents gracefully, saves and marks the orchestration paused);
 * - resume: runs this maos binary itself as `orchestration resume <id> --auto`, detached,
 *   so the resumed run is an ordinary owner process that outlives the dashboard;
 * - message: a message from "user" into one agent's mailbox (bus/user-message.ts).
 */
import type { Database } from "bun:sqlite";
import { hostname } from "node:os";
import { basename } from "node:path";
import { recordUserMessage } from "../bus/user-message.ts";
import { ConflictError, NotFoundError, UsageError, type MaosError } from "../errors.ts";
import { insertAction, type ActionKind } from "../store/actions.ts";
import { getOrchestration, type OrchestrationRow } from "../store/orchestrations.ts";
import { transaction } from "../store/tx.ts";
import { commandLine, signalProcess } from "../system/processes.ts";
import { isInterrupted } from "./liveness.ts";

export interface ActionContext {
  db: Database;
  dbPath: string;
  /** Who asked, e.g. "dashboard 127.0.0.1". */
  actor: string;
}

export type ActionResult = { ok: true; detail: Record<string, unknown> };

function record(ctx: ActionContext, id: string, kind: ActionKind, detail: Record<string, unknown>, refused: MaosError | null): void {
  transaction(ctx.db, () =>
    insertAction(ctx.db, { orchestrationId: id, kind, actor: ctx.actor, detail, outcome: refused ? "refused" : "done", reason: refused?.message ?? null }),
  );
}

function load(ctx: ActionContext, id: string): OrchestrationRow {
  const row = getOrchestration(ctx.db, id);
  if (!row) throw new NotFoundError(`no orchestration ${id}`);
  return row;
}

/** Runs an action, recording it whether it was done or refused. */
function attempt(ctx: ActionContext, id: string, kind: ActionKind, detail: Record<string, unknown>, act: () => Record<string, unknown>): ActionResult {
  try {
    const done = act();
    record(ctx, id, kind, { ...detail, ...done }, null);
    return { ok: true, detail: { ...detail, ...done } };
  } catch (error) {
    if (error instanceof ConflictError || error instanceof UsageError) record(ctx, id, kind, detail, error);
    throw error;
  }
}

/** An owner process looks like maos driving an orchestration (guards against a reused pid). */
function looksLikeOwner(pid: number): boolean {
  const argv = commandLine(pid);
  if (argv === null) return true; // no /proc: liveness already checked its start time
  return argv.some((a) => a === "orchestrate" || a === "resume");
}

export function pauseRun(ctx: ActionContext, id: string): ActionResult {
  return attempt(ctx, id, "pause", {}, () => {
    const row = load(ctx, id);
    if (row.status !== "running" || isInterrupted(row)) {
      throw new ConflictError(`orchestration ${id.slice(0, 8)} is not running (it is ${isInterrupted(row) ? "paused (interrupted)" : row.status})`);
    }
    if (row.owner_host !== hostname()) throw new ConflictError(`its owner runs on ${row.owner_host}, not on this machine`);
    const pid = row.owner_pid!;
    if (!looksLikeOwner(pid)) throw new ConflictError(`process ${pid} is not the maos that owns it`);
    signalProcess(pid, "SIGINT");
    return { pid, signal: "SIGINT" };
  });
}

/** The argv that runs this maos again: the compiled binary itself, or bun with the script when run from source. */
export function selfCommand(): string[] {
  const exe = process.execPath;
  return basename(exe).startsWith("bun") && Bun.main.endsWith(".ts") ? [exe, Bun.main] : [exe];
}

export function resumeRun(ctx: ActionContext, id: string): ActionResult {
  return attempt(ctx, id, "resume", {}, () => {
    const row = load(ctx, id);
    const paused = row.status === "paused" || isInterrupted(row);
    if (!paused) throw new ConflictError(`orchestration ${id.slice(0, 8)} is ${row.status}; only a paused one can be resumed here`);
    const argv = [...selfCommand(), "orchestration", "resume", id, "--auto", "--db", ctx.dbPath];
    const child = Bun.spawn(argv, { cwd: row.cwd, stdin: "ignore", stdout: "ignore", stderr: "ignore", detached: true, env: process.env });
    child.unref();
    return { pid: child.pid, argv: argv.slice(-5) };
  });
}

export interface MessageRequest {
  to: string;
  text: string;
  requestId: string;
}

export function messageAgent(ctx: ActionContext, id: string, m: MessageRequest): ActionResult {
  return attempt(ctx, id, "message", { to: m.to }, () => {
    load(ctx, id);
    const result = transaction(ctx.db, () => recordUserMessage(ctx.db, { orchestrationId: id, toTask: m.to, text: m.text, requestId: m.requestId }));
    if (result === "unknown-task") throw new UsageError(`orchestration ${id.slice(0, 8)} has no task @${m.to}`);
    return { message_id: result, duplicate: result === null };
  });
}
