import { describe, expect, test } from "bun:test";
import { PassThrough } from "node:stream";
import { loadCatalog, type AgentDefinition } from "../../src/agents/catalog.ts";
import { UsageError } from "../../src/errors.ts";
import { askApproval, offerSingleTask } from "../../src/orchestrator/approval.ts";
import { singleTaskPlan, validatePlan } from "../../src/plan/plan.ts";
import { renderPlan } from "../../src/ui/plan-view.ts";

const builtins = loadCatalog({ cwd: "/nonexistent-maos-cwd", home: null }).agents;
const custom: AgentDefinition = { name: "dba", description: "Databases", prompt: "p", tools: null, disallowedTools: [], model: null, permissionMode: null, maxTurns: null, source: "project", file: "/p/.claude/agents/dba.md" };
const catalog = [...builtins, custom];
const plan = validatePlan(
  {
    summary: "Add a health endpoint",
    tasks: [
      { id: "design", agent_type: "architect", description: "Design the endpoint and its response format" },
      { id: "schema", agent_type: "dba", description: "Add the status table" },
      { id: "implement", agent_type: "developer", description: `Implement it. ${"Very long detail. ".repeat(20)}`, depends_on: ["design", "schema"] },
      { id: "test", agent_type: "tester", description: "Write tests", depends_on: ["implement"] },
      { id: "review", agent_type: "reviewer", description: "Review", depends_on: ["implement"] },
    ],
  },
  catalog.map((a) => a.name),
  "test",
);

/** Fake terminal streams: keys go in, the rendered prompt comes out. */
function terminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = "";
  output.on("data", (d) => (text += String(d)));
  return { input, output, text: () => text, press: (keys: string) => setTimeout(() => input.write(keys), 50) };
}

describe("renderPlan", () => {
  test("tasks grouped by dependency level, each with agent, model, tools, deps and its whole description wrapped", () => {
    const text = renderPlan(plan, catalog, { width: 100 });
    const lines = text.split("\n");
    expect(lines[0]).toBe("Plan: Add a health endpoint (5 tasks, 3 levels)");
    expect(text).toContain("Level 1  (in parallel)");
    expect(text.indexOf("Level 1")).toBeLessThan(text.indexOf("@design "));
    expect(text.indexOf("Level 2")).toBeLessThan(text.indexOf("@implement "));
    expect(text.indexOf("@implement ")).toBeLessThan(text.indexOf("Level 3"));
    expect(text).toContain("  @schema  dba (project) · model inherit · all tools\n      Add the status table");
    expect(text).toMatch(/@design {2}architect · model inherit · tools Read, Grep, Glob, Write, /);
    expect(text).toMatch(/@implement {2}developer · model inherit · tools .* · after design, schema/);
    // Nothing is cut: every word of the long description is there, wrapped under the task.
    const description = text.slice(text.indexOf("@implement"), text.indexOf("Level 3"));
    expect(description.replace(/\s+/g, " ").match(/Very long detail\./g)).toHaveLength(20);
    for (const line of lines.filter((l) => l.startsWith("      "))) expect(Bun.stringWidth(line)).toBeLessThanOrEqual(100);
    expect(text).not.toContain("…");
    expect(text).not.toContain("\x1b[");
  });

  test("a constraint at the end of a long, multi-line description is shown; control characters are made visible", () => {
    const hidden = validatePlan(
      { tasks: [{ id: "deploy", agent_type: "developer", description: `Ship it.\n${"Context. ".repeat(30)}\nYou must NOT touch deploy/ \x1b[2J` }] },
      catalog.map((a) => a.name),
      "test",
    );
    const text = renderPlan(hidden, catalog, { width: 80 });
    expect(text).toContain("You must NOT touch deploy/ ␛[2J");
    expect(text).not.toContain("\x1b");
  });

  test("colour only when asked", () => {
    expect(renderPlan(plan, catalog, { color: true })).toContain("\x1b[");
  });

  test("a single task, no summary", () => {
    const text = renderPlan({ summary: "", tasks: [{ id: "task", agent_type: "developer", description: "Fix it", depends_on: [] }] });
    expect(text).toBe("Plan (1 task, 1 level)\n\nLevel 1\n  @task  developer\n      Fix it");
  });
});

describe("askApproval", () => {
  test("auto → approve without asking or printing", async () => {
    const t = terminal();
    expect(await askApproval(plan, { auto: true, interactive: false, output: t.output })).toBe("approve");
    expect(t.text()).toBe("");
  });

  test("no terminal and no auto → UsageError (exit 2)", async () => {
    const error = await askApproval(plan, { auto: false, interactive: false }).catch((e) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe("no terminal to ask for approval; pass --auto");
  });

  test("Enter approves; the plan and the prompt go to the given output", async () => {
    const t = terminal();
    t.press("\r");
    expect(await askApproval(plan, { auto: false, interactive: true, catalog, input: t.input, output: t.output })).toBe("approve");
    expect(t.text()).toContain("Plan: Add a health endpoint");
    expect(t.text()).toContain("Run this plan (5 tasks)?");
  });

  test("the choices: approve, cancel, edit the plan, and re-plan with feedback only when a planner made it", async () => {
    const t = terminal();
    t.press("\x1b[B\x1b[B\r");
    expect(await askApproval(plan, { auto: false, interactive: true, input: t.input, output: t.output, canReplan: true })).toBe("edit");
    expect(t.text()).toContain("Edit the plan");
    expect(t.text()).toContain("Re-plan with feedback");
    const r = terminal();
    r.press("\x1b[B\x1b[B\x1b[B\r");
    expect(await askApproval(plan, { auto: false, interactive: true, input: r.input, output: r.output, canReplan: true })).toBe("replan");
    const noPlanner = terminal();
    noPlanner.press("\r");
    await askApproval(plan, { auto: false, interactive: true, input: noPlanner.input, output: noPlanner.output });
    expect(noPlanner.text()).not.toContain("Re-plan");
  });

  test("down + Enter cancels; Ctrl-C in the prompt cancels", async () => {
    const a = terminal();
    a.press("\x1b[B\r");
    expect(await askApproval(plan, { auto: false, interactive: true, input: a.input, output: a.output })).toBe("cancel");
    const b = terminal();
    b.press("\x03");
    expect(await askApproval(plan, { auto: false, interactive: true, input: b.input, output: b.output })).toBe("cancel");
  });
});

describe("offerSingleTask", () => {
  test("yes by default; no; Ctrl-C; no terminal", async () => {
    const yes = terminal();
    yes.press("\r");
    expect(await offerSingleTask("fix it", "API Error: 500", { interactive: true, input: yes.input, output: yes.output })).toBe(true);
    expect(yes.text()).toContain("Planning failed: API Error: 500");
    expect(yes.text()).toContain("single developer task");
    const no = terminal();
    no.press("\x1b[C\r"); // right arrow → "No"
    expect(await offerSingleTask("fix it", "x", { interactive: true, input: no.input, output: no.output })).toBe(false);
    const ctrlC = terminal();
    ctrlC.press("\x03");
    expect(await offerSingleTask("fix it", "x", { interactive: true, input: ctrlC.input, output: ctrlC.output })).toBe(false);
    expect(await offerSingleTask("fix it", "x", { interactive: false })).toBe(false);
  });

  test("the single-task plan it leads to", () => {
    expect(singleTaskPlan("fix it").tasks).toEqual([{ id: "task", agent_type: "developer", description: "fix it", depends_on: [] }]);
  });
});
