import type { Readable, Writable } from "node:stream";
import { confirm, isCancel, select, text } from "@clack/prompts";
import type { AgentDefinition } from "../agents/catalog.ts";
import { UsageError } from "../errors.ts";
import type { Plan } from "../plan/plan.ts";
import { colorEnabled } from "../ui/color.ts";
import { shorten } from "../ui/format.ts";
import { renderPlan } from "../ui/plan-view.ts";

/**
 * Approval of a plan before anything runs. Prompts talk to the terminal on stderr
 * (stdout stays reserved for results and --json); Ctrl-C inside a prompt is a cancel.
 */
export type ApprovalAnswer = "approve" | "cancel" | "edit" | "replan";

export interface PromptStreams {
  /** Default process.stdin. */
  input?: Readable;
  /** Default process.stderr. */
  output?: Writable & { columns?: number; isTTY?: boolean };
}

export interface ApprovalOptions extends PromptStreams {
  /** --auto: approve without asking. */
  auto: boolean;
  /** Whether there is a terminal to ask on (see hasTerminal). */
  interactive: boolean;
  /** Marks agent types that come from user or project files. */
  catalog?: readonly AgentDefinition[];
  /** Offer "re-plan with feedback" (the plan came from the planner, whose session can continue). */
  canReplan?: boolean;
}

/** A person can answer a prompt: stdin and stderr are terminals. */
export function hasTerminal(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

/**
 * Shows the plan and asks approve / cancel. `auto` approves without showing or asking
 * (log the plan yourself if wanted); no terminal and no `auto` is a UsageError (exit 2).
 */
export async function askApproval(plan: Plan, options: ApprovalOptions): Promise<ApprovalAnswer> {
  if (options.auto) return "approve";
  if (!options.interactive) throw new UsageError("no terminal to ask for approval; pass --auto");
  const output = options.output ?? process.stderr;
  const view = renderPlan(plan, options.catalog, { color: colorEnabled(output), width: output.columns ?? 100 });
  output.write(`\n${view}\n\n`);
  const answer = await select<ApprovalAnswer>({
    message: `Run this plan (${plan.tasks.length} task${plan.tasks.length === 1 ? "" : "s"})?`,
    options: [
      { value: "approve", label: "Approve and run" },
      { value: "cancel", label: "Cancel", hint: "nothing runs" },
      { value: "edit", label: "Edit the plan", hint: `opens it in ${editorCommand().join(" ")}; checked again when you save` },
      ...(options.canReplan ? [{ value: "replan" as const, label: "Re-plan with feedback", hint: "tell the planner what to change" }] : []),
    ],
    initialValue: "approve",
    input: options.input,
    output,
  });
  return isCancel(answer) ? "cancel" : answer;
}

/** $VISUAL, else $EDITOR, else vi — as git does; a value may carry arguments ("code -w"). */
export function editorCommand(): string[] {
  const configured = (process.env.VISUAL || process.env.EDITOR || "").trim();
  return configured ? configured.split(/\s+/) : ["vi"];
}

/** One line of feedback for the planner; null on Ctrl-C or an empty answer. */
export async function askFeedback(options: PromptStreams = {}): Promise<string | null> {
  const answer = await text({
    message: "What should the planner change?",
    placeholder: "e.g. split the API work in two; no task may touch deploy/",
    input: options.input,
    output: options.output ?? process.stderr,
  });
  return isCancel(answer) || !answer.trim() ? null : answer.trim();
}

/**
 * After a planner failure on a terminal: offer to run the whole request as a single
 * developer task. False on "no", on Ctrl-C, and when there is no terminal to ask on.
 */
export async function offerSingleTask(
  request: string,
  reason: string,
  options: PromptStreams & { interactive?: boolean } = {},
): Promise<boolean> {
  if (!(options.interactive ?? hasTerminal())) return false;
  const output = options.output ?? process.stderr;
  output.write(`\nPlanning failed: ${reason}\n`);
  const answer = await confirm({
    message: `Run the whole request as a single developer task? ("${shorten(request, 60)}")`,
    active: "Yes, run it as one task",
    inactive: "No, stop",
    initialValue: true,
    input: options.input,
    output,
  });
  return !isCancel(answer) && answer;
}
