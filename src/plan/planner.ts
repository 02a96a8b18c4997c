import * as v from "valibot";
import type { AgentDefinition } from "../agents/catalog.ts";
import { log } from "../cli/log.ts";
import { EnvironmentError, InterruptedError, RunFailedError, UsageError } from "../errors.ts";
import { MAX_TASKS, planJsonSchema, validatePlan, type Plan } from "./plan.ts";
import { describeProject } from "./project-context.ts";
import { ChildProcess } from "../system/child-process.ts";
import { rejectedStructuredOutputs } from "./planner-transcript.ts";
import { ApiRetrySchema } from "../agents/stream-schema.ts";
import { apiRetryOf, retryAnnouncer, type ApiRetry } from "../agents/api-retry.ts";

/**
 * The planner: one headless `claude -p --output-format stream-json --json-schema <plan schema>`
 * call that turns the request into a Plan (stream-json rather than json, so that the CLI's
 * API retries are seen as they happen, not only after its ~3 minutes of retrying). The CLI
 * already makes the model retry when its StructuredOutput does not match the JSON schema;
 * what the schema cannot say (unknown dependency, cycle, duplicate id) gets one corrective
 * retry here, resuming the planner's own session so it sees its previous answer and what
 * was wrong.
 */
export class PlannerError extends RunFailedError {
  constructor(
    message: string,
    readonly costUsd: number,
    readonly sessionId: string | null,
    /** Tokens the failed planning used (they count in the orchestration's totals). */
    readonly tokens: { input: number; output: number } = { input: 0, output: 0 },
  ) {
    super(message, "write the plan yourself and pass --plan FILE (see \"Plan files\" in the README)");
  }
}

export interface PlannerOptions {
  /** The claude executable (from findClaude). */
  bin: string;
  /** The orchestration's working directory (a corrective resume must run in the same one). */
  cwd: string;
  env: Record<string, string | undefined>;
  request: string;
  catalog: readonly AgentDefinition[];
  model: string | null;
  /** Wall-clock limit for the whole planning, corrective retry included. */
  timeoutMs: number;
  /** Cap for the planner's spend (`--max-budget-usd`). */
  maxBudgetUsd?: number | null;
  /** Defaults to describeProject(cwd). */
  projectDescription?: string;
  /** Aborting stops the planner and throws InterruptedError. */
  signal?: AbortSignal;
  /** Told each planner process's pid once it runs (recorded so a crash leaves no unknown orphan). */
  onSpawn?: (pid: number) => void;
  /** Re-plan: continue this planner session with the person's feedback on the plan it returned. */
  revise?: { sessionId: string; feedback: string };
  /** Told each time claude retries a failed API call (no connection, 5xx, 529, 401 …); by default, lines on stderr. */
  onApiRetry?: (retry: ApiRetry) => void;
}

export interface PlannerResult {
  plan: Plan;
  /** Summed over both calls when a corrective retry was needed (the tokens too). */
  costUsd: number;
  tokens: { input: number; output: number };
  sessionId: string | null;
  /** 1, or 2 after a corrective retry. */
  attempts: number;
}

const ResultSchema = v.looseObject({
  type: v.literal("result"),
  subtype: v.string(),
  is_error: v.boolean(),
  result: v.optional(v.string()),
  errors: v.optional(v.array(v.unknown())),
  session_id: v.optional(v.string()),
  total_cost_usd: v.optional(v.number()),
  usage: v.optional(v.looseObject({ input_tokens: v.optional(v.number()), output_tokens: v.optional(v.number()) })),
  structured_output: v.optional(v.unknown()),
});
type ClaudeResult = v.InferOutput<typeof ResultSchema>;

const systemPrompt = `You are the planner of maos, an orchestrator that runs several Claude Code agents on one request. You do not do the work yourself and you have no tools except StructuredOutput: you split the request into tasks for specialist agents, decide which tasks depend on which, and return the plan by calling the StructuredOutput tool exactly once.`;

