/**
 * What a later attempt of a task is told about the earlier ones, and whether it continues
 * the same Claude session: built from the attempts table (how each ended, as a fixed cause)
 * and from the events of the last attempt's unfinished turn — never from guesses.
 */
import type { AttemptRow } from "../store/attempts.ts";
import type { TaskPromptInput } from "./prompt.ts";

/** Failed attempts in a row in one session after which the next one starts a fresh session. */
export const failuresPerSession = 2;

/** One sentence on how an attempt ended, said to the agent. */
export function describeEnd(a: Pick<AttemptRow, "attempt" | "cause" | "reason" | "status">): string {
  // Reasons are sentences from claude too: drop their final full stop, the sentence here adds one.
  const reason = (a.reason ?? "no reason was recorded").replace(/[.\s]+$/, "");
  switch (a.cause) {
    case "user-interrupt":
      return `Attempt ${a.attempt} was interrupted by the user (maos was stopped with Ctrl-C) while you were working.`;
    case "maos-stopped":
      return `Attempt ${a.attempt} was cut off because maos itself stopped unexpectedly (it was killed, or the machine went down) while you were working.`;
    case "crashed":
      return `Attempt ${a.attempt} ended because your claude process stopped unexpectedly (${reason}).`;
    case "api-error":
      return `Attempt ${a.attempt} failed on an API error: ${reason}.`;
    case "timeout":
    case "idle":
      return `Attempt ${a.attempt} was stopped by maos: it ${reason}.`;
    case "budget-share":
      return `Attempt ${a.attempt} used up its share of the run's budget; this attempt has a new share.`;
    case "budget":
      return `Attempt ${a.attempt} stopped because the run's budget was spent; the budget has since been raised.`;
    case "session-error":
      return `Attempt ${a.attempt} failed in a way tied to its Claude session (${reason}), so this attempt starts a new session.`;
    case "completed":
      return `Attempt ${a.attempt} completed.`;
    default:
      return a.status === "interrupted" ? `Attempt ${a.attempt} was interrupted (${reason}).` : `Attempt ${a.attempt} failed: ${reason}.`;
  }
}

/**
 * Whether the next attempt must start a new Claude session: the user asked for one
 * (`retry --fresh`), the last attempt's error is bound to its session, or the session
 * already failed `failuresPerSession` times in a row.
 */
export function needsFreshSession(
  attempts: readonly Pick<AttemptRow, "session_id" | "status" | "cause">[],
  sessionId: string | null,
  freshRequested = false,
): boolean {
  const last = attempts.at(-1);
  if (!last || sessionId === null) return false;
  if (freshRequested) return true;
  if (last.cause === "session-error") return true;
  let failures = 0;
  for (let i = attempts.length - 1; i >= 0 && attempts[i]!.session_id === sessionId && attempts[i]!.status === "failed"; i--) failures++;
  return failures >= failuresPerSession;
}

const excerptChars = 400;

function excerpt(text: string, max = excerptChars): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

export interface ContinuationInput {
  attempts: readonly AttemptRow[];
  /** The model's text of the last attempt's unfinished turn (null when its last turn ended). */
  unfinishedText: string | null;
  /** The last thing each earlier attempt said (by attempt number), for a fresh session's summary. */
  lastWords: ReadonlyMap<number, string>;
  /** Continue the same Claude session (--resume), or start a fresh one. */
  resume: boolean;
  /** Why the session could not be continued, when it was not a choice (its transcript is gone). */
  freshBecause: string | null;
}

/** The continuation part of a task prompt; `first` when the task never ran. */
export function continuationFor(c: ContinuationInput): TaskPromptInput["continuation"] {
  const last = c.attempts.at(-1);
  if (!last) return { kind: "first" };
  if (c.resume) return { kind: "resumed", why: describeEnd(last), previousOutput: c.unfinishedText };
  const history = c.attempts.map((a) => {
    const said = c.lastWords.get(a.attempt);
    return `- ${describeEnd(a)}${said ? ` It last said: "${excerpt(said)}"` : ""}`;
  });
  const fresh = c.freshBecause ?? "Its Claude session is not continued";
  return {
    kind: "restarted",
    why: `${history.join("\n")}\n${fresh}, so this is a fresh session: the earlier conversation is not available. Check the current state of the files before you continue, and do not redo work that is already done.`,
    previousOutput: c.unfinishedText,
  };
}
