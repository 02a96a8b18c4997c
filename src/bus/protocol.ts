import type { MessageType } from "../domain/status.ts";

/**
 * The agent-to-agent protocol: lines an agent writes in its own assistant text.
 *
 *   DISCOVERY: <text>            broadcast to every other agent of the orchestration
 *   BROADCAST: <text>            broadcast
 *   MESSAGE @<task-id>: <text>   direct message
 *   REQUEST @<task-id>: <text>   direct request; the recipient answers with MESSAGE
 *
 * What counts as a protocol line (decided here, documented in protocolInstructions):
 * - Only at the start of a line. Before the keyword we allow indentation, one list
 *   marker (`- `, `* `, `+ `, `1. `, `1) `) and bold or italic markup around the
 *   keyword (`**DISCOVERY:** …`, `**MESSAGE @b**: …`, `_BROADCAST:_ …`, or the whole
 *   line in bold); models add these on their own and the intent is unambiguous.
 * - Keywords are upper case only: "Message @b: hi" in prose is not a message.
 * - MESSAGE and REQUEST need `@task-id` (a slug); DISCOVERY and BROADCAST take none.
 *   Anything else (a missing or extra target, a space before the colon) is prose.
 * - The text runs to the end of the line, trimmed; an empty text (or only `*`/`_`
 *   markup) is no message.
 * - Lines inside fenced code blocks (``` or ~~~) are never messages, so an agent can
 *   quote the protocol in documentation or examples without sending anything.
 * - Lines end at "\n"; a "\r" before it (CRLF) is dropped. A "\r" or U+2028 inside a line
 *   is part of the text (stored as written; shown to people terminal-safe).
 * - A text longer than maxMessageChars is cut there with a marker.
 */

export interface ProtocolMessage {
  type: MessageType;
  /** The task key after '@' for MESSAGE/REQUEST, null for broadcasts. */
  toTask: string | null;
  text: string;
  /** 1-based line number within the text (or stream) it was said in: part of its idempotency key. */
  line: number;
}

/** A task id as it can be addressed after "@" (plans should give tasks ids of this shape). */
export const taskKeyPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const maxMessageChars = 4000;

const keywordTypes: Record<string, MessageType> = {
  DISCOVERY: "discovery",
  BROADCAST: "broadcast",
  MESSAGE: "message",
  REQUEST: "request",
};

// indentation, optional list marker, optional bold opener, keyword, optional @target,
// then the colon with the bold closer on either side of it, then the text. The `s` flag:
// the text runs to the end of the line even through a lone "\r" or U+2028/U+2029, which
// `.` would otherwise refuse, silently turning the whole message into prose.
const protocolLine =
  /^[ \t]*(?:(?:[-*+]|\d{1,3}[.)])[ \t]+)?(\*\*|__|\*|_)?(DISCOVERY|BROADCAST|MESSAGE|REQUEST)(?:[ \t]+@([A-Za-z0-9][A-Za-z0-9_.-]*?))?(?:\1:|:\1|:)(.*)$/s;
const fenceLine = /^[ \t]*(```|~~~)/;
const keywordPresent = /DISCOVERY|BROADCAST|MESSAGE|REQUEST/;

/** Parses one line (without its terminator); null when it is not a protocol line. */
function parseLine(raw: string, line: number): ProtocolMessage | null {
  const match = protocolLine.exec(raw);
  if (!match) return null;
  const [, bold, keyword, target, rest] = match;
  const type = keywordTypes[keyword!]!;
  const direct = type === "message" || type === "request";
  if (direct !== (target !== undefined)) return null;
  let text = rest!.trim();
  // `**DISCOVERY: whole line in bold**`: drop the closer that ends the line.
  if (bold && text.endsWith(bold)) text = text.slice(0, -bold.length).trimEnd();
  if (/^[*_\s]*$/.test(text)) return null; // nothing but markup is no text
  return { type, toTask: target ?? null, text: clip(text), line };
}

function clip(text: string): string {
  if (text.length <= maxMessageChars) return text;
  let end = maxMessageChars;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1; // never split a surrogate pair
  return `${text.slice(0, end)} …[cut]`;
}

/**
 * Parses protocol lines out of arbitrary text chunks, emitting a message only once
 * its line is complete. Line numbers count from the start of the stream, so the same
 * text gives the same messages however it was chunked.
 */
export class ProtocolStream {
  private buffer = "";
  private line = 0;
  private inFence: string | null = null;

  /** Feeds a chunk; returns the messages of the lines it completed. */
  push(chunk: string): ProtocolMessage[] {
    this.buffer += chunk;
    const out: ProtocolMessage[] = [];
    let start = 0;
    for (let newline = this.buffer.indexOf("\n"); newline !== -1; newline = this.buffer.indexOf("\n", start)) {
      this.take(this.buffer.slice(start, newline), out);
      start = newline + 1;
    }
    if (start > 0) this.buffer = this.buffer.slice(start);
    return out;
  }

  /** The text ended: the last line, if unterminated, is complete now. */
  end(): ProtocolMessage[] {
    const out: ProtocolMessage[] = [];
    if (this.buffer !== "") this.take(this.buffer, out);
    this.buffer = "";
    return out;
  }

  private take(raw: string, out: ProtocolMessage[]): void {
    this.line += 1;
    const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const fence = fenceLine.exec(text)?.[1];
    if (fence !== undefined) {
      if (this.inFence === null) this.inFence = fence;
      else if (this.inFence === fence) this.inFence = null;
      return;
    }
    if (this.inFence !== null) return;
    const message = parseLine(text, this.line);
    if (message) out.push(message);
  }
}

/** Every protocol message in a complete text (one assistant text block), in order. */
export function parseProtocolLines(text: string): ProtocolMessage[] {
  // Most assistant text says no protocol keyword at all: skip the line-by-line parse.
  if (!keywordPresent.test(text)) return [];
  const stream = new ProtocolStream();
  return [...stream.push(text), ...stream.end()];
}

export interface PeerTask {
  key: string;
  agentType: string;
  description: string;
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** The short protocol appended to every agent's system prompt. */
export function protocolInstructions(selfTaskKey: string, otherTasks: readonly PeerTask[]): string {
  const peers =
    otherTasks.length === 0
      ? "- (none: you are the only agent in this orchestration)"
      : otherTasks.map((t) => `- @${t.key} (${t.agentType}): ${oneLine(t.description, 120)}`).join("\n");
  const fence = "```";
  return `## Talking to the other agents (maos)

You are the agent for task @${selfTaskKey}, one of several agents working on the same request. The others:
${peers}

To send something, write a line in your reply text that starts with one of these (at the very start of the line, outside code blocks; the message is the rest of that line):
${fence}
DISCOVERY: <text>            share a finding every other agent should know
BROADCAST: <text>            tell every other agent something
MESSAGE @<task-id>: <text>   tell one agent something
REQUEST @<task-id>: <text>   ask one agent for something; it answers with a MESSAGE
${fence}

Messages are stored and delivered even to agents that have not started yet. Messages from the others reach you as user messages starting with "[message from @<task-id> (<type>)]". Answer a REQUEST with a MESSAGE line to its sender; act on the rest only when relevant. Keep each message to one short line, send only what helps someone else's task, never message yourself, and do not reply to a message just to acknowledge it: there is a limit on how many messages you can receive while running, and endless back-and-forth wastes it.`;
}
