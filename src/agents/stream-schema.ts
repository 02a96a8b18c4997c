/**
 * The lines `claude -p --output-format stream-json --verbose` prints (see
 * CLAUDE_HEADLESS.md). Objects are loose so fields a newer CLI adds are kept, and
 * only what maos acts on is required: a field maos merely reports is `lenient`, so a
 * changed shape there drops that field instead of demoting a whole `result` line
 * (whose outcome maos must see) to "unknown". The raw text is stored either way.
 */
import * as v from "valibot";
import { isPlainAssistantLine, isPlainUserLine } from "./stream-guards.ts";

/** An optional field whose wrong shape reads as absent instead of failing the line. */
function lenient<const S extends v.GenericSchema>(schema: S) {
  return v.fallback(v.optional(schema), undefined);
}

/**
 * A cost, token count, turn count or duration: finite and not negative. Anything else (a
 * `1e309` that parses as Infinity, a negative count) reads as absent rather than poisoning
 * every total it is added to.
 */
const amount = () => v.pipe(v.number(), v.finite(), v.minValue(0));

const Usage = v.looseObject({
  input_tokens: lenient(amount()),
  output_tokens: lenient(amount()),
  cache_creation_input_tokens: lenient(amount()),
  cache_read_input_tokens: lenient(amount()),
});
export type Usage = v.InferOutput<typeof Usage>;

// Content blocks. Unknown block types (redacted_thinking, server_tool_use …) pass as OtherBlock.
const TextBlock = v.looseObject({ type: v.literal("text"), text: v.string() });
const ToolUseBlock = v.looseObject({ type: v.literal("tool_use"), id: v.string(), name: v.string(), input: v.unknown() });
const ThinkingBlock = v.looseObject({ type: v.literal("thinking"), thinking: v.string(), signature: lenient(v.string()) });
const OtherBlock = v.looseObject({ type: v.string() });
const ToolResultBlock = v.looseObject({
  type: v.literal("tool_result"),
  tool_use_id: v.string(),
  content: lenient(v.union([v.string(), v.array(OtherBlock)])),
  is_error: lenient(v.boolean()),
});
export type TextBlock = v.InferOutput<typeof TextBlock>;
export type ToolUseBlock = v.InferOutput<typeof ToolUseBlock>;
export type ThinkingBlock = v.InferOutput<typeof ThinkingBlock>;
export type ToolResultBlock = v.InferOutput<typeof ToolResultBlock>;

const sessionFields = {
  session_id: lenient(v.string()),
  parent_tool_use_id: lenient(v.nullable(v.string())),
  uuid: lenient(v.string()),
};

export const SystemInitSchema = v.looseObject({
  type: v.literal("system"),
  subtype: v.literal("init"),
  session_id: v.string(),
  cwd: lenient(v.string()),
  tools: lenient(v.array(v.string())),
  model: lenient(v.string()),
  permissionMode: lenient(v.string()),
  apiKeySource: lenient(v.string()),
  claude_code_version: lenient(v.string()),
});

export const ApiRetrySchema = v.looseObject({
  type: v.literal("system"),
  subtype: v.literal("api_retry"),
  attempt: v.number(),
  max_retries: lenient(v.number()),
  retry_delay_ms: lenient(v.number()),
  error_status: lenient(v.nullable(v.number())),
  error: lenient(v.string()),
  session_id: lenient(v.string()),
});

export const StatusSchema = v.looseObject({
  type: v.literal("system"),
  subtype: v.literal("status"),
  status: lenient(v.nullable(v.string())),
  session_id: lenient(v.string()),
});

/** One assistant line carries one content block (thinking, text or a tool_use). */
export const AssistantSchema = v.looseObject({
  type: v.literal("assistant"),
  message: v.looseObject({
    id: lenient(v.string()),
    role: lenient(v.string()),
    content: v.array(v.union([TextBlock, ToolUseBlock, ThinkingBlock, OtherBlock])),
    model: lenient(v.string()),
    stop_reason: lenient(v.nullable(v.string())),
    usage: lenient(Usage),
  }),
  /** Set on synthetic messages, e.g. "authentication_failed". */
  error: lenient(v.string()),
  ...sessionFields,
});

