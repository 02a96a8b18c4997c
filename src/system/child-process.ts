/**
 * maos's one way to run a child process (agents, the planner, `claude --version`):
 * spawned from an argument array as the leader of its own process group (a terminal
 * Ctrl-C reaches maos, which decides how to stop its children), under the supervisor
 * (./supervisor.ts) so that it and everything it starts die with maos; stdin
 * kept open, given as a string, or ignored; stdout read line by line with back-pressure
 * or collected; a tail of stderr kept; wall-clock and idle timeouts and an abort signal;
 * stopped gracefully in steps, then SIGKILL to the whole tree.
 */
import type { FileSink, Subprocess } from "bun";
import { accessSync, constants, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { readLines, type Line } from "../agents/line-splitter.ts";
import { EnvironmentError } from "../errors.ts";
import { killTree, signalProcess } from "./processes.ts";
import { supervisedCommand } from "./supervised-command.ts";

export type StopReason = "exited" | "timeout" | "idle" | "interrupted" | "killed";

export interface ChildExit {
  code: number | null;
  signal: string | null;
  /** Why the process ended: on its own, or because maos stopped it (and why). */
  stopReason: StopReason;
  stderrTail: string;
}

export interface CollectedExit extends ChildExit {
  stdout: string;
}

export interface ChildProcessOptions {
  /** The executable (a path, or a name looked up on the env's PATH) and its arguments. */
  argv: readonly string[];
  cwd: string;
  env: Record<string, string | undefined>;
  /** "pipe" keeps stdin open for write(); a string is written and closed (default "ignore"). */
  stdin?: "pipe" | "ignore" | { text: string };
  /** Called for every stdout line in order; awaiting it applies back-pressure to the reader. */
  onLine?: (line: Line, readAt: number) => void | Promise<void>;
  wallTimeoutMs?: number;
  /** Longest silence (no stdout or stderr) before the process is stopped as idle. */
  idleTimeoutMs?: number;
  /** Aborting stops the process gracefully (stop reason "interrupted"). */
  signal?: AbortSignal;
  /** How long a graceful stop may take before SIGKILL to the whole tree (default 5 s). */
  graceMs?: number;
  /** The signal of a graceful stop (default SIGTERM). */
  stopSignal?: NodeJS.Signals;
  /** A gentler first step of a graceful stop (e.g. a stream-json interrupt); true when it was taken. */
  askToStop?: () => boolean;
  /**
   * false: run without the supervisor. Only for short commands that must finish once begun
   * (git: killing it with maos would leave an index.lock behind); it still ends with its own
   * process group on stop(), kill() and timeouts while maos lives. Default true.
   */
  supervised?: boolean;
}

/** The child could not be started: its executable is missing or not executable (exit 5). */
export class SpawnError extends EnvironmentError {
  constructor(
    readonly command: string,
    readonly code: string,
    message: string,
  ) {
    super(`cannot start ${command}: ${message}`);
  }
}

const stderrTailBytes = 4096;
const defaultGraceMs = 5000;

/** The absolute path of argv[0] as the child would run it; SpawnError when it cannot run. */
function resolveExecutable(command: string, cwd: string, path: string | undefined): string {
  const found = command.includes("/") ? (isAbsolute(command) ? command : resolve(cwd, command)) : Bun.which(command, { PATH: path ?? "", cwd });
  if (!found) throw new SpawnError(command, "ENOENT", "not found on PATH");
  try {
    if (!statSync(found).isFile()) throw new SpawnError(command, "EACCES", "not a file");
    accessSync(found, constants.X_OK);
  } catch (error) {
    if (error instanceof SpawnError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? "EACCES";
    throw new SpawnError(command, code, code === "ENOENT" ? "no such file" : "not executable");
  }
  return found;
}

function definedEntries(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

export class ChildProcess {
  /** The process maos started: the supervisor (its argv carries the child's). */
  readonly pid: number;
  readonly exited: Promise<ChildExit>;
  private readonly proc: Subprocess<"pipe" | "ignore", "pipe", "pipe">;
  private stopReason: StopReason = "exited";
  private stopping: Promise<void> | null = null;
  private inputOpen: boolean;
  private lastOutputAt = performance.now();
  private idleSuspected = false;
  private handlingLine = false;
  private stderrTail = "";
  private collected: string[] = [];
  private readonly timers: ReturnType<typeof setTimeout>[] = [];
  private readonly graceMs: number;

  constructor(private readonly options: ChildProcessOptions) {
    const [command, ...args] = options.argv;
    if (command === undefined) throw new SpawnError("(nothing)", "EINVAL", "empty command");
    const argv = [resolveExecutable(command, options.cwd, options.env.PATH), ...args];
    // Under the supervisor: whatever maos starts must not outlive it (see `supervised`).
    const spawn = options.supervised === false ? { argv, cwd: options.cwd } : supervisedCommand(argv, options.cwd);
    const input = options.stdin ?? "ignore";
    try {
      this.proc = Bun.spawn(spawn.argv, {
        cwd: spawn.cwd,
        env: definedEntries(options.env),
        stdin: typeof input === "string" ? input : new Blob([input.text]),
        stdout: "pipe",
        stderr: "pipe",
        detached: true,
      }) as Subprocess<"pipe" | "ignore", "pipe", "pipe">;
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      throw new SpawnError(command, e.code ?? "EIO", e.message);
    }
    this.pid = this.proc.pid;
    this.inputOpen = input === "pipe";
    this.graceMs = options.graceMs ?? defaultGraceMs;
    const stdoutDone = options.onLine ? this.pumpLines(options.onLine) : this.pumpCollected();
    const stderrDone = this.pumpStderr();
    this.startTimers();
    const onAbort = () => void this.stop("interrupted");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    this.exited = this.proc.exited
      .then(() => {
        // Whatever is left of its process group (only if the supervisor itself was killed)
        // would keep the pipes open and run on unwatched.
        signalProcess(-this.pid, "SIGKILL");
        return Promise.all([stdoutDone, stderrDone]);
      })
      .finally(() => {
        for (const t of this.timers) clearTimeout(t);
        options.signal?.removeEventListener("abort", onAbort);
      })
      .then(() => ({
        code: this.proc.signalCode ? null : this.proc.exitCode,
        signal: this.proc.signalCode === null ? null : String(this.proc.signalCode),
        stopReason: this.stopReason,
        stderrTail: this.stderrTail,
      }));
  }

  private startTimers(): void {
    const { wallTimeoutMs, idleTimeoutMs } = this.options;
    if (wallTimeoutMs !== undefined && Number.isFinite(wallTimeoutMs)) {
      this.timers.push(setTimeout(() => void this.stop("timeout"), Math.max(0, wallTimeoutMs)));
    }
    if (idleTimeoutMs === undefined || !Number.isFinite(idleTimeoutMs)) return;
    const interval = Math.min(1000, Math.max(50, idleTimeoutMs / 4));
    let lastTick = performance.now();
    this.timers.push(
      setInterval(() => {
        const now = performance.now();
        const late = now - lastTick - interval;
        lastTick = now;
        // A tick this late means maos itself did not run (a stalled event loop, SIGSTOP):
        // whatever the child printed meanwhile waits unread in the pipe, so that gap is
        // maos's silence, not the child's.
        if (late > interval) this.lastOutputAt = Math.min(now, this.lastOutputAt + late);
        // Likewise while maos is still handling a line (back-pressure): the child is not silent.
        if (this.handlingLine) this.lastOutputAt = now;
        if (now - this.lastOutputAt <= idleTimeoutMs) {
          this.idleSuspected = false;
          return;
        }
        // Declare idle only on the next tick, once pending reads have had their turn.
        if (this.idleSuspected) void this.stop("idle");
        this.idleSuspected = true;
      }, interval),
    );
  }

  private heard(): number {
    this.lastOutputAt = performance.now();
    this.idleSuspected = false;
    return this.lastOutputAt;
  }

  private async pumpLines(onLine: NonNullable<ChildProcessOptions["onLine"]>): Promise<void> {
    for await (const line of readLines(this.proc.stdout)) {
      this.handlingLine = true;
      try {
        // Only a returned promise (back-pressure, a turn end) is awaited: most lines cost no extra tick.
        const pending = onLine(line, this.heard());
        if (pending) await pending;
      } finally {
        this.handlingLine = false;
      }
      this.heard();
    }
  }

  private async pumpCollected(): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of this.proc.stdout) {
      this.heard();
      this.collected.push(decoder.decode(chunk, { stream: true }));
    }
    this.collected.push(decoder.decode());
  }

  private async pumpStderr(): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of this.proc.stderr) {
      this.heard();
      this.stderrTail = (this.stderrTail + decoder.decode(chunk, { stream: true })).slice(-stderrTailBytes);
    }
  }

  /** All of stdout (when no onLine was given), once the process has exited. */
  async collect(): Promise<CollectedExit> {
    const exit = await this.exited;
    return { ...exit, stdout: this.collected.join("") };
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Whether stop() was called: no new work may be written to this process. */
  get isStopping(): boolean {
    return this.stopping !== null;
  }

  /** Writes to stdin (stdin "pipe"); false when it is already closed. */
  write(text: string): boolean {
    if (!this.inputOpen) return false;
    try {
      const stdin = this.proc.stdin as FileSink;
      stdin.write(text);
      stdin.flush();
      return true;
    } catch {
      this.inputOpen = false;
      return false;
    }
  }

  closeInput(): void {
    if (!this.inputOpen) return;
    this.inputOpen = false;
    try {
      (this.proc.stdin as FileSink).end();
    } catch {
      // already gone
    }
  }

  /**
   * Graceful stop, in steps: the caller's gentler first step if any (given a short while),
   * then stdin closed and the stop signal sent, and after the grace period SIGKILL to the
   * whole tree.
   */
  stop(reason: Exclude<StopReason, "exited">): Promise<void> {
    if (this.stopping) return this.stopping;
    // A child that already ended on its own (its output may still be draining) keeps its own ending.
    if (!this.running) return (this.stopping = Promise.resolve());
    this.stopReason = reason;
    const asked = this.options.askToStop?.() ?? false;
    this.stopping = (async () => {
      if (asked) await this.exitWithin(Math.min(2000, this.graceMs / 2));
      if (!this.running) return;
      this.closeInput();
      try {
        this.proc.kill(this.options.stopSignal ?? "SIGTERM");
      } catch {
        // already exited
      }
      await this.exitWithin(this.graceMs);
      if (this.running) this.kill(reason);
    })();
    return this.stopping;
  }

  private exitWithin(ms: number): Promise<void> {
    const timeout = new Promise<void>((done) => this.timers.push(setTimeout(done, ms)));
    return Promise.race([this.exited.then(() => undefined), timeout]);
  }

  /** SIGKILL now, to the process group and every descendant (also those in sessions of their own). */
  kill(reason: Exclude<StopReason, "exited"> = "killed"): void {
    if (this.stopReason === "exited") this.stopReason = reason;
    this.closeInput();
    if (this.running) killTree(this.pid);
  }
}

/** Runs a command to its end and returns its exit with all of stdout. */
export function runCollected(options: Omit<ChildProcessOptions, "onLine">): Promise<CollectedExit> {
  return new ChildProcess(options).collect();
}
