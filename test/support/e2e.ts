/**
 * End-to-end harness: the compiled dist/maos driving the REAL `claude` CLI (pinned dev
 * dependency) against the scripted mock of the Anthropic API (./mock-anthropic.ts).
 *
 *   await using e = await startE2E();
 *   e.mock.script(route([["# Your task (@a)", textReply("done")]]));
 *   const r = await e.orchestrate(e.plan([{ id: "a" }]));
 *   expect(r.code).toBe(0);
 *
 * Every harness has its own temp dir (project cwd, CLAUDE_CONFIG_DIR, database) and its
 * own mock; the environment is hermetic (makeClaudeEnv) plus MAOS_CLAUDE_BIN.
 */
import { Database } from "bun:sqlite";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { transcriptPath } from "../../src/agents/transcript.ts";
import { ensureBinary } from "./binary.ts";
import { claudeBinPath, makeClaudeEnv, tempDir, type TempDir } from "./claude-env.ts";
import { scaled } from "./machine.ts";
import { startMockAnthropic, type MockOptions, type MockServer } from "./mock-anthropic.ts";

export interface PlanTask {
  id: string;
  agent_type?: string;
  description?: string;
  depends_on?: string[];
}

export interface MaosExit {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** A running dist/maos: its output so far, waits on it, and its end. */
export interface MaosProcess {
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves once `pattern` appears on stdout+stderr; rejects on timeout or exit. */
  waitForOutput(pattern: string | RegExp, timeoutMs?: number): Promise<void>;
  /** Writes raw bytes to stdin (only when started with stdin "pipe"). */
  write(text: string): void;
  kill(signal: NodeJS.Signals): void;
  exited: Promise<MaosExit>;
}

export interface E2E {
  mock: MockServer;
  root: TempDir;
  /** The orchestration's working directory (the agents' cwd). */
  project: string;
  configDir: string;
  dbPath: string;
  env: Record<string, string>;
  /** Writes a plan file (defaults: developer, a description naming the task, no deps); returns its path. */
  plan(tasks: PlanTask[], summary?: string): string;
  /** Starts dist/maos with the harness env, cwd = project. */
  start(args: string[], opts?: { env?: Record<string, string | undefined>; cmd?: string[]; stdin?: "pipe" | "ignore" }): MaosProcess;
  /** Runs dist/maos to its end (SIGKILL after timeoutMs, default 45 s scaled by the machine factor). */
  run(args: string[], opts?: { env?: Record<string, string | undefined>; timeoutMs?: number }): Promise<MaosExit>;
  /** `maos orchestrate <request> --plan FILE --auto --db … ` plus extra args. */
  orchestrate(planPath: string | null, extra?: string[], opts?: { env?: Record<string, string | undefined>; timeoutMs?: number }): Promise<MaosExit>;
  /** Opens the database (read-write handle used only for reads; close it). */
  openDb(): Database;
  /** Runs `fn` on a freshly opened database handle and closes it. */
  query<T>(fn: (db: Database) => T): T;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export const REQUEST = "Build the e2e thing";

/** The marker every task prompt carries (see src/orchestrator/prompt.ts): route mock replies on it. */
export const taskMarker = (key: string) => `# Your task (@${key})`;

export async function startE2E(mockOptions: MockOptions = {}, envExtra: Record<string, string | undefined> = {}): Promise<E2E> {
  const bin = ensureBinary();
  const mock = await startMockAnthropic(mockOptions);
  const root = tempDir("maos-e2e-");
  const project = join(root.path, "project");
  mkdirSync(project);
  const configDir = join(root.path, "claude-config");
  const dbPath = join(root.path, "state", "maos.db");
  mkdirSync(join(root.path, "state"));
  const env = { ...makeClaudeEnv(mock.url, configDir, envExtra), MAOS_CLAUDE_BIN: claudeBinPath(), NO_COLOR: "1" };
  const started = new Set<MaosProcess>();

  const merge = (extra?: Record<string, string | undefined>) => {
    const merged: Record<string, string | undefined> = { ...env, ...extra };
    return Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined));
  };

  const start: E2E["start"] = (args, opts = {}) => {
    const p = spawnLive([...(opts.cmd ?? [bin]), ...args], { cwd: project, env: merge(opts.env), stdin: opts.stdin ?? "ignore" });
    started.add(p);
    void p.exited.then(() => started.delete(p));
    return p;
  };

  const run: E2E["run"] = async (args, opts = {}) => {
    const p = start(args, { env: opts.env });
    const timer = setTimeout(() => p.kill("SIGKILL"), opts.timeoutMs ?? scaled(45_000));
    try {
      return await p.exited;
    } finally {
      clearTimeout(timer);
    }
  };

  let planCount = 0;
  const e: E2E = {
    mock,
    root,
    project,
    configDir,
    dbPath,
    env,
    plan(tasks, summary = "e2e plan") {
      const path = join(root.path, `plan-${++planCount}.json`);
      const full = tasks.map((t) => ({
        id: t.id,
        agent_type: t.agent_type ?? "developer",
        description: t.description ?? `Do the part called ${t.id}.`,
        depends_on: t.depends_on ?? [],
      }));
      writeFileSync(path, JSON.stringify({ summary, tasks: full }, null, 2));
      return path;
    },
    start,
    run,
    orchestrate(planPath, extra = [], opts) {
      const args = ["orchestrate", REQUEST, "--auto", "--db", dbPath, ...(planPath ? ["--plan", planPath] : []), ...extra];
      return run(args, opts);
    },
    openDb() {
      const db = new Database(dbPath);
      db.run("PRAGMA busy_timeout = 5000");
      return db;
    },
    query(fn) {
      const db = e.openDb();
      try {
        return fn(db);
      } finally {
        db.close();
      }
    },
    async close() {
      for (const p of [...started]) p.kill("SIGKILL");
      await Promise.allSettled([...started].map((p) => p.exited));
      killLeftovers(dbPath, root.path);
      await mock.stop();
      root.cleanup();
    },
    [Symbol.asyncDispose]() {
      return e.close();
    },
  };
  return e;
}

