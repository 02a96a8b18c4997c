/**
 * Scripted mock of the Anthropic Messages API, for driving the REAL `claude`
 * CLI (and anything else that speaks the Messages API) on loopback.
 *
 *   const mock = await startMockAnthropic();
 *   mock.script(route([["task-a", [toolUseReply("Write", {...}), textReply("done")]]]));
 *   // run claude with ANTHROPIC_BASE_URL=mock.url ...
 *   await mock.stop();
 *
 * Every request is recorded (in arrival order) in `mock.requests`.
 * Replies are decided per request by the scripted handler; unscripted
 * requests get the default reply (`textReply("ok")`).
 */
import type { Server } from "bun";

// ---------------------------------------------------------------------------
// Reply types
// ---------------------------------------------------------------------------

export interface MockUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}

export type MockBlock =
  | { type: "text"; text: string }
  | { type: "tool_use"; name: string; input: unknown; id?: string }
  | { type: "thinking"; thinking: string; signature?: string };

/** A normal (streamed, SSE) assistant message. */
export interface MessageReply {
  type: "message";
  content: MockBlock[];
  /** Default: "tool_use" if the content has a tool_use block, else "end_turn". */
  stopReason?: string;
  /** Default { input_tokens: 10, output_tokens: 5 }. */
  usage?: MockUsage;
  /** Default: the model named in the request. */
  model?: string;
  /** Max characters per text_delta / thinking_delta / input_json_delta chunk. Default 64. */
  chunkSize?: number;
  /** Delay between SSE events (ms). Default 0 (everything written at once). */
  chunkDelayMs?: number;
  /** Delay before the response headers are sent (ms). */
  headersDelayMs?: number;
  /**
   * Cut the connection after this many SSE events have been written (simulates
   * a dropped stream; the CLI retries these silently).
   */
  cutAfterEvents?: number;
  /** Extra response headers. */
  headers?: Record<string, string>;
}

/** An HTTP error with an Anthropic-style JSON body. */
export interface ErrorReply {
  type: "error";
  status: number;
  /** Anthropic error type, e.g. "overloaded_error". Default derived from status. */
  errorType?: string;
  message?: string;
  /** Sets the `retry-after` header (seconds). */
  retryAfter?: number | string;
  /** `false` sets `x-should-retry: false` (the CLI then fails at once); `true` sets "true". */
  shouldRetry?: boolean;
  headersDelayMs?: number;
  headers?: Record<string, string>;
}

/**
 * A stream that sends headers + message_start (unless `beforeMessageStart`)
 * and then never sends anything else, until the client disconnects or the
 * mock is stopped.
 */
export interface HangReply {
  type: "hang";
  beforeMessageStart?: boolean;
  usage?: MockUsage;
  model?: string;
}

/** An arbitrary HTTP response. */
export interface RawReply {
  type: "raw";
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  headersDelayMs?: number;
}

export type MockReply = MessageReply | ErrorReply | HangReply | RawReply;

/** What a handler may return: a reply, a plain string (text reply), or undefined (default reply). */
export type HandlerResult = MockReply | string | undefined | null | void;
export type MockHandler = (req: RecordedRequest) => HandlerResult | Promise<HandlerResult>;

// ---------------------------------------------------------------------------
// Reply builders
// ---------------------------------------------------------------------------

type MessageOpts = Omit<MessageReply, "type" | "content">;

/** Plain text answer. */
export function textReply(text: string, opts: MessageOpts = {}): MessageReply {
  return { type: "message", content: [{ type: "text", text }], ...opts };
}

export interface ToolCall {
  name: string;
  input: unknown;
  id?: string;
}

/**
 * One or more tool calls, optionally preceded by text (`opts.text`).
 * stop_reason is "tool_use": the real CLI runs the tools and sends the
 * tool_result(s) back in the next request.
 */
