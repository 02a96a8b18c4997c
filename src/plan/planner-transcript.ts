import { transcriptPath } from "../agents/transcript.ts";
import { readRegularFile } from "../system/regular-file.ts";

/** Transcripts of a planning session are small; a bigger file is not read for an error message. */
const maxTranscriptBytes = 8 * 1024 * 1024;

function text(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((b) => (b && typeof b === "object" && typeof (b as { text?: unknown }).text === "string" ? (b as { text: string }).text : "")).join(" ");
}

/**
 * Why the planner's StructuredOutput calls were refused, from its session transcript: the
 * result line only says no plan came back, which reads like "answered in
 * text" although the model did call the tool with input that failed the JSON schema. Empty
 * when it never called the tool (or the transcript cannot be read).
 */
export function rejectedStructuredOutputs(configDir: string | null, cwd: string, sessionId: string): string[] {
  const read = readRegularFile(transcriptPath(configDir, cwd, sessionId), maxTranscriptBytes);
  if (!read.ok) return [];
  const calls = new Set<string>();
  const errors: string[] = [];
  for (const line of read.text.split("\n")) {
    let entry: { message?: { content?: unknown } };
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    const blocks = entry.message?.content;
    if (!Array.isArray(blocks)) continue;
    for (const b of blocks as { type?: string; id?: string; name?: string; tool_use_id?: string; is_error?: boolean; content?: unknown }[]) {
      if (b?.type === "tool_use" && b.name === "StructuredOutput" && b.id) calls.add(b.id);
      if (b?.type === "tool_result" && b.is_error && b.tool_use_id && calls.has(b.tool_use_id)) errors.push(text(b.content).replace(/\s+/g, " ").trim());
    }
  }
  return errors;
}
