/**
 * A real orchestration for the observation tests (`maos logs --follow`, `maos serve`):
 * dist/maos runs a plan with fake agents in a temp dir. @api streams steadily and then
 * hangs until interrupted, so the run stays `running` until the test pauses it; when
 * resumed, @api's session finishes at once and the run completes.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, type TempDir } from "./claude-env.ts";
import type { FakeScript } from "./fake-agent.ts";
import { scenarioEnv, scriptKey, spawnMaosIn, withDb, type MaosRun } from "../crash/scenario.ts";

export const xssText = `Here is <script>window.__pwned = 1</script> and <img src=x onerror="window.__pwned = 2"> and \x1b[31mred\x1b[0m`;

export interface ObservedRun {
  dir: TempDir;
  dbPath: string;
  env: Record<string, string>;
  owner: MaosRun;
  /** The orchestration id, once recorded. */
  id: () => string;
}

export const observedPlan = {
  summary: "observation test",
  tasks: [
    { id: "design", agent_type: "architect", description: "Design the billing API", depends_on: [] },
    { id: "api", agent_type: "developer", description: "Build the billing API", depends_on: ["design"] },
    { id: "tests", agent_type: "tester", description: "Test the billing API", depends_on: ["design"] },
    { id: "review", agent_type: "reviewer", description: "Review it", depends_on: ["api", "tests"] },
  ],
};

export function observedScript(apiLines: number, apiIntervalMs: number): FakeScript {
  const quick = (key: string): FakeScript => ({
    steps: [
      { thinking: `Planning ${key}.` },
      { text: `Working on ${key}.\nDISCOVERY: ${key} says invoices are immutable` },
      { toolUse: { name: "Bash", input: { command: "printf 'one\\ntwo\\nthree\\nfour\\nfive\\nsix\\n'" } } },
      { text: xssText },
      { cost: 0.01 },
      { usage: { input_tokens: 1000, output_tokens: 200 } },
      { text: `${key} done` },
    ],
    onMessage: [{ text: `${key} noted it` }],
  });
  return {
    byPrompt: {
      [scriptKey("design")]: quick("design"),
      [scriptKey("tests")]: quick("tests"),
      [scriptKey("review")]: quick("review"),
      [scriptKey("api")]: {
        steps: [{ text: "api starting\nMESSAGE @tests: the api listens on port 8080" }, { lines: apiLines, bytes: 600, intervalMs: apiIntervalMs }, { hang: true }],
        onResume: [{ text: "api resumed and finished" }, { cost: 0.02 }],
        onMessage: [{ text: "api noted it" }],
      },
      "*": { steps: [{ text: "ok" }] },
    },
  };
}

export async function startObservedRun(apiLines = 100_000, apiIntervalMs = 100): Promise<ObservedRun> {
  const dir = tempDir("maos-observe-");
  const dbPath = join(dir.path, "maos.db");
  writeFileSync(join(dir.path, "plan.json"), JSON.stringify(observedPlan));
  writeFileSync(join(dir.path, "script.json"), JSON.stringify(observedScript(apiLines, apiIntervalMs)));
  const env = scenarioEnv(dir.path);
  const owner = spawnMaosIn(dir.path, ["orchestrate", "Build the billing API", "--plan", "plan.json", "--auto", "--db", dbPath], env);
  let id = "";
  return {
    dir,
    dbPath,
    env,
    owner,
    id: () => (id ||= withDb(dbPath, (db) => db.query<{ id: string }, []>("SELECT id FROM orchestrations").get()?.id) ?? ""),
  };
}

/** Polls a condition on the database until it holds. */
export async function waitForDbState(dbPath: string, what: string, cond: (db: import("bun:sqlite").Database) => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (withDb(dbPath, cond)) return;
    await Bun.sleep(25);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
