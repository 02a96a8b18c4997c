/**
 * Exact shape checks for the two line types an agent streams by the thousand (assistant
 * and user). When a line passes, valibot's AssistantSchema / UserSchema would accept it
 * and return a deep copy equal to it, so the parsed JSON itself is used: no copy, no
 * per-node bookkeeping objects, a fraction of the garbage per line. Anything these checks
 * are not sure about — a missing field, a lenient field of a wrong shape that valibot
 * would drop — returns false and goes through valibot as before, so the result is the
 * same either way (test/agents/stream-schema.test.ts checks both paths agree).
 */

type Obj = Record<string, unknown>;

const isObject = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);
const optString = (x: unknown) => x === undefined || typeof x === "string";
const optNullableString = (x: unknown) => x === undefined || x === null || typeof x === "string";
const optNumber = (x: unknown) => x === undefined || typeof x === "number";
const optBoolean = (x: unknown) => x === undefined || typeof x === "boolean";

function sessionFieldsOk(line: Obj): boolean {
  return optString(line.session_id) && optNullableString(line.parent_tool_use_id) && optString(line.uuid);
}

function usageOk(usage: unknown): boolean {
  if (usage === undefined) return true;
  if (!isObject(usage)) return false;
  return (
    optNumber(usage.input_tokens) &&
    optNumber(usage.output_tokens) &&
    optNumber(usage.cache_creation_input_tokens) &&
    optNumber(usage.cache_read_input_tokens)
  );
}

/** A content block whose known type has the fields that type requires (else valibot decides). */
function blockOk(block: unknown): boolean {
  if (!isObject(block) || typeof block.type !== "string") return false;
  switch (block.type) {
    case "text":
      return typeof block.text === "string";
    case "tool_use":
      return typeof block.id === "string" && typeof block.name === "string";
    case "thinking":
      return typeof block.thinking === "string" && optString(block.signature);
    case "tool_result":
      return false; // only valid in user lines, checked there
    default:
      return true;
  }
}

function toolResultOk(block: Obj): boolean {
  if (typeof block.tool_use_id !== "string" || !optBoolean(block.is_error)) return false;
  const content = block.content;
  if (content === undefined || typeof content === "string") return true;
  return Array.isArray(content) && content.every((part) => isObject(part) && typeof part.type === "string");
}

/** True when AssistantSchema accepts `line` unchanged. */
export function isPlainAssistantLine(line: Obj): boolean {
  const message = line.message;
  if (!isObject(message) || !Array.isArray(message.content)) return false;
  for (const block of message.content) if (!blockOk(block)) return false;
  return (
    optString(message.id) &&
    optString(message.role) &&
    optString(message.model) &&
    optNullableString(message.stop_reason) &&
    usageOk(message.usage) &&
    optString(line.error) &&
    sessionFieldsOk(line)
  );
}

/** True when UserSchema accepts `line` unchanged. */
export function isPlainUserLine(line: Obj): boolean {
  const message = line.message;
  if (!isObject(message) || !optString(message.role) || !optBoolean(line.isReplay) || !sessionFieldsOk(line)) return false;
  const content = message.content;
  if (typeof content === "string") return true;
  if (!Array.isArray(content)) return false;
  for (const block of content) {
    if (isObject(block) && block.type === "tool_result") {
      if (!toolResultOk(block)) return false;
    } else if (!blockOk(block)) return false;
  }
  return true;
}