export const UserSchema = v.looseObject({
  type: v.literal("user"),
  message: v.looseObject({
    role: lenient(v.string()),
    content: v.union([v.string(), v.array(v.union([ToolResultBlock, TextBlock, OtherBlock]))]),
  }),
  tool_use_result: v.optional(v.unknown()),
  /** With --replay-user-messages: the echo of a message maos wrote to stdin. */
  isReplay: lenient(v.boolean()),
  ...sessionFields,
});

export const resultSubtypes = ["success", "error_max_turns", "error_during_execution", "error_max_budget_usd"] as const;
/** Known subtypes, or any other string a newer CLI may send. */
export type ResultSubtype = (typeof resultSubtypes)[number] | (string & {});

/**
 * The final line of a turn. Success is `subtype === "success" && !is_error`: API errors
 * arrive as subtype "success" with is_error true.
 */
export const ResultSchema = v.looseObject({
  type: v.literal("result"),
  subtype: v.custom<ResultSubtype>((input) => typeof input === "string", "subtype must be a string"),
  is_error: v.boolean(),
  result: lenient(v.string()),
  errors: lenient(v.array(v.string())),
  session_id: lenient(v.string()),
  total_cost_usd: lenient(amount()),
  usage: lenient(Usage),
  num_turns: lenient(amount()),
  duration_ms: lenient(amount()),
  duration_api_ms: lenient(amount()),
  stop_reason: lenient(v.nullable(v.string())),
  api_error_status: lenient(v.nullable(v.number())),
  terminal_reason: lenient(v.string()),
  permission_denials: lenient(
    v.array(v.looseObject({ tool_name: v.string(), tool_use_id: lenient(v.string()), tool_input: v.optional(v.unknown()) })),
  ),
  structured_output: v.optional(v.unknown()),
  /** Per model, a running total for the whole process (like total_cost_usd). */
  modelUsage: lenient(v.record(v.string(), v.looseObject({ inputTokens: lenient(amount()), outputTokens: lenient(amount()) }))),
});

/** Only with --include-partial-messages: one raw SSE event. */
export const StreamEventSchema = v.looseObject({
  type: v.literal("stream_event"),
  event: v.looseObject({ type: v.string() }),
  ...sessionFields,
});

/** The reply to a control_request maos wrote to stdin (e.g. an interrupt). */
export const ControlResponseSchema = v.looseObject({
  type: v.literal("control_response"),
  response: v.looseObject({ subtype: v.string(), request_id: lenient(v.string()), error: lenient(v.string()) }),
});

export type SystemInitLine = v.InferOutput<typeof SystemInitSchema>;
export type ApiRetryLine = v.InferOutput<typeof ApiRetrySchema>;
export type StatusLine = v.InferOutput<typeof StatusSchema>;
export type AssistantLine = v.InferOutput<typeof AssistantSchema>;
export type UserLine = v.InferOutput<typeof UserSchema>;
export type ResultLine = v.InferOutput<typeof ResultSchema>;
export type StreamEventLine = v.InferOutput<typeof StreamEventSchema>;
export type ControlResponseLine = v.InferOutput<typeof ControlResponseSchema>;

export type KnownLine =
  | { kind: "known"; type: "system"; subtype: "init"; line: SystemInitLine }
  | { kind: "known"; type: "system"; subtype: "api_retry"; line: ApiRetryLine }
  | { kind: "known"; type: "system"; subtype: "status"; line: StatusLine }
  | { kind: "known"; type: "assistant"; subtype: string | null; line: AssistantLine }
  | { kind: "known"; type: "user"; subtype: string | null; line: UserLine }
  | { kind: "known"; type: "result"; subtype: ResultSubtype; line: ResultLine }
  /** subtype: the SSE event type (message_start, content_block_delta …). */
  | { kind: "known"; type: "stream_event"; subtype: string; line: StreamEventLine }
  /** subtype: response.subtype ("success" or "error"). */
  | { kind: "known"; type: "control_response"; subtype: string; line: ControlResponseLine };

