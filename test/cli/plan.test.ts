import { expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../support/claude-env.ts";
import { runMaos } from "../support/cli.ts";
import { fakeAgentEnv, fakeClaudePath } from "../support/fake-agent.ts";

const plan = {
  summary: "design then build",
  tasks: [
    { id: "design", agent_type: "reader", description: "Read the code and design it", depends_on: [] },
    { id: "build", agent_type: "developer", description: "Build it", depends_on: ["design"] },
    { id: "docs", agent_type: "developer", description: "Write the docs", depends_on: ["design"] },
  ],
};

/** A project with one agent definition of its own (tools and model limited), and no database. */
function project() {
  const dir = tempDir("maos-plan-").path;
  mkdirSync(join(dir, ".claude", "agents"), { recursive: true });
  writeFileSync(
    join(dir, ".claude", "agents", "reader.md"),
    "---\nname: reader\ndescription: Reads code and designs\ntools: Read, Grep\nmodel: haiku\n---\nYou read and design.\n",
  );
  const env = { ...fakeAgentEnv({ steps: [{ structured: plan }] }), MAOS_DB: join(dir, "maos.db"), HOME: tempDir("maos-home-").path, NO_COLOR: "1" };
  return { dir, env };
}

test("maos plan prints the planner's plan in the --plan format and records nothing", async () => {
  const { dir, env } = project();
  const r = await runMaos(["plan", "design and build it", "--claude-bin", fakeClaudePath()], { cwd: dir, env });
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual(plan);
  expect(existsSync(join(dir, "maos.db"))).toBe(false);
});

test("maos plan --out saves it; orchestrate --dry-run of that file shows batches, models and tool limits and writes nothing", async () => {
  const { dir, env } = project();
  const saved = await runMaos(["plan", "design and build it", "--out", "plan.json", "--claude-bin", fakeClaudePath()], { cwd: dir, env });
  expect(saved.code).toBe(0);
  expect(saved.stdout).toContain('Saved to plan.json ($0.00). Edit it, then run: maos orchestrate "design and build it" --plan plan.json');
  expect(JSON.parse(readFileSync(join(dir, "plan.json"), "utf8"))).toEqual(plan);

  const dry = await runMaos(["orchestrate", "design and build it", "--plan", "plan.json", "--dry-run", "--model", "sonnet", "--json"], { cwd: dir, env });
  expect(dry.code).toBe(0);
  const d = JSON.parse(dry.stdout);
  expect(d.batches).toEqual([["design"], ["build", "docs"]]);
  expect(d.tasks[0]).toMatchObject({ id: "design", batch: 1, model: "haiku", tools: ["Read", "Grep"], mcp_servers: false, source: "project" });
  expect(d.tasks[1]).toMatchObject({ id: "build", batch: 2, model: "sonnet", depends_on: ["design"] });

  const human = await runMaos(["orchestrate", "design and build it", "--plan", "plan.json", "--dry-run"], { cwd: dir, env });
  expect(human.code).toBe(0);
  expect(human.stdout).toContain("Dry run: nothing was recorded and no agent was started.");
  expect(human.stdout).toContain("Batch 2 (in parallel): @build, @docs");
  expect(human.stdout).toMatch(/1\s+design\s+reader \(project\)\s+haiku\s+default\s+Read,Grep\s+\(none\)\s+none/);
  expect(existsSync(join(dir, "maos.db"))).toBe(false);
});

test("orchestrate --dry-run without --plan asks the planner; a bad plan file is refused (exit 2)", async () => {
  const { dir, env } = project();
  const planned = await runMaos(["orchestrate", "design and build it", "--dry-run", "--json", "--claude-bin", fakeClaudePath()], { cwd: dir, env });
  expect(planned.code).toBe(0);
  expect(JSON.parse(planned.stdout)).toMatchObject({ plan_file: null, batches: [["design"], ["build", "docs"]] });

  writeFileSync(join(dir, "bad.json"), JSON.stringify({ tasks: [{ id: "a", agent_type: "developer", description: "x", depends_on: ["zzz"] }] }));
  const bad = await runMaos(["orchestrate", "x", "--plan", "bad.json", "--dry-run"], { cwd: dir, env });
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain("plan file bad.json");
  expect(existsSync(join(dir, "maos.db"))).toBe(false);
});
