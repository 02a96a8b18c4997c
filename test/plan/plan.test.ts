import { describe, expect, test } from "bun:test";
import { UsageError } from "../../src/errors.ts";
import { dependencyLevels, MAX_TASKS, planJsonSchema, singleTaskPlan, validatePlan } from "../../src/plan/plan.ts";

const names = ["analyst", "architect", "developer", "tester", "reviewer"];
const t = (id: string, deps: unknown = [], type = "developer") => ({ id, agent_type: type, description: `do ${id}`, depends_on: deps });

function errorOf(input: unknown, source = "planner"): UsageError {
  try {
    validatePlan(input, names, source);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as UsageError).message).not.toContain("\n");
    return error as UsageError;
  }
  throw new Error("expected validatePlan to throw");
}

describe("validatePlan", () => {
  test("a valid plan: depends_on defaults to [], summary to '', duplicate deps dropped", () => {
    const plan = validatePlan(
      { tasks: [{ id: "a", agent_type: "analyst", description: "look" }, t("b-2_x", ["a", "a"])] },
      names,
      "planner",
    );
    expect(plan).toEqual({
      summary: "",
      tasks: [
        { id: "a", agent_type: "analyst", description: "look", depends_on: [] },
        { id: "b-2_x", agent_type: "developer", description: "do b-2_x", depends_on: ["a"] },
      ],
    });
    expect(validatePlan({ summary: "  S  ", tasks: [t("a")] }, names, "x").summary).toBe("S");
  });

  const cases: Array<[string, unknown, string]> = [
    ["not an object", [1], 'p.json: expected a JSON object {"summary", "tasks": [...]}, got an array'],
    ["missing tasks", {}, "p.json: tasks: missing; expected an array of 1-50 tasks"],
    ["tasks not an array", { tasks: {} }, "p.json: tasks: expected an array of 1-50 tasks, got an object"],
    ["no tasks", { tasks: [] }, "p.json: tasks: expected 1-50 tasks, got 0"],
    ["51 tasks", { tasks: Array.from({ length: MAX_TASKS + 1 }, (_, i) => t(`t${i}`)) }, "p.json: tasks: expected 1-50 tasks, got 51"],
    ["missing agent_type", { tasks: [t("a"), { id: "b", description: "x" }] }, "p.json: tasks[1].agent_type: missing; expected an agent type"],
    ["missing description", { tasks: [{ id: "a", agent_type: "developer" }] }, "p.json: tasks[0].description: missing; expected a non-empty description"],
    ["missing id", { tasks: [{ agent_type: "developer", description: "x" }] }, "p.json: tasks[0].id: missing; expected a task id"],
    ["blank description", { tasks: [{ ...t("a"), description: "  " }] }, "p.json: tasks[0].description: expected a non-empty description of the work, got an empty string"],
    ["id not a string", { tasks: [{ ...t("a"), id: 3 }] }, "p.json: tasks[0].id: expected a task id (a lowercase slug"],
    ["task not an object", { tasks: [t("a"), "b"] }, "p.json: tasks[1]: expected a task object {id, agent_type, description, depends_on}, got a string"],
    ["unknown task field", { tasks: [{ ...t("a"), depend: [] }] }, "p.json: tasks[0].depend: unknown field; expected only id, agent_type, description, depends_on"],
    ["unknown top-level field", { tasks: [t("a")], task: [] }, "p.json: task: unknown field; expected only summary, tasks"],
    ["summary not a string", { summary: 1, tasks: [t("a")] }, "p.json: summary: expected a one-line summary, got a number"],
    ["depends_on not a list", { tasks: [t("a"), t("b", "a")] }, "p.json: tasks[1].depends_on: expected a list of task ids, got a string"],
    ["dependency not a string", { tasks: [t("a"), t("b", ["a", 7])] }, "p.json: tasks[1].depends_on[1]: expected a task id, got a number"],
    ["bad id (upper case)", { tasks: [t("Build")] }, 'p.json: tasks[0].id: "Build" is not a lowercase slug'],
    ["bad id (space)", { tasks: [t("a b")] }, 'p.json: tasks[0].id: "a b" is not a lowercase slug'],
    ["bad id (leading dash)", { tasks: [t("-a")] }, 'p.json: tasks[0].id: "-a" is not a lowercase slug'],
    ["bad id (41 chars)", { tasks: [t("a".repeat(41))] }, "is not a lowercase slug"],
    ["duplicate id", { tasks: [t("a"), t("b"), t("a")] }, 'p.json: tasks[2].id: duplicate id "a" (also tasks[0].id); ids must be unique'],
    ["unknown agent type", { tasks: [t("a"), t("b", [], "wizard")] }, 'p.json: tasks[1].agent_type: unknown agent type "wizard"; expected one of: analyst, architect, developer, tester, reviewer'],
    ["unknown dependency", { tasks: [t("a"), t("b", ["a", "zz"])] }, 'p.json: tasks[1].depends_on[1]: unknown task "zz"; expected one of the plan\'s task ids: a, b'],
    ["self dependency", { tasks: [t("a", ["a"])] }, 'p.json: tasks[0].depends_on[0]: task "a" depends on itself'],
    ["cycle of three", { tasks: [t("a", ["c"]), t("b", ["a"]), t("c", ["b"])] }, "p.json: tasks[1].depends_on[0]: dependency cycle a → c → b → a"],
    ["cycle of two after a valid task", { tasks: [t("x"), t("a", ["x", "b"]), t("b", ["a"])] }, "p.json: tasks[2].depends_on[0]: dependency cycle a → b → a"],
  ];
  for (const [name, input, expected] of cases) {
    test(`rejects: ${name}`, () => {
      expect(errorOf(input, "p.json").message).toContain(expected);
    });
  }

  test("a long catalog is abbreviated in the message", () => {
    const many = Array.from({ length: 30 }, (_, i) => `agent${i}`);
    try {
      validatePlan({ tasks: [t("a", [], "nope")] }, many, "planner");
      throw new Error("no throw");
    } catch (error) {
      expect((error as Error).message).toContain("agent19, … (30 in all; see `maos agents`)");
      expect((error as Error).message).not.toContain("agent20");
    }
  });
});

