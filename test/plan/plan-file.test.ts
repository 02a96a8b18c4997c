import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../../src/errors.ts";
import { loadPlanFile, locateJsonError, maxPlanFileBytes } from "../../src/plan/plan-file.ts";
import { tempDir } from "../support/claude-env.ts";

const dir = tempDir("maos-planfile-");
afterAll(() => dir.cleanup());
const names = ["analyst", "developer", "tester", "reviewer"];

function file(name: string, text: string): string {
  const path = join(dir.path, name);
  writeFileSync(path, text);
  return path;
}

function errorOf(path: string): string {
  try {
    loadPlanFile(path, names);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    const message = (error as UsageError).message;
    expect(message).toContain(path);
    expect(message).not.toContain("\n");
    return message;
  }
  throw new Error("expected loadPlanFile to throw");
}

const good = {
  summary: "Add a /health endpoint",
  tasks: [
    { id: "implement", agent_type: "developer", description: "Add GET /health returning 200" },
    { id: "test", agent_type: "tester", description: "Test /health", depends_on: ["implement"] },
    { id: "review", agent_type: "reviewer", description: "Review the change", depends_on: ["implement", "test"] },
  ],
};

describe("loadPlanFile", () => {
  test("a valid file", () => {
    const plan = loadPlanFile(file("good.json", JSON.stringify(good, null, 2)), names);
    expect(plan.summary).toBe("Add a /health endpoint");
    expect(plan.tasks.map((t) => [t.id, t.depends_on])).toEqual([["implement", []], ["test", ["implement"]], ["review", ["implement", "test"]]]);
  });

  test("a BOM is tolerated", () => {
    expect(loadPlanFile(file("bom.json", `\uFEFF${JSON.stringify(good)}`), names).tasks).toHaveLength(3);
  });

  test("missing file", () => {
    const path = join(dir.path, "nope.json");
    expect(errorOf(path)).toBe(`plan file ${path} does not exist`);
  });

  test("a directory", () => {
    const path = join(dir.path, "adir");
    mkdirSync(path);
    expect(errorOf(path)).toBe(`plan file ${path} is a directory`);
  });

  test("empty file", () => {
    expect(errorOf(file("empty.json", " \n"))).toContain("is empty");
  });

  test("bad JSON names line and column", () => {
    const path = file("trailing.json", '{\n  "tasks": [\n    {"id": "a", "agent_type": "developer", "description": "x",}\n  ]\n}\n');
    expect(errorOf(path)).toBe(`plan file ${path} is not valid JSON at line 3, column 63: trailing comma before '}'`);
    const path2 = file("truncated.json", '{"tasks": [');
    expect(errorOf(path2)).toBe(`plan file ${path2} is not valid JSON at line 1, column 12: expected a value, got end of file`);
  });

  const cases: Array<[string, unknown, string]> = [
    ["missing field", { tasks: [{ id: "a", agent_type: "developer" }] }, "tasks[0].description: missing; expected a non-empty description"],
    ["unknown dependency", { tasks: [{ id: "a", agent_type: "developer", description: "x", depends_on: ["ghost"] }] }, 'tasks[0].depends_on[0]: unknown task "ghost"'],
    ["cycle", { tasks: [{ id: "a", agent_type: "developer", description: "x", depends_on: ["b"] }, { id: "b", agent_type: "tester", description: "y", depends_on: ["a"] }] }, "tasks[1].depends_on[0]: dependency cycle a → b → a"],
    ["unknown agent type", { tasks: [{ id: "a", agent_type: "wizard", description: "x" }] }, 'tasks[0].agent_type: unknown agent type "wizard"; expected one of: analyst, developer, tester, reviewer'],
    ["51 tasks", { tasks: Array.from({ length: 51 }, (_, i) => ({ id: `t${i}`, agent_type: "developer", description: "x" })) }, "tasks: expected 1-50 tasks, got 51"],
    ["duplicate id", { tasks: [{ id: "a", agent_type: "developer", description: "x" }, { id: "a", agent_type: "developer", description: "y" }] }, 'tasks[1].id: duplicate id "a"'],
    ["bad id", { tasks: [{ id: "Build It", agent_type: "developer", description: "x" }] }, 'tasks[0].id: "Build It" is not a lowercase slug'],
  ];
  for (const [name, content, expected] of cases) {
    test(`schema error: ${name}`, () => {
      const path = file(`${name.replace(/\W+/g, "-")}.json`, JSON.stringify(content));
      expect(errorOf(path).startsWith(`plan file ${path}: ${expected}`)).toBe(true);
    });
  }
});

describe("locateJsonError", () => {
  const at = (text: string) => locateJsonError(text);
  test("valid JSON → null", () => {
    expect(at('{"a": [1, -2.5e3, true, false, null, "x\\n\\u00e9"]}')).toBeNull();
  });
  test.each([
    ["{'a': 1}", 1, 2, "expected a property name in double quotes, got \"'\""],
    ['{"a" 1}', 1, 6, "expected ':' after the property name, got \"1\""],
    ['{"a": 1 "b": 2}', 1, 9, "expected ',' or '}', got \"\\\"\""],
    ["[1, 2,]", 1, 7, "trailing comma before ']'"],
    ['{"a": tru}', 1, 7, 'unexpected "t"'],
    ['{"a": "x\ny"}', 1, 9, "control character in a string (a line break must be written \\n)"],
    ['{"a": "\\q"}', 1, 8, "invalid escape \\q"],
    ['{"a": 01}', 1, 8, "expected ',' or '}', got \"1\""],
    ["{}\n{}", 2, 1, 'unexpected "{" after the end of the JSON value'],
    ['{"a": "open', 1, 12, "unterminated string"],
  ])("%p", (text, line, column, message) => {
    expect(at(text)).toEqual({ line, column, message });
  });
});

describe("hostile plan files: regular files only, with a size limit", () => {
  test("/dev/zero, a FIFO and an oversized file are one line each (exit 2), read no further and never block", () => {
    expect(errorOf("/dev/zero")).toBe("plan file /dev/zero is a character device, not a regular file");
    const fifo = join(dir.path, "fifo.json");
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    expect(errorOf(fifo)).toBe(`plan file ${fifo} is a FIFO, not a regular file`);
    const huge = file("huge.json", " ".repeat(maxPlanFileBytes + 1));
    expect(errorOf(huge)).toBe(`plan file ${huge} is ${maxPlanFileBytes + 1} bytes, more than the 4 MiB limit`);
  });
});
