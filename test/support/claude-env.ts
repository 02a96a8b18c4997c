/**
 * Helpers for tests that run the REAL `claude` CLI (pinned dev dependency)
 * against the loopback mock in ./mock-anthropic.ts.
 *
 *   const mock = await startMockAnthropic();
 *   const dir = tempDir("maos-claude-");
 *   const env = makeClaudeEnv(mock.url, join(dir.path, "cfg"));
 *   const r = await runClaude(["-p", "hi", "--output-format", "json"], { env, cwd: dir.path });
 *   expect(r.result?.result).toBe("ok");
 */
import { mkdtempSync, realpathSync, rmSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { scaled } from "./machine.ts";

/** Absolute path of the repository root (two levels above this file). */
export function repoRoot(): string {
  return resolve(import.meta.dir, "..", "..");
}

/** Absolute path of node_modules/.bin/claude (the pinned CLI, 2.1.197). */
export function claudeBinPath(): string {
  return join(repoRoot(), "node_modules", ".bin", "claude");
}

/**
 * Environment for a hermetic, fast, offline `claude` run against `mockUrl`.
 * Only PATH (and TMPDIR/LANG if set) are taken from process.env, so a real
 * ANTHROPIC_* / CLAUDE_* variable of the developer never leaks in. HOME is an empty
 * directory beside `configDir`: the user's login shell files (a slow ~/.bashrc) would
 * otherwise run in every Bash tool call of the real CLI.
 * `extra` entries override the defaults; an `undefined` value removes a key.
 */
export function makeClaudeEnv(
  mockUrl: string,
  configDir: string,
  extra: Record<string, string | undefined> = {},
): Record<string, string> {
  mkdirSync(configDir, { recursive: true });
  const home = join(dirname(configDir), "home");
  mkdirSync(home, { recursive: true });
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: home,
    TMPDIR: process.env.TMPDIR,
    LANG: process.env.LANG,
    // --- API endpoint + auth (the key is sent as x-api-key) ---
    ANTHROPIC_BASE_URL: mockUrl,
    ANTHROPIC_API_KEY: "sk-test",
    // --- isolation: settings, transcripts (projects/<cwd>/<session>.jsonl), .claude.json ---
    CLAUDE_CONFIG_DIR: configDir,
    // --- keep it off the network ---
    DISABLE_TELEMETRY: "1",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_AUTOUPDATER: "1",
    DISABLE_UPDATES: "1",
    DISABLE_ERROR_REPORTING: "1",
    DISABLE_GROWTHBOOK: "1",
    DISABLE_INSTALLATION_CHECKS: "1",
    CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY: "1",
    CLAUDE_CODE_DISABLE_TERMINAL_TITLE: "1",
    // --- fail fast: 1 retry (~0.5 s backoff) instead of 10 (~3 min) ---
    CLAUDE_CODE_MAX_RETRIES: "1",
    // --- we run as root: lets bypassPermissions / --dangerously-skip-permissions work ---
    IS_SANDBOX: "1",
    ...extra,
  };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * Configures, at user scope in `configDir` (its .claude.json), the test MCP server
 * test/support/mcp-server.ts as `fake`: its one tool is `mcp__fake__write_file`.
 */
export function configureFakeMcpServer(configDir: string): void {
  mkdirSync(configDir, { recursive: true });
  const fake = { type: "stdio", command: process.execPath, args: [join(import.meta.dir, "mcp-server.ts")] };
  writeFileSync(join(configDir, ".claude.json"), JSON.stringify({ mcpServers: { fake } }));
}

// ---------------------------------------------------------------------------
// Temp dirs
// ---------------------------------------------------------------------------

export interface TempDir {
  /** Absolute, symlink-resolved path (matches the `cwd` the CLI reports). */
  path: string;
  /** Remove the directory (idempotent). */
  cleanup(): void;
  [Symbol.dispose](): void;
  toString(): string;
}

const liveTempDirs = new Set<string>();
let exitHookInstalled = false;

/**
 * Make a fresh temp dir. It is removed by `cleanup()` / `using`, by
 * `cleanupTempDirs()`, or at the latest when the process exits.
 * Set MAOS_KEEP_TEMP=1 to keep them for debugging.
 */
export function tempDir(prefix = "maos-test-"): TempDir {
  const path = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  liveTempDirs.add(path);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on("exit", cleanupTempDirs);
  }
  const cleanup = () => {
    if (!liveTempDirs.delete(path)) return;
    if (process.env.MAOS_KEEP_TEMP === "1") return;
    rmSync(path, { recursive: true, force: true });
  };
  return { path, cleanup, [Symbol.dispose]: cleanup, toString: () => path };
}

/** Remove every temp dir made by tempDir() that is still around. */
export function cleanupTempDirs(): void {
  for (const p of [...liveTempDirs]) {
    liveTempDirs.delete(p);
    if (process.env.MAOS_KEEP_TEMP === "1") continue;
    try {
      rmSync(p, { recursive: true, force: true });
    } catch {
      /* ignore */
    }
  }
}

// ---------------------------------------------------------------------------
// Running a CLI (real claude or the fake)
// ---------------------------------------------------------------------------

/** Parse JSON-lines output; lines that are blank or not JSON are skipped. */
export function parseJsonLines(text: string): any[] {
  const out: any[] = [];
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (!t) continue;
    try {
      out.push(JSON.parse(t));
    } catch {
      /* not JSON */
    }
  }
  return out;
}