describe("dependencyLevels", () => {
  test("diamond a → (b, c) → d, plus an independent task", () => {
    const plan = validatePlan({ tasks: [t("a"), t("b", ["a"]), t("c", ["a"]), t("d", ["c", "b"]), t("e")] }, names, "p");
    expect(dependencyLevels(plan)).toEqual([["a", "e"], ["b", "c"], ["d"]]);
  });
  test("level is the longest path, not the first dependency", () => {
    const plan = validatePlan({ tasks: [t("z", ["y", "a"]), t("a"), t("y", ["x"]), t("x", ["a"])] }, names, "p");
    expect(dependencyLevels(plan)).toEqual([["a"], ["x"], ["y"], ["z"]]);
  });
  test("all independent → one level", () => {
    expect(dependencyLevels(singleTaskPlan("do it"))).toEqual([["task"]]);
  });
});

describe("planJsonSchema", () => {
  test("describes the plan; agent_type is an enum of the catalog when given", () => {
    const schema = planJsonSchema(names) as any;
    // The same requirements as a plan file: summary and depends_on are optional in both.
    expect(schema.required).toEqual(["tasks"]);
    expect(schema.properties.tasks.items.required).toEqual(["id", "agent_type", "description"]);
    expect(validatePlan({ tasks: [{ id: "a", agent_type: names[0], description: "x" }] }, names, "plan file p").tasks[0]!.depends_on).toEqual([]);
    expect(schema.properties.tasks.maxItems).toBe(50);
    expect(schema.properties.tasks.items.properties.agent_type.enum).toEqual(names);
    expect(new RegExp(schema.properties.tasks.items.properties.id.pattern).test("design-api")).toBe(true);
    expect((planJsonSchema() as any).properties.tasks.items.properties.agent_type.enum).toBeUndefined();
    expect(() => JSON.stringify(schema)).not.toThrow();
  });
  test("singleTaskPlan is a valid plan", () => {
    expect(validatePlan(singleTaskPlan("fix the bug"), names, "x").tasks[0]).toEqual({
      id: "task", agent_type: "developer", description: "fix the bug", depends_on: [],
    });
  });
});
