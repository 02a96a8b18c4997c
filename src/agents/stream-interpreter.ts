/**
 * The pure half of an agent attempt: one stdout line in, the facts maos acts on out.
 * No process, no database: the attempt (attempt.ts) acts on the facts.
 */
import { apiRetryOf, retryProgress, retryReason } from "./api-retry.ts";
import { assistantText, parseStreamLine, toolUses, type ResultLine } from "./stream-schema.ts";

export interface LineFacts {
  /** events.type / events.subtype. */
  type: string;
  subtype: string | null;
  /** The model's own text on an assistant line (parsed for mailbox protocol lines). */
  text?: string;
  /** A one-line description of what the agent is doing, for agents.last_activity. */
  activity?: string;
  /** system/init: the session the process works in. */
  sessionId?: string;
  /** The echo of a stdin message claude consumed (--replay-user-messages). */
  replay?: boolean;
  /** The turn ended. */
  result?: ResultLine;
  /**
   * An assistant line the CLI made up itself (model "<synthetic>", e.g. the text of an API
   * error): not the model's words, so never shown back to the model as "what you wrote".
   */
  synthetic?: boolean;
}

const activityChars = 120;

export function interpretLine(text: string): LineFacts {
  const parsed = parseStreamLine(text);
  const facts: LineFacts = { type: parsed.type, subtype: parsed.subtype };
  if (parsed.kind !== "known") return facts;
  switch (parsed.type) {
    // Every line says what the agent last did, so the live view never shows "starting…" for
    // an agent that is already at work (claude prints a text block only once it is complete).
    case "system":
      if (parsed.subtype === "init") {
        facts.sessionId = parsed.line.session_id;
        facts.activity = "session started, waiting for the model";
      } else if (parsed.subtype === "api_retry") {
        const retry = apiRetryOf(parsed.line);
        facts.activity = `${retryReason(retry)}: ${retryProgress(retry)}`;
      }
      break;
    case "assistant": {
      const line = parsed.line;
      if (line.message.model === "<synthetic>" || line.error !== undefined) {
        facts.synthetic = true;
        break;
      }
      const said = assistantText(line);
      if (said) {
        facts.text = said;
        facts.activity = said.replace(/\s+/g, " ").trim().slice(0, activityChars);
      }
      const tools = toolUses(line).map((t) => t.name);
      if (tools.length > 0) facts.activity = `using ${tools.join(", ")}`;
      break;
    }
    case "user":
      if (parsed.line.isReplay === true) facts.replay = true;
      else facts.activity = "tool finished, waiting for the model";
      break;
    case "result":
      facts.result = parsed.line;
      break;
  }
  return facts;
}

/** Usage of one process, from its result lines (total_cost_usd and modelUsage are running totals). */
export interface AttemptUsage {
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  numTurns: number;
  durationMs: number;
}

export function usageOf(results: readonly ResultLine[]): AttemptUsage {
  // usage is per turn (and zeroed on error_max_budget_usd), so prefer modelUsage for tokens.
  const modelTotals = Object.values(results.at(-1)?.modelUsage ?? {});
  const sum = (pick: (r: ResultLine) => number | undefined) => results.reduce((n, r) => n + Math.max(0, pick(r) ?? 0), 0);
  const finite = (n: number) => (Number.isFinite(n) ? n : 0);
  return {
    costUsd: finite(Math.max(0, ...results.map((r) => r.total_cost_usd ?? 0))),
    inputTokens:
      modelTotals.length > 0 ? modelTotals.reduce((n, m) => n + Math.max(0, m.inputTokens ?? 0), 0) : sum((r) => r.usage?.input_tokens),
    outputTokens:
      modelTotals.length > 0 ? modelTotals.reduce((n, m) => n + Math.max(0, m.outputTokens ?? 0), 0) : sum((r) => r.usage?.output_tokens),
    numTurns: sum((r) => r.num_turns),
    durationMs: sum((r) => r.duration_ms),
  };
}
