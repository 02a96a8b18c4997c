// One agent as a separate process, for the multi-process mailbox test:
// sends direct messages round-robin to the others plus some broadcasts (each stream
// line recorded twice, as a re-read after a crash would), and takes and acknowledges
// its own mailbox until it has everything it expects.
import { acknowledge, recordProtocolMessages, takeMailbox } from "../../src/bus/mailbox.ts";
import { parseProtocolLines } from "../../src/bus/protocol.ts";
import { openDatabase } from "../../src/store/db.ts";
import { transaction } from "../../src/store/tx.ts";

const [path, orchestrationId, self, keyList, directText, broadcastText] = process.argv.slice(2);
const keys = keyList!.split(",");
const direct = Number(directText);
const broadcasts = Number(broadcastText);
const others = keys.filter((k) => k !== self);
const selfId = `${orchestrationId}:${self}`;
const expected = direct + broadcasts * others.length;

const db = openDatabase(path!);
const lines: string[] = [];
for (let i = 0; i < direct; i++) lines.push(`MESSAGE @${others[i % others.length]}: ${self} says ${i} 你好 👋`);
for (let i = 0; i < broadcasts; i++) lines.push(`DISCOVERY: ${self} found ${i}`);

const received: number[] = [];
let seq = 0;
const deadline = Date.now() + 60_000;
while (lines.length > 0 || received.length < expected) {
  if (Date.now() > deadline) throw new Error(`${self}: timed out with ${received.length}/${expected} received`);
  if (lines.length > 0) {
    seq += 1;
    const block = ["thinking out loud", ...lines.splice(0, 1 + (seq % 4))].join("\n");
    const messages = parseProtocolLines(block);
    const input = { orchestrationId: orchestrationId!, fromAgentId: selfId, attempt: 1, seq, messages };
    transaction(db, () => recordProtocolMessages(db, input));
    const replay = transaction(db, () => recordProtocolMessages(db, input));
    if (replay.length !== 0) throw new Error(`${self}: replay of seq ${seq} recorded ${replay.length} messages`);
  }
  const taken = takeMailbox(db, selfId, 1, "stdin", { liveDeliveryCap: Number.POSITIVE_INFINITY, limit: 7 });
  for (const d of taken) received.push(d.messageId);
  if (taken.length > 0) acknowledge(db, selfId, 1);
  else if (lines.length === 0) await Bun.sleep(2);
}
db.close(false);
process.stdout.write(JSON.stringify({ self, received }));
