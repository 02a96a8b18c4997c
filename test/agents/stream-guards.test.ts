import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { isPlainAssistantLine, isPlainUserLine } from "../../src/agents/stream-guards.ts";
import { AssistantSchema, parseStreamLine, UserSchema } from "../../src/agents/stream-schema.ts";

const session = "0b6f0c4e-2a2b-4d43-9b1c-3c5d2f7e8a91";

const assistant = () => ({
  type: "assistant",
  message: {
    id: "msg_01",
    role: "assistant",
    model: "claude-opus-4-8",
    content: [
      { type: "thinking", thinking: "hmm", signature: "sig" },
      { type: "text", text: "MESSAGE @api: hello" },
      { type: "tool_use", id: "toolu_1", name: "Bash", input: { command: "ls" } },
      { type: "redacted_thinking", data: "x" },
    ],
    stop_reason: null,
    usage: { input_tokens: 1, output_tokens: 2, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, service_tier: "standard" },
  },
  parent_tool_use_id: null,
  session_id: session,
  uuid: "u1",
  request_id: "req_1",
});

const user = () => ({
  type: "user",
  message: {
    role: "user",
    content: [
      { tool_use_id: "toolu_1", type: "tool_result", content: "hi", is_error: false },
      { tool_use_id: "toolu_2", type: "tool_result", content: [{ type: "text", text: "a" }] },
      { type: "text", text: "and this" },
    ],
  },
  tool_use_result: { stdout: "hi" },
  isReplay: true,
  parent_tool_use_id: null,
  session_id: session,
});

type Json = Record<string, unknown>;

/** Sets `value` at a dotted path (array indexes allowed); `undefined` deletes the key. */
function perturb(base: Json, path: string, value: unknown): Json {
  const copy = structuredClone(base);
  const keys = path.split(".");
  let node = copy as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = keys.at(-1)!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

/** What parseStreamLine returned before the guards: valibot's verdict and output. */
function throughValibot(line: Json) {
  const parsed = v.safeParse(line.type === "assistant" ? AssistantSchema : UserSchema, line, { abortEarly: true });
  return parsed.success ? { kind: "known", line: parsed.output } : { kind: "unknown" };
}

const wrongValues = [undefined, null, 7, "text", true, [], {}, [1], [{}], [{ type: 3 }]];

const assistantPaths = [
  "message",
  "message.content",
  "message.content.0",
  "message.content.0.thinking",
  "message.content.0.signature",
  "message.content.1.text",
  "message.content.2.id",
  "message.content.2.name",
  "message.content.2.input",
  "message.content.3.type",
  "message.id",
  "message.role",
  "message.model",
  "message.stop_reason",
  "message.usage",
  "message.usage.input_tokens",
  "message.usage.cache_read_input_tokens",
  "error",
  "session_id",
  "parent_tool_use_id",
  "uuid",
];

const userPaths = [
  "message",
  "message.role",
  "message.content",
  "message.content.0",
  "message.content.0.tool_use_id",
  "message.content.0.content",
  "message.content.0.is_error",
  "message.content.1.content.0",
  "message.content.2.text",
  "tool_use_result",
  "isReplay",
  "session_id",
  "parent_tool_use_id",
  "uuid",
];

describe("stream line guards", () => {
  test("the lines claude streams most pass the guards (they skip valibot's copy)", () => {
    expect(isPlainAssistantLine(assistant())).toBe(true);
    expect(isPlainUserLine(user())).toBe(true);
    expect(isPlainUserLine({ ...user(), message: { role: "user", content: "plain prompt" } })).toBe(true);
  });

  test("a lenient field of the wrong shape is left to valibot, which drops it", () => {
    const line = perturb(assistant(), "message.usage.input_tokens", "many");
    expect(isPlainAssistantLine(line)).toBe(false);
    const parsed = parseStreamLine(JSON.stringify(line));
    expect(parsed.kind).toBe("known");
    if (parsed.kind === "known" && parsed.type === "assistant") expect(parsed.line.message.usage?.input_tokens).toBeUndefined();
  });

  for (const [name, make, paths] of [
    ["assistant", assistant, assistantPaths],
    ["user", user, userPaths],
  ] as const) {
    test(`${name}: with or without the guard, parseStreamLine gives what valibot gives (${paths.length * wrongValues.length} variants)`, () => {
      const variants = [make(), ...paths.flatMap((path) => wrongValues.map((value) => perturb(make(), path, value)))];
      for (const line of variants) {
        const parsed = parseStreamLine(JSON.stringify(line));
        const expected = throughValibot(line);
        expect({ path: JSON.stringify(line), kind: parsed.kind }).toEqual({ path: JSON.stringify(line), kind: expected.kind as never });
        if (parsed.kind === "known") expect(parsed.line).toEqual(expected.line as never);
      }
    });
  }
});
