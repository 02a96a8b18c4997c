/**
 * Turns one stored event (a stream-json line an agent printed) into what a person reads:
 * text, thinking, tool calls with a one-line summary, tool results cut to their first
 * lines, messages the agent said or received, and turn results with cost and timing.
 * Pure and shared: `maos logs` renders these items for a terminal, the dashboard as DOM
 * text. Text stays exactly as the agent wrote it; making it safe is the renderer's job.
 */
import { assistantText, parseStreamLine, toolUses, type ResultLine, type UserLine } from "../agents/stream-schema.ts";
import { parseProtocolLines } from "../bus/protocol.ts";
import type { EventRow } from "../store/events.ts";

export const resultPreviewLines = 4;
const previewLineChars = 240;
const summaryChars = 120;

export type TranscriptItem =
  | { kind: "text"; text: string }
  | { kind: "thinking"; text: string }
  | { kind: "tool_call"; id: string; name: string; summary: string; input: unknown }
  | { kind: "tool_result"; tool_use_id: string; is_error: boolean; lines: string[]; more_lines: number }
  /** Text written to the agent: its prompt, or mailbox messages delivered while it ran (replayed). */
  | { kind: "received"; text: string }
  /** A protocol line in the agent's text: the message maos recorded from it. */
  | { kind: "sent"; type: string; to: string | null; text: string }
  | {
      kind: "turn";
      ok: boolean;
      subtype: string;
      cost_usd: number | null;
      duration_ms: number | null;
      num_turns: number | null;
      input_tokens: number | null;
      output_tokens: number | null;
      result: string | null;
    }
  | { kind: "init"; session_id: string; model: string | null }
  | { kind: "retry"; attempt: number; error: string | null }
  /** Anything else worth a line (a non-JSON line, an unknown type). */
  | { kind: "other"; text: string };

export interface TranscriptEntry {
  /** The event's position (events.id): the cursor for --since and SSE ids. */
  position: number;
  /** The task key of the agent. */
  agent: string;
  attempt: number;
  seq: number;
  ts: string;
  type: string;
  subtype: string | null;
  items: TranscriptItem[];
}

/** agents.id is '<orchestration id>:<task key>'; orchestration ids are uuids, free of ':'. */
export function taskKeyOf(agentId: string): string {
  const colon = agentId.indexOf(":");
  return colon === -1 ? agentId : agentId.slice(colon + 1);
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

const summaryFields = ["command", "file_path", "path", "pattern", "url", "query", "description", "prompt", "notebook_path"];

/** One line saying what a tool call does: the field that names its target, else its input as JSON. */
export function toolSummary(input: unknown): string {
  if (typeof input !== "object" || input === null) return oneLine(String(input ?? ""), summaryChars);
  const fields = input as Record<string, unknown>;
  for (const key of summaryFields) {
    const value = fields[key];
    if (typeof value === "string" && value.trim() !== "") return oneLine(value, summaryChars);
  }
  return oneLine(JSON.stringify(input), summaryChars);
}

function blockText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((b) => (typeof b === "object" && b !== null && typeof (b as { text?: unknown }).text === "string" ? (b as { text: string }).text : ""))
    .filter((t) => t !== "")
    .join("\n");
}

function preview(text: string): { lines: string[]; more_lines: number } {
  const all = text.replace(/\r\n/g, "\n").split("\n");
  while (all.length > 0 && all.at(-1)!.trim() === "") all.pop();
  const lines = all.slice(0, resultPreviewLines).map((l) => (l.length > previewLineChars ? `${l.slice(0, previewLineChars - 1)}…` : l));
  return { lines, more_lines: Math.max(0, all.length - lines.length) };
}

function userItems(line: UserLine): TranscriptItem[] {
  const content = line.message.content;
  if (typeof content === "string") return [{ kind: "received", text: content }];
  const items: TranscriptItem[] = [];
  for (const block of content) {
    if (block.type === "tool_result") {
      const b = block as { tool_use_id: string; content?: unknown; is_error?: boolean };
      items.push({ kind: "tool_result", tool_use_id: b.tool_use_id, is_error: b.is_error === true, ...preview(blockText(b.content)) });
    } else if (block.type === "text" && typeof (block as { text?: unknown }).text === "string") {
      items.push({ kind: "received", text: (block as { text: string }).text });
    }
  }
  return items;
}

function turnItem(line: ResultLine): TranscriptItem {
  return {
    kind: "turn",
    ok: line.subtype === "success" && !line.is_error,
    subtype: line.subtype,
    cost_usd: line.total_cost_usd ?? null,
    duration_ms: line.duration_ms ?? null,
    num_turns: line.num_turns ?? null,
    input_tokens: line.usage?.input_tokens ?? null,
    output_tokens: line.usage?.output_tokens ?? null,
    result: line.is_error ? (line.result ?? line.errors?.join("; ") ?? null) : null,
  };
}

function assistantItems(parsed: Parameters<typeof assistantText>[0]): TranscriptItem[] {
  const items: TranscriptItem[] = [];
  for (const block of parsed.message.content) {
    if (block.type === "thinking" && typeof (block as { thinking?: unknown }).thinking === "string") {
      items.push({ kind: "thinking", text: (block as { thinking: string }).thinking });
    }
  }
  const text = assistantText(parsed);
  if (text !== "") {
    items.push({ kind: "text", text });
    for (const m of parseProtocolLines(text)) items.push({ kind: "sent", type: m.type, to: m.toTask, text: m.text });
  }
  for (const use of toolUses(parsed)) {
    items.push({ kind: "tool_call", id: use.id, name: use.name, summary: toolSummary(use.input), input: use.input });
  }
  return items;
}

/** The readable items of one stored stream line (empty for lines people need not see). */
export function transcriptItems(type: string, raw: string): TranscriptItem[] {
  const parsed = parseStreamLine(raw);
  if (parsed.kind === "raw") return raw.trim() === "" ? [] : [{ kind: "other", text: raw }];
  if (parsed.kind === "unknown") return [{ kind: "other", text: parsed.note ?? `${type}${parsed.subtype ? `/${parsed.subtype}` : ""}` }];
  switch (parsed.type) {
    case "assistant":
      return assistantItems(parsed.line);
    case "user":
      return userItems(parsed.line);
    case "result":
      return [turnItem(parsed.line)];
    case "system":
      if (parsed.subtype === "init") return [{ kind: "init", session_id: parsed.line.session_id, model: parsed.line.model ?? null }];
      if (parsed.subtype === "api_retry") return [{ kind: "retry", attempt: parsed.line.attempt, error: parsed.line.error ?? null }];
      return [];
    default:
      // Partial-message deltas and control responses repeat what other lines say.
      return [];
  }
}

export function transcriptEntry(row: EventRow): TranscriptEntry {
  return {
    position: row.id,
    agent: taskKeyOf(row.agent_id),
    attempt: row.attempt,
    seq: row.seq,
    ts: row.ts,
    type: row.type,
    subtype: row.subtype,
    items: transcriptItems(row.type, row.raw),
  };
}
