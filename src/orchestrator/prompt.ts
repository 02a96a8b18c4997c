import type { MailboxDelivery } from "../bus/mailbox.ts";
import { formatForPrompt } from "../bus/mailbox.ts";

export interface DependencyResult {
  key: string;
  agentType: string;
  result: string;
}

export interface TaskPromptInput {
  request: string;
  taskKey: string;
  description: string;
  dependencies: readonly DependencyResult[];
  mailbox: readonly MailboxDelivery[];
  /** This attempt's number (1 for the first). */
  attempt?: number;
  /** How this attempt relates to earlier ones. */
  continuation:
    | { kind: "first" }
    /** Same Claude session continues (--resume): it already has the task in its history. */
    | { kind: "resumed"; why: string; previousOutput: string | null }
    /** A new session after an earlier one was lost: give it what the last attempt said. */
    | { kind: "restarted"; why: string; previousOutput: string | null };
}

const dependencyResultLimit = 8000;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n… (${text.length - max} more characters)`;
}

/** The first user message of an attempt. */
export function buildTaskPrompt(input: TaskPromptInput): string {
  const mail = formatForPrompt(input.mailbox);
  if (input.continuation.kind === "resumed") {
    const last = input.continuation.previousOutput;
    return [
      `[maos] ${input.continuation.why}${input.attempt ? ` This is attempt ${input.attempt}.` : ""} Continue your task @${input.taskKey} from where you left off; do not redo finished work.`,
      // A reply cut off mid-turn may be missing from the transcript: show what was streamed.
      last ? `What you were writing when it stopped (it may be missing from your conversation):\n${clip(last, dependencyResultLimit)}` : "",
      mail,
      "When you are done, end with a concise summary of what you did and the result.",
    ]
      .filter(Boolean)
      .join("\n\n");
  }
  const parts = [`# Your task (@${input.taskKey})`, input.description, "## The overall request", input.request];
  if (input.dependencies.length > 0) {
    parts.push("## Results of the tasks you depend on");
    for (const d of input.dependencies) parts.push(`### @${d.key} (${d.agentType})\n${clip(d.result, dependencyResultLimit)}`);
  }
  if (mail) parts.push(mail);
  if (input.continuation.kind === "restarted") {
    parts.push(`## Earlier attempts of this task${input.attempt ? ` (this is attempt ${input.attempt})` : ""}\n${input.continuation.why}`);
    if (input.continuation.previousOutput) {
      parts.push(`What the last attempt was writing when it stopped:\n${clip(input.continuation.previousOutput, dependencyResultLimit)}`);
    }
  }
  parts.push("When you are done, end with a concise summary of what you did and the result.");
  return parts.join("\n\n");
}
