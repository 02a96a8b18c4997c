/**
 * Crash tests: the compiled dist/maos with fake agents streaming steadily is SIGKILLed at
 * random moments (the first run and some resumes), resumed, and checked after every kill
 * and at the end (see scenario.ts for the invariants). A failure names the scenario seed;
 * `bun run soak --iterations 1 --seed <seed>` replays it, CRASH_SEED=<n> replays the whole
 * file's seeds.
 */
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatDelivery } from "../../src/bus/mailbox.ts";
import { ensureBinary } from "../support/binary.ts";
import { tempDir } from "../support/claude-env.ts";
import type { FakeScript } from "../support/fake-agent.ts";
import {
  checkFinal,
  checkState,
  fakeProcesses,
  finish,
  killHard,
  randomSeed,
  rng,
  runCrashScenario,
  scenarioEnv,
  scriptKey,
  snapshot,
  spawnMaosIn,
  tail,
  waitForDb,
  type ScenarioResult,
} from "./scenario.ts";
import { scaled } from "../support/machine.ts";

// These tests start processes: on a loaded machine they need more than the 5 s default.
setDefaultTimeout(scaled(20_000));

const masterSeed = process.env.CRASH_SEED ? Number(process.env.CRASH_SEED) : randomSeed();
const minimumKills = 30;

