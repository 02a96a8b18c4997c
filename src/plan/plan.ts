import * as v from "valibot";
import { UsageError } from "../errors.ts";

/**
 * The plan: tasks for specialist agents and the dependencies between them. It comes
 * from the planner (`claude --json-schema`) or from `--plan FILE`; both go through
 * validatePlan, which reports the first problem as one line naming the source, the
 * field path and what was expected.
 */
export const MAX_TASKS = 50;

/** Task ids: lowercase slugs, because agents address each other as `@<task-id>`. */
export const taskIdPattern = /^[a-z0-9][a-z0-9_-]{0,39}$/;
const idRule = 'a lowercase slug: 1-40 characters a-z, 0-9, "-" or "_", starting with a letter or digit';

const taskFields = ["id", "agent_type", "description", "depends_on"] as const;
const planFields = ["summary", "tasks"] as const;

const expectations: Record<string, string> = {
  id: `a task id (${idRule})`,
  agent_type: "an agent type (a name from the agent catalog)",
  description: "a non-empty description of the work",
  depends_on: "a list of task ids",
  summary: "a one-line summary",
  tasks: `an array of 1-${MAX_TASKS} tasks`,
};

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return value.trim() === "" ? "an empty string" : "a string";
  if (typeof value === "object") return "an object";
  if (typeof value === "number") return "a number";
  if (typeof value === "boolean") return `${value}`;
  return typeof value;
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/** Message for issues of the object schema itself: a missing or an unknown key. */
const keyMessage = (fields: readonly string[]) => (issue: v.BaseIssue<unknown>) =>
  issue.expected === "never"
    ? `unknown field; expected only ${fields.join(", ")}`
    : `missing; expected ${expectations[String(issue.path?.at(-1)?.key)] ?? "a value"}`;

const typeMessage = (field: string) => (issue: v.BaseIssue<unknown>) =>
  `expected ${expectations[field]}, got ${describeValue(issue.input)}`;

const TaskSchema = v.pipe(
  v.custom<Record<string, unknown>>(isRecord, (i) => `expected a task object {id, agent_type, description, depends_on}, got ${describeValue(i.input)}`),
  v.strictObject(
    {
      id: v.string(typeMessage("id")),
      agent_type: v.string(typeMessage("agent_type")),
      description: v.pipe(
        v.string(typeMessage("description")),
        v.check((s) => s.trim() !== "", `expected ${expectations.description}, got an empty string`),
      ),
      depends_on: v.optional(v.array(v.string((i) => `expected a task id, got ${describeValue(i.input)}`), typeMessage("depends_on")), []),
    },
    keyMessage(taskFields),
  ),
);

const PlanSchema = v.pipe(
  v.custom<Record<string, unknown>>(isRecord, (i) => `expected a JSON object {"summary", "tasks": [...]}, got ${describeValue(i.input)}`),
  v.strictObject(
    {
      summary: v.optional(v.pipe(v.string(typeMessage("summary")), v.trim()), ""),
      tasks: v.pipe(
        v.array(TaskSchema, typeMessage("tasks")),
        v.check((t) => t.length >= 1 && t.length <= MAX_TASKS, (i) => `expected 1-${MAX_TASKS} tasks, got ${(i.input as unknown[]).length}`),
      ),
    },
    keyMessage(planFields),
  ),
);

export type Plan = v.InferOutput<typeof PlanSchema>;
export type PlanTask = Plan["tasks"][number];

/** `tasks[2].depends_on[0]` from a valibot issue path. */
function fieldPath(path: readonly { key: unknown }[] | undefined): string {
  let out = "";
  for (const item of path ?? []) out += typeof item.key === "number" ? `[${item.key}]` : `${out ? "." : ""}${String(item.key)}`;
  return out;
}

function fail(source: string, path: string, message: string): never {
  throw new UsageError(path ? `${source}: ${path}: ${message}` : `${source}: ${message}`);
}

function knownList(names: readonly string[], limit = 20): string {
  const shown = names.slice(0, limit).join(", ");
  return names.length > limit ? `${shown}, … (${names.length} in all; see \`maos agents\`)` : shown;
}

/** Finds a dependency cycle (ids in order, first repeated at the end) and the edge that closes it. */
function findCycle(tasks: readonly PlanTask[]): { cycle: string[]; task: number; dep: number } | null {
  const index = new Map(tasks.map((t, i) => [t.id, i]));
  const state = new Array<0 | 1 | 2>(tasks.length).fill(0); // 0 new, 1 on the stack, 2 done
  const stack: number[] = [];
  const visit = (i: number): ReturnType<typeof findCycle> => {
    state[i] = 1;
    stack.push(i);
    const deps = tasks[i]!.depends_on;
    for (let d = 0; d < deps.length; d++) {
      const j = index.get(deps[d]!)!;
      if (state[j] === 1) {
        const cycle = stack.slice(stack.indexOf(j)).map((k) => tasks[k]!.id);
        return { cycle: [...cycle, tasks[j]!.id], task: i, dep: d };
      }
      if (state[j] === 0) {
        const found = visit(j);
        if (found) return found;
      }
    }
    stack.pop();
    state[i] = 2;
    return null;
  };
  for (let i = 0; i < tasks.length; i++) {
    if (state[i] !== 0) continue;
    const found = visit(i);
    if (found) return found;
  }
  return null;
}

