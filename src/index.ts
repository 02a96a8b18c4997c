#!/usr/bin/env bun
import { flushOutput } from "./cli/output.ts";
import { run } from "./cli/main.ts";

void run(process.argv.slice(2)).then(async (code) => {
  // Exit only once stdout has taken everything: a large --json document must arrive whole.
  const failed = await flushOutput();
  process.exit(failed ?? code);
});
