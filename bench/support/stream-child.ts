/**
 * A stand-in for a busy `claude` process: prints COUNT stream-json assistant lines of
 * about 300 bytes on stdout as fast as the pipe takes them, then exits.
 *
 *   bun bench/support/stream-child.ts COUNT [AGENT]
 */

/** One assistant-shaped line of exactly 300 bytes including its newline. */
export function streamLine(agent: number, seq: number): string {
  const session = `00000000-0000-4000-8000-${String(agent).padStart(12, "0")}`;
  const head = `{"type":"assistant","message":{"id":"msg_bench_${agent}_${seq}","role":"assistant","model":"claude-opus-4-8","content":[{"type":"text","text":"`;
  const tail = `"}],"stop_reason":null},"parent_tool_use_id":null,"session_id":"${session}"}\n`;
  return head + "lorem ipsum dolor sit amet ".repeat(8).slice(0, 300 - head.length - tail.length) + tail;
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 1000);
  const agent = Number(process.argv[3] ?? 0);
  const sink = Bun.stdout.writer({ highWaterMark: 64 * 1024 });
  let buffered = "";
  for (let seq = 1; seq <= count; seq++) {
    buffered += streamLine(agent, seq);
    if (buffered.length >= 32 * 1024) {
      sink.write(buffered);
      buffered = "";
      await sink.flush();
    }
  }
  sink.write(buffered);
  await sink.end();
}

if (import.meta.main) await main();
