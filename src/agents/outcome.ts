import type { ProcessExit } from "./claude-process.ts";
import type { ResultLine } from "./stream-schema.ts";

/**
 * Why an attempt ended, as a fixed word (stored in attempts.cause): the continuation
 * prompt, the retry rules and status read it instead of parsing sentences.
 */
export type AttemptCause =
  | "completed"
  /** Ctrl-C, or a stop the user asked for. */
  | "user-interrupt"
  /** maos itself died (kill -9, power cut): found by a resume. */
  | "maos-stopped"
  /** claude died on its own (a signal or an exit) before finishing its turn. */
  | "crashed"
  | "api-error"
  | "timeout"
  | "idle"
  | "max-turns"
  /** The whole --budget-usd is spent. */
  | "budget"
  /** This agent's share of the budget is spent; the run's budget is not. */
  | "budget-share"
  /** claude refused to start in a way that will repeat (bad flag, root, missing binary). */
  | "start-failed"
  /** The session itself is unusable (context too long, transcript gone): continue in a fresh one. */
  | "session-error"
  /** maos stopped an agent that kept sending messages nobody can receive. */
  | "looping"
  | "failed";

export interface AttemptOutcome {
  status: "completed" | "failed" | "interrupted";
  cause: AttemptCause;
  /** Why it did not complete, for people (null when completed). */
  reason: string | null;
  /** Worth another attempt: API 5xx/429/529, a crash, a timeout. */
  transient: boolean;
  /** The next attempt must start a new Claude session instead of resuming this one. */
  freshSession: boolean;
  resultText: string | null;
  /** The agent reached its --max-budget-usd (error_max_budget_usd). */
  budgetReached: boolean;
  /** How to fix a failure that will repeat. */
  hint: string | null;
}

export interface AttemptFacts {
  /** Every result line of the attempt, in order. */
  results: readonly ResultLine[];
  /** A turn was in progress when the process ended (a message written or output streamed after the last result). */
  turnOpen: boolean;
  /** system/init was seen: claude started. */
  started: boolean;
  /** The model's text of the last turn (result lines on error subtypes carry none). */
  lastTurnText: string | null;
  exit: ProcessExit;
  /** Why maos stopped it, when it did. */
  stopCause: "user-interrupt" | "looping" | null;
  limits: { wallTimeoutMs: number; idleTimeoutMs: number };
}

const transientStatus = (status: number | null | undefined) =>
  status != null && (status === 429 || status === 529 || (status >= 500 && status <= 599));
const transientText = /overloaded|API Error: (5\d\d|429)|rate.?limit|ECONNRESET|socket hang up|timed? ?out/i;
/** Errors that belong to the session: resuming it would fail the same way. */
const sessionBoundText =
  /prompt is too long|context (length|window)|maximum context|exceeds? the (model's )?context|input length and `?max_tokens`? exceed|No conversation found/i;

/** claude's own refusals at start-up that repeat on every try, with how to fix them. */
const startRefusals: { pattern: RegExp; hint: string }[] = [
  {
    pattern: /cannot be used with root\/sudo/i,
    hint: "as root, bypassPermissions needs IS_SANDBOX=1 in the environment (unset IS_SANDBOX to let maos set it), or use another --permission-mode",
  },
  { pattern: /requires --verbose|unknown option|error: option|invalid value|argument missing/i, hint: "check the flags maos passes (maos --verbose shows them) against `claude --help`; upgrade claude if it is older" },
  { pattern: /Not logged in|Invalid API key|Please run \/login/i, hint: "set ANTHROPIC_API_KEY or log in with `claude` (/login); `maos doctor` checks it" },
];

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

function lastLines(text: string, n = 3): string {
  return text.trim().split("\n").slice(-n).join(" | ");
}

/**
 * Decides an attempt's outcome from the whole attempt: how the process ended, whether a
 * turn was still in progress, and the last result line. A process that died mid-turn is
 * never `completed`, whatever an earlier turn's result said.
 */
export function classifyAttempt(f: AttemptFacts): AttemptOutcome {
  const result = f.results.at(-1) ?? null;
  const outcome = (status: AttemptOutcome["status"], cause: AttemptCause, reason: string | null, extra: Partial<AttemptOutcome> = {}): AttemptOutcome => ({
    status,
    cause,
    reason,
    transient: false,
    freshSession: false,
    resultText: null,
    budgetReached: false,
    hint: null,
    ...extra,
  });
  const { exit } = f;
  if (exit.stopReason === "interrupted" || exit.stopReason === "killed") {
    if (f.stopCause === "looping") {
      return outcome("failed", "looping", "stopped: it kept sending messages that cannot be delivered", {
        hint: "check the task keys the agent addresses (maos orchestration status --messages)",
      });
    }
    return outcome("interrupted", "user-interrupt", "interrupted by the user (maos was stopped)");
  }
  if (exit.stopReason === "timeout") return outcome("failed", "timeout", `timed out after ${seconds(f.limits.wallTimeoutMs)} (--agent-timeout)`, { transient: true });
  if (exit.stopReason === "idle") return outcome("failed", "idle", `no output for ${seconds(f.limits.idleTimeoutMs)} (--idle-timeout)`, { transient: true });

  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  const tail = lastLines(exit.stderrTail);
  if (!f.started && result === null) {
    const refusal = startRefusals.find((r) => r.pattern.test(exit.stderrTail));
    if (refusal) return outcome("failed", "start-failed", `claude refused to start: ${tail}`, { hint: refusal.hint });
    if (sessionBoundText.test(exit.stderrTail)) {
      return outcome("failed", "session-error", `claude could not continue its session: ${tail}`, { transient: true, freshSession: true });
    }
  }
  if (result === null) return outcome("failed", "crashed", `claude ${how} without a result${tail ? `: ${tail}` : ""}`, { transient: true });
  if (f.turnOpen) {
    // An earlier turn's result is not this turn's: whatever the last turn took goes back to the mailbox.
    return outcome("failed", "crashed", `claude ${how} in the middle of a turn${tail ? `: ${tail}` : ""}`, { transient: true });
  }
  if (result.subtype === "success" && !result.is_error) {
    return outcome("completed", "completed", null, { resultText: result.result ?? "" });
  }
  const detail = result.result ?? result.errors?.join("; ") ?? result.subtype;
  switch (result.subtype) {
    case "error_max_turns":
      return outcome("failed", "max-turns", `reached the turn limit: ${detail}`);
    case "error_max_budget_usd":
      // The turn that crossed the line keeps its answer when it ended normally.
      if ((result.stop_reason === "end_turn" || result.terminal_reason === "completed") && f.lastTurnText) {
        return outcome("completed", "completed", null, { resultText: f.lastTurnText, budgetReached: true });
      }
      return outcome("failed", "budget-share", `reached its budget: ${detail}`, { budgetReached: true });
    case "error_during_execution":
      return outcome("failed", "failed", `error during execution: ${detail}`, { transient: true });
  }
  const refusal = f.results.length === 1 ? startRefusals.find((r) => r.pattern.test(detail)) : undefined;
  if (refusal) return outcome("failed", "start-failed", `claude refused to work: ${detail}`, { hint: refusal.hint });
  if (sessionBoundText.test(detail)) {
    return outcome("failed", "session-error", detail, { transient: true, freshSession: true });
  }
  const status = result.api_error_status ?? null;
  if (status !== null || /^API Error/i.test(detail)) {
    const transient = transientStatus(status) || transientText.test(detail);
    return outcome("failed", "api-error", detail, { transient });
  }
  return outcome("failed", "failed", detail, { transient: transientText.test(detail) });
}