/** The planner's user prompt: request, agent catalog, project, and what makes a good plan. */
export function plannerPrompt(request: string, catalog: readonly AgentDefinition[], project: string): string {
  const agents = catalog.map((a) => `- ${a.name}: ${a.description.replace(/\s+/g, " ")}`).join("\n");
  return `Plan the work for this request.

<request>
${request}
</request>

Agent types (agent_type: what the specialist does):
${agents}

The project in the working directory:
<project>
${project}
</project>

How to plan:
- Use as few tasks as the work really needs: a small request is one task; most requests need 2-6; never more than ${MAX_TASKS}.
- Each task is one focused piece of work that a single agent can finish on its own, with a clear deliverable.
- Pick the agent_type whose specialty fits the task, from the list above only.
- Write each description so that it stands alone: the agent sees only its description, the original request and the results of the tasks it depends on. Say what to do and what to deliver.
- depends_on lists only the tasks whose results this task needs before it can start. Tasks without a dependency between them run in parallel, so do not chain tasks that could run side by side. No cycles; a task never depends on itself.
- ids are short, unique, lowercase slugs (letters, digits, "-", "_"), e.g. "design-api", "implement-parser", "write-tests".
- summary is one sentence describing the approach.

Return the plan by calling the StructuredOutput tool.`;
}

/** What claude says headless when it has no key and no login, or the key is refused. */
const credentialsRefused = /Not logged in|Please run \/login|Invalid API key|authentication_error/i;

function revision(feedback: string): string {
  return `The person reviewing your plan asks for changes: ${feedback}
Revise the plan accordingly and call the StructuredOutput tool again with the complete revised plan (all tasks, not only the changed ones).`;
}

function correction(problem: string): string {
  return `The plan you returned cannot be used: ${problem}
Fix this and call the StructuredOutput tool again with the complete corrected plan (all tasks, not only the changed ones).`;
}

const oneLine = (text: string, max = 300) => {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

function resultError(r: ClaudeResult): string {
  if (r.subtype === "error_max_structured_output_retries") {
    return "the planner's answer did not match the plan schema, even after the CLI's own retries";
  }
  if (r.subtype === "error_max_budget_usd") return "the planner reached its budget";
  const text = r.result ?? (r.errors ?? []).map(String).join("; ");
  return text ? oneLine(text) : r.subtype;
}

interface CallOutcome {
  result: ClaudeResult | null;
  exitCode: number | null;
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
}

async function callClaude(bin: string, args: string[], input: string, o: PlannerOptions, timeoutMs: number, onApiRetry: (r: ApiRetry) => void): Promise<CallOutcome> {
  let child: ChildProcess;
  let result: ClaudeResult | null = null;
  try {
    // Supervised like the agents: a planner never outlives the maos that asked for it.
    child = new ChildProcess({
      argv: [bin, ...args],
      cwd: o.cwd,
      env: o.env,
      stdin: { text: input },
      onLine: ({ text }) => {
        const line = parseLine(text);
        if (line?.type === "result") result = line.result;
        else if (line?.type === "retry") onApiRetry(line.retry);
      },
      wallTimeoutMs: timeoutMs,
      signal: o.signal,
      graceMs: 2000,
    });
  } catch (error) {
    throw new PlannerError(`cannot start the planner (${bin}): ${error instanceof Error ? error.message : String(error)}`, 0, null);
  }
  o.onSpawn?.(child.pid);
  const out = await child.exited;
  return {
    result,
    exitCode: out.code,
    stderr: out.stderrTail,
    timedOut: out.stopReason === "timeout",
    aborted: out.stopReason === "interrupted",
  };
}

/** The two kinds of stream-json line the planner acts on: its result and an API retry (anything else is passed over). */
function parseLine(text: string): { type: "result"; result: ClaudeResult } | { type: "retry"; retry: ApiRetry } | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const result = v.safeParse(ResultSchema, value);
  if (result.success) return { type: "result", result: result.output };
  const retry = v.safeParse(ApiRetrySchema, value);
  return retry.success ? { type: "retry", retry: apiRetryOf(retry.output) } : null;
}

