import type { Subprocess } from "bun";
import { ensureBinary } from "./binary.ts";
import { tempDir } from "./claude-env.ts";

export interface MaosResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface MaosOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  stdin?: string;
}

/**
 * An empty HOME shared by this test process's maos runs: the user's ~/.claude/agents and
 * login shell files must not change what a test sees. Tests that need a HOME pass their own.
 */
let emptyHome: string | undefined;
function testHome(): string {
  emptyHome ??= tempDir("maos-home-").path;
  return emptyHome;
}

/** The environment the binary sees: ours, minus anything that would point it elsewhere. */
function childEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = { ...process.env, HOME: testHome(), MAOS_DB: undefined, MAOS_DEBUG: undefined, ...extra };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** Runs the compiled dist/maos (building it first if needed) and collects its output. */
export async function runMaos(args: string[], options: MaosOptions = {}): Promise<MaosResult> {
  const child = Bun.spawn([ensureBinary(), ...args], {
    cwd: options.cwd,
    env: childEnv(options.env),
    stdin: options.stdin === undefined ? "ignore" : new Blob([options.stdin]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, stdout, stderr };
}

/** Starts dist/maos without waiting, for commands that keep running (--watch). */
export function spawnMaos(args: string[], options: MaosOptions = {}): Subprocess<"ignore", "pipe", "pipe"> {
  return Bun.spawn([ensureBinary(), ...args], {
    cwd: options.cwd,
    env: childEnv(options.env),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
}

/** Reads a child's output incrementally: wait for some text to appear, then read the rest. */
export class OutputReader {
  private readonly reader;
  private readonly decoder = new TextDecoder();
  /** Everything read so far. */
  text = "";

  constructor(stream: ReadableStream<Uint8Array>) {
    this.reader = stream.getReader();
  }

  /** Reads until `done(text so far)` holds (or the stream ends); returns the text so far. */
  async until(done: (text: string) => boolean): Promise<string> {
    while (!done(this.text)) {
      const { value, done: ended } = await this.reader.read();
      if (ended) break;
      this.text += this.decoder.decode(value, { stream: true });
    }
    return this.text;
  }

  /** Reads to the end; returns what came after the text already read. */
  async rest(): Promise<string> {
    const start = this.text.length;
    await this.until(() => false);
    return this.text.slice(start);
  }
}
