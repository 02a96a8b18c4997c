import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { LineSplitter, readLines, type Line } from "../../src/agents/line-splitter.ts";
import { scaled } from "../support/machine.ts";

// These tests start processes: on a loaded machine they need more than the 5 s default.
setDefaultTimeout(scaled(20_000));

const encode = (text: string) => new TextEncoder().encode(text);

/** Feeds `bytes` cut at the given positions and returns the texts of every line, end() included. */
function split(bytes: Uint8Array, cuts: number[], splitter = new LineSplitter()): Line[] {
  const lines: Line[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    lines.push(...splitter.push(bytes.subarray(start, cut)));
    start = cut;
  }
  const last = splitter.end();
  if (last) lines.push(last);
  return lines;
}

/** Deterministic PRNG so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

describe("LineSplitter", () => {
  const lines = [
    '{"type":"assistant","message":{"content":[{"type":"text","text":"héllo wörld"}]}}',
    "日本語のテキスト — with an em dash",
    "emoji 🎉🚀 and a ZWJ family 👨‍👩‍👧",
    "plain ascii",
    "ünïcödé ßtraße ∑∫√",
    "x".repeat(3000),
    "last line 𝄞",
  ];
  const text = `${lines.join("\n")}\n`;
  const bytes = encode(text);

  test("random chunking never changes the lines (200 runs)", () => {
    const next = random(42);
    for (let run = 0; run < 200; run++) {
      const count = Math.floor(next() * 40);
      const cuts = Array.from({ length: count }, () => Math.floor(next() * bytes.length)).sort((a, b) => a - b);
      expect(split(bytes, cuts).map((l) => l.text)).toEqual(lines);
    }
  });

  test("one byte at a time", () => {
    const cuts = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
    expect(split(bytes, cuts).map((l) => l.text)).toEqual(lines);
  });

  test("a 20 MB line in 64 KiB chunks is assembled once", () => {
    const size = 20 * 1024 * 1024;
    const big = new Uint8Array(size + 4).fill(0x61);
    big.set(encode("\nok\n"), size);
    const cuts: number[] = [];
    for (let at = 65536; at < big.length; at += 65536) cuts.push(at);
    const started = performance.now();
    const out = split(big, cuts);
    const elapsed = performance.now() - started;
    expect(out.length).toBe(2);
    expect(out[0]!.text.length).toBe(size);
    expect(out[0]!.bytes).toBe(size);
    expect(out[0]!.truncated).toBe(false);
    expect(out[1]!.text).toBe("ok");
    // Quadratic copying of 320 chunks would move ~3 GB; linear work is a few tens of ms.
    expect(elapsed).toBeLessThan(scaled(2_000));
  });

  test("invalid UTF-8 becomes replacement characters, never an exception", () => {
    const bad = new Uint8Array([0x61, 0xff, 0xfe, 0x62, 0x0a, 0xc3, 0x0a, 0xe2, 0x82, 0x0a, 0x63, 0x0a]);
    expect(split(bad, [2, 6]).map((l) => l.text)).toEqual(["a\uFFFD\uFFFDb", "\uFFFD", "\uFFFD", "c"]);
  });

  test("a multi-byte character split across chunks decodes whole", () => {
    const euro = encode("€\n"); // e2 82 ac 0a
    expect(split(euro, [1, 2]).map((l) => l.text)).toEqual(["€"]);
  });

  test("blank lines are skipped, or reported with keepBlank", () => {
    const input = encode("a\n\n\r\nb\n\n");
    expect(split(input, []).map((l) => l.text)).toEqual(["a", "b"]);
    expect(split(input, [], new LineSplitter({ keepBlank: true })).map((l) => l.text)).toEqual(["a", "", "", "b", ""]);
  });

  test("CRLF endings lose their \\r, even when \\r and \\n arrive in different chunks", () => {
    const input = encode("one\r\ntwo\r\nthree\r\n");
    expect(split(input, [4, 9]).map((l) => l.text)).toEqual(["one", "two", "three"]);
    expect(split(encode("a\rb\n"), []).map((l) => l.text)).toEqual(["a\rb"]);
  });

  test("an unterminated last line comes from end()", () => {
    const splitter = new LineSplitter();
    expect(splitter.push(encode("first\nsec")).map((l) => l.text)).toEqual(["first"]);
    expect(splitter.push(encode("ond"))).toEqual([]);
    expect(splitter.end()).toEqual({ text: "second", truncated: false, bytes: 6 });
    expect(splitter.end()).toBeNull();
  });

  test("a line over maxLineBytes is cut and flagged; the next line is intact", () => {
    const splitter = new LineSplitter({ maxLineBytes: 10 });
    const out = split(encode(`${"z".repeat(25)}\nshort\n${"y".repeat(12)}`), [4, 13, 20], splitter);
    expect(out).toEqual([
      { text: "z".repeat(10), truncated: true, bytes: 25 },
      { text: "short", truncated: false, bytes: 5 },
      { text: "y".repeat(10), truncated: true, bytes: 12 },
    ]);
  });

  test("a line exactly at the limit (plus \\r) is not truncated", () => {
    const out = split(encode("0123456789\r\n"), [11], new LineSplitter({ maxLineBytes: 10 }));
    expect(out).toEqual([{ text: "0123456789", truncated: false, bytes: 10 }]);
  });

  test("ASCII chunks (decoded whole) and mixed ones give the same lines, limits and CRs as line by line (300 runs)", () => {
    // Lines of every kind the per-chunk decoding must handle: blank, CRLF, a lone \r, over
    // the limit, invalid bytes; mixed with a non-ASCII line that sends a chunk the slow way.
    const pieces = ["plain", "", "crlf\r", "\r", "a\rb", "x".repeat(37), "y".repeat(20), "€uro", "z"];
    const next = random(7);
    for (let run = 0; run < 300; run++) {
      const chosen = Array.from({ length: 1 + Math.floor(next() * 30) }, () => pieces[Math.floor(next() * (run % 2 ? pieces.length : pieces.length - 2))]!);
      const bytes = encode(`${chosen.join("\n")}\n`);
      const cuts = Array.from({ length: Math.floor(next() * 8) }, () => Math.floor(next() * bytes.length)).sort((a, b) => a - b);
      for (const keepBlank of [false, true]) {
        const expected = chosen
          .map((raw) => {
            const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
            const size = encode(line).length;
            return { text: size > 20 ? line.slice(0, 20) : line, truncated: size > 20, bytes: size };
          })
          .filter((l) => keepBlank || l.bytes > 0);
        expect(split(bytes, cuts, new LineSplitter({ maxLineBytes: 20, keepBlank }))).toEqual(expected);
      }
    }
  });

  test("held bytes are copied, so a reused chunk buffer cannot corrupt a line", () => {
    const splitter = new LineSplitter();
    const buffer = encode("abc");
    splitter.push(buffer);
    buffer.set(encode("XYZ"));
    expect(splitter.push(encode("\n")).map((l) => l.text)).toEqual(["abc"]);
  });
});

describe("readLines", () => {
  test("yields every line of a stream, the unterminated last one included", async () => {
    const chunks = ["{\"a\":1}\n{\"b\"", ":2}\r\n\n", "tail"].map(encode);
    const texts: string[] = [];
    for await (const line of readLines(streamOf(chunks))) texts.push(line.text);
    expect(texts).toEqual(['{"a":1}', '{"b":2}', "tail"]);
  });

  test("breaking out early cancels the stream", async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(encode("line\n"));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const line of readLines(stream)) {
      expect(line.text).toBe("line");
      break;
    }
    expect(cancelled).toBe(true);
  });

  test("reads a child process's stdout", async () => {
    const child = Bun.spawn(["bun", "-e", "for (let i = 1; i <= 1000; i++) console.log(JSON.stringify({ type: 'n', i }))"], {
      stdout: "pipe",
    });
    const seen: number[] = [];
    for await (const line of readLines(child.stdout)) seen.push((JSON.parse(line.text) as { i: number }).i);
    expect(await child.exited).toBe(0);
    expect(seen).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
  });
});