export async function runPlanner(o: PlannerOptions): Promise<PlannerResult> {
  if (o.signal?.aborted) throw new InterruptedError("planning interrupted");
  const deadline = Date.now() + o.timeoutMs;
  const names = o.catalog.map((a) => a.name);
  const prompt = plannerPrompt(o.request, o.catalog, o.projectDescription ?? describeProject(o.cwd));
  const base = ["-p", "--output-format", "stream-json", "--verbose", "--json-schema", JSON.stringify(planJsonSchema(names))];
  // `--tools` takes a variadic list: keep it before other flags and the prompt on stdin.
  // No tools at all: no built-in one, and no MCP server from the user's configuration (it
  // would be started for nothing, and its tools would be offered to the planner).
  base.push("--tools", "", "--strict-mcp-config", "--system-prompt", systemPrompt);
  if (o.model) base.push("--model", o.model);
  if (o.maxBudgetUsd != null) base.push("--max-budget-usd", o.maxBudgetUsd.toFixed(4));

  const onApiRetry = o.onApiRetry ?? retryAnnouncer("Planning", log);
  let costUsd = 0;
  const tokens = { input: 0, output: 0 };
  let sessionId: string | null = o.revise?.sessionId ?? null;
  let problem = "";
  for (let attempt = 1; attempt <= 2; attempt++) {
    const resume = (attempt > 1 || o.revise !== undefined) && sessionId !== null;
    const args = resume ? [...base, "--resume", sessionId!] : base;
    const first = o.revise ? revision(o.revise.feedback) : prompt;
    const input = attempt === 1 ? first : resume ? correction(problem) : `${prompt}\n\n${correction(problem)}`;
    log.debug(`planner: spawning ${[o.bin, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a.length > 200 ? `${a.slice(0, 200)}…` : a))).join(" ")} in ${o.cwd}`);
    const startedAt = performance.now();
    const out = await callClaude(o.bin, args, input, o, deadline - Date.now(), onApiRetry);
    log.debug(
      `planner: call ${attempt} ended after ${((performance.now() - startedAt) / 1000).toFixed(1)} s (exit code ${out.exitCode}${out.result ? `, ${out.result.subtype}${out.result.is_error ? ", error" : ""}` : ", no result"})`,
    );
    if (out.result) {
      costUsd += out.result.total_cost_usd ?? 0;
      tokens.input += out.result.usage?.input_tokens ?? 0;
      tokens.output += out.result.usage?.output_tokens ?? 0;
      sessionId = out.result.session_id ?? sessionId;
    }
    if (out.aborted) throw new InterruptedError("planning interrupted");
    if (out.timedOut) {
      throw new PlannerError(`planner timed out after ${Math.round(o.timeoutMs / 1000)} s`, costUsd, sessionId, tokens);
    }
    const r = out.result;
    if (!r) {
      const why = oneLine(out.stderr) || `exit code ${out.exitCode}`;
      throw new PlannerError(`planner (claude) ended without a result: ${why}`, costUsd, sessionId, tokens);
    }
    if (r.is_error && credentialsRefused.test(resultError(r))) {
      // Not something a plan file or a single developer task would get past: every agent would fail the same way.
      throw new EnvironmentError(
        `claude has no usable credentials (it said: ${resultError(r)})`,
        "set ANTHROPIC_API_KEY, or run `claude` once and log in; `maos doctor` checks it",
      );
    }
    if (r.is_error) throw new PlannerError(`planner failed: ${resultError(r)}`, costUsd, sessionId, tokens);
    if (r.structured_output === undefined) {
      const rejected = sessionId ? rejectedStructuredOutputs(o.env.CLAUDE_CONFIG_DIR ?? null, o.cwd, sessionId) : [];
      problem = rejected.length
        ? `your StructuredOutput call${rejected.length === 1 ? " was" : "s were"} refused by the plan's JSON schema (${oneLine(rejected.at(-1)!, 200)}).`
        : "you answered in text instead of calling the StructuredOutput tool with the plan.";
      continue;
    }
    try {
      return { plan: validatePlan(r.structured_output, names, "planner"), costUsd, tokens, sessionId, attempts: attempt };
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      problem = error.message.replace(/^planner: /, "");
    }
  }
  throw new PlannerError(`planner returned no valid plan after a corrective retry: ${problem}`, costUsd, sessionId, tokens);
}
