/**
 * Splits a child's raw stdout into lines. Bytes are held until their newline arrives
 * and decoded once per line, so a chunk boundary inside a multi-byte UTF-8 character
 * is harmless (0x0A never occurs inside one). A long line costs linear time: pending
 * chunks are kept in a list, only new bytes are scanned, and they are joined once.
 */

export interface Line {
  text: string;
  /** The line was longer than maxLineBytes: `text` holds only its first maxLineBytes bytes. */
  truncated: boolean;
  /** Length of the whole line in bytes as received (without its \n or \r\n). */
  bytes: number;
}

export interface LineSplitterOptions {
  /** Longer lines are cut to this many bytes and flagged `truncated` (default 64 MiB). */
  maxLineBytes?: number;
  /** Report empty lines instead of skipping them (default false). */
  keepBlank?: boolean;
}

export const defaultMaxLineBytes = 64 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;
// Non-fatal: invalid bytes become U+FFFD instead of throwing.
const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

export class LineSplitter {
  private readonly maxLineBytes: number;
  private readonly keepBlank: boolean;
  /** Bytes of the current unfinished line, at most maxLineBytes of them. */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** Bytes of the current line seen so far, including those dropped past the limit. */
  private lineBytes = 0;
  /** Last byte seen of the current line (to strip a \r that arrived in an earlier chunk). */
  private lastByte = 0;

  constructor(options: LineSplitterOptions = {}) {
    this.maxLineBytes = options.maxLineBytes ?? defaultMaxLineBytes;
    this.keepBlank = options.keepBlank ?? false;
    if (!(this.maxLineBytes >= 1)) throw new RangeError("maxLineBytes must be at least 1");
  }

  /** Feeds one chunk; returns the lines it completed, in order. */
  push(chunk: Uint8Array): Line[] {
    const lines: Line[] = [];
    let start = 0;
    let nl = chunk.indexOf(LF);
    if (nl !== -1 && this.lineBytes > 0) {
      // The first newline completes the line held from earlier chunks.
      const line = this.finish(chunk.subarray(0, nl));
      if (line) lines.push(line);
      start = nl + 1;
      nl = chunk.indexOf(LF, start);
    }
    if (nl !== -1) {
      const last = chunk.lastIndexOf(LF);
      if (!this.splitDecoded(chunk.subarray(start, last), lines)) {
        for (; nl !== -1 && nl <= last; nl = chunk.indexOf(LF, start)) {
          const line = this.finish(chunk.subarray(start, nl));
          if (line) lines.push(line);
          start = nl + 1;
        }
      }
      start = last + 1;
    }
    if (start < chunk.length) this.hold(chunk.subarray(start));
    return lines;
  }

  /**
   * The complete lines of one chunk (`bytes`: up to, not including, its last newline) decoded
   * in one call instead of one call per line. Only when every byte became one character
   * (ASCII, the common case for JSON): then character offsets are byte offsets and slicing the
   * text gives exactly what decoding each line would. Otherwise returns false and does nothing.
   */
  private splitDecoded(bytes: Uint8Array, lines: Line[]): boolean {
    const text = decoder.decode(bytes);
    if (text.length !== bytes.length) return false;
    for (let start = 0; ; ) {
      const nl = text.indexOf("\n", start);
      const end = nl === -1 ? text.length : nl;
      const size = end > start && text.charCodeAt(end - 1) === CR ? end - start - 1 : end - start;
      if (size > 0 || this.keepBlank) {
        const truncated = size > this.maxLineBytes;
        const kept = truncated ? this.maxLineBytes : size;
        lines.push({ text: text.slice(start, start + kept), truncated, bytes: size });
      }
      if (nl === -1) return true;
      start = nl + 1;
    }
  }

  /** End of stream: returns the final line if it had no newline, and resets. */
  end(): Line | null {
    if (this.lineBytes === 0) return null;
    return this.finish(new Uint8Array(0));
  }

  /** Keeps the start of an unfinished line; copies it because the caller may reuse its buffer. */
  private hold(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.lineBytes += bytes.length;
    this.lastByte = bytes[bytes.length - 1]!;
    const room = this.maxLineBytes - this.pendingBytes;
    if (room <= 0) return;
    const kept = bytes.length <= room ? bytes : bytes.subarray(0, room);
    this.pending.push(kept.slice());
    this.pendingBytes += kept.length;
  }

  /** Completes the current line with `tail` (the bytes before its newline). */
  private finish(tail: Uint8Array): Line | null {
    let bytes: Uint8Array;
    let total: number;
    let last: number | undefined;
    if (this.pending.length === 0) {
      bytes = tail;
      total = tail.length;
      last = tail[tail.length - 1];
    } else {
      this.hold(tail);
      bytes = this.pending.length === 1 ? this.pending[0]! : join(this.pending, this.pendingBytes);
      total = this.lineBytes;
      last = this.lastByte;
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.lineBytes = 0;

    const size = last === CR ? total - 1 : total;
    if (size === 0 && !this.keepBlank) return null;
    const truncated = size > this.maxLineBytes;
    const kept = truncated ? this.maxLineBytes : size;
    if (bytes.length > kept) bytes = bytes.subarray(0, kept);
    return { text: decoder.decode(bytes), truncated, bytes: size };
  }
}

function join(parts: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Reads a byte stream line by line. The final unterminated line is yielded too.
 * Breaking out of the loop releases (and cancels) the stream.
 */
export async function* readLines(
  stream: ReadableStream<Uint8Array>,
  options?: LineSplitterOptions,
): AsyncGenerator<Line, void, undefined> {
  const splitter = new LineSplitter(options);
  const reader = stream.getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      for (const line of splitter.push(next.value)) yield line;
    }
    done = true;
    const last = splitter.end();
    if (last) yield last;
  } finally {
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