export function toolUseReply(
  name: string | ToolCall[],
  input?: unknown,
  opts: MessageOpts & { text?: string } = {},
): MessageReply {
  const calls: ToolCall[] = typeof name === "string" ? [{ name, input: input ?? {} }] : name;
  const { text, ...rest } = opts;
  const content: MockBlock[] = [];
  if (text !== undefined) content.push({ type: "text", text });
  for (const c of calls) content.push({ type: "tool_use", name: c.name, input: c.input, id: c.id });
  return { type: "message", content, ...rest };
}

/** Arbitrary content blocks (text, tool_use, thinking) in one message. */
export function messageReply(content: MockBlock[], opts: MessageOpts = {}): MessageReply {
  return { type: "message", content, ...opts };
}

/**
 * Structured output answer: a tool_use of `StructuredOutput` (the tool the CLI
 * adds with `--json-schema`). The CLI then ends the run with
 * `structured_output` in the result.
 */
export function structuredOutputReply(value: unknown, opts: MessageOpts & { text?: string } = {}): MessageReply {
  return toolUseReply("StructuredOutput", value, opts);
}

/** Slowly streamed text: `chunkSize` chars every `intervalMs` ms. */
export function slowTextReply(text: string, chunkSize = 4, intervalMs = 50, opts: MessageOpts = {}): MessageReply {
  return textReply(text, { chunkSize, chunkDelayMs: intervalMs, ...opts });
}

const DEFAULT_ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error",
};

/** HTTP error reply. */
export function errorReply(status: number, opts: Omit<ErrorReply, "type" | "status"> = {}): ErrorReply {
  return { type: "error", status, ...opts };
}

/** A stream that hangs forever after message_start. */
export function hangReply(opts: Omit<HangReply, "type"> = {}): HangReply {
  return { type: "hang", ...opts };
}

export function rawReply(opts: Omit<RawReply, "type">): RawReply {
  return { type: "raw", ...opts };
}

// ---------------------------------------------------------------------------
// Recorded requests
// ---------------------------------------------------------------------------

export interface ToolResultInfo {
  toolUseId: string;
  /** Name of the tool, looked up from the matching tool_use in the history. */
  name?: string;
  /** Flattened text content of the result. */
  content: string;
  isError: boolean;
}

export interface RecordedRequest {
  /** 0-based arrival index among ALL requests to this mock. */
  index: number;
  method: string;
  /** Path without query, e.g. "/v1/messages". */
  path: string;
  /** Path with query, e.g. "/v1/messages?beta=true". */
  url: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  rawBody: string;
  /** Parsed JSON body (undefined if empty / not JSON). */
  body: any;
  /** True for POST /v1/messages. */
  isMessages: boolean;
  /** body.stream === true. Non-streaming requests get a plain JSON message (the CLI falls back to them after a broken stream). */
  stream: boolean;
  model?: string;
  /** x-claude-code-session-id header (the CLI's session id). */
  sessionId?: string;
  /** Epoch ms (fractional) when the request arrived. */
  receivedAt: number;
  /** Epoch ms (fractional) when the response was fully written / the stream ended. */
  finishedAt?: number;
  /** True if the client went away before the response was complete. */
  aborted: boolean;
  /** Resolves when the response is finished (or aborted). */
  done: Promise<void>;
  /** The reply that was sent (after resolving handler defaults). */
  reply?: MockReply;
  /** Flattened text of the last role:"user" message (text + tool_result contents). */
  lastUserText: string;
  /** Flattened text of the first role:"user" message (usually the prompt). */
  firstUserText: string;
  /** Flattened text of all role:"user" messages, joined with "\n". */
  allUserText: string;
  /** Flattened system prompt (string or text blocks) plus any role:"system" messages. */
  systemText: string;
  /** Tool results in the last role:"user" message. */
  toolResults: ToolResultInfo[];
  /** Names of the tools offered in `tools[]` (without the newer CLI's internal DeferredToolPlaceholder). */
  toolNames: string[];
  /** Whether the last user message contains a tool_result (optionally of the named tool). */
  hasToolResult(toolName?: string): boolean;
}

