/**
 * One "browser" for the SSE fan-out bench: reads a run's event stream and records, for
 * every SSE message, its id (the position of its last event), how many events it carried
 * and when it arrived (Date.now()). Like a browser's EventSource it reconnects with
 * Last-Event-ID when the server ends the stream (it drops clients that fall too far
 * behind). Prints {arrivals, reconnects} as JSON on stdout at SIGTERM.
 *
 *   bun bench/support/sse-client.ts URL TOKEN
 */
import { writeSync } from "node:fs";

const [url, token] = process.argv.slice(2) as [string, string];
const arrivals: [number, number, number][] = []; // [last position, events, arrival ms]
let reconnects = 0;
let lastId = 0;
process.on("SIGTERM", () => {
  writeSync(1, JSON.stringify({ arrivals, reconnects }));
  process.exit(0);
});

async function read(): Promise<void> {
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}`, "Last-Event-ID": String(lastId) } });
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of res.body!) {
    const now = Date.now();
    buffered += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffered.indexOf("\n\n")) !== -1) {
      const message = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      if (!message.startsWith("id: ")) continue;
      lastId = Number(message.slice(4, message.indexOf("\n")));
      // Each event of a batch is one object with a "position" field: count them without parsing the batch.
      let events = 0;
      for (let i = message.indexOf('"position":'); i !== -1; i = message.indexOf('"position":', i + 11)) events++;
      arrivals.push([lastId, events, now]);
    }
  }
}

for (;;) {
  await read().catch(() => undefined);
  reconnects++;
  await Bun.sleep(100);
}
