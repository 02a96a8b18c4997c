import type { TaskDetail } from "../orchestrator/task-detail.ts";
import { paint, paintStatus } from "./color.ts";
import { formatCost, formatDuration, shortId } from "./format.ts";

/** Indents every line of a multi-line text under a label. */
const block = (text: string) => text.split("\n").map((line) => `  ${line}`.trimEnd()).join("\n");

/** `maos orchestration status <id> --task X`: the task's whole text, nothing cut. */
export function renderTaskDetail(t: TaskDetail): string {
  const lines = [
    `Task @${t.key} of orchestration ${shortId(t.orchestration_id)}`,
    `Agent:    ${t.agent_type}   Status: ${paintStatus(t.status)}   Depends on: ${t.depends_on.join(", ") || "-"}`,
    `Session:  ${t.session_id ?? "-"}`,
    `Cost:     ${formatCost(t.cost_usd)}   Tokens: ${t.input_tokens} in / ${t.output_tokens} out   Turns: ${t.num_turns}   Time: ${formatDuration(t.duration_ms)}`,
    "",
    "Description:",
    block(t.description),
  ];
  if (t.result) lines.push("", "Result:", block(t.result));
  if (t.error) lines.push("", paint("Error:", "red"), block(t.error));
  lines.push("", t.attempts.length ? "Attempts:" : "No attempts yet.");
  for (const a of t.attempts) {
    lines.push(`  #${a.attempt} ${a.status}${a.cause ? ` (${a.cause})` : ""}, started ${a.started_at.slice(0, 19)}, session ${shortId(a.session_id)}`);
    if (a.reason) lines.push(block(block(a.reason)));
    if (a.stderr_tail) lines.push("    stderr:", block(block(block(a.stderr_tail))));
  }
  return lines.join("\n");
}
