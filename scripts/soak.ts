/**
 * Crash soak: the scenario of test/crash/crash.test.ts, many more times.
 *
 *   bun run soak                              100 scenarios, random seed
 *   bun run soak --iterations 500 --seed 42   scenario seeds derived from 42
 *   bun run soak --iterations 1 --seed 1234   replays one failing scenario (the failure prints this line)
 *   bun run soak --parallel 2 --kills 4       2 scenarios at a time, 4 kill moments each (default 3)
 *
 * Each scenario runs dist/maos with fake agents, SIGKILLs it (and some resumes) at random
 * moments and checks the invariants after each kill and at the end. Stops at the first
 * failure (exit 1) and keeps that scenario's directory for inspection.
 */
import { parseArgs } from "node:util";
import { tempDir } from "../test/support/claude-env.ts";
import { randomSeed, rng, runCrashScenario, type ScenarioResult } from "../test/crash/scenario.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    iterations: { type: "string", default: "100" },
    seed: { type: "string" },
    kills: { type: "string", default: "3" },
    parallel: { type: "string", default: "1" },
    verbose: { type: "boolean", default: false },
  },
});

const iterations = Number(values.iterations);
const kills = Number(values.kills);
const parallel = Number(values.parallel);
if (![iterations, kills, parallel].every((n) => Number.isInteger(n) && n > 0)) {
  console.error("usage: bun run soak [--iterations N] [--seed S] [--kills K] [--parallel P] [--verbose]");
  process.exit(2);
}
const masterSeed = values.seed === undefined ? randomSeed() : Number(values.seed);
// One iteration with --seed replays exactly that scenario seed (what a failure prints).
const seeds = iterations === 1 && values.seed !== undefined ? [masterSeed] : seedList(masterSeed, iterations);

function seedList(seed: number, n: number): number[] {
  const random = rng(seed);
  return Array.from({ length: n }, () => Math.floor(random() * 2 ** 31));
}

console.log(`soak: ${iterations} scenario(s), master seed ${masterSeed}, ${kills} kill moments each, ${parallel} at a time`);
const results: ScenarioResult[] = [];
const started = performance.now();
let next = 0;
let failed = false;

async function worker(): Promise<void> {
  while (!failed && next < seeds.length) {
    const index = next++;
    const seed = seeds[index]!;
    const dir = tempDir("maos-soak-");
    try {
      const result = await runCrashScenario({ seed, kills, dir: dir.path, log: values.verbose ? (l) => console.log(`  [${seed}] ${l}`) : undefined });
      results.push(result);
      console.log(
        `#${index + 1} seed ${seed}: ${result.kills} kill(s) (${result.killedResumes} during resume), ${result.leftoversStopped} leftover(s) stopped, ${result.events} events, ${result.messages} messages, ${(result.ms / 1000).toFixed(1)} s`,
      );
      dir.cleanup();
    } catch (error) {
      failed = true;
      console.error(`#${index + 1} FAILED\n${error instanceof Error ? error.message : String(error)}`);
      console.error(`scenario directory kept: ${dir.path}`);
      process.env.MAOS_KEEP_TEMP = "1";
    }
  }
}

await Promise.all(Array.from({ length: parallel }, worker));
const total = results.reduce((n, r) => n + r.kills, 0);
console.log(
  `soak: ${results.length} scenario(s) passed, ${total} kills (${results.reduce((n, r) => n + r.killedResumes, 0)} during resume), ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
process.exit(failed ? 1 : 0);
