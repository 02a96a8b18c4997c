import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

/** The repository root and the compiled binary the CLI tests and benchmarks run. */
export const repoRoot = resolve(import.meta.dir, "../..");
export const maosBin = join(repoRoot, "dist", "maos");

function newestMtime(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newestMtime(join(path, name))), stat.mtimeMs);
}

let ready: boolean | undefined;

/**
 * Builds dist/maos once per process when it is missing or older than its sources, so the
 * tests never run a stale binary. MAOS_TEST_NO_BUILD=1 uses whatever is there.
 */
export function ensureBinary(): string {
  if (ready) return maosBin;
  const binary = statSync(maosBin, { throwIfNoEntry: false });
  const sources = Math.max(...["src", "sql", "build.ts", "package.json"].map((p) => newestMtime(join(repoRoot, p))));
  const stale = !binary || binary.mtimeMs < sources;
  if (stale && !(binary && process.env.MAOS_TEST_NO_BUILD === "1")) {
    const build = Bun.spawnSync(["bun", "run", "build"], { cwd: repoRoot, stdout: "pipe", stderr: "pipe" });
    if (build.exitCode !== 0) {
      throw new Error(`bun run build failed:\n${build.stdout.toString()}${build.stderr.toString()}`);
    }
  }
  ready = true;
  return maosBin;
}