/** Spawns a process and collects stdout/stderr as they arrive. */
export function spawnLive(cmd: string[], opts: { cwd: string; env: Record<string, string>; stdin?: "pipe" | "ignore" }): MaosProcess {
  const proc = Bun.spawn(cmd, { cwd: opts.cwd, env: opts.env, stdin: opts.stdin ?? "ignore", stdout: "pipe", stderr: "pipe" });
  let out = "";
  let err = "";
  let ended = false;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const l of [...listeners]) l();
  };
  const pump = async (stream: ReadableStream<Uint8Array>, add: (s: string) => void) => {
    const dec = new TextDecoder();
    for await (const chunk of stream) {
      add(dec.decode(chunk, { stream: true }));
      notify();
    }
  };
  const pumps = [pump(proc.stdout, (s) => (out += s)), pump(proc.stderr, (s) => (err += s))];
  const exited = (async (): Promise<MaosExit> => {
    await proc.exited;
    await Promise.allSettled(pumps);
    ended = true;
    notify();
    return { code: proc.exitCode, signal: proc.signalCode === null ? null : String(proc.signalCode), stdout: out, stderr: err };
  })();
  return {
    pid: proc.pid,
    stdout: () => out,
    stderr: () => err,
    waitForOutput(pattern, timeoutMs = scaled(20_000)) {
      const hit = () => (typeof pattern === "string" ? (out + err).includes(pattern) : pattern.test(out + err));
      return new Promise((resolve, reject) => {
        const check = () => {
          if (hit()) {
            done();
            resolve();
          } else if (ended) {
            done();
            reject(new Error(`process exited (${proc.exitCode ?? proc.signalCode}) before ${pattern}; output:\n${out}\n${err}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}; output:\n${out}\n${err}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    write(text) {
      const stdin = proc.stdin as import("bun").FileSink | undefined;
      if (!stdin || typeof stdin === "number") throw new Error("stdin is not a pipe");
      stdin.write(text);
      stdin.flush();
    },
    kill(signal) {
      try {
        proc.kill(signal);
      } catch {
        // already gone
      }
    },
    exited,
  };
}

/**
 * After a test (maybe a failed one that left maos killed): SIGKILL the claude agents its
 * orchestrations recorded and any process whose command line mentions the test's temp dir
 * (tool commands), so nothing outlives the test and slows the next one down.
 */
function killLeftovers(dbPath: string, rootPath: string): void {
  const kill = (pid: number) => {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  };
  if (existsSync(dbPath)) {
    try {
      const db = new Database(dbPath, { readonly: true });
      try {
        const rows = db.query<{ pid: number; session_id: string }, []>("SELECT pid, session_id FROM attempts WHERE pid IS NOT NULL").all();
        for (const r of rows) {
          if (!processesMatching(r.session_id).includes(r.pid)) continue;
          kill(-r.pid); // its process group
          kill(r.pid);
        }
      } finally {
        db.close();
      }
    } catch {
      // no such table yet, or not a database
    }
  }
  for (const pid of processesMatching(rootPath)) kill(pid);
}

/** Polls `cond` every `intervalMs` until it returns a truthy value; rejects after `timeoutMs`. */
export async function waitUntil<T>(cond: () => T | Promise<T>, what: string, timeoutMs = scaled(20_000), intervalMs = 20): Promise<NonNullable<T>> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await cond();
    if (value) return value as NonNullable<T>;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(intervalMs);
  }
}

/**
 * The CLI's own transcript of a session, where maos's resume looks for it (transcriptPath),
 * or "" while it has none. claude writes it behind its stdout, in batches: a test that kills
 * claude and then expects the session to be continued waits for what it needs to be in there.
 */
export function transcriptText(e: Pick<E2E, "configDir" | "project">, sessionId: string): string {
  const file = transcriptPath(e.configDir, e.project, sessionId);
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}

/** A SQLite UTC timestamp ('YYYY-MM-DD HH:MM:SS.SSS') as epoch ms. */
export function sqlTimeMs(text: string): number {
  return Date.parse(`${text.replace(" ", "T")}Z`);
}

/** A live process (not a zombie) with this pid. */
export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // state is the field after the parenthesised command name
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Pids of live processes whose command line contains `needle` (e.g. a session id or a unique sleep). */
/**
 * A Bash tool command that sleeps long, then runs `then`. Newer CLIs (2.1.33x) refuse a
 * command that starts with a long `sleep` ("Blocked: standalone sleep"), so it starts with an echo.
 */
export function longSleepCommand(sleep: string, then = "echo waited"): string {
  return `echo started; ${sleep}; ${then}`;
}

export function processesMatching(needle: string): number[] {
  const hits: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").replaceAll("\0", " ");
      if (cmdline.includes(needle) && pidAlive(Number(name))) hits.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return hits;
}

/** Count non-overlapping occurrences of `needle` in `haystack`. */
export function occurrences(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

/** All text of a recorded request's conversation (user and system messages and tool results), JSON-escaped forms included. */
export function conversationJson(req: { body: any }): string {
  return JSON.stringify(req.body?.messages ?? []);
}
