#!/usr/bin/env bun
// `maos __supervise …` runs once per agent (see system/supervisor.ts): it must load nothing of the CLI.
if (process.argv[2] === "__supervise") {
  await import("./system/supervisor.ts").then((m) => m.supervise(process.argv.slice(3)));
} else {
  const [{ flushOutput }, { run }] = await Promise.all([import("./cli/output.ts"), import("./cli/main.ts")]);
  void run(process.argv.slice(2)).then(async (code) => {
    // Exit only once stdout has taken everything: a large --json document must arrive whole.
    await flushOutput();
    process.exit(code);
  });
}
