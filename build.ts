// Compiles dist/maos: one self-contained executable with the SQL migrations embedded.
// Built under a temporary name and renamed, so a test running the old binary never
// sees a half-written file.
import { mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";

/** How the program is bundled; test/cli/startup-bundle.test.ts checks what each start loads. */
export const bundleOptions = {
  entrypoints: [join(import.meta.dir, "src", "index.ts")],
  // Identifiers keep their names and the source map is embedded in the executable, so a
  // stack trace (`--verbose`, maos.log) names src/ files, lines and functions.
  minify: { whitespace: true, syntax: true, identifiers: false },
  sourcemap: "linked" as const,
  format: "esm" as const,
  // Each command's modules become a chunk loaded by its import(): without splitting, the
  // whole program is one module that every start loads (measured: --version 15 ms vs 5 ms).
  splitting: true,
};

/**
 * maos runs in people's project directories: a compiled Bun executable would otherwise read
 * that project's .env (its variables would land in maos's environment and so in every
 * agent's), bunfig.toml, package.json and tsconfig.json at each start.
 */
export const standalone = { autoloadDotenv: false, autoloadBunfig: false, autoloadPackageJson: false, autoloadTsconfig: false };

if (import.meta.main) {
  mkdirSync("dist", { recursive: true });
  const tmp = `./dist/.maos-${process.pid}`;
  // Bytecode: JavaScriptCore's parse moves to build time (measured: --version 33 ms without, 15 ms with, unsplit).
  const result = await Bun.build({ ...bundleOptions, compile: { outfile: tmp, ...standalone }, bytecode: true });
  if (!result.success) {
    rmSync(tmp, { force: true });
    for (const message of result.logs) console.error(message);
    process.exit(1);
  }
  renameSync(tmp, "./dist/maos");
  // The executable carries the source map; the .map files written beside it are not needed.
  for (const name of readdirSync("dist")) if (name.endsWith(".map")) rmSync(join("dist", name));
  console.error("built dist/maos");
}
