import type { ProcessExit } from "./claude-process.ts";
import type { ResultLine } from "./stream-schema.ts";

export interface AttemptOutcome {
  status: "completed" | "failed" | "interrupted";
  /** Why it did not complete (null when completed). */
  reason: string | null;
  /** Worth another attempt: API 5xx/429/529/overloaded, a crash, a timeout. */
  transient: boolean;
  resultText: string | null;
  /** The budget ran out (error_max_budget_usd): no retry, and the scheduler stops starting tasks. */
  budgetExhausted: boolean;
}

const transientStatus = (status: number | null | undefined) =>
  status != null && (status === 429 || status === 529 || (status >= 500 && status <= 599));
const transientText = /overloaded|API Error: (5\d\d|429)|rate.?limit|ECONNRESET|socket hang up|timed? ?out/i;

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

/**
 * Decides an attempt's outcome from its last `result` line (never from the exit code
 * alone) and how the process ended.
 */
export function classifyAttempt(
  result: ResultLine | null,
  exit: ProcessExit,
  limits: { wallTimeoutMs: number; idleTimeoutMs: number },
): AttemptOutcome {
  const failed = (reason: string, transient: boolean, budgetExhausted = false): AttemptOutcome => ({
    status: "failed",
    reason,
    transient,
    resultText: result?.result ?? null,
    budgetExhausted,
  });
  if (exit.stopReason === "interrupted" || exit.stopReason === "killed") {
    return { status: "interrupted", reason: "interrupted by maos", transient: false, resultText: null, budgetExhausted: false };
  }
  if (exit.stopReason === "timeout") return failed(`timed out after ${seconds(limits.wallTimeoutMs)} (--agent-timeout)`, true);
  if (exit.stopReason === "idle") return failed(`no output for ${seconds(limits.idleTimeoutMs)} (--idle-timeout)`, true);
  if (result === null) {
    const how = exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
    const tail = exit.stderrTail.trim().split("\n").slice(-3).join(" | ");
    return failed(`claude ${how} without a result${tail ? `: ${tail}` : ""}`, true);
  }
  if (result.subtype === "success" && !result.is_error) {
    return { status: "completed", reason: null, transient: false, resultText: result.result ?? "", budgetExhausted: false };
  }
  const detail = result.result ?? result.errors?.join("; ") ?? result.subtype;
  switch (result.subtype) {
    case "error_max_turns":
      return failed(`reached the turn limit: ${detail}`, false);
    case "error_max_budget_usd":
      return failed(`reached its budget: ${detail}`, false, true);
    case "error_during_execution":
      return failed(`error during execution: ${detail}`, true);
    default:
      return failed(detail, transientStatus(result.api_error_status) || transientText.test(detail));
  }
}