// ---------------------------------------------------------------------------
// Flattening helpers (exported for tests that inspect bodies themselves)
// ---------------------------------------------------------------------------

export function flattenContent(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  const parts: string[] = [];
  for (const b of content) {
    if (!b || typeof b !== "object") continue;
    const block = b as Record<string, unknown>;
    if (block.type === "text" && typeof block.text === "string") parts.push(block.text);
    else if (block.type === "tool_result") parts.push(flattenContent(block.content));
  }
  return parts.join("\n");
}

function analyzeBody(body: any) {
  const messages: any[] = Array.isArray(body?.messages) ? body.messages : [];
  const users = messages.filter((m) => m && m.role === "user");
  const last = users[users.length - 1];
  const toolNamesById = new Map<string, string>();
  for (const m of messages) {
    if (m?.role === "assistant" && Array.isArray(m.content)) {
      for (const b of m.content) if (b?.type === "tool_use") toolNamesById.set(b.id, b.name);
    }
  }
  const toolResults: ToolResultInfo[] = [];
  if (last && Array.isArray(last.content)) {
    for (const b of last.content) {
      if (b?.type === "tool_result") {
        toolResults.push({
          toolUseId: b.tool_use_id,
          name: toolNamesById.get(b.tool_use_id),
          content: flattenContent(b.content),
          isError: b.is_error === true,
        });
      }
    }
  }
  let systemText = "";
  if (typeof body?.system === "string") systemText = body.system;
  else if (Array.isArray(body?.system)) systemText = flattenContent(body.system);
  const sysMsgs = messages.filter((m) => m && m.role === "system").map((m) => flattenContent(m.content));
  if (sysMsgs.length) systemText = [systemText, ...sysMsgs].filter(Boolean).join("\n");
  return {
    lastUserText: last ? flattenContent(last.content) : "",
    firstUserText: users[0] ? flattenContent(users[0].content) : "",
    allUserText: users.map((u) => flattenContent(u.content)).join("\n"),
    systemText,
    toolResults,
    toolNames: Array.isArray(body?.tools) ? body.tools.map((t: any) => t?.name).filter((n: unknown) => n && n !== "DeferredToolPlaceholder") : [],
  };
}

// ---------------------------------------------------------------------------
// Scripting helpers
// ---------------------------------------------------------------------------

type QueueItem = MockReply | string | MockHandler;

function resolveItem(item: QueueItem, req: RecordedRequest): HandlerResult | Promise<HandlerResult> {
  return typeof item === "function" ? item(req) : item;
}

/**
 * Replies consumed in order, one per POST /v1/messages. When the queue is
 * exhausted, `fallback` answers (default: the mock's default reply).
 * The returned handler has `.remaining()`.
 */
export function queue(items: QueueItem[], fallback?: MockHandler): MockHandler & { remaining(): number } {
  const q = [...items];
  const h = ((req: RecordedRequest) => {
    if (!req.isMessages) return undefined;
    const item = q.shift();
    if (item === undefined) return fallback ? fallback(req) : undefined;
    return resolveItem(item, req);
  }) as MockHandler & { remaining(): number };
  h.remaining = () => q.length;
  return h;
}

export type RouteField = "lastUser" | "firstUser" | "anyUser" | "system" | "any";

export interface RouteOptions {
  /**
   * Which text the pattern is matched against. Default "anyUser": all user
   * messages of the conversation, so a marker in the initial prompt keeps
   * matching on the follow-up requests that carry tool_results.
   * Use "lastUser" to route on the newest user message only.
   */
  field?: RouteField;
  /** Handler when no route matches (default: the mock's default reply). */
  fallback?: MockHandler;
}

function fieldText(req: RecordedRequest, field: RouteField): string {
  switch (field) {
    case "lastUser":
      return req.lastUserText;
    case "firstUser":
      return req.firstUserText;
    case "anyUser":
      return req.allUserText;
    case "system":
      return req.systemText;
    case "any":
      return req.allUserText + "\n" + req.systemText;
  }
}

