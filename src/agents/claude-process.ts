import { interruptRequest } from "./claude-args.ts";
import type { Line } from "./line-splitter.ts";
import { ChildProcess, type ChildExit, type StopReason } from "../system/child-process.ts";

export type { StopReason };
export type ProcessExit = ChildExit;

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

/**
 * One headless `claude` process on the process runner: supervised (it and its tools die
 * with maos), stdin kept open for stream-json messages, stdout read line by line, with
 * wall-clock and idle timeouts. A graceful stop first sends a stream-json interrupt
 * (claude ends the turn with its partial answer and a result; the owner then closes
 * stdin and claude exits); if claude is still running after a short while (mid-tool, or
 * not listening), stdin is closed and SIGINT sent (claude stops its tools); after the
 * grace period, SIGKILL to the whole tree.
 */
export class ClaudeProcess extends ChildProcess {
  private interrupts = 0;

  constructor(options: ClaudeProcessOptions) {
    super({
      argv: [options.bin, ...options.args],
      cwd: options.cwd,
      env: options.env,
      stdin: "pipe",
      onLine: options.onLine,
      wallTimeoutMs: options.wallTimeoutMs,
      idleTimeoutMs: options.idleTimeoutMs,
      graceMs: options.graceMs,
      stopSignal: "SIGINT",
      askToStop: () => this.write(interruptRequest(`maos-stop-${++this.interrupts}`)),
    });
  }
}
