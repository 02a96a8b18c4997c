/**
 * Agent- and user-derived text never reaches a terminal raw: every human view shows control
 * characters as symbols; --json keeps the exact text.
 */
import { afterEach, beforeEach, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { finish, scenarioEnv, scriptKey, spawnMaosIn } from "../crash/scenario.ts";
import { tempDir } from "../support/claude-env.ts";
import { runMaos } from "../support/cli.ts";
import { buildOrchestration, createTestDb, standardSpec, type TestDb } from "../support/fixtures.ts";
import { scaled } from "../support/machine.ts";

setDefaultTimeout(scaled(20_000));

const attack = "\x1b[2J\x1b]0;PWNED\x07";
let t: TestDb;
let id: string;
beforeEach(() => {
  t = createTestDb();
  const spec = standardSpec({ request: `Build it ${attack}`, status: "completed" });
  spec.tasks = spec.tasks!.map((task) => ({ ...task, status: "completed", result: `result ${attack}` }));
  spec.messages = [{ from: "analyze", text: `DISCOVERY: ${attack}`, type: "discovery", state: "acknowledged" }];
  id = buildOrchestration(t.db, spec).id;
});
afterEach(() => t.cleanup());

const raw = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

test("status, orchestration status, list and the messages show the attack as symbols; --json keeps it exact", async () => {
  const views = [
    ["status", "--messages"],
    ["orchestration", "status", id.slice(0, 8), "--tasks", "--messages"],
    ["orchestration", "list"],
  ];
  for (const args of views) {
    const r = await runMaos([...args, "--db", t.path], { env: { NO_COLOR: "1" } });
    expect(r.code, args.join(" ")).toBe(0);
    expect(r.stdout, args.join(" ")).not.toMatch(raw);
    expect(r.stdout, args.join(" ")).toContain("␛[2J␛]0;PWNED␇");
  }
  const json = await runMaos(["orchestration", "status", id.slice(0, 8), "--tasks", "--messages", "--json", "--db", t.path]);
  const doc = JSON.parse(json.stdout);
  expect(doc.orchestration.request).toBe(`Build it ${attack}`);
  expect(doc.messages.shown[0].message).toBe(`DISCOVERY: ${attack}`);
  expect(doc.tasks[0].result).toBe(`result ${attack}`);
});

test("a run whose agent writes the attack: the log lines, the summary and maos.log stay safe; --json keeps it", async () => {
  using dir = tempDir("maos-safe-run-");
  writeFileSync(join(dir.path, "plan.json"), JSON.stringify({ summary: `plan ${attack}`, tasks: [{ id: "a", agent_type: "developer", description: `Do a ${attack}` }] }));
  writeFileSync(join(dir.path, "script.json"), JSON.stringify({ byPrompt: { [scriptKey("a")]: { steps: [{ text: `DISCOVERY: ${attack}\nAll done ${attack}` }] } } }));
  const env = scenarioEnv(dir.path);
  const human = await finish(spawnMaosIn(dir.path, ["orchestrate", `Request ${attack}`, "--plan", "plan.json", "--auto", "--db", "maos.db"], env));
  expect(human.code).toBe(0);
  expect(human.stdout + human.stderr).not.toMatch(raw);
  expect(human.stdout).toContain("All done ␛[2J␛]0;PWNED␇");
  expect(readFileSync(join(dir.path, "maos.log"), "utf8")).not.toMatch(raw);
  const json = await finish(spawnMaosIn(dir.path, ["orchestrate", `Request ${attack}`, "--plan", "plan.json", "--auto", "--json", "--db", "maos.db"], env));
  expect(JSON.parse(json.stdout).tasks[0].result).toBe(`DISCOVERY: ${attack}\nAll done ${attack}`);
});
