import type { LineFacts } from "./stream-interpreter.ts";
import type { ResultLine } from "./stream-schema.ts";

/**
 * What one attempt wrote to claude's stdin and what claude made of it, in memory and
 * without I/O: which writes a turn consumed (replay echoes), which of their messages a
 * completed turn acknowledges, whether a turn is in progress, and the model's text of
 * the current turn.
 *
 * Writes are consumed in order. A write is acknowledged only when a turn that consumed
 * it completes without error; when the process ends, every write not acknowledged by
 * then (consumed by a turn that never finished, or never read) goes back to the mailbox.
 */
export type WriteKind = "prompt" | "mail" | "note";

/**
 * How much of a turn's text is kept (its end): the answer of a turn that crossed the budget.
 * A turn can stream for hours; keeping all of it grew a flat-out ingest by ~75 bytes a line.
 */
export const turnTextKeptChars = 64 * 1024;

interface Write {
  kind: WriteKind;
  messageIds: readonly number[];
}

export class TurnLedger {
  readonly results: ResultLine[] = [];
  private readonly writes: Write[] = [];
  private consumed = 0;
  private acknowledged = 0;
  private replaySeen = false;
  private outputSinceResult = false;
  private turnText: string[] = [];
  private turnTextChars = 0;
  private lastTurnText: string | null = null;
  /** Session started (system/init seen). */
  started = false;

  wrote(kind: WriteKind, messageIds: readonly number[] = []): void {
    this.writes.push({ kind, messageIds });
  }

  /** A stdout line's facts, in order. At a turn end, returns the message ids that turn acknowledges (null otherwise). */
  saw(facts: LineFacts): number[] | null {
    if (facts.sessionId !== undefined) this.started = true;
    if (facts.replay) {
      this.replaySeen = true;
      this.consumed = Math.min(this.consumed + 1, this.writes.length);
    }
    if (facts.type === "assistant" || (facts.type === "user" && !facts.replay)) this.outputSinceResult = true;
    if (facts.text) this.keepTurnText(facts.text);
    if (!facts.result) return null;
    return this.turnEnded(facts.result);
  }

  private turnEnded(result: ResultLine): number[] {
    this.results.push(result);
    // Without --replay-user-messages echoes nothing tells what was consumed: assume all of it.
    if (!this.replaySeen) this.consumed = this.writes.length;
    this.outputSinceResult = false;
    this.lastTurnText = this.turnText.length > 0 ? this.turnText.join("\n").slice(-turnTextKeptChars) : null;
    this.turnText = [];
    this.turnTextChars = 0;
    // A failed turn acknowledges nothing: its messages go to the next attempt.
    if (result.is_error) return [];
    const ids = this.writes.slice(this.acknowledged, this.consumed).flatMap((w) => w.messageIds);
    this.acknowledged = this.consumed;
    return ids;
  }

  /** Keeps the turn's latest text, dropping its oldest pieces beyond turnTextKeptChars. */
  private keepTurnText(text: string): void {
    this.turnText.push(text);
    this.turnTextChars += text.length + 1;
    while (this.turnText.length > 1 && this.turnTextChars - this.turnText[0]!.length - 1 >= turnTextKeptChars) {
      this.turnTextChars -= this.turnText.shift()!.length + 1;
    }
  }

  /** Something written is still queued inside claude (it becomes a turn of its own, or joins the current one). */
  get inputLeft(): boolean {
    return this.consumed < this.writes.length;
  }

  /** A turn is in progress: nothing finished yet, a write is still unread, or output came after the last result. */
  get turnOpen(): boolean {
    return this.results.length === 0 || this.consumed < this.writes.length || this.outputSinceResult;
  }

  /** The model's text of the last finished turn. */
  get finishedTurnText(): string | null {
    return this.lastTurnText;
  }

  /** Messages written but never acknowledged: they go back to the mailbox when the attempt ends. */
  unacknowledged(): number[] {
    return this.writes.slice(this.acknowledged).flatMap((w) => w.messageIds);
  }

  /** Answers of the successful turns, in order (later turns answer mailbox messages). */
  answers(): string[] {
    return this.results.filter((r) => r.subtype === "success" && !r.is_error && r.result).map((r) => r.result!);
  }
}
