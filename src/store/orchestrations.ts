import type { Database } from "bun:sqlite";
import * as v from "valibot";
import type { OrchestrationStatus } from "../domain/status.ts";
import { readJson } from "./json.ts";
import { sqlNow } from "./time.ts";

export interface OrchestrationRow {
  id: string;
  request: string;
  status: OrchestrationStatus;
  agents: string | null;
  batches: string | null;
  total_cost: number;
  total_duration_ms: number;
  successful_agents: number;
  total_agents: number;
  created_at: string;
  completed_at: string | null;
  last_updated: string | null;
  active_agents: number;
  message_count: number;
  summary: string | null;
  metadata: string | null;
  owner_pid: number | null;
  owner_host: string | null;
  heartbeat_at: string | null;
  save_interval_s: number;
  cwd: string;
  claude_config_dir: string | null;
  plan: string | null;
  options: string | null;
  input_tokens: number;
  output_tokens: number;
  planner_cost_usd: number;
  planner_input_tokens: number;
  planner_output_tokens: number;
  planner_pid: number | null;
}

export const PlanTaskSchema = v.object({
  id: v.string(),
  agent_type: v.string(),
  description: v.string(),
  depends_on: v.array(v.string()),
});
export const StoredPlanSchema = v.object({ summary: v.string(), tasks: v.array(PlanTaskSchema) });
export type StoredPlan = v.InferOutput<typeof StoredPlanSchema>;

/** Run options persisted with the orchestration so a resume runs the same way. */
export const RunOptionsSchema = v.object({
  maxParallel: v.number(),
  agentTimeoutS: v.number(),
  idleTimeoutS: v.number(),
  retries: v.number(),
  budgetUsd: v.nullable(v.number()),
  model: v.nullable(v.string()),
  permissionMode: v.nullable(v.string()),
  checkpointIntervalS: v.number(),
  maxTurns: v.nullable(v.number()),
  claudeBin: v.nullable(v.string()),
  liveDeliveryCap: v.number(),
  /** How hard the database syncs while this orchestration runs; rows from before it was stored ran with "full". */
  durability: v.optional(v.picklist(["full", "normal"]), "full"),
  /** A git worktree and branch per task, or everyone in the one directory; rows from before it was stored ran with "none". */
  isolation: v.optional(v.picklist(["worktree", "none"]), "none"),
  /** A merge conflict between a task's branch and the integration branch: a resolver agent, or stop that task's line of work. */
  onConflict: v.optional(v.picklist(["resolve", "stop"]), "resolve"),
  /** At the end, merge the integration branch into the user's branch, or keep it for the user (--no-merge). */
  finalMerge: v.optional(v.picklist(["merge", "keep"]), "merge"),
});
export type RunOptions = v.InferOutput<typeof RunOptionsSchema>;

/** What a run uses when no flag says otherwise. */
export const defaultRunOptions: RunOptions = {
  maxParallel: 3,
  agentTimeoutS: 600,
  idleTimeoutS: 300,
  retries: 1,
  budgetUsd: null,
  model: null,
  permissionMode: null,
  checkpointIntervalS: 120,
  maxTurns: null,
  claudeBin: null,
  liveDeliveryCap: 20,
  durability: "full",
  isolation: "none",
  onConflict: "resolve",
  finalMerge: "merge",
};

export function readPlan(row: Pick<OrchestrationRow, "id" | "plan">): StoredPlan | null {
  return row.plan === null ? null : readJson(StoredPlanSchema, row.plan, `orchestrations.plan of ${row.id}`);
}

export function readOptions(row: Pick<OrchestrationRow, "id" | "options">): RunOptions {
  return readJson(RunOptionsSchema, row.options, `orchestrations.options of ${row.id}`);
}

export interface NewOrchestration {
  id: string;
  request: string;
  cwd: string;
  claudeConfigDir: string | null;
  ownerPid: number;
  ownerHost: string;
  saveIntervalS: number;
  options: RunOptions;
  status?: OrchestrationStatus;
}

export function insertOrchestration(db: Database, o: NewOrchestration): void {
  const now = sqlNow();
  db.query(
    `INSERT INTO orchestrations (id, request, status, cwd, claude_config_dir, owner_pid, owner_host,
       heartbeat_at, last_updated, save_interval_s, options, created_at)
     VALUES ($id, $request, $status, $cwd, $cfg, $pid, $host, $now, $now, $save, $options, $now)`,
  ).run({
    id: o.id,
    request: o.request,
    status: o.status ?? "running",
    cwd: o.cwd,
    cfg: o.claudeConfigDir,
    pid: o.ownerPid,
    host: o.ownerHost,
    now,
    save: o.saveIntervalS,
    options: JSON.stringify(o.options),
  });
}

