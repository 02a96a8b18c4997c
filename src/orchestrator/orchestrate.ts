import type { Database } from "bun:sqlite";
import { hostname } from "node:os";
import { claudeConfigDir } from "../agents/claude-args.ts";
import { findAgent, type AgentDefinition, type Catalog } from "../agents/catalog.ts";
import { InterruptedError, RunFailedError, UsageError } from "../errors.ts";
import { dependencyLevels, singleTaskPlan, type Plan } from "../plan/plan.ts";
import { PlannerError, runPlanner } from "../plan/planner.ts";
import { insertAgent } from "../store/agents.ts";
import {
  addPlannerUsage,
  getOrchestration,
  insertOrchestration,
  setOrchestrationStatus,
  setPlannerPid,
  setPlan,
  type RunOptions,
} from "../store/orchestrations.ts";
import { cancelPendingTasks, deleteUnstartedTasks, insertTask, taskId } from "../store/tasks.ts";
import { transaction } from "../store/tx.ts";
import { askApproval, askFeedback, offerSingleTask } from "./approval.ts";
import { editPlan } from "./plan-edit.ts";
import { onInterrupt } from "./shutdown.ts";
import { compileRunContext, type RunContext } from "./run-context.ts";
import { runToEnd, type RunReporter, type RunResult } from "./run.ts";
import { buildSummary } from "./summary.ts";

export interface OrchestrateInput {
  db: Database;
  request: string;
  /** The claude executable, found before anything was opened or written. */
  bin: string;
  /** A plan from --plan, already validated; null to run the planner. */
  plan: Plan | null;
  auto: boolean;
  interactive: boolean;
  options: RunOptions;
  saveIntervalS: number;
  cwd: string;
  catalog: Catalog;
  reporter: (orchestrationId: string) => RunReporter;
  note: (text: string) => void;
  /** Told the orchestration's id as soon as its row exists. */
  recorded?: (orchestrationId: string) => void;
}

export function definitionLookup(catalog: Catalog): (agentType: string) => AgentDefinition {
  return (agentType) => {
    const found = findAgent(catalog.agents, agentType);
    if (!found) throw new UsageError(`agent type "${agentType}" is not in the catalog`, "see `maos agents`");
    return found;
  };
}

/** Inserts plan tasks: one task row and one agent (its actor) per task. Call inside a transaction. */
export function insertPlanTasks(db: Database, orchestrationId: string, tasks: Plan["tasks"], catalog: Catalog, firstPosition: number): void {
  const lookup = definitionLookup(catalog);
  tasks.forEach((t, i) => {
    const id = insertTask(db, {
      orchestrationId,
      key: t.id,
      position: firstPosition + i,
      agentType: t.agent_type,
      description: t.description,
      dependsOn: t.depends_on,
    });
    const def = lookup(t.agent_type);
    insertAgent(db, {
      id,
      name: `${t.agent_type}@${t.id}`,
      type: t.agent_type,
      orchestrationId,
      taskId: id,
      capabilities: def.tools ?? ["*"],
      source: def.source,
    });
  });
}

/** Records the whole accepted plan: its tasks and agents, and the plan itself on the orchestration. */
export function recordPlan(db: Database, orchestrationId: string, plan: Plan, catalog: Catalog): void {
  transaction(db, () => {
    insertPlanTasks(db, orchestrationId, plan.tasks, catalog, 0);
    setPlan(db, orchestrationId, { summary: plan.summary ?? "", tasks: plan.tasks }, dependencyLevels(plan), plan.tasks.map((t) => taskId(orchestrationId, t.id)));
  });
}

export interface PlanStageInput {
  ctx: RunContext;
  catalog: Catalog;
  auto: boolean;
  interactive: boolean;
  /** A validated --plan; null to run the planner. */
  plan: Plan | null;
  note: (text: string) => void;
}

/**
 * One planner call (a first plan, or a revision of `revise.sessionId` with the person's
 * feedback); its cost and tokens are counted whatever happens, and Ctrl-C pauses the
 * orchestration (exit 130; resume plans again).
 */
async function callPlanner(input: PlanStageInput, revise?: { sessionId: string; feedback: string }) {
  const { catalog, ctx } = input;
  const { db, orchestrationId: id, options } = ctx;
  const abort = new AbortController();
  const removeHandlers = onInterrupt({ graceful: () => abort.abort(), immediate: () => abort.abort() });
  try {
    const planned = await runPlanner({
      bin: ctx.bin,
      cwd: ctx.cwd,
      env: ctx.env,
      request: ctx.request,
      catalog: catalog.agents,
      model: options.model,
      timeoutMs: Math.min(options.agentTimeoutS, 600) * 1000,
      maxBudgetUsd: options.budgetUsd,
      signal: abort.signal,
      onSpawn: (pid) => setPlannerPid(db, id, pid),
      revise,
    });
    addPlannerUsage(db, id, { costUsd: planned.costUsd, inputTokens: planned.tokens.input, outputTokens: planned.tokens.output });
    return planned;
  } catch (error) {
    if (error instanceof PlannerError) addPlannerUsage(db, id, { costUsd: error.costUsd, inputTokens: error.tokens.input, outputTokens: error.tokens.output });
    if (error instanceof InterruptedError) {
      setOrchestrationStatus(db, id, "paused", "interrupted while planning");
      throw new InterruptedError(`interrupted while planning; orchestration ${id.slice(0, 8)} is paused`, `resume with \`maos orchestration resume ${id.slice(0, 8)}\``);
    }
    throw error;
  } finally {
    removeHandlers();
    setPlannerPid(db, id, null);
  }
}

