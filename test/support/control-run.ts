/**
 * Runs dist/maos on a plan file with fake agents in a fresh directory, for the control
 * commands' tests (retry, skip, cancel, fork, open): one directory, one database, one
 * fake-agent script and log per test.
 */
import { Database } from "bun:sqlite";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureBinary } from "./binary.ts";
import { tempDir } from "./claude-env.ts";
import { fakeClaudePath, type FakeScript } from "./fake-agent.ts";

export interface ControlDir {
  dir: string;
  db: string;
  log: string;
  env: Record<string, string>;
  /** Runs dist/maos to the end. */
  maos(args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Starts dist/maos and returns at once. */
  spawn(args: string[]): { proc: ReturnType<typeof Bun.spawn>; done: Promise<{ code: number; stdout: string; stderr: string }> };
  /** Reads the database with a short-lived connection. */
  query<T>(sql: string, ...params: (string | number)[]): T[];
}

/** Tasks as [key, depends_on]. */
export function controlDir(tasks: [string, string[]][], script: FakeScript): ControlDir {
  const dir = tempDir("maos-control-").path;
  const log = join(dir, "log");
  mkdirSync(log);
  const plan = { summary: "control test", tasks: tasks.map(([id, deps]) => ({ id, agent_type: "developer", description: `do ${id}`, depends_on: deps })) };
  writeFileSync(join(dir, "plan.json"), JSON.stringify(plan));
  writeFileSync(join(dir, "script.json"), JSON.stringify(script));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(MAOS_|FAKE_AGENT_|CLAUDE_CONFIG_DIR$)/.test(k)) env[k] = v;
  Object.assign(env, {
    NO_COLOR: "1",
    MAOS_DB: join(dir, "maos.db"),
    MAOS_CLAUDE_BIN: fakeClaudePath(),
    CLAUDE_CONFIG_DIR: join(dir, "cfg"),
    FAKE_AGENT_LOG: log,
    FAKE_AGENT_SCRIPT_FILE: join(dir, "script.json"),
  });
  const spawn = (args: string[]) => {
    const proc = Bun.spawn([ensureBinary(), ...args], { cwd: dir, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const done = Promise.all([new Response(proc.stdout as ReadableStream).text(), new Response(proc.stderr as ReadableStream).text(), proc.exited]).then(
      ([stdout, stderr, code]) => ({ code, stdout, stderr }),
    );
    return { proc, done };
  };
  return {
    dir,
    db: join(dir, "maos.db"),
    log,
    env,
    maos: (args) => spawn(args).done,
    spawn,
    query<T>(sql: string, ...params: (string | number)[]): T[] {
      const db = new Database(join(dir, "maos.db"), { readonly: true });
      try {
        db.exec("PRAGMA busy_timeout = 5000");
        return db.query<T, (string | number)[]>(sql).all(...params);
      } finally {
        db.close();
      }
    },
  };
}

/** Polls until `check` returns a value (not undefined/false), failing after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}
