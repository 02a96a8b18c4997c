/**
 * maos's own overhead on one agent: a one-task plan run through
 * `dist/maos orchestrate --plan … --auto` versus the very same `claude` command run
 * directly (same flags, stream-json, same prompt and appended system prompt, stdin closed
 * after the result as maos does), both with the real claude CLI against the scripted mock
 * of the Anthropic API, interleaved in one run. Target (issue 4): maos adds under 15% or
 * under 60 ms, whichever is larger.
 *
 *   bun bench/overhead.bench.ts          (standalone; bench/index.ts calls the default export)
 *   MAOS_BENCH_OVERHEAD_RUNS=15 …        (more repetitions; default 9 of each)
 *
 * The maos runs share one database (as runs in one project do; the warm-up run creates it).
 * The runs alternate, so the median of the per-pair differences is reported too: it is less
 * sensitive to load from other processes on the machine than the difference of the medians.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { agentLimits } from "../src/agents/agent-limits.ts";
import { agentArgs, userMessage } from "../src/agents/claude-args.ts";
import { findAgent, loadCatalog } from "../src/agents/catalog.ts";
import { protocolInstructions } from "../src/bus/protocol.ts";
import { buildTaskPrompt } from "../src/orchestrator/prompt.ts";
import { defaultRunOptions } from "../src/store/orchestrations.ts";
import { ensureBinary } from "../test/support/binary.ts";
import { claudeBinPath, makeClaudeEnv, tempDir } from "../test/support/claude-env.ts";
import { startMockAnthropic, textReply, type RecordedRequest } from "../test/support/mock-anthropic.ts";
import type { BenchRow } from "./index.ts";

const runs = Math.max(5, Number(process.env.MAOS_BENCH_OVERHEAD_RUNS ?? 9));
const request = "Measure the overhead of maos";
const task = { id: "a", agent_type: "developer", description: "Answer briefly.", depends_on: [] as string[] };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const spread = (xs: number[]) => `min–max ${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)} ms`;

/** The claude argv and first stdin message maos builds for the plan's only task (see Scheduler.newAttempt). */
function directCommand(cwd: string): { args: string[]; prompt: string } {
  const definition = findAgent(loadCatalog({ cwd }).agents, task.agent_type)!;
  const args = agentArgs({
    sessionId: crypto.randomUUID(),
    resume: false,
    ...agentLimits(definition, defaultRunOptions),
    maxBudgetUsd: null,
    appendSystemPrompt: [definition.prompt, protocolInstructions(task.id, [])].join("\n\n"),
  });
  const prompt = buildTaskPrompt({
    request,
    taskKey: task.id,
    description: task.description,
    dependencies: [],
    mailbox: [],
    continuation: { kind: "first" },
  });
  return { args, prompt };
}

async function timeMaos(bin: string, planPath: string, dbPath: string, cwd: string, env: Record<string, string>): Promise<number> {
  const t0 = performance.now();
  const proc = Bun.spawn([bin, "orchestrate", request, "--plan", planPath, "--auto", "--db", dbPath], {
    cwd,
    env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const ms = performance.now() - t0;
  if (code !== 0) throw new Error(`maos exited ${code}: ${stderr}`);
  return ms;
}

/** Runs claude the way maos does: prompt on stdin, read stream-json until the result, then close stdin. */
async function timeDirect(cwd: string, env: Record<string, string>): Promise<number> {
  const { args, prompt } = directCommand(cwd);
  const t0 = performance.now();
  const proc = Bun.spawn([claudeBinPath(), ...args], { cwd, env, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  proc.stdin.write(userMessage(prompt));
  proc.stdin.flush();
  const stderr = new Response(proc.stderr).text();
  const decoder = new TextDecoder();
  let pending = "";
  let result: { is_error?: boolean } | null = null;
  for await (const chunk of proc.stdout) {
    pending += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (!line.startsWith('{"type":"result"')) continue;
      result = JSON.parse(line);
      proc.stdin.end();
    }
  }
  const code = await proc.exited;
  const ms = performance.now() - t0;
  if (code !== 0 || !result || result.is_error) throw new Error(`claude exited ${code}: ${await stderr}`);
  return ms;
}

/** What the API saw, minus what differs by design (session ids, dates): the two commands must send the same request. */
function requestShape(r: RecordedRequest): string {
  const prompt = r.firstUserText.replace(/<system-reminder>[\s\S]*?<\/system-reminder>/g, "");
  return JSON.stringify({ model: r.model, system: r.systemText, prompt, tools: r.toolNames });
}

export default async function overheadBench(): Promise<BenchRow[]> {
  const bin = ensureBinary();
  const mock = await startMockAnthropic({ defaultReply: textReply("Done: nothing to change.") });
  const root = tempDir("maos-bench-overhead-");
  try {
    const cwd = join(root.path, "project");
    mkdirSync(cwd);
    const env = { ...makeClaudeEnv(mock.url, join(root.path, "claude-config")), MAOS_CLAUDE_BIN: claudeBinPath() };
    const planPath = join(root.path, "plan.json");
    writeFileSync(planPath, JSON.stringify({ summary: "one task", tasks: [task] }));
    const maosMs: number[] = [];
    const directMs: number[] = [];
    // One warm-up of each (page cache, the CLI's first-run files in the config dir), then interleaved runs.
    for (let i = -1; i < runs; i++) {
      const order = i % 2 === 0 ? ["maos", "direct"] : ["direct", "maos"];
      for (const which of order) {
        const ms =
          which === "maos" ? await timeMaos(bin, planPath, join(root.path, "maos.db"), cwd, env) : await timeDirect(cwd, env);
        if (i >= 0) (which === "maos" ? maosMs : directMs).push(ms);
      }
    }
    // Both commands must have sent the same request (same role prompt, protocol, task prompt, tools).
    const shapes = new Set(mock.messageRequests().map(requestShape));
    const same = shapes.size === 1;

    const maos = median(maosMs);
    const direct = median(directMs);
    const added = maos - direct;
    const paired = median(maosMs.map((m, i) => m - directMs[i]!));
    const allowed = Math.max(0.15 * direct, 60);
    const pass = same && added <= allowed;
    return [
      {
        name: "one-task run via maos (real claude, mock API)",
        value: Math.round(maos),
        unit: "ms",
        spread: spread(maosMs),
        note: `${runs} runs on one database (synchronous=FULL), dist/maos orchestrate --plan --auto`,
      },
      {
        name: "same claude command run directly",
        value: Math.round(direct),
        unit: "ms",
        spread: spread(directMs),
        note: `${runs} runs interleaved with the maos runs; ${same ? "identical API requests" : `REQUESTS DIFFER (${shapes.size} shapes)`}`,
      },
      {
        name: "maos overhead per agent run",
        value: Math.round(added),
        unit: "ms",
        target: `< ${Math.round(allowed)} ms (max of 15%, 60 ms)`,
        pass,
        spread: `paired median ${paired.toFixed(0)} ms`,
        note: `difference of the medians; ratio maos/direct ${(maos / direct).toFixed(3)}; median of the per-pair differences ${paired.toFixed(0)} ms`,
      },
    ];
  } finally {
    await mock.stop();
    root.cleanup();
  }
}

if (import.meta.main) console.table(await overheadBench());
