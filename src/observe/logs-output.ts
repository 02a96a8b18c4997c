/**
 * The three shapes `maos logs` prints an event in: a readable transcript (with attempt
 * and resume separators), NDJSON (position, agent, type and the parsed payload) or the
 * stored stream-json line unchanged.
 */
import type { EventRow } from "../store/events.ts";
import { MarkTracker } from "./marks.ts";
import { TextRenderer } from "./render-text.ts";
import type { EventReader } from "./source.ts";
import { taskKeyOf, transcriptEntry } from "./transcript.ts";

export type LogFormat = "text" | "json" | "raw";

export type PageFormatter = (rows: readonly EventRow[]) => string;

function payloadOf(row: EventRow): unknown {
  if (row.type === "raw") return row.raw;
  try {
    return JSON.parse(row.raw);
  } catch {
    return row.raw;
  }
}

export function ndjsonLine(row: EventRow): string {
  return JSON.stringify({
    seq: row.id,
    agent: taskKeyOf(row.agent_id),
    agent_id: row.agent_id,
    attempt: row.attempt,
    agent_seq: row.seq,
    session_id: row.session_id,
    ts: row.ts,
    type: row.type,
    subtype: row.subtype,
    payload: payloadOf(row),
  });
}

export function pageFormatter(format: LogFormat, reader: EventReader, color: boolean): PageFormatter {
  if (format === "raw") return (rows) => rows.map((r) => `${r.raw}\n`).join("");
  if (format === "json") return (rows) => rows.map((r) => `${ndjsonLine(r)}\n`).join("");
  const marks = new MarkTracker(reader);
  const text = new TextRenderer(color);
  return (rows) => {
    let out = "";
    for (const row of rows) {
      for (const mark of marks.before(row)) out += text.mark(mark);
      out += text.entry(transcriptEntry(row));
    }
    return out;
  };
}
