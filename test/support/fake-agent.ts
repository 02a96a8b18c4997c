#!/usr/bin/env bun
/**
 * A tiny, dependency-free fake of the `claude` CLI (2.1.197) for orchestrator
 * tests. Run as `bun test/support/fake-agent.ts <claude args>` or through the
 * executable wrapper `test/support/fake-claude`.
 *
 * It accepts the claude argv (unknown flags are ignored), reads stream-json
 * user messages / control_requests on stdin (or a positional / stdin prompt
 * in plain `-p` mode), and writes stream-json lines shaped like the real CLI's:
 * system/init (at the start of every turn), one assistant line per content
 * block, user tool_result lines, and a result line per turn.
 *
 * Behaviour is scripted with env FAKE_AGENT_SCRIPT (JSON) or
 * FAKE_AGENT_SCRIPT_FILE (path to JSON). See `FakeScript` / `FakeStep`.
 * With env FAKE_AGENT_LOG=<dir>, every invocation appends JSON lines
 * (start / message / control / result / signal / exit) to <dir>/agents.jsonl.
 *
 * Process semantics (as observed on the real CLI):
 *  - stream-json input: exits when stdin closes and no turn is running;
 *    rc 0, or 1 if the last result was an error.
 *  - SIGINT during a turn: result subtype "error_during_execution", exit 0
 *    (script.sigintExitCode). SIGINT while idle: exit 0, no result.
 *  - SIGTERM: exit 143 at once, no result line.
 *  - `--output-format stream-json` without `--verbose`: rc 1 + error on stderr.
 */
