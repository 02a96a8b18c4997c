#!/usr/bin/env bun
// Nothing is imported up front: `maos --version` answers before the CLI (citty, the
// commands, valibot, SQLite) is loaded, and each command loads only its own modules.
import { version } from "../package.json" with { type: "json" };

const argv = process.argv.slice(2);
if (argv[0] === "__supervise") {
  // Runs once per agent (see system/supervisor.ts): it must load nothing of the CLI.
  void import("./system/supervisor.ts").then((m) => m.supervise(argv.slice(1)));
} else if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
  console.log(version); // not process.stdout: setting up that stream costs Bun ~10 ms
} else {
  void import("./cli/main.ts").then(async ({ run, flushOutput }) => {
    const code = await run(argv);
    // Exit only once stdout has taken everything: a large --json document must arrive whole.
    const failed = await flushOutput();
    process.exit(failed ?? code);
  });
}