export interface RunOptions {
  env: Record<string, string>;
  cwd: string;
  /** Written to stdin, then stdin is closed. Omitted: stdin is /dev/null. */
  stdin?: string;
  /** Kill (SIGKILL) after this long. Default 25 s, scaled by the machine factor. */
  timeoutMs?: number;
  /** Executable + leading args; default [claudeBinPath()]. */
  cmd?: string[];
}

export interface RunResult {
  exitCode: number | null;
  signalCode: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** JSON lines of stdout. */
  lines: any[];
  /** The last `{"type":"result"}` object on stdout, if any. */
  result: any | undefined;
  durationMs: number;
  timedOut: boolean;
}

/** Run the CLI to completion and collect its output. */
export async function runClaude(args: string[], opts: RunOptions): Promise<RunResult> {
  const t0 = performance.now();
  const cmd = [...(opts.cmd ?? [claudeBinPath()]), ...args];
  const proc = Bun.spawn(cmd, {
    cwd: opts.cwd,
    env: opts.env,
    stdin: opts.stdin !== undefined ? new Blob([opts.stdin]) : "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, opts.timeoutMs ?? scaled(25_000));
  try {
    const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
    await proc.exited;
    const lines = parseJsonLines(stdout);
    const result = lines.filter((l) => l && l.type === "result").at(-1);
    return {
      exitCode: proc.exitCode,
      signalCode: (proc.signalCode ?? null) as NodeJS.Signals | null,
      stdout,
      stderr,
      lines,
      result,
      durationMs: performance.now() - t0,
      timedOut,
    };
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------
// Interactive process (stream-json stdin/stdout)
// ---------------------------------------------------------------------------

export interface LiveProcess {
  proc: Bun.Subprocess<"pipe", "pipe", "pipe">;
  /** Parsed JSON stdout lines received so far. */
  lines: any[];
  /** Raw stdout received so far (decoded as UTF-8). */
  stdout(): string;
  stderr(): string;
  /** Write one JSON object (plus "\n") to stdin. */
  send(obj: unknown): void;
  /** Send a stream-json user message. */
  sendUser(text: string): void;
  /** Close stdin. */
  closeStdin(): void;
  /**
   * Wait until a stdout JSON line (with index >= fromIndex, default 0: lines
   * already received count too) matches; resolves with it. Rejects on timeout
   * or if the process exits first. Tip: `p.waitForLine(isResult, 5000, p.lines.length)`
   * waits for the NEXT result.
   */
  waitForLine(pred: (line: any) => boolean, timeoutMs?: number, fromIndex?: number): Promise<any>;
  /** Resolves with the exit code when the process has exited and stdout/stderr are drained. */
  exited: Promise<number | null>;
}

/**
 * Spawn a CLI with piped stdin/stdout/stderr and collect stdout JSON lines
 * as they arrive. Use for stream-json (`--input-format stream-json`) runs.
 */
export function startProcess(
  args: string[],
  opts: { env: Record<string, string>; cwd: string; cmd?: string[] },
): LiveProcess {
  const proc = Bun.spawn([...(opts.cmd ?? [claudeBinPath()]), ...args], {
    cwd: opts.cwd,
    env: opts.env,
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  const lines: any[] = [];
  let out = "";
  let err = "";
  let pending = "";
  let ended = false;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const l of [...listeners]) l();
  };
  const pump = (async () => {
    const dec = new TextDecoder();
    for await (const chunk of proc.stdout) {
      const s = dec.decode(chunk, { stream: true });
      out += s;
      pending += s;
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (!line) continue;
        try {
          lines.push(JSON.parse(line));
        } catch {
          /* not JSON */
        }
      }
      notify();
    }
  })();
  const pumpErr = (async () => {
    const dec = new TextDecoder();
    for await (const chunk of proc.stderr) err += dec.decode(chunk, { stream: true });
  })();
  const exited = (async () => {
    const code = await proc.exited;
    await Promise.allSettled([pump, pumpErr]);
    ended = true;
    notify();
    return code;
  })();
  const write = (s: string) => {
    proc.stdin.write(s);
    proc.stdin.flush();
  };
  return {
    proc,
    lines,
    stdout: () => out,
    stderr: () => err,
    send: (obj) => write(JSON.stringify(obj) + "\n"),
    sendUser: (text) => write(JSON.stringify({ type: "user", message: { role: "user", content: text } }) + "\n"),
    closeStdin: () => {
      try {
        proc.stdin.end();
      } catch {
        /* already closed */
      }
    },
    waitForLine(pred, timeoutMs = scaled(15_000), fromIndex = 0) {
      return new Promise((resolve, reject) => {
        let seen = fromIndex;
        const check = () => {
          for (; seen < lines.length; seen++) {
            if (pred(lines[seen])) {
              cleanup();
              return resolve(lines[seen]);
            }
          }
          if (ended) {
            cleanup();
            reject(new Error(`process exited (${proc.exitCode ?? proc.signalCode}) before a matching line; stderr: ${err.slice(0, 500)}`));
          }
        };
        const t = setTimeout(() => {
          cleanup();
          reject(new Error(`waitForLine timed out after ${timeoutMs} ms; stdout so far:\n${out.slice(-2000)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(t);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    exited,
  };
}
