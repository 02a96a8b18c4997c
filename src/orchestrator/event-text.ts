import { assistantText, parseStreamLine } from "../agents/stream-schema.ts";

/** The assistant text of a stored raw event line ('' for anything else). */
export function assistantTextOfRaw(raw: string): string {
  const parsed = parseStreamLine(raw);
  return parsed.kind === "known" && parsed.type === "assistant" ? assistantText(parsed.line) : "";
}