/** Puts an edited or re-planned plan in place of the recorded one (nothing of it has run). */
function replacePlan(db: Database, orchestrationId: string, plan: Plan, catalog: Catalog): void {
  transaction(db, () => {
    deleteUnstartedTasks(db, orchestrationId);
    recordPlan(db, orchestrationId, plan, catalog);
  });
}

/**
 * Plans (planner or the given plan), records the plan, and asks for approval: approve, cancel,
 * edit the plan in $EDITOR (validated again) or re-plan with feedback (same planner session).
 * A planner failure offers a single developer task on a terminal, and fails with --auto.
 */
export async function planStage(input: PlanStageInput): Promise<"approved" | "cancelled"> {
  const { catalog, ctx } = input;
  const { db, orchestrationId: id } = ctx;
  let plan = input.plan;
  let session: string | null = null;
  if (!plan) {
    input.note("Planning…");
    try {
      const planned = await callPlanner(input);
      plan = planned.plan;
      session = planned.sessionId;
    } catch (error) {
      if (!(error instanceof PlannerError)) {
        if (!(error instanceof InterruptedError)) setOrchestrationStatus(db, id, "failed", "planning failed");
        throw error;
      }
      if (!input.auto && (await offerSingleTask(ctx.request, error.message, { interactive: input.interactive }))) {
        plan = singleTaskPlan(ctx.request);
      } else {
        setOrchestrationStatus(db, id, "failed", `planning failed: ${error.message}`);
        throw new RunFailedError(`planning failed: ${error.message}`, error.hint);
      }
    }
  }
  // Recorded before the question: if maos dies at the prompt, resume shows and runs this plan
  // (a --plan file or the planner's, already paid for) instead of planning again.
  recordPlan(db, id, plan, catalog);
  let draft: string | null = null;
  for (;;) {
    const answer = await askApproval(plan, { auto: input.auto, interactive: input.interactive, catalog: catalog.agents, canReplan: session !== null });
    if (answer === "approve") return "approved";
    if (answer === "cancel") break;
    let next: Plan | null = null;
    if (answer === "edit") {
      const edited = await editPlan(plan, catalog.agents.map((a) => a.name), draft);
      if (edited.ok) [next, draft] = [edited.plan, null];
      else {
        draft = edited.draft;
        input.note(`The plan was not changed: ${edited.problem}`);
      }
    } else {
      const feedback = await askFeedback();
      if (feedback !== null) {
        input.note("Re-planning with your feedback…");
        try {
          const planned = await callPlanner(input, { sessionId: session!, feedback });
          [next, session] = [planned.plan, planned.sessionId ?? session];
        } catch (error) {
          if (!(error instanceof PlannerError)) throw error;
          input.note(`Re-planning failed (${error.message}); the plan below is unchanged`);
        }
      }
    }
    if (next) {
      replacePlan(db, id, next, catalog);
      plan = next;
    }
  }
  transaction(db, () => {
    cancelPendingTasks(db, id, "cancelled at approval");
    setOrchestrationStatus(db, id, "cancelled", "cancelled at approval");
  });
  return "cancelled";
}

/**
 * `maos orchestrate`: record the orchestration before anything else can fail, plan
 * (planner or --plan), ask for approval, record the plan and run it to the end.
 */
export async function orchestrate(input: OrchestrateInput): Promise<RunResult> {
  const { db, catalog } = input;
  const id = crypto.randomUUID();
  insertOrchestration(db, {
    id,
    request: input.request,
    cwd: input.cwd,
    claudeConfigDir: claudeConfigDir(),
    ownerPid: process.pid,
    ownerHost: hostname(),
    saveIntervalS: input.saveIntervalS,
    options: input.options,
  });
  input.recorded?.(id);
  input.note(`Orchestration ${id.slice(0, 8)} recorded in the database`);
  const ctx = compileRunContext(db, getOrchestration(db, id)!, { bin: input.bin, definitionFor: definitionLookup(catalog) });

  const stage = await planStage({ ctx, catalog, auto: input.auto, interactive: input.interactive, plan: input.plan, note: input.note });
  if (stage === "cancelled") return { summary: buildSummary(db, id, false), interrupted: false };
  return runToEnd({ ...ctx, reporter: input.reporter(id) });
}
