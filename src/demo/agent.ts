import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { transcriptPath } from "../agents/transcript.ts";
import { demoStepMs, demoSteps } from "./script.ts";

/**
 * The simulated agent `maos demo` runs instead of `claude`: it speaks claude's stream-json
 * protocol (init, one assistant line per text block, a result per turn), stays alive between
 * turns like `claude -p --input-format stream-json`, and keeps a small transcript in the run's
 * config dir, so that `--resume` continues after the last step it finished — which is how
 * the demo shows a resume picking up where a crash stopped it. It makes no network call.
 */
export async function runDemoAgent(argv: readonly string[], write: (line: string) => void): Promise<number> {
  const flag = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const sessionId = flag("--resume") ?? flag("--session-id") ?? crypto.randomUUID();
  const cwd = process.cwd();
  const transcript = transcriptPath(process.env.CLAUDE_CONFIG_DIR ?? null, cwd, sessionId);
  mkdirSync(dirname(transcript), { recursive: true });
  const emit = (obj: unknown) => write(`${JSON.stringify(obj)}\n`);
  const stepsDone = () =>
    existsSync(transcript) ? readFileSync(transcript, "utf8").split("\n").filter((l) => l.includes('"step"')).length : 0;

  let taskKey: string | null = null;
  // maos keeps stdin open while a turn runs: end of input mid-turn means maos itself is gone.
  let inputClosed = false;
  let turns = 0;
  const started = Date.now();
  const turn = async (prompt: string) => {
    turns++;
    emit({ type: "system", subtype: "init", cwd, session_id: sessionId, tools: [], model: "simulated", permissionMode: "default", apiKeySource: "none", claude_code_version: "maos-demo" });
    taskKey ??= /# Your task \(@([\w-]+)\)/.exec(prompt)?.[1] ?? /your task @([\w-]+)/i.exec(prompt)?.[1] ?? null;
    const say = (text: string) =>
      emit({
        type: "assistant",
        message: { id: crypto.randomUUID(), type: "message", role: "assistant", model: "simulated", content: [{ type: "text", text }], stop_reason: null, usage: { input_tokens: 0, output_tokens: 0 } },
        parent_tool_use_id: null,
        session_id: sessionId,
      });
    let result: string;
    const steps = taskKey ? demoSteps[taskKey] : undefined;
    if (turns === 1 && steps) {
      const from = stepsDone();
      if (from > 0) say(`[simulated] Resuming my session: ${from} of ${steps.length} steps were done before the crash; continuing with step ${from + 1}.`);
      for (let i = from; i < steps.length; i++) {
        await Bun.sleep(demoStepMs);
        if (inputClosed) process.exit(0);
        say(steps[i]!);
        appendFileSync(transcript, `${JSON.stringify({ step: i + 1 })}\n`);
      }
      result = steps.at(-1)!;
    } else {
      const heard = prompt.replace(/\s+/g, " ").slice(0, 160);
      result = `[simulated] Noted: ${heard}`;
      say(result);
    }
    emit({
      type: "result",
      subtype: "success",
      is_error: false,
      duration_ms: Date.now() - started,
      num_turns: turns,
      result,
      session_id: sessionId,
      total_cost_usd: 0,
      usage: { input_tokens: 0, output_tokens: 0 },
    });
  };

  process.on("SIGINT", () => process.exit(0));
  let queue = Promise.resolve();
  let buffered = "";
  const decoder = new TextDecoder();
  for await (const chunk of Bun.stdin.stream()) {
    buffered += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (!line) continue;
      const msg = JSON.parse(line) as { type?: string; message?: { content?: unknown } };
      if (msg.type !== "user") continue;
      const content = msg.message?.content;
      const text = typeof content === "string" ? content : JSON.stringify(content ?? "");
      queue = queue.then(() => turn(text));
    }
  }
  // stdin closed: after a finished turn this is maos saying it is done; mid-turn, maos died.
  inputClosed = true;
  await queue;
  return 0;
}