/**
 * Validates a plan. Throws UsageError (exit 2) with one line:
 * `<source>: <field path>: <what was expected>`. Duplicate entries in a
 * depends_on list are dropped.
 */
export function validatePlan(input: unknown, catalogNames: readonly string[], source: string): Plan {
  const parsed = v.safeParse(PlanSchema, input);
  if (!parsed.success) {
    const issue = parsed.issues[0]!;
    fail(source, fieldPath(issue.path), issue.message);
  }
  const plan = parsed.output;
  const seen = new Map<string, number>();
  plan.tasks.forEach((task, i) => {
    if (!taskIdPattern.test(task.id)) fail(source, `tasks[${i}].id`, `${JSON.stringify(task.id)} is not ${idRule}`);
    const first = seen.get(task.id);
    if (first !== undefined) fail(source, `tasks[${i}].id`, `duplicate id ${JSON.stringify(task.id)} (also tasks[${first}].id); ids must be unique`);
    seen.set(task.id, i);
  });
  const known = new Set(catalogNames);
  plan.tasks.forEach((task, i) => {
    if (!known.has(task.agent_type)) {
      fail(source, `tasks[${i}].agent_type`, `unknown agent type ${JSON.stringify(task.agent_type)}; expected one of: ${knownList(catalogNames)}`);
    }
    task.depends_on.forEach((dep, d) => {
      const at = `tasks[${i}].depends_on[${d}]`;
      if (dep === task.id) fail(source, at, `task ${JSON.stringify(task.id)} depends on itself`);
      if (!seen.has(dep)) fail(source, at, `unknown task ${JSON.stringify(dep)}; expected one of the plan's task ids: ${knownList([...seen.keys()])}`);
    });
    task.depends_on = [...new Set(task.depends_on)];
  });
  const cycle = findCycle(plan.tasks);
  if (cycle) {
    fail(source, `tasks[${cycle.task}].depends_on[${cycle.dep}]`, `dependency cycle ${cycle.cycle.join(" → ")} (each task depends on the next); a plan must have no cycles`);
  }
  return plan;
}

/** Tasks grouped by dependency level: level 0 has no dependencies, level n depends on level n-1 at most. */
export function dependencyLevels(plan: Pick<Plan, "tasks">): string[][] {
  const byId = new Map(plan.tasks.map((t) => [t.id, t]));
  const level = new Map<string, number>();
  const levelOf = (id: string, seen: Set<string>): number => {
    const known = level.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) throw new Error(`dependency cycle through ${id}`); // validatePlan rules this out
    seen.add(id);
    const deps = byId.get(id)?.depends_on ?? [];
    const n = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((d) => levelOf(d, seen)));
    level.set(id, n);
    return n;
  };
  const levels: string[][] = [];
  for (const task of plan.tasks) (levels[levelOf(task.id, new Set())] ??= []).push(task.id);
  return levels.map((l) => l ?? []);
}

/** The fallback when the planner fails: the whole request as one developer task. */
export function singleTaskPlan(request: string, agentType = "developer"): Plan {
  return { summary: "The whole request as a single task", tasks: [{ id: "task", agent_type: agentType, description: request, depends_on: [] }] };
}

/**
 * JSON Schema of the plan, for `claude --json-schema`. With catalog names, agent_type
 * is an enum, so the CLI itself asks the model to fix an unknown type.
 */
export function planJsonSchema(catalogNames?: readonly string[]): Record<string, unknown> {
  return {
    type: "object",
    additionalProperties: false,
    // What a plan file requires, no more: summary and depends_on are optional there too.
    required: ["tasks"],
    properties: {
      summary: { type: "string", description: "One sentence: the approach of the plan" },
      tasks: {
        type: "array",
        minItems: 1,
        maxItems: MAX_TASKS,
        items: {
          type: "object",
          additionalProperties: false,
          required: ["id", "agent_type", "description"],
          properties: {
            id: { type: "string", pattern: taskIdPattern.source, description: "Unique lowercase slug, e.g. design-api" },
            agent_type: catalogNames?.length
              ? { type: "string", enum: [...catalogNames], description: "The specialist who does the task" }
              : { type: "string", description: "The specialist who does the task (an agent catalog name)" },
            description: { type: "string", minLength: 1, description: "What to do and what to deliver, self-contained" },
            depends_on: {
              type: "array",
              items: { type: "string" },
              description: "Ids of the tasks whose results this task needs before it starts",
            },
          },
        },
      },
    },
  };
}
