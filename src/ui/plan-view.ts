import type { AgentDefinition } from "../agents/catalog.ts";
import { dependencyLevels, type Plan } from "../plan/plan.ts";
import { paint } from "./color.ts";
import { safeLine, safeText } from "./terminal-text.ts";

export interface PlanViewOptions {
  /** Colour the output (default: off). */
  color?: boolean;
  /** Line width to wrap descriptions to (default 100). */
  width?: number;
}

/** Word-wraps one paragraph to `width` columns (a word longer than that gets a line of its own). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/ +/).filter(Boolean)) {
    if (line && Bun.stringWidth(`${line} ${word}`) > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.length ? lines : [""];
}

function agentLine(type: string, catalog: readonly AgentDefinition[] | undefined): string {
  const def = catalog?.find((a) => a.name === type);
  if (!def) return type;
  const source = def.source !== "built-in" ? ` (${def.source})` : "";
  const tools = def.tools === null ? "all tools" : def.tools.length === 0 ? "no tools" : `tools ${def.tools.join(", ")}`;
  const denied = def.disallowedTools.length ? `, never ${def.disallowedTools.join(", ")}` : "";
  return `${type}${source} · model ${def.model ?? "inherit"} · ${tools}${denied}`;
}

/**
 * The plan for people, everything shown (a constraint at the end of a description must be
 * seen before approving): tasks grouped by dependency level (Level 1 runs first, tasks in one
 * level can run in parallel), each with its agent, model and tools, what it waits for, and its
 * whole description wrapped. All text is terminal-safe.
 *
 *   Plan: Add a /health endpoint with tests (3 tasks, 2 levels)
 *
 *   Level 1
 *     @design  architect · model inherit · tools Read, Grep, Glob, Write, Bash(ls:*)
 *         Design the endpoint …
 */
export function renderPlan(plan: Plan, catalog?: readonly AgentDefinition[], options: PlanViewOptions = {}): string {
  const color = options.color ?? false;
  const width = Math.max(40, options.width ?? 100);
  const levels = dependencyLevels(plan);
  const byId = new Map(plan.tasks.map((t) => [t.id, t]));
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const title = plan.summary ? `Plan: ${safeLine(plan.summary)}` : "Plan";
  const lines = [`${paint(title, "bold", color)} (${count(plan.tasks.length, "task")}, ${count(levels.length, "level")})`];
  levels.forEach((ids, level) => {
    const parallel = ids.length > 1 ? paint("  (in parallel)", "dim", color) : "";
    lines.push("", `${paint(`Level ${level + 1}`, "bold", color)}${parallel}`);
    for (const id of ids) {
      const task = byId.get(id)!;
      const after = task.depends_on.length ? paint(` · after ${task.depends_on.join(", ")}`, "gray", color) : "";
      lines.push(`  ${paint(`@${id}`, "cyan", color)}  ${safeLine(agentLine(task.agent_type, catalog))}${after}`);
      for (const paragraph of safeText(task.description).split("\n")) {
        for (const part of wrap(paragraph.replace(/\t/g, " "), width - 6)) lines.push(`      ${part}`.trimEnd());
      }
    }
  });
  return lines.join("\n");
}