/**
 * Route by substring (or RegExp) of the request text. First matching route
 * wins. A route's target can be a single reply (used for every matching
 * request), a handler, or an array (a private queue for that route; once
 * exhausted, `opts.fallback` or the mock's default reply answers).
 *
 *   mock.script(route([
 *     ["TASK-A", [toolUseReply("Write", {...}), textReply("A done")]],
 *     ["TASK-B", textReply("B done")],
 *   ]));
 */
export function route(
  routes: Array<[string | RegExp, QueueItem | QueueItem[]]> | Record<string, QueueItem | QueueItem[]>,
  opts: RouteOptions = {},
): MockHandler {
  const field = opts.field ?? "anyUser";
  const entries = Array.isArray(routes) ? routes : Object.entries(routes);
  const compiled = entries.map(([pat, target]) => {
    const h: MockHandler = Array.isArray(target)
      ? queue(target, opts.fallback)
      : (req) => resolveItem(target, req);
    return { pat, h };
  });
  return (req) => {
    if (!req.isMessages) return undefined;
    const text = fieldText(req, field);
    for (const { pat, h } of compiled) {
      if (typeof pat === "string" ? text.includes(pat) : pat.test(text)) return h(req);
    }
    return opts.fallback ? opts.fallback(req) : undefined;
  };
}

/**
 * One private queue per conversation, keyed by the x-claude-code-session-id
 * header (falls back to the first user text). `factory` is called the first
 * time a conversation is seen and returns its reply list.
 */
export function perSession(factory: (req: RecordedRequest) => QueueItem[], fallback?: MockHandler): MockHandler {
  const queues = new Map<string, MockHandler>();
  return (req) => {
    if (!req.isMessages) return undefined;
    const key = req.sessionId ?? req.firstUserText;
    let h = queues.get(key);
    if (!h) {
      h = queue(factory(req), fallback);
      queues.set(key, h);
    }
    return h(req);
  };
}

// ---------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------

export interface MockOptions {
  /** Initial handler. */
  handler?: MockHandler;
  /** Reply for unscripted requests. Default textReply("ok"). */
  defaultReply?: MockReply;
  /** Status for `HEAD /`. Default 200. */
  headStatus?: 200 | 404;
  /** `input_tokens` returned by POST /v1/messages/count_tokens. Default 100. */
  countTokens?: number;
  /** Default usage for message replies. */
  usage?: MockUsage;
}