/** Not JSON, or JSON that is not an object with a string `type`; stored with type 'raw'. */
export interface RawLine {
  kind: "raw";
  type: "raw";
  subtype: null;
  reason: "not-json" | "not-object" | "no-type";
}

/** A JSON object maos has no schema for (a new line type, another system subtype) or that failed its schema. */
export interface UnknownLine {
  kind: "unknown";
  type: string;
  subtype: string | null;
  value: Record<string, unknown>;
  /** Why a recognised type was not accepted; absent when maos has no schema for it. */
  note?: string;
}

export type ParsedLine = KnownLine | RawLine | UnknownLine;

const rawLines = {
  "not-json": { kind: "raw", type: "raw", subtype: null, reason: "not-json" },
  "not-object": { kind: "raw", type: "raw", subtype: null, reason: "not-object" },
  "no-type": { kind: "raw", type: "raw", subtype: null, reason: "no-type" },
} as const satisfies Record<RawLine["reason"], RawLine>;

/** The value for the events.subtype column. */
function subtypeOf(type: string, value: Record<string, unknown>): string | null {
  const nested = type === "stream_event" ? value.event : type === "control_response" ? value.response : undefined;
  const source = nested === undefined ? value : nested;
  if (typeof source !== "object" || source === null) return null;
  const key = type === "stream_event" ? "type" : "subtype";
  const subtype = (source as Record<string, unknown>)[key];
  return typeof subtype === "string" ? subtype : null;
}

function schemaFor(type: string, subtype: string | null): v.GenericSchema | null {
  switch (type) {
    case "system":
      return subtype === "init" ? SystemInitSchema : subtype === "api_retry" ? ApiRetrySchema : subtype === "status" ? StatusSchema : null;
    case "assistant":
      return AssistantSchema;
    case "user":
      return UserSchema;
    case "result":
      return ResultSchema;
    case "stream_event":
      return StreamEventSchema;
    case "control_response":
      return ControlResponseSchema;
    default:
      return null;
  }
}

const parseConfig = { abortEarly: true } as const;

/** Classifies one stdout line. Never throws: anything unexpected is raw or unknown. */
export function parseStreamLine(text: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return rawLines["not-json"];
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return rawLines["not-object"];
  const object = value as Record<string, unknown>;
  const type = object.type;
  if (typeof type !== "string") return rawLines["no-type"];
  const subtype = subtypeOf(type, object);
  // The bulk of a stream: when the exact checks pass, valibot would return an equal copy.
  if (type === "assistant" ? isPlainAssistantLine(object) : type === "user" && isPlainUserLine(object)) {
    return { kind: "known", type, subtype, line: object } as KnownLine;
  }
  const schema = schemaFor(type, subtype);
  if (!schema) return { kind: "unknown", type, subtype, value: object };
  const parsed = v.safeParse(schema, object, parseConfig);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = v.getDotPath(issue) ?? "(line)";
    const name = subtype === null ? type : `${type}/${subtype}`;
    return { kind: "unknown", type, subtype, value: object, note: `${name} line does not match its schema at ${path}: ${issue.message}` };
  }
  return { kind: "known", type, subtype, line: parsed.output } as KnownLine;
}

/**
 * The text blocks of an assistant line, one per line: the mailbox protocol is parsed
 * line by line, so two blocks must not run together.
 */
export function assistantText(line: AssistantLine): string {
  let text = "";
  for (const block of line.message.content) {
    if (block.type !== "text" || typeof block.text !== "string") continue;
    text = text === "" ? block.text : `${text}\n${block.text}`;
  }
  return text;
}

export function toolUses(line: AssistantLine): ToolUseBlock[] {
  return line.message.content.filter(
    (block): block is ToolUseBlock => block.type === "tool_use" && typeof block.id === "string" && typeof block.name === "string",
  );
}