describe("SIGKILL at random moments, then resume", () => {
  test(
    `at least ${minimumKills} kills across orchestrations; every invariant holds after each and at the end`,
    async () => {
      ensureBinary();
      const random = rng(masterSeed);
      const results: ScenarioResult[] = [];
      let kills = 0;
      let started = 0;
      const maxScenarios = 20;
      // Two scenarios at a time (one per core); each scenario's own seed decides its kill delays.
      const worker = async () => {
        while (kills < minimumKills && started < maxScenarios) {
          started++;
          const seed = Math.floor(random() * 2 ** 31);
          const dir = tempDir("maos-crash-");
          const result = await runCrashScenario({ seed, kills: 3, dir: dir.path });
          dir.cleanup();
          results.push(result);
          kills += result.kills;
        }
      };
      try {
        await Promise.all([worker(), worker()]);
      } catch (error) {
        throw new Error(`CRASH_SEED=${masterSeed}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      const killedResumes = results.reduce((n, r) => n + r.killedResumes, 0);
      console.log(
        `crash: ${results.length} orchestrations, ${kills} kills (${killedResumes} of them during a resume), ` +
          `${results.reduce((n, r) => n + r.leftoversStopped, 0)} leftover agents stopped by resumes, ` +
          `${results.reduce((n, r) => n + r.events, 0)} events, ${results.reduce((n, r) => n + r.messages, 0)} messages (CRASH_SEED=${masterSeed})`,
      );
      expect(kills).toBeGreaterThanOrEqual(minimumKills);
      expect(killedResumes).toBeGreaterThan(0);
    },
    scaled(120_000),
  );
});

/** A two-task plan (r and s) whose agents are scripted per attempt. */
function setUp(tasks: { id: string; depends_on: string[] }[], scripts: Record<string, FakeScript>) {
  const dir = tempDir("maos-crash-mail-");
  writeFileSync(
    join(dir.path, "plan.json"),
    JSON.stringify({ tasks: tasks.map((t) => ({ ...t, agent_type: "developer", description: `Task ${t.id}` })) }),
  );
  const byPrompt: Record<string, FakeScript> = {};
  for (const [task, script] of Object.entries(scripts)) byPrompt[scriptKey(task)] = script;
  writeFileSync(join(dir.path, "script.json"), JSON.stringify({ byPrompt }));
  return { dir, db: join(dir.path, "maos.db"), log: join(dir.path, "log"), env: scenarioEnv(dir.path) };
}

/** Resumes until maos finishes on its own. */
async function resumeToEnd(dir: string, db: string, env: Record<string, string>, id: string) {
  const result = await finish(spawnMaosIn(dir, ["orchestration", "resume", id, "--auto", "--db", db], env));
  if (result.code !== 0) throw new Error(`resume exited ${result.code}:\n${tail(result.stderr)}`);
  return result;
}

describe("SIGKILL between a message being committed and being delivered (issue 5)", () => {
  test("a message waiting in the mailbox of a task that has not started is delivered exactly once after resume", async () => {
    const secret = "the deploy key is in vault slot 7";
    // s says the message at once and keeps streaming; r depends on s, so the message waits for r to start.
    const { dir, db, log, env } = setUp(
      [
        { id: "s", depends_on: [] },
        { id: "r", depends_on: ["s"] },
      ],
      {
        s: {
          attempts: [
            [{ text: `MESSAGE @r: ${secret}` }, { lines: 200, bytes: 200, intervalMs: 20 }, { text: "s done" }],
            [{ text: "s done after the resume" }],
          ],
        },
        r: { steps: [{ text: "r done" }] },
      },
    );
    try {
      const run = spawnMaosIn(dir.path, ["orchestrate", "mailbox crash", "--plan", "plan.json", "--auto", "--db", db], env);
      expect(await waitForDb(run, db, (d) => d.query("SELECT 1 FROM messages").get() !== null)).toBe(true);
      expect(await killHard(run)).toBe(true);

      const before = snapshot(db);
      checkState(before, null);
      expect(before.messages).toHaveLength(1);
      expect(before.deliveries).toEqual([expect.objectContaining({ status: "pending", attempt: null })]);
      expect(before.attempts.filter((a) => a.task_id.endsWith(":r"))).toHaveLength(0);

      await resumeToEnd(dir.path, db, env, before.orchestrationId!);
      const after = snapshot(db);
      checkState(after, before);
      checkFinal(after, log);
      expect(after.messages).toHaveLength(1);
      expect(after.deliveries).toEqual([expect.objectContaining({ status: "acknowledged", attempt: 1, via: "prompt" })]);
      const line = formatDelivery({ fromTask: "s", type: "message", text: secret });
      const rProcesses = fakeProcesses(log).filter((p) => p.task === "r");
      expect(rProcesses).toHaveLength(1);
      expect(rProcesses.flatMap((p) => p.mailLines).filter((l) => l === line)).toHaveLength(1);
    } finally {
      dir.cleanup();
    }
  }, scaled(30_000));

  test("a message written into a running agent's stdin but not yet acknowledged is delivered once to the resumed attempt", async () => {
    const secret = "use the blue deployment";
    // r streams for seconds; s sends it a message meanwhile, which maos writes into r's stdin (delivered, not acknowledged).
    const { dir, db, log, env } = setUp(
      [
        { id: "r", depends_on: [] },
        { id: "s", depends_on: [] },
      ],
      {
        r: {
          attempts: [[{ lines: 250, bytes: 200, intervalMs: 20 }, { text: "r done" }], [{ text: "r done after the resume" }]],
          onMessage: [{ text: "r noted the message" }],
        },
        s: { attempts: [[{ sleepMs: 200 }, { text: `MESSAGE @r: ${secret}` }, { text: "s done" }], [{ text: "s done again" }]] },
      },
    );
    try {
      const run = spawnMaosIn(dir.path, ["orchestrate", "mailbox crash", "--plan", "plan.json", "--auto", "--db", db], env);
      expect(await waitForDb(run, db, (d) => d.query("SELECT 1 FROM deliveries WHERE status = 'delivered'").get() !== null)).toBe(true);
      expect(await killHard(run)).toBe(true);

      const before = snapshot(db);
      checkState(before, null);
      expect(before.deliveries).toEqual([expect.objectContaining({ status: "delivered", attempt: 1, via: "stdin" })]);

      await resumeToEnd(dir.path, db, env, before.orchestrationId!);
      const after = snapshot(db);
      checkState(after, before);
      checkFinal(after, log);
      expect(after.messages).toHaveLength(1);
      // Acknowledged once, by the attempt that consumed it: the resumed one, which got it in its prompt.
      expect(after.deliveries).toEqual([expect.objectContaining({ status: "acknowledged", attempt: 2, via: "prompt" })]);
      const line = formatDelivery({ fromTask: "s", type: "message", text: secret });
      const attempts = after.attempts.filter((a) => a.task_id.endsWith(":r"));
      expect(attempts.map((a) => [a.attempt, a.status])).toEqual([
        [1, "interrupted"],
        [2, "completed"],
      ]);
      // Each attempt's process saw it exactly once: the killed one in its stdin, the resumed one in its prompt.
      const rProcesses = fakeProcesses(log).filter((p) => p.task === "r");
      for (const a of attempts) {
        // The recorded pid is the agent's supervisor, its parent.
        const proc = rProcesses.find((p) => p.ppid === a.pid)!;
        expect(proc.mailLines.filter((l) => l === line)).toHaveLength(1);
      }
    } finally {
      dir.cleanup();
    }
  }, scaled(30_000));
});