/** The run options a resume changed: they hold for this and every later run. */
export function setOptions(db: Database, id: string, options: RunOptions): void {
  db.query("UPDATE orchestrations SET options = ?, last_updated = ? WHERE id = ?").run(JSON.stringify(options), sqlNow(), id);
}

export function getOrchestration(db: Database, id: string): OrchestrationRow | null {
  return db.query<OrchestrationRow, [string]>("SELECT * FROM orchestrations WHERE id = ?").get(id);
}

/** Ids starting with a prefix (at most `limit`), for resolving a user-typed id. */
export function findOrchestrationIdsByPrefix(db: Database, prefix: string, limit = 10): string[] {
  // Range scan on the primary key: LIKE would not use the index and treats % and _ specially.
  return db
    .query<{ id: string }, [string, string, number]>(
      "SELECT id FROM orchestrations WHERE id >= ? AND id < ? ORDER BY id LIMIT ?",
    )
    .all(prefix, `${prefix}\uffff`, limit)
    .map((r) => r.id);
}

export interface ListFilter {
  status?: OrchestrationStatus;
  limit: number;
}

export function listOrchestrations(db: Database, filter: ListFilter): OrchestrationRow[] {
  if (filter.status) {
    return db
      .query<OrchestrationRow, [string, number]>(
        "SELECT * FROM orchestrations WHERE status = ? ORDER BY created_at DESC, id LIMIT ?",
      )
      .all(filter.status, filter.limit);
  }
  return db
    .query<OrchestrationRow, [number]>("SELECT * FROM orchestrations ORDER BY created_at DESC, id LIMIT ?")
    .all(filter.limit);
}

export function listUnfinishedOrchestrations(db: Database): OrchestrationRow[] {
  return db
    .query<OrchestrationRow, []>(
      "SELECT * FROM orchestrations WHERE status IN ('running','paused') ORDER BY created_at DESC",
    )
    .all();
}