import { appendFileSync, existsSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

// ---------------------------------------------------------------------------
// Script language
// ---------------------------------------------------------------------------

export type FakeStep =
  /** Assistant text block (one assistant line). Becomes the result text. */
  | { text: string }
  /** Assistant thinking block. */
  | { thinking: string }
  /**
   * Assistant tool_use line followed by a user tool_result line. Write
   * (input.file_path, input.content; relative to cwd) and Bash
   * (input.command, run with bash -c in cwd) are really executed; the
   * tool_result content is `result` if given, else the tool's output.
   * Ends the current model "message" (next assistant line gets a new id).
   */
  | { toolUse: { name: string; input?: Record<string, unknown>; result?: string; isError?: boolean } }
  /** N assistant text lines of about `bytes` bytes each (default 200), every `intervalMs` (default 0 = as fast as possible). */
  | { lines: number; bytes?: number; intervalMs?: number }
  /** Exact raw string to stdout (no newline added). */
  | { raw: string }
  /** Raw bytes to stdout, base64 encoded (e.g. invalid UTF-8). */
  | { rawBase64: string }
  /** Text to stderr (no newline added). */
  | { stderr: string }
  /** Pause (interruptible by interrupt / SIGINT). */
  | { sleepMs: number }
  /** Stop producing output, never finish the turn; ignores stdin EOF. Ends only by interrupt/SIGINT (error_during_execution) or a kill. */
  | { hang: true }
  /** Exit at once without a result line: a number is the exit code, a signal name kills the process with it (e.g. "SIGKILL", "SIGSEGV"). */
  | { crash: number | string }
  /** Merge fields into this turn's result line (e.g. {is_error:true, subtype:"error_max_turns"}). */
  | { result: Record<string, unknown> }
  /** Simulate an API error: synthetic assistant line + result {subtype:"success", is_error:true, api_error_status, result:"API Error: <status> <message>"}. */
  | { apiError: string; status?: number }
  /** Add to this turn's cost (total_cost_usd is cumulative per process, like the real CLI). */
  | { cost: number }
  /** Set this turn's usage numbers. */
  | { usage: { input_tokens?: number; output_tokens?: number } }
  /** Emit the received user message text as assistant text and as the result. */
  | { echoPrompt: true }
  /** Structured output (for --json-schema): result.structured_output = value, result.result = JSON string. */
  | { structured: unknown }
  /** Write a file (relative to cwd) silently. */
  | { writeFile: { path: string; content: string } }
  /** Run a shell command (bash -c) in cwd silently and synchronously; throws → stderr. */
  | { sh: string }
  /** End this turn without a result line (like a message folded into a running turn). */
  | { noResult: true };

/** Steps, or steps chosen by a substring of the message ("*" = fallback). */
export type StepsOrByText = FakeStep[] | { [substring: string]: FakeStep[] };

export interface FakeScript {
  /** First turn. Default [{text: "ok"}]. */
  steps?: FakeStep[];
  /** First turn when started with --resume (if present; else `steps`). */
  onResume?: FakeStep[];
  /**
   * First turn per attempt: attempt k (0-based) uses attempts[min(k, len-1)].
   * Attempts are counted per matched byPrompt key across processes, so this
   * needs FAKE_AGENT_LOG (the counter lives there). Takes precedence over
   * onResume/steps.
   */
  attempts?: FakeStep[][];
  /** Every later turn (user messages after the first). Default [{text: "ack"}]. */
  onMessage?: StepsOrByText;
  /**
   * Select a sub-script by a substring of the first prompt (then of the
   * --system-prompt/--append-system-prompt). Keys tried in order, "*" last.
   */
  byPrompt?: { [substring: string]: FakeScript | FakeStep[] };
  /** Exit code after SIGINT during a turn. Default 0. */
  sigintExitCode?: number;
  ignoreSigint?: boolean;
  ignoreSigterm?: boolean;
  /** Delay before reading stdin / doing anything (simulates slow start). */
  startupDelayMs?: number;
  /** Force the session id (default: --session-id, --resume id, or a random uuid). */
  sessionId?: string;
  /** Tool list reported in system/init. */
  tools?: string[];
  /**
   * Emulate session bookkeeping in FAKE_AGENT_LOG/sessions: reusing a
   * --session-id fails ("already in use"), --resume of an unknown id or from
   * another cwd fails ("No conversation found"), rc 1 — like the real CLI.
   */
  strictSessions?: boolean;
}

export interface FakeLogEntry {
  event: "start" | "message" | "control" | "result" | "signal" | "exit" | "error";
  pid: number;
  t: number;
  sessionId?: string;
  [k: string]: unknown;
}

// ---------------------------------------------------------------------------
// Helpers for tests (importing this module does not run the fake)
// ---------------------------------------------------------------------------

/** Absolute path of the executable wrapper (test/support/fake-claude). */
export function fakeClaudePath(): string {
  return join(import.meta.dir, "fake-claude");
}

/** Absolute path of this script. */
export function fakeAgentScriptPath(): string {
  return join(import.meta.dir, "fake-agent.ts");
}

/** Env vars that configure the fake: FAKE_AGENT_SCRIPT (+ FAKE_AGENT_LOG). */
export function fakeAgentEnv(script: FakeScript | FakeStep[], logDir?: string): Record<string, string> {
  const env: Record<string, string> = { FAKE_AGENT_SCRIPT: JSON.stringify(script) };
  if (logDir) env.FAKE_AGENT_LOG = logDir;
  return env;
}

/** Parsed <logDir>/agents.jsonl (empty if absent). */
export function readFakeAgentLog(logDir: string): FakeLogEntry[] {
  const f = join(logDir, "agents.jsonl");
  if (!existsSync(f)) return [];
  return readFileSync(f, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

// ---------------------------------------------------------------------------
// Implementation
// ---------------------------------------------------------------------------

interface Flags {
  print: boolean;
  inputFormat: string;
  outputFormat: string;
  verbose: boolean;
  sessionId?: string;
  resume?: string;
  forkSession: boolean;
  noSessionPersistence: boolean;
  replayUserMessages: boolean;
  model?: string;
  permissionMode?: string;
  systemPrompt?: string;
  appendSystemPrompt?: string;
  allowedTools: string[];
  disallowedTools: string[];
  tools?: string[];
  maxTurns?: number;
  maxBudgetUsd?: number;
  jsonSchema?: string;
  prompt?: string;
  unknown: string[];
}

const VALUE_FLAGS: Record<string, string> = {
  "--input-format": "inputFormat",
  "--output-format": "outputFormat",
  "--session-id": "sessionId",
  "--model": "model",
  "--permission-mode": "permissionMode",
  "--system-prompt": "systemPrompt",
  "--append-system-prompt": "appendSystemPrompt",
  "--max-turns": "maxTurns",
  "--max-budget-usd": "maxBudgetUsd",
  "--json-schema": "jsonSchema",
  // accepted and ignored
  "--fallback-model": "",
  "--effort": "",
  "--settings": "",
  "--setting-sources": "",
  "--system-prompt-file": "",
  "--append-system-prompt-file": "",
  "--permission-prompt-tool": "",
  "--max-thinking-tokens": "",
  "--agents": "",
  "--name": "",
  "-n": "",
  "--resume-session-at": "",
};
/** Variadic like in commander: they swallow following non-flag args (as the real CLI does!). */
const LIST_FLAGS: Record<string, string> = {
  "--allowedTools": "allowedTools",
  "--allowed-tools": "allowedTools",
  "--disallowedTools": "disallowedTools",
  "--disallowed-tools": "disallowedTools",
  "--tools": "tools",
  "--add-dir": "",
  "--betas": "",
  "--mcp-config": "",
};
const BOOL_FLAGS: Record<string, string> = {
  "-p": "print",
  "--print": "print",
  "--verbose": "verbose",
  "--fork-session": "forkSession",
  "--no-session-persistence": "noSessionPersistence",
  "--replay-user-messages": "replayUserMessages",
};

function parseArgs(argv: string[]): Flags {
  const f: Flags = {
    print: false,
    inputFormat: "text",
    outputFormat: "text",
    verbose: false,
    forkSession: false,
    noSessionPersistence: false,
    replayUserMessages: false,
    allowedTools: [],
    disallowedTools: [],
    unknown: [],
  };
  const rec = f as unknown as Record<string, unknown>;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i]!;
    let inline: string | undefined;
    if (a.startsWith("--") && a.includes("=")) {
      inline = a.slice(a.indexOf("=") + 1);
      a = a.slice(0, a.indexOf("="));
    }
    if (a === "-r" || a === "--resume") {
      const v = inline ?? (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("-") ? argv[++i] : undefined);
      f.resume = v ?? "";
    } else if (a in VALUE_FLAGS) {
      const v = inline ?? argv[++i];
      const key = VALUE_FLAGS[a]!;
      if (key === "maxTurns" || key === "maxBudgetUsd") rec[key] = Number(v);
      else if (key) rec[key] = v;
    } else if (a in LIST_FLAGS) {
      const vals: string[] = [];
      if (inline !== undefined) vals.push(inline);
      else while (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("-")) vals.push(argv[++i]!);
      const key = LIST_FLAGS[a]!;
      const list = vals.flatMap((v) => v.split(",")).map((s) => s.trim()).filter(Boolean);
      if (key) rec[key] = [...((rec[key] as string[] | undefined) ?? []), ...list];
    } else if (a in BOOL_FLAGS) {
      rec[BOOL_FLAGS[a]!] = true;
    } else if (a.startsWith("-") && a !== "-") {
      f.unknown.push(argv[i]!);
    } else {
      positional.push(a);
    }
  }
  if (positional.length) f.prompt = positional.join(" ");
  return f;
}

const enc = new TextEncoder();

/** Synchronous, complete write to a fd (handles partial writes and EAGAIN). */
function writeAll(fd: number, data: string | Uint8Array) {
  let buf = typeof data === "string" ? enc.encode(data) : data;
  while (buf.length > 0) {
    try {
      const n = writeSync(fd, buf);
      buf = buf.subarray(n);
    } catch (e: any) {
      if (e?.code === "EAGAIN") {
        Bun.sleepSync(1);
        continue;
      }
      if (e?.code === "EPIPE") process.exit(fd === 1 ? 141 : 0);
      throw e;
    }
  }
}

function uuid(): string {
  return crypto.randomUUID();
}

function flattenContent(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((b: any) =>
      b?.type === "text" ? String(b.text ?? "") : b?.type === "tool_result" ? flattenContent(b.content) : "",
    )
    .filter(Boolean)
    .join("\n");
}

function apiModel(m: string | undefined): string {
  switch (m) {
    case undefined:
    case "opus":
      return "claude-opus-4-8";
    case "sonnet":
      return "claude-sonnet-5";
    case "haiku":
      return "claude-haiku-4-5-20251001";
    default:
      return m.replace(/\[1m\]$/, "");
  }
}

const DEFAULT_TOOLS = [
  "Task",
  "Bash",
  "Edit",
  "NotebookEdit",
  "Read",
  "Skill",
  "TodoWrite",
  "WebFetch",
  "WebSearch",
  "Write",
];

class Aborted extends Error {}

async function main() {
  const argv = process.argv.slice(2);
  const flags = parseArgs(argv);
  const cwd = process.cwd();
  const logDir = process.env.FAKE_AGENT_LOG || undefined;
  const t0 = Date.now();

  const log = (entry: Omit<FakeLogEntry, "pid" | "t">) => {
    if (!logDir) return;
    try {
      mkdirSync(logDir, { recursive: true });
      appendFileSync(join(logDir, "agents.jsonl"), JSON.stringify({ ...entry, pid: process.pid, t: Date.now() }) + "\n");
    } catch {
      /* best effort */
    }
  };
  const die = (msg: string, code = 1): never => {
    writeAll(2, msg.endsWith("\n") ? msg : msg + "\n");
    log({ event: "error", message: msg });
    log({ event: "exit", code });
    process.exit(code);
  };

  // ---- script ----
  let root: FakeScript = {};
  try {
    const src = process.env.FAKE_AGENT_SCRIPT_FILE
      ? readFileSync(process.env.FAKE_AGENT_SCRIPT_FILE, "utf8")
      : process.env.FAKE_AGENT_SCRIPT;
    if (src && src.trim()) {
      const parsed = JSON.parse(src);
      root = Array.isArray(parsed) ? { steps: parsed } : parsed;
    }
  } catch (e) {
    die(`fake-agent: bad FAKE_AGENT_SCRIPT: ${(e as Error).message}`, 2);
  }

  // ---- claude-like argument validation ----
  if (flags.outputFormat === "stream-json" && flags.print && !flags.verbose)
    die("Error: When using --print, --output-format=stream-json requires --verbose");
  if (flags.inputFormat === "stream-json" && flags.outputFormat !== "stream-json")
    die("Error: --input-format=stream-json requires output-format=stream-json.");
  if (flags.sessionId !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(flags.sessionId))
    die("Error: Invalid session ID. Must be a valid UUID.");

  const resumed = flags.resume !== undefined;
  let sessionId =
    root.sessionId ?? (resumed && flags.resume && !flags.forkSession ? flags.resume : (flags.sessionId ?? uuid()));

  log({
    event: "start",
    sessionId,
    argv,
    cwd,
    ppid: process.ppid,
    resume: flags.resume ?? null,
    flags: { ...flags, unknown: flags.unknown },
    env: Object.fromEntries(
      Object.entries(process.env)
        .filter(([k]) => /^(CLAUDE_|ANTHROPIC_|MAOS_|IS_SANDBOX|DISABLE_)/.test(k))
        .map(([k, v]) => [k, /KEY|TOKEN|SECRET/.test(k) ? "<set>" : v]),
    ),
  });

  // ---- strict session emulation ----
  const sessionsDir = logDir ? join(logDir, "sessions") : undefined;
  if (root.strictSessions && sessionsDir) {
    mkdirSync(sessionsDir, { recursive: true });
    if (resumed) {
      const f = join(sessionsDir, flags.resume || "none");
      if (!flags.resume || !existsSync(f) || readFileSync(f, "utf8") !== cwd)
        die(`No conversation found with session ID: ${flags.resume}`);
    } else if (flags.sessionId && existsSync(join(sessionsDir, flags.sessionId))) {
      die(`Error: Session ID ${flags.sessionId} is already in use.`);
    }
  }
  const persistSession = () => {
    // Like the real CLI: a transcript under $CLAUDE_CONFIG_DIR/projects/<cwd with non-alphanumerics as '-'>/.
    const configDir = process.env.CLAUDE_CONFIG_DIR;
    if (configDir && !flags.noSessionPersistence) {
      try {
        const dir = join(configDir, "projects", cwd.replace(/[^A-Za-z0-9]/g, "-"));
        mkdirSync(dir, { recursive: true });
        appendFileSync(join(dir, `${sessionId}.jsonl`), `${JSON.stringify({ type: "fake-turn", pid: process.pid })}\n`);
      } catch {
        /* ignore */
      }
    }
    if (!root.strictSessions || !sessionsDir || flags.noSessionPersistence) return;
    try {
      writeFileSync(join(sessionsDir, sessionId), cwd);
    } catch {
      /* ignore */
    }
  };

  // ---- signals ----
  let currentTurn: TurnState | undefined;
  let exiting = false;
  let exitAfterTurn: number | undefined;
  const finish = (code: number): never => {
    exiting = true;
    log({ event: "exit", code });
    process.exit(code);
  };
  process.on("SIGTERM", () => {
    log({ event: "signal", signal: "SIGTERM" });
    if (root.ignoreSigterm) return;
    log({ event: "exit", code: 143 });
    process.exit(143);
  });
  process.on("SIGINT", () => {
    log({ event: "signal", signal: "SIGINT" });
    if (root.ignoreSigint) return;
    if (currentTurn && !currentTurn.done) {
      exitAfterTurn = root.sigintExitCode ?? 0;
      currentTurn.abort("sigint");
    } else {
      finish(0);
    }
  });

  if (root.startupDelayMs) await Bun.sleep(root.startupDelayMs);

  // ---- output ----
  const stream = flags.outputFormat === "stream-json";
  const emit = (obj: unknown) => {
    if (stream) writeAll(1, JSON.stringify(obj) + "\n");
  };
  const model = flags.model ? apiModel(flags.model) : "claude-opus-4-8[1m]";
  const msgModel = apiModel(flags.model);
  const tools = root.tools ?? flags.tools ?? DEFAULT_TOOLS;
  let totalCost = 0;
  let lastWasError = false;
  let turnIndex = 0;
  let msgCounter = 0;
  let bulkCounter = 0;
  let chosen: FakeScript | undefined;
  let attempt = 0;
  let attemptKey = "*";

  const chooseScript = (prompt: string): FakeScript => {
    let s: FakeScript = root;
    for (let depth = 0; depth < 4 && s.byPrompt; depth++) {
      const keys = Object.keys(s.byPrompt);
      const sys = `${flags.systemPrompt ?? ""}\n${flags.appendSystemPrompt ?? ""}`;
      const key =
        keys.find((k) => k !== "*" && prompt.includes(k)) ?? keys.find((k) => k !== "*" && sys.includes(k)) ?? (keys.includes("*") ? "*" : undefined);
      if (key === undefined) break;
      const sub = s.byPrompt[key]!;
      attemptKey = key;
      s = Array.isArray(sub) ? { steps: sub } : sub;
    }
    return s;
  };

  const countAttempt = (): number => {
    if (!logDir) return resumed ? 1 : 0;
    const dir = join(logDir, "attempts");
    mkdirSync(dir, { recursive: true });
    const base = attemptKey.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 80) || "_";
    for (let n = 0; n < 100000; n++) {
      try {
        closeSync(openSync(join(dir, `${base}.${n}`), "wx"));
        return n;
      } catch (e: any) {
        if (e?.code !== "EEXIST") return 0;
      }
    }
    return 0;
  };

  const stepsForFirstTurn = (s: FakeScript): FakeStep[] => {
    if (s.attempts && s.attempts.length) return s.attempts[Math.min(attempt, s.attempts.length - 1)]!;
    if (resumed && s.onResume) return s.onResume;
    return s.steps ?? [{ text: "ok" }];
  };
  const stepsForMessage = (s: FakeScript, text: string): FakeStep[] => {
    const om = s.onMessage ?? root.onMessage;
    if (!om) return [{ text: "ack" }];
    if (Array.isArray(om)) return om;
    const keys = Object.keys(om);
    const k = keys.find((x) => x !== "*" && text.includes(x)) ?? (keys.includes("*") ? "*" : undefined);
    return k !== undefined ? om[k]! : [{ text: "ack" }];
  };

  // ---- turns ----
  class TurnState {
    done = false;
    aborted: "interrupt" | "sigint" | undefined;
    private waiters = new Set<() => void>();
    abort(why: "interrupt" | "sigint") {
      if (this.done || this.aborted) return;
      this.aborted = why;
      for (const w of [...this.waiters]) w();
    }
    /** Resolves after ms, or throws Aborted when the turn is aborted. */
    sleep(ms: number): Promise<void> {
      return new Promise((res, rej) => {
        if (this.aborted) return rej(new Aborted());
        let t: ReturnType<typeof setTimeout> | undefined;
        let keepAlive: ReturnType<typeof setInterval> | undefined;
        const w = () => {
          if (t) clearTimeout(t);
          if (keepAlive) clearInterval(keepAlive);
          this.waiters.delete(w);
          rej(new Aborted());
        };
        this.waiters.add(w);
        if (Number.isFinite(ms))
          t = setTimeout(() => {
            this.waiters.delete(w);
            res();
          }, ms);
        // an infinite wait must keep the event loop alive (stdin may be closed)
        else keepAlive = setInterval(() => {}, 1 << 30);
      });
    }
    check() {
      if (this.aborted) throw new Aborted();
    }
  }

  const runTurn = async (prompt: string, steps: FakeStep[]) => {
    const turn = new TurnState();
    currentTurn = turn;
    turnIndex++;
    const started = Date.now();
    if (turnIndex === 1) persistSession();
    emit({
      type: "system",
      subtype: "init",
      cwd,
      session_id: sessionId,
      tools,
      mcp_servers: [],
      model,
      permissionMode: flags.permissionMode ?? "default",
      slash_commands: [],
      apiKeySource: process.env.ANTHROPIC_API_KEY ? "ANTHROPIC_API_KEY" : "none",
      claude_code_version: "2.1.197",
      output_style: "default",
      agents: [],
      skills: [],
      plugins: [],
      uuid: uuid(),
      fast_mode_state: "off",
    });
    let msgId = `msg_fake_${process.pid}_${++msgCounter}`;
    let modelCalls = 1;
    let lastText = "";
    let turnCost = 0;
    const usage = { input_tokens: 10, output_tokens: 5 };
    let override: Record<string, unknown> = {};
    let structured: { value: unknown } | undefined;
    let apiError: { status: number; message: string } | undefined;
    let noResult = false;
    let maxTurnsHit = false;

    const assistant = (block: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      emit({
        type: "assistant",
        message: {
          id: msgId,
          type: "message",
          role: "assistant",
          model: msgModel,
          content: [block],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: usage.input_tokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 },
          context_management: null,
        },
        parent_tool_use_id: null,
        session_id: sessionId,
        uuid: uuid(),
        request_id: `req_fake_${msgCounter}`,
        ...extra,
      });

    try {
      for (const step of steps) {
        turn.check();
        if ("text" in step) {
          assistant({ type: "text", text: step.text });
          lastText = step.text;
        } else if ("thinking" in step) {
          assistant({ type: "thinking", thinking: step.thinking, signature: "ZmFrZQ==" });
        } else if ("toolUse" in step) {
          if (flags.maxTurns !== undefined && modelCalls >= flags.maxTurns) {
            maxTurnsHit = true;
            break;
          }
          const id = `toolu_fake_${process.pid}_${msgCounter}`;
          const input = step.toolUse.input ?? {};
          assistant({ type: "tool_use", id, name: step.toolUse.name, input });
          let out = step.toolUse.result;
          let isError = step.toolUse.isError ?? false;
          try {
            if (step.toolUse.name === "Write" && typeof input.file_path === "string") {
              const p = resolve(cwd, input.file_path);
              mkdirSync(dirname(p), { recursive: true });
              writeFileSync(p, String(input.content ?? ""));
              out ??= `File created successfully at: ${p}`;
            } else if (step.toolUse.name === "Bash" && typeof input.command === "string") {
              const r = Bun.spawnSync(["bash", "-c", input.command], { cwd, stdout: "pipe", stderr: "pipe" });
              out ??= (r.stdout.toString() + r.stderr.toString()).trimEnd();
              if (!r.success && step.toolUse.isError === undefined) isError = true;
            }
          } catch (e) {
            out ??= `Error: ${(e as Error).message}`;
            isError = true;
          }
          emit({
            type: "user",
            message: {
              role: "user",
              content: [{ tool_use_id: id, type: "tool_result", content: out ?? "ok", ...(isError ? { is_error: true } : {}) }],
            },
            parent_tool_use_id: null,
            session_id: sessionId,
            uuid: uuid(),
            timestamp: new Date().toISOString(),
          });
          msgId = `msg_fake_${process.pid}_${++msgCounter}`;
          modelCalls++;
        } else if ("lines" in step) {
          await emitBulk(step, turn);
          lastText = `lines:${step.lines}`;
        } else if ("raw" in step) {
          writeAll(1, step.raw);
        } else if ("rawBase64" in step) {
          writeAll(1, Buffer.from(step.rawBase64, "base64"));
        } else if ("stderr" in step) {
          writeAll(2, step.stderr);
        } else if ("sleepMs" in step) {
          await turn.sleep(step.sleepMs);
        } else if ("hang" in step) {
          await turn.sleep(Infinity);
        } else if ("crash" in step) {
          log({ event: "exit", code: step.crash, crash: true });
          if (typeof step.crash === "number") process.exit(step.crash);
          process.kill(process.pid, step.crash as NodeJS.Signals);
          await Bun.sleep(10_000); // never reached for fatal signals
          process.exit(1);
        } else if ("result" in step) {
          override = { ...override, ...step.result };
        } else if ("apiError" in step) {
          apiError = { status: step.status ?? 500, message: step.apiError };
          const text = `API Error: ${apiError.status} ${apiError.message}`;
          emit({
            type: "assistant",
            message: {
              id: uuid(),
              model: "<synthetic>",
              role: "assistant",
              stop_reason: "stop_sequence",
              stop_sequence: "",
              type: "message",
              usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
              content: [{ type: "text", text }],
              context_management: null,
            },
            parent_tool_use_id: null,
            session_id: sessionId,
            uuid: uuid(),
            error: apiError.status === 401 ? "authentication_failed" : "server_error",
          });
          lastText = text;
        } else if ("cost" in step) {
          turnCost += step.cost;
        } else if ("usage" in step) {
          Object.assign(usage, step.usage);
        } else if ("echoPrompt" in step) {
          assistant({ type: "text", text: prompt });
          lastText = prompt;
        } else if ("structured" in step) {
          structured = { value: step.structured };
          const id = `toolu_fake_${process.pid}_${msgCounter}`;
          assistant({ type: "tool_use", id, name: "StructuredOutput", input: step.structured });
          lastText = JSON.stringify(step.structured);
        } else if ("writeFile" in step) {
          const p = resolve(cwd, step.writeFile.path);
          mkdirSync(dirname(p), { recursive: true });
          writeFileSync(p, step.writeFile.content);
        } else if ("sh" in step) {
          const r = Bun.spawnSync(["bash", "-c", step.sh], { cwd, stdout: "inherit", stderr: "inherit" });
          if (!r.success) writeAll(2, `fake-agent: sh failed (${r.exitCode}): ${step.sh}\n`);
        } else if ("noResult" in step) {
          noResult = true;
        }
      }
    } catch (e) {
      if (!(e instanceof Aborted)) throw e;
    }
    turn.done = true;
    currentTurn = undefined;
    totalCost += turnCost;

    // key order mirrors the real CLI: type, subtype, is_error, ..., result, stop_reason, session_id, ...
    const common = (subtype: string, isError: boolean, extra: Record<string, unknown>) => ({
      type: "result",
      subtype,
      is_error: isError,
      api_error_status: apiError ? apiError.status : null,
      duration_ms: Date.now() - started,
      duration_api_ms: Date.now() - started,
      num_turns: modelCalls,
      ...extra,
      session_id: sessionId,
      total_cost_usd: totalCost,
      usage: {
        input_tokens: usage.input_tokens,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: usage.output_tokens,
        server_tool_use: { web_search_requests: 0, web_fetch_requests: 0 },
        service_tier: "standard",
      },
      modelUsage: {
        [model]: {
          inputTokens: usage.input_tokens,
          outputTokens: usage.output_tokens,
          cacheReadInputTokens: 0,
          cacheCreationInputTokens: 0,
          webSearchRequests: 0,
          costUSD: totalCost,
        },
      },
      permission_denials: [],
    });
    let result: Record<string, unknown>;
    if (turn.aborted) {
      emit({
        type: "user",
        message: { role: "user", content: [{ type: "text", text: "[Request interrupted by user]" }] },
        parent_tool_use_id: null,
        session_id: sessionId,
        uuid: uuid(),
        timestamp: new Date().toISOString(),
      });
      result = {
        ...common("error_during_execution", true, { stop_reason: null }),
        terminal_reason: "aborted_streaming",
        errors: [`[fake-agent] aborted by ${turn.aborted}`],
      };
    } else if (maxTurnsHit) {
      result = {
        ...common("error_max_turns", true, { num_turns: modelCalls + 1, stop_reason: "tool_use" }),
        terminal_reason: "max_turns",
        errors: [`Reached maximum number of turns (${flags.maxTurns})`],
      };
    } else if (flags.maxBudgetUsd !== undefined && totalCost >= flags.maxBudgetUsd && !apiError) {
      result = {
        ...common("error_max_budget_usd", true, { stop_reason: "end_turn" }),
        terminal_reason: "completed",
        errors: [`Reached maximum budget ($${flags.maxBudgetUsd})`],
      };
    } else {
      result = {
        ...common("success", !!apiError, {
          result: lastText,
          stop_reason: apiError ? "stop_sequence" : structured ? "tool_use" : "end_turn",
        }),
        ...(structured ? { structured_output: structured.value } : {}),
        terminal_reason: "completed",
      };
    }
    if (Object.keys(override).length) {
      result = { ...result, ...override };
      if (typeof result.subtype === "string" && result.subtype !== "success" && !("result" in override)) {
        delete result.result;
        result.errors ??= [`[fake-agent] ${result.subtype}`];
      }
    }
    result.uuid = uuid();
    if (!noResult) {
      lastWasError = result.is_error === true;
      log({ event: "result", sessionId, subtype: result.subtype, is_error: result.is_error, result: result.result });
      if (stream || flags.outputFormat === "json") writeAll(1, JSON.stringify(result) + "\n");
      else if (flags.outputFormat === "text")
        writeAll(1, String(result.result ?? (result.errors as string[] | undefined)?.join("\n") ?? "") + "\n");
    }
    if (exitAfterTurn !== undefined) finish(exitAfterTurn);
  };

  async function emitBulk(step: { lines: number; bytes?: number; intervalMs?: number }, turn: TurnState) {
    if (!stream) return;
    const bytes = Math.max(step.bytes ?? 200, 1);
    const interval = step.intervalMs ?? 0;
    const pre = `{"type":"assistant","message":{"id":"msg_fake_bulk_${process.pid}_`;
    const mid1 = `","type":"message","role":"assistant","model":${JSON.stringify(msgModel)},"content":[{"type":"text","text":"`;
    const post = `"}],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1},"context_management":null},"parent_tool_use_id":null,"session_id":"${sessionId}","uuid":"00000000-0000-4000-8000-`;
    const tail = `"}\n`;
    const fixed = pre.length + mid1.length + post.length + tail.length + 12 + 10;
    const pad = "x".repeat(Math.max(0, bytes - fixed));
    const line = (n: number) => {
      const c = String(n);
      return pre + c + mid1 + pad + post + c.padStart(12, "0") + tail;
    };
    if (interval > 0) {
      for (let i = 0; i < step.lines; i++) {
        turn.check();
        writeAll(1, line(++bulkCounter));
        if (i < step.lines - 1) await turn.sleep(interval);
      }
      return;
    }
    let batch: string[] = [];
    let size = 0;
    for (let i = 0; i < step.lines; i++) {
      const l = line(++bulkCounter);
      batch.push(l);
      size += l.length;
      if (size >= 1 << 16) {
        writeAll(1, batch.join(""));
        batch = [];
        size = 0;
        turn.check();
      }
    }
    if (batch.length) writeAll(1, batch.join(""));
  }

  // ---- plain -p mode: one turn ----
  if (flags.inputFormat !== "stream-json") {
    let prompt = flags.prompt;
    if (prompt === undefined && !process.stdin.isTTY) {
      prompt = (await Bun.stdin.text()).trim() || undefined;
    }
    if (prompt === undefined) die("Error: Input must be provided either through stdin or as a prompt argument when using --print");
    chosen = chooseScript(prompt!);
    // Counted before the message is logged: a test that kills this process once it sees the
    // message (a planner killed while planning) knows that attempt was counted.
    attempt = chosen.attempts ? countAttempt() : resumed ? 1 : 0;
    log({ event: "message", sessionId, text: prompt, source: flags.prompt !== undefined ? "argv" : "stdin" });
    await runTurn(prompt!, stepsForFirstTurn(chosen));
    finish(lastWasError ? 1 : 0);
  }

  // ---- stream-json input: turn loop ----
  const inbox: { text: string; message: unknown; raw: unknown }[] = [];
  let stdinClosed = false;
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  (async () => {
    const dec = new TextDecoder();
    let buf = "";
    const handleLine = (line: string) => {
      if (!line.trim()) return;
      let obj: any;
      try {
        obj = JSON.parse(line);
      } catch {
        die(`Error parsing streaming input line: ${line.slice(0, 200)}`);
      }
      if (obj?.type === "user") {
        const text = flattenContent(obj.message?.content);
        log({ event: "message", sessionId, text, message: obj.message });
        inbox.push({ text, message: obj.message, raw: obj });
        poke();
      } else if (obj?.type === "control_request") {
        log({ event: "control", sessionId, request: obj.request, request_id: obj.request_id });
        emit({ type: "control_response", response: { subtype: "success", request_id: obj.request_id } });
        if (obj.request?.subtype === "interrupt") currentTurn?.abort("interrupt");
      }
    };
    for await (const chunk of Bun.stdin.stream()) {
      buf += dec.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        handleLine(line);
      }
    }
    if (buf) handleLine(buf);
    stdinClosed = true;
    poke();
  })();

  for (;;) {
    const item = inbox.shift();
    if (item) {
      if (flags.replayUserMessages)
        emit({ type: "user", message: item.message, parent_tool_use_id: null, session_id: sessionId, uuid: uuid(), isReplay: true });
      if (!chosen) {
        chosen = chooseScript(item.text);
        attempt = chosen.attempts ? countAttempt() : resumed ? 1 : 0;
        await runTurn(item.text, stepsForFirstTurn(chosen));
      } else {
        await runTurn(item.text, stepsForMessage(chosen, item.text));
      }
      continue;
    }
    if (stdinClosed) break;
    await new Promise<void>((r) => (wake = r));
  }
  if (!exiting) finish(lastWasError ? 1 : 0);
}

if (import.meta.main) {
  main().catch((e) => {
    writeAll(2, `fake-agent: internal error: ${e?.stack ?? e}\n`);
    process.exit(70);
  });
}
