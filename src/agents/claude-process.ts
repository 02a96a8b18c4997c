import type { Subprocess } from "bun";
import { interruptRequest } from "./claude-args.ts";
import { readLines, type Line } from "./line-splitter.ts";
import { killTree } from "../system/processes.ts";

export type StopReason = "exited" | "timeout" | "idle" | "interrupted" | "killed";

export interface ProcessExit {
  code: number | null;
  signal: string | null;
  /** Why the process ended: on its own, or because maos stopped it (and why). */
  stopReason: StopReason;
  stderrTail: string;
}

export interface ClaudeProcessOptions {
  bin: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Called for every stdout line in order; awaiting it applies back-pressure to the reader. */
  onLine: (line: Line, readAt: number) => void | Promise<void>;
  wallTimeoutMs: number;
  idleTimeoutMs: number;
  /** How long a graceful interrupt may take before SIGKILL. */
  graceMs: number;
}

const stderrTailBytes = 4096;

/**
 * One headless `claude` process: spawned from an argument array in its own process
 * group (so a terminal Ctrl-C reaches maos, which decides how to stop its agents),
 * stdin kept open for stream-json messages, stdout read line by line, stopped
 * gracefully (interrupt + SIGINT) before SIGKILL, with wall-clock and idle timeouts.
 */
export class ClaudeProcess {
  readonly pid: number;
  readonly exited: Promise<ProcessExit>;
  private readonly proc: Subprocess<"pipe", "pipe", "pipe">;
  private stopReason: StopReason = "exited";
  private stopping: Promise<void> | null = null;
  private inputOpen = true;
  private lastOutputAt = performance.now();
  private stderrTail = "";
  private readonly timers: ReturnType<typeof setTimeout>[] = [];
  private interrupts = 0;

  constructor(private readonly options: ClaudeProcessOptions) {
    this.proc = Bun.spawn([options.bin, ...options.args], {
      cwd: options.cwd,
      env: options.env,
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
      detached: true,
    });
    this.pid = this.proc.pid;
    const stdoutDone = this.pumpStdout();
    const stderrDone = this.pumpStderr();
    this.timers.push(setTimeout(() => void this.stop("timeout"), options.wallTimeoutMs));
    const idleCheck = setInterval(() => {
      if (performance.now() - this.lastOutputAt > options.idleTimeoutMs) void this.stop("idle");
    }, Math.min(1000, Math.max(50, options.idleTimeoutMs / 4)));
    this.timers.push(idleCheck);
    this.exited = Promise.all([this.proc.exited, stdoutDone, stderrDone]).then(([code]) => {
      for (const t of this.timers) clearTimeout(t);
      return {
        code: this.proc.signalCode ? null : code,
        signal: this.proc.signalCode === null ? null : String(this.proc.signalCode),
        stopReason: this.stopReason,
        stderrTail: this.stderrTail,
      };
    });
  }

  private async pumpStdout(): Promise<void> {
    for await (const line of readLines(this.proc.stdout)) {
      this.lastOutputAt = performance.now();
      await this.options.onLine(line, this.lastOutputAt);
    }
  }

  private async pumpStderr(): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of this.proc.stderr) {
      this.lastOutputAt = performance.now();
      this.stderrTail = (this.stderrTail + decoder.decode(chunk, { stream: true })).slice(-stderrTailBytes);
    }
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Writes one stream-json line to stdin; false when stdin is already closed. */
  write(line: string): boolean {
    if (!this.inputOpen) return false;
    try {
      this.proc.stdin.write(line);
      this.proc.stdin.flush();
      return true;
    } catch {
      this.inputOpen = false;
      return false;
    }
  }

  /** Closing stdin lets claude finish its turn and exit on its own. */
  closeInput(): void {
    if (!this.inputOpen) return;
    this.inputOpen = false;
    try {
      this.proc.stdin.end();
    } catch {
      // already gone
    }
  }

  /**
   * Graceful stop, in steps: a stream-json interrupt (claude ends the turn with its partial
   * answer and a result; the owner then closes stdin and claude exits); if it is still
   * running after a short while (mid-tool, or not listening), stdin is closed and SIGINT
   * sent (claude stops its tools); after the grace period, SIGKILL to the whole tree.
   */
  stop(reason: Exclude<StopReason, "exited">): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopReason = reason;
    const asked = this.write(interruptRequest(`maos-stop-${++this.interrupts}`));
    this.stopping = (async () => {
      if (asked) await this.exitWithin(Math.min(2000, this.options.graceMs / 2));
      if (!this.running) return;
      this.closeInput();
      this.signal("SIGINT");
      await this.exitWithin(this.options.graceMs);
      if (this.running) this.kill(reason);
    })();
    return this.stopping;
  }

  /** Whether stop() was called: no new work may be written to this process. */
  get isStopping(): boolean {
    return this.stopping !== null;
  }

  private exitWithin(ms: number): Promise<void> {
    const timeout = new Promise<void>((done) => this.timers.push(setTimeout(done, ms)));
    return Promise.race([this.exited.then(() => undefined), timeout]);
  }

  /** SIGKILL now, to the whole process group and to the tools claude started in their own sessions. */
  kill(reason: Exclude<StopReason, "exited"> = "killed"): void {
    if (this.stopReason === "exited") this.stopReason = reason;
    this.closeInput();
    if (this.running) killTree(this.pid);
  }

  private signal(sig: NodeJS.Signals): void {
    try {
      this.proc.kill(sig);
    } catch {
      // already exited
    }
  }
}