export function countOrchestrationsByStatus(db: Database): Record<string, number> {
  const rows = db
    .query<{ status: string; n: number }, []>("SELECT status, COUNT(*) AS n FROM orchestrations GROUP BY status")
    .all();
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

export function setPlan(db: Database, id: string, plan: StoredPlan, batches: string[][], agentIds: string[]): void {
  db.query(
    `UPDATE orchestrations SET plan = ?, batches = ?, agents = ?, total_agents = ?, last_updated = ? WHERE id = ?`,
  ).run(JSON.stringify(plan), JSON.stringify(batches), JSON.stringify(agentIds), agentIds.length, sqlNow(), id);
}

export function setOrchestrationStatus(db: Database, id: string, status: OrchestrationStatus, summary?: string): void {
  const now = sqlNow();
  const final = status === "completed" || status === "failed" || status === "cancelled";
  db.query(
    `UPDATE orchestrations SET status = ?, last_updated = ?, completed_at = CASE WHEN ? THEN ? ELSE NULL END,
       summary = COALESCE(?, summary), owner_pid = CASE WHEN ? THEN NULL ELSE owner_pid END WHERE id = ?`,
  ).run(status, now, final ? 1 : 0, now, summary ?? null, status === "running" ? 0 : 1, id);
}

/**
 * Takes ownership only if nobody live holds it: the caller has already decided the
 * previous owner (if any) is dead; the compare-and-set on owner_pid makes two
 * concurrent resumers race safely — exactly one sees changes = 1.
 */
export function claimOrchestration(
  db: Database,
  id: string,
  expectedOwnerPid: number | null,
  pid: number,
  host: string,
): boolean {
  const now = sqlNow();
  const result = db
    .query(
      `UPDATE orchestrations SET owner_pid = ?, owner_host = ?, heartbeat_at = ?, last_updated = ?, status = 'running',
         completed_at = NULL
       WHERE id = ? AND owner_pid IS ?`,
    )
    .run(pid, host, now, now, id, expectedOwnerPid);
  return result.changes === 1;
}

export interface Heartbeat {
  activeAgents: number;
}

/** The auto-save: heartbeat plus the original's progress columns, derived from the child rows. */
export function saveHeartbeat(db: Database, id: string, beat: Heartbeat): void {
  const now = sqlNow();
  db.query(
    `UPDATE orchestrations SET heartbeat_at = ?, last_updated = ?, active_agents = ?,
       message_count = (SELECT COUNT(*) FROM messages WHERE orchestration_id = ?)
     WHERE id = ?`,
  ).run(now, now, beat.activeAgents, id, id);
}

/** Recomputes the totals from the tasks (never a running sum that a crash could double). */
export function refreshTotals(db: Database, id: string): void {
  db.query(
    `UPDATE orchestrations SET
       total_cost = planner_cost_usd + (SELECT COALESCE(SUM(cost_usd), 0) FROM tasks WHERE orchestration_id = $id),
       input_tokens = planner_input_tokens + (SELECT COALESCE(SUM(input_tokens), 0) FROM tasks WHERE orchestration_id = $id),
       output_tokens = planner_output_tokens + (SELECT COALESCE(SUM(output_tokens), 0) FROM tasks WHERE orchestration_id = $id),
       total_duration_ms = (SELECT COALESCE(SUM(duration_ms), 0) FROM tasks WHERE orchestration_id = $id),
       successful_agents = (SELECT COUNT(*) FROM tasks WHERE orchestration_id = $id AND status = 'completed'),
       message_count = (SELECT COUNT(*) FROM messages WHERE orchestration_id = $id),
       last_updated = $now
     WHERE id = $id`,
  ).run({ id, now: sqlNow() });
}

export function setPlannerPid(db: Database, id: string, pid: number | null): void {
  db.query("UPDATE orchestrations SET planner_pid = ? WHERE id = ?").run(pid, id);
}

export interface PlannerUsage {
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
}

/** What planning cost and used (it counts against --budget-usd and in every total like the agents' spend). */
export function addPlannerUsage(db: Database, id: string, usage: PlannerUsage): void {
  db.query(
    `UPDATE orchestrations SET planner_cost_usd = planner_cost_usd + $cost, total_cost = total_cost + $cost,
       planner_input_tokens = planner_input_tokens + $input, input_tokens = input_tokens + $input,
       planner_output_tokens = planner_output_tokens + $output, output_tokens = output_tokens + $output
     WHERE id = $id`,
  ).run({ cost: usage.costUsd, input: usage.inputTokens, output: usage.outputTokens, id });
}

/** Finished orchestrations created before the cutoff (SQLite time text). */
export function listFinishedBefore(db: Database, cutoff: string): OrchestrationRow[] {
  return db
    .query<OrchestrationRow, [string]>(
      `SELECT * FROM orchestrations WHERE status IN ('completed','failed','cancelled')
         AND COALESCE(completed_at, last_updated, created_at) < ? ORDER BY created_at`,
    )
    .all(cutoff);
}

/** Deletes one orchestration; every child row goes with it through ON DELETE CASCADE. */
export function deleteOrchestration(db: Database, id: string): void {
  db.query("DELETE FROM orchestrations WHERE id = ?").run(id);
}

/** How many rows of each table belong to an orchestration (what a cascading delete removes). */
export interface OwnedRowCounts {
  tasks: number;
  agents: number;
  sessions: number;
  attempts: number;
  messages: number;
  deliveries: number;
  events: number;
  checkpoints: number;
  resumes: number;
}

export function countOwnedRows(db: Database, id: string): OwnedRowCounts {
  return db
    .query<OwnedRowCounts, { id: string }>(
      `SELECT
         (SELECT COUNT(*) FROM tasks WHERE orchestration_id = $id) AS tasks,
         (SELECT COUNT(*) FROM agents WHERE orchestration_id = $id) AS agents,
         (SELECT COUNT(*) FROM sessions WHERE orchestration_id = $id) AS sessions,
         (SELECT COUNT(*) FROM attempts WHERE orchestration_id = $id) AS attempts,
         (SELECT COUNT(*) FROM messages WHERE orchestration_id = $id) AS messages,
         (SELECT COUNT(*) FROM deliveries WHERE agent_id IN (SELECT id FROM agents WHERE orchestration_id = $id)) AS deliveries,
         (SELECT COUNT(*) FROM events WHERE orchestration_id = $id) AS events,
         (SELECT COUNT(*) FROM checkpoints WHERE orchestration_id = $id) AS checkpoints,
         (SELECT COUNT(*) FROM resumes WHERE orchestration_id = $id) AS resumes`,
    )
    .get({ id })!;
}
