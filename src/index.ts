#!/usr/bin/env bun
import { run } from "./cli/main.ts";

void run(process.argv.slice(2)).then((code) => {
  // Let stdout drain before exiting: process.exit would cut a large --json document on a pipe.
  if (process.stdout.writableNeedDrain) process.stdout.once("drain", () => process.exit(code));
  else process.exit(code);
});
