import type { AgentDefinition } from "../agents/catalog.ts";
import { dependencyLevels, type Plan } from "../plan/plan.ts";
import { paint, visibleLength } from "./color.ts";
import { shorten } from "./format.ts";
import { safeLine } from "./terminal-text.ts";

export interface PlanViewOptions {
  /** Colour the output (default: off). */
  color?: boolean;
  /** Line width to fit descriptions into (default 100). */
  width?: number;
}

/**
 * The plan for people: tasks grouped by dependency level (Level 1 runs first, tasks
 * in one level can run in parallel), with type, description and dependencies.
 *
 *   Plan: Add a /health endpoint with tests (3 tasks, 2 levels)
 *
 *   Level 1
 *     design     architect  Design the endpoint …
 *   Level 2
 *     implement  developer  Implement it …        after design
 */
const pad = (text: string, width: number) => text + " ".repeat(Math.max(0, width - visibleLength(text)));

export function renderPlan(plan: Plan, catalog?: readonly AgentDefinition[], options: PlanViewOptions = {}): string {
  const color = options.color ?? false;
  const width = Math.max(60, options.width ?? 100);
  const levels = dependencyLevels(plan);
  const byId = new Map(plan.tasks.map((t) => [t.id, t]));
  const typeLabel = (type: string) => {
    const source = catalog?.find((a) => a.name === type)?.source;
    return source && source !== "built-in" ? `${type} (${source})` : type;
  };
  const idWidth = Math.max(...plan.tasks.map((t) => visibleLength(t.id)));
  const typeWidth = Math.max(...plan.tasks.map((t) => visibleLength(typeLabel(t.agent_type))));
  const after = (deps: string[]) => (deps.length ? `after ${deps.join(", ")}` : "");
  const afterWidth = Math.min(30, Math.max(0, ...plan.tasks.map((t) => after(t.depends_on).length)));
  const descWidth = Math.max(20, width - 4 - idWidth - 2 - typeWidth - 2 - (afterWidth ? afterWidth + 2 : 0));

  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const title = plan.summary ? `Plan: ${safeLine(plan.summary)}` : "Plan";
  const lines = [`${paint(title, "bold", color)} (${count(plan.tasks.length, "task")}, ${count(levels.length, "level")})`];
  levels.forEach((ids, level) => {
    const parallel = ids.length > 1 ? paint("  (in parallel)", "dim", color) : "";
    lines.push("", `${paint(`Level ${level + 1}`, "bold", color)}${parallel}`);
    for (const id of ids) {
      const task = byId.get(id)!;
      const cells = [
        paint(pad(id, idWidth), "cyan", color),
        pad(typeLabel(task.agent_type), typeWidth),
        afterWidth ? pad(shorten(task.description, descWidth), descWidth) : shorten(task.description, descWidth),
      ];
      if (afterWidth && task.depends_on.length) cells.push(paint(shorten(after(task.depends_on), afterWidth), "gray", color));
      lines.push(`    ${cells.join("  ")}`.trimEnd());
    }
  });
  return lines.join("\n");
}
