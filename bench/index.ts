/**
 * `bun run bench`: runs every bench/*.bench.ts (each default-exports an async function
 * returning rows) and prints one table, or the rows as a JSON array with --json.
 *
 *   bun run bench                 all of them
 *   bun run bench --only cli      the modules whose file name contains "cli"
 *   bun run bench --json          machine-readable
 *
 * Exit 1 when a row misses its target or a module fails.
 */
import { basename } from "node:path";
import { renderTable } from "../src/ui/table.ts";

export interface BenchRow {
  name: string;
  /** The headline figure: the median for timings. */
  value: number;
  unit: string;
  /** How much runs varied (e.g. "p10–p90 20–24 ms, max 31") or the p99. */
  spread?: string;
  /** Human-readable target, e.g. "< 100 ms". */
  target?: string;
  pass?: boolean;
  note?: string;
}

type BenchModule = { default: () => Promise<BenchRow[]> };

interface Options {
  json: boolean;
  only?: string;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--json") options.json = true;
    else if (arg === "--only") options.only = argv[++i];
    else if (arg.startsWith("--only=")) options.only = arg.slice("--only=".length);
    else throw new Error(`unknown argument ${arg} (use --json, --only <substring>)`);
  }
  if (options.only === "") throw new Error("--only needs a substring of a bench file name");
  return options;
}

async function benchFiles(only: string | undefined): Promise<string[]> {
  const files = await Array.fromAsync(new Bun.Glob("*.bench.ts").scan({ cwd: import.meta.dir, absolute: true }));
  return files.filter((f) => !only || basename(f).includes(only)).sort();
}

function verdict(row: BenchRow): string {
  return row.pass === undefined ? "" : row.pass ? "pass" : "FAIL";
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const files = await benchFiles(options.only);
  if (files.length === 0) {
    process.stderr.write(`no bench/*.bench.ts matches ${JSON.stringify(options.only)}\n`);
    return 2;
  }
  const rows: (BenchRow & { module: string })[] = [];
  let failedModules = 0;
  for (const file of files) {
    const module = basename(file, ".bench.ts");
    process.stderr.write(`bench: running ${module}…\n`);
    const started = performance.now();
    try {
      const { default: run } = (await import(file)) as BenchModule;
      for (const row of await run()) rows.push({ module, ...row });
      process.stderr.write(`bench: ${module} done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    } catch (error) {
      failedModules++;
      process.stderr.write(`bench: ${module} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
  }
  if (options.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else {
    const table = renderTable(rows, [
      { header: "NAME", value: (r) => r.name },
      { header: "MEDIAN / VALUE", value: (r) => `${r.value} ${r.unit}`, align: "right" },
      { header: "SPREAD / P99", value: (r) => r.spread ?? "" },
      { header: "TARGET", value: (r) => r.target ?? "" },
      { header: "RESULT", value: verdict },
    ]);
    const notes = rows.filter((r) => r.note).map((r) => `  ${r.name}: ${r.note}`);
    process.stdout.write(`${table}\n${notes.length ? `\nNotes:\n${notes.join("\n")}\n` : ""}`);
  }
  return failedModules > 0 || rows.some((r) => r.pass === false) ? 1 : 0;
}

if (import.meta.main) {
  try {
    process.exitCode = await main();
  } catch (error) {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  }
}