export interface MockServer {
  /** Base URL, e.g. "http://127.0.0.1:41234" (use as ANTHROPIC_BASE_URL). */
  url: string;
  port: number;
  /** Every request in arrival order (HEAD /, POST /v1/messages, ...). */
  requests: RecordedRequest[];
  /** Only the POST /v1/messages requests, in arrival order. */
  messageRequests(): RecordedRequest[];
  /** Replace the handler deciding replies. */
  script(handler: MockHandler | QueueItem[]): void;
  /** Errors thrown by handlers (the client got a 400 with the message). */
  handlerErrors: Error[];
  /**
   * Wait until at least `n` POST /v1/messages requests (or, with `filter`,
   * requests matching it) have ARRIVED. Rejects after `timeoutMs` (default 10 s).
   */
  waitForRequests(n: number, timeoutMs?: number, filter?: (r: RecordedRequest) => boolean): Promise<RecordedRequest[]>;
  /** Wait until some recorded request matches. */
  waitFor(pred: (r: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest>;
  /** Number of responses still streaming (hanging or slow). */
  openStreams(): number;
  /** Close all open streams and the listener; clears all timers. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const enc = new TextEncoder();

function sse(event: string, data: unknown): Uint8Array {
  return enc.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function chunks(s: string, size: number): string[] {
  if (s.length === 0) return [""];
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
}

const now = () => performance.timeOrigin + performance.now();

export async function startMockAnthropic(opts: MockOptions = {}): Promise<MockServer> {
  let handler: MockHandler = opts.handler ?? (() => undefined);
  const defaultReply: MockReply = opts.defaultReply ?? textReply("ok");
  const defaultUsage: MockUsage = { input_tokens: 10, output_tokens: 5, ...opts.usage };
  const requests: RecordedRequest[] = [];
  const handlerErrors: Error[] = [];
  const waiters = new Set<() => void>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  /** Closers for open streams; called on stop(). */
  const openStreams = new Set<() => void>();
  let stopped = false;
  let msgCounter = 0;
  let toolCounter = 0;

  /** Cancellable sleep: resolves early (false) when the mock stops or `signal` aborts. */
  function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (ms <= 0) return Promise.resolve(!stopped);
    return new Promise<boolean>((resolve) => {
      if (stopped || signal?.aborted) return resolve(false);
      const onAbort = () => {
        clearTimeout(t);
        timers.delete(t);
        cancelers.delete(onAbort);
        signal?.removeEventListener("abort", onAbort);
        resolve(false);
      };
      const t = setTimeout(() => {
        timers.delete(t);
        cancelers.delete(onAbort);
        signal?.removeEventListener("abort", onAbort);
        resolve(true);
      }, ms);
      timers.add(t);
      cancelers.add(onAbort);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
  const cancelers = new Set<() => void>();

  function notify() {
    for (const w of [...waiters]) w();
  }

  function buildEvents(reply: MessageReply, req: RecordedRequest): Uint8Array[] {
    const usage = { ...defaultUsage, ...reply.usage };
    const model = reply.model ?? req.model ?? "claude-mock";
    const id = `msg_mock_${++msgCounter}`;
    const size = Math.max(1, reply.chunkSize ?? 64);
    const hasTool = reply.content.some((b) => b.type === "tool_use");
    const stopReason = reply.stopReason ?? (hasTool ? "tool_use" : "end_turn");
    const ev: Uint8Array[] = [];
    ev.push(
      sse("message_start", {
        type: "message_start",
        message: {
          id,
          type: "message",
          role: "assistant",
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: {
            input_tokens: usage.input_tokens ?? 0,
            cache_creation_input_tokens: usage.cache_creation_input_tokens ?? 0,
            cache_read_input_tokens: usage.cache_read_input_tokens ?? 0,
            output_tokens: 1,
          },
        },
      }),
    );
    reply.content.forEach((block, index) => {
      if (block.type === "text") {
        ev.push(sse("content_block_start", { type: "content_block_start", index, content_block: { type: "text", text: "" } }));
        for (const c of chunks(block.text, size))
          ev.push(sse("content_block_delta", { type: "content_block_delta", index, delta: { type: "text_delta", text: c } }));
      } else if (block.type === "thinking") {
        ev.push(
          sse("content_block_start", {
            type: "content_block_start",
            index,
            content_block: { type: "thinking", thinking: "", signature: "" },
          }),
        );
        for (const c of chunks(block.thinking, size))
          ev.push(sse("content_block_delta", { type: "content_block_delta", index, delta: { type: "thinking_delta", thinking: c } }));
        ev.push(
          sse("content_block_delta", {
            type: "content_block_delta",
            index,
            delta: { type: "signature_delta", signature: block.signature ?? "c2lnbmF0dXJlLW1vY2s=" },
          }),
        );
      } else {
        const toolId = block.id ?? `toolu_mock_${++toolCounter}`;
        ev.push(
          sse("content_block_start", {
            type: "content_block_start",
            index,
            content_block: { type: "tool_use", id: toolId, name: block.name, input: {} },
          }),
        );
        const json = JSON.stringify(block.input ?? {});
        for (const c of chunks(json, size))
          ev.push(
            sse("content_block_delta", { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: c } }),
          );
      }
      ev.push(sse("content_block_stop", { type: "content_block_stop", index }));
    });
    ev.push(
      sse("message_delta", {
        type: "message_delta",
        delta: { stop_reason: stopReason, stop_sequence: null },
        usage: {
          input_tokens: usage.input_tokens ?? 0,
          cache_creation_input_tokens: usage.cache_creation_input_tokens ?? 0,
          cache_read_input_tokens: usage.cache_read_input_tokens ?? 0,
          output_tokens: usage.output_tokens ?? 0,
        },
      }),
    );
    ev.push(sse("message_stop", { type: "message_stop" }));
    return ev;
  }

  /** The complete (non-streamed) message for a MessageReply. */
  function buildMessage(reply: MessageReply, req: RecordedRequest) {
    const usage = { ...defaultUsage, ...reply.usage };
    const hasTool = reply.content.some((b) => b.type === "tool_use");
    return {
      id: `msg_mock_${++msgCounter}`,
      type: "message",
      role: "assistant",
      model: reply.model ?? req.model ?? "claude-mock",
      content: reply.content.map((b) =>
        b.type === "tool_use"
          ? { type: "tool_use", id: b.id ?? `toolu_mock_${++toolCounter}`, name: b.name, input: b.input ?? {} }
          : b.type === "thinking"
            ? { type: "thinking", thinking: b.thinking, signature: b.signature ?? "c2lnbmF0dXJlLW1vY2s=" }
            : { type: "text", text: b.text },
      ),
      stop_reason: reply.stopReason ?? (hasTool ? "tool_use" : "end_turn"),
      stop_sequence: null,
      usage: {
        input_tokens: usage.input_tokens ?? 0,
        cache_creation_input_tokens: usage.cache_creation_input_tokens ?? 0,
        cache_read_input_tokens: usage.cache_read_input_tokens ?? 0,
        output_tokens: usage.output_tokens ?? 0,
      },
    };
  }

  /** Never answer (non-streaming hang) until the client goes away or the mock stops. */
  function holdOpen(rec: RecordedRequest, resolveDone: () => void, signal: AbortSignal): Promise<Response> {
    return new Promise<Response>((resolve) => {
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        openStreams.delete(close);
        finish(rec, resolveDone, true);
        resolve(new Response(null, { status: 499 }));
      };
      openStreams.add(close);
      signal.addEventListener("abort", close, { once: true });
    });
  }

  function finish(rec: RecordedRequest, resolveDone: () => void, aborted = false) {
    if (rec.finishedAt !== undefined) return;
    rec.finishedAt = now();
    if (aborted) rec.aborted = true;
    resolveDone();
    notify();
  }

  function sseHeaders(reqIndex: number, extra?: Record<string, string>): Record<string, string> {
    return {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "request-id": `req_mock_${reqIndex}`,
      ...extra,
    };
  }

  /**
   * Build a streaming Response writing `events` with `delayMs` between them.
   * If `hang` is true the stream stays open after the events until the client
   * disconnects or the mock stops.
   */
  function streamResponse(
    rec: RecordedRequest,
    resolveDone: () => void,
    signal: AbortSignal,
    events: Uint8Array[],
    delayMs: number,
    headers: Record<string, string>,
    mode: "normal" | "hang" | "cut",
  ): Response {
    let closed = false;
    let ctrlRef: ReadableStreamDefaultController<Uint8Array> | undefined;
    const ac = new AbortController();
    const close = (aborted: boolean) => {
      if (closed) return;
      closed = true;
      openStreams.delete(closer);
      ac.abort();
      try {
        // error(undefined) breaks the connection without Bun logging an error
        if (mode === "cut" && !aborted) ctrlRef?.error(undefined);
        else ctrlRef?.close();
      } catch {
        /* already closed */
      }
      finish(rec, resolveDone, aborted);
    };
    const closer = () => close(true);
    openStreams.add(closer);
    signal.addEventListener("abort", () => close(true), { once: true });
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        ctrlRef = controller;
        for (let i = 0; i < events.length; i++) {
          if (closed) return;
          if (i > 0 && delayMs > 0) {
            const ok = await sleep(delayMs, ac.signal);
            if (!ok || closed) return;
          }
          try {
            controller.enqueue(events[i]!);
          } catch {
            return close(true);
          }
        }
        if (mode === "hang") return; // stays open; closed by abort/stop
        if (mode === "cut") {
          // let the written events reach the client before the connection is broken
          const ok = await sleep(Math.max(delayMs, 30), ac.signal);
          if (!ok || closed) return;
        }
        close(false);
      },
      cancel() {
        close(true);
      },
    });
    return new Response(body, { status: 200, headers });
  }

  async function respond(req: Request, server: Server<unknown>): Promise<Response> {
    const u = new URL(req.url);
    const rawBody = req.method === "GET" || req.method === "HEAD" ? "" : await req.text();
    let body: any;
    if (rawBody) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = undefined;
      }
    }
    const headers: Record<string, string> = {};
    req.headers.forEach((v, k) => {
      headers[k.toLowerCase()] = v;
    });
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    const a = analyzeBody(body);
    const isMessages = req.method === "POST" && u.pathname === "/v1/messages";
    const rec: RecordedRequest = {
      index: requests.length,
      method: req.method,
      path: u.pathname,
      url: u.pathname + u.search,
      headers,
      rawBody,
      body,
      isMessages,
      stream: body?.stream === true,
      model: typeof body?.model === "string" ? body.model : undefined,
      sessionId: headers["x-claude-code-session-id"],
      receivedAt: now(),
      aborted: false,
      done,
      ...a,
      hasToolResult(toolName?: string) {
        return this.toolResults.some((t) => toolName === undefined || t.name === toolName);
      },
    };
    requests.push(rec);
    notify();
    void server;

    const plain = (status: number, payload: unknown, extra: Record<string, string> = {}) => {
      const res = new Response(payload === undefined ? null : JSON.stringify(payload), {
        status,
        headers: { "content-type": "application/json", "request-id": `req_mock_${rec.index}`, ...extra },
      });
      finish(rec, resolveDone);
      return res;
    };

    if (req.method === "HEAD") {
      const status = opts.headStatus ?? 200;
      rec.reply = { type: "raw", status };
      finish(rec, resolveDone);
      return new Response(null, { status });
    }
    if (req.method === "POST" && u.pathname === "/v1/messages/count_tokens") {
      return plain(200, { input_tokens: opts.countTokens ?? 100 });
    }

    // Everything else goes through the handler (non-messages requests default to 404).
    let result: HandlerResult;
    try {
      result = await handler(rec);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      handlerErrors.push(err);
      const reply = errorReply(400, { errorType: "invalid_request_error", message: `mock handler threw: ${err.message}` });
      rec.reply = reply;
      return sendError(rec, resolveDone, reply, req.signal);
    }
    let reply: MockReply;
    if (result === undefined || result === null) {
      if (!isMessages) {
        rec.reply = errorReply(404, { message: `mock: no route for ${req.method} ${u.pathname}` });
        return plain(404, {
          type: "error",
          error: { type: "not_found_error", message: `mock: no route for ${req.method} ${u.pathname}` },
        });
      }
      reply = defaultReply;
    } else if (typeof result === "string") reply = textReply(result);
    else reply = result;
    rec.reply = reply;

    switch (reply.type) {
      case "error":
        return sendError(rec, resolveDone, reply, req.signal);
      case "raw": {
        if (reply.headersDelayMs) await sleep(reply.headersDelayMs, req.signal);
        const res = new Response(reply.body ?? null, {
          status: reply.status ?? 200,
          headers: { "request-id": `req_mock_${rec.index}`, ...reply.headers },
        });
        finish(rec, resolveDone);
        return res;
      }
      case "hang": {
        if (!rec.stream) return holdOpen(rec, resolveDone, req.signal);
        const events = reply.beforeMessageStart
          ? []
          : [buildEvents({ type: "message", content: [], usage: reply.usage, model: reply.model }, rec)[0]!];
        return streamResponse(rec, resolveDone, req.signal, events, 0, sseHeaders(rec.index), "hang");
      }
      case "message": {
        if (reply.headersDelayMs) await sleep(reply.headersDelayMs, req.signal);
        if (!rec.stream) {
          // non-streaming request (the CLI's fallback after a broken stream): one JSON message
          let text = JSON.stringify(buildMessage(reply, rec));
          if (reply.cutAfterEvents !== undefined) text = text.slice(0, Math.floor(text.length / 2));
          const res = new Response(text, {
            status: 200,
            headers: { "content-type": "application/json", "request-id": `req_mock_${rec.index}`, ...reply.headers },
          });
          finish(rec, resolveDone);
          return res;
        }
        let events = buildEvents(reply, rec);
        let mode: "normal" | "cut" = "normal";
        if (reply.cutAfterEvents !== undefined) {
          events = events.slice(0, reply.cutAfterEvents);
          mode = "cut";
        }
        return streamResponse(rec, resolveDone, req.signal, events, reply.chunkDelayMs ?? 0, sseHeaders(rec.index, reply.headers), mode);
      }
    }
  }

  async function sendError(rec: RecordedRequest, resolveDone: () => void, reply: ErrorReply, signal: AbortSignal) {
    if (reply.headersDelayMs) await sleep(reply.headersDelayMs, signal);
    const h: Record<string, string> = {
      "content-type": "application/json",
      "request-id": `req_mock_${rec.index}`,
      ...reply.headers,
    };
    if (reply.retryAfter !== undefined) h["retry-after"] = String(reply.retryAfter);
    if (reply.shouldRetry !== undefined) h["x-should-retry"] = String(reply.shouldRetry);
    const res = new Response(
      JSON.stringify({
        type: "error",
        error: {
          type: reply.errorType ?? DEFAULT_ERROR_TYPES[reply.status] ?? "api_error",
          message: reply.message ?? `mock error ${reply.status}`,
        },
        request_id: `req_mock_${rec.index}`,
      }),
      { status: reply.status, headers: h },
    );
    finish(rec, resolveDone);
    return res;
  }

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0, // never time out hanging / slow streams on our side
    fetch: respond,
    error(e) {
      return new Response(JSON.stringify({ type: "error", error: { type: "api_error", message: String(e) } }), {
        status: 500,
        headers: { "content-type": "application/json" },
      });
    },
  });

  const url = `http://127.0.0.1:${server.port}`;

  function waitFor(pred: (r: RecordedRequest) => boolean, timeoutMs = 10_000): Promise<RecordedRequest> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = requests.find(pred);
        if (hit) {
          cleanup();
          resolve(hit);
        }
      };
      const t = setTimeout(() => {
        cleanup();
        reject(new Error(`mock: waitFor timed out after ${timeoutMs} ms (${requests.length} requests recorded)`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(t);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  }

  const mock: MockServer = {
    url,
    port: server.port!,
    requests,
    handlerErrors,
    messageRequests: () => requests.filter((r) => r.isMessages),
    script(h) {
      handler = Array.isArray(h) ? queue(h) : h;
    },
    waitFor,
    waitForRequests(n, timeoutMs = 10_000, filter = (r) => r.isMessages) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hits = requests.filter(filter);
          if (hits.length >= n) {
            cleanup();
            resolve(hits);
          }
        };
        const t = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `mock: waitForRequests(${n}) timed out after ${timeoutMs} ms; got ${requests.filter(filter).length}`,
            ),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(t);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    openStreams: () => openStreams.size,
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const c of [...cancelers]) c();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const close of [...openStreams]) close();
      await server.stop(true);
    },
    [Symbol.asyncDispose]() {
      return this.stop();
    },
  };
  return mock;
}
