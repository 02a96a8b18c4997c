import { resolve } from "node:path";

/**
 * The command line that runs `argv` under maos's agent supervisor (./supervisor.ts).
 * The compiled binary re-invokes itself; a dev or test run (bun running the sources)
 * invokes bun on the source entry point. The supervisor itself is started in "/" and
 * told the real cwd, so the Bun runtime it is made of never loads a project's .env or
 * bunfig.toml into the agent's environment.
 */
export function supervisedCommand(argv: readonly string[], cwd: string): { argv: string[]; cwd: string } {
  const compiled = Bun.main.startsWith("/$bunfs/");
  const self = compiled ? [process.execPath] : [process.execPath, resolve(import.meta.dir, "../index.ts")];
  return { argv: [...self, "__supervise", String(process.pid), cwd, "--", ...argv], cwd: "/" };
}
