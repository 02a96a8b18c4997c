/**
 * The cheapest possible stand-in for `claude` in the ingestion bench: a shell script that
 * prints a system/init line naming the session maos asked for, then `exec cat`s a prepared
 * stream-json file (assistant text lines of 300 bytes, then a result line) as fast as the
 * pipe takes it, and exits. The prompt maos writes to its stdin is never read: it is a
 * few KB and fits in the pipe buffer, and after the result line maos closes stdin anyway.
 */
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { streamLine } from "./stream-child.ts";

const resultLine = JSON.stringify({
  type: "result",
  subtype: "success",
  is_error: false,
  result: "done",
  session_id: "00000000-0000-4000-8000-000000000000",
  total_cost_usd: 0,
  usage: { input_tokens: 0, output_tokens: 0 },
  num_turns: 1,
  duration_ms: 1,
});

/** Writes the stream and the script into `dir`; returns the script's path. Each agent prints `lines` assistant lines. */
export function writeProducer(dir: string, lines: number): string {
  const body = join(dir, "stream.jsonl");
  const parts: string[] = [];
  for (let seq = 1; seq <= lines; seq++) parts.push(streamLine(0, seq));
  parts.push(`${resultLine}\n`);
  writeFileSync(body, parts.join(""));
  const script = join(dir, "producer.sh");
  const init =
    '{"type":"system","subtype":"init","session_id":"%s","cwd":"/tmp","tools":[],"model":"claude-opus-4-8","permissionMode":"default","apiKeySource":"none","claude_code_version":"2.1.197"}\\n';
  writeFileSync(
    script,
    `#!/bin/sh
sid=00000000-0000-4000-8000-000000000000
while [ $# -gt 0 ]; do
  case "$1" in --session-id|--resume) sid="$2"; shift ;; esac
  shift
done
printf '${init}' "$sid"
exec cat '${body}'
`,
  );
  chmodSync(script, 0o755);
  return script;
}

/** Lines each agent streams: init, `lines` assistant lines, result. */
export const linesPerAgent = (lines: number) => lines + 2;
