// Compiles dist/maos: one self-contained executable with the SQL migrations embedded.
import { rmSync } from "node:fs";

rmSync("dist", { recursive: true, force: true });
const result = await Bun.build({
  entrypoints: ["./src/index.ts"],
  compile: { outfile: "./dist/maos" },
  minify: true,
  sourcemap: "linked",
  bytecode: true,
  format: "esm",
});
if (!result.success) {
  for (const message of result.logs) console.error(message);
  process.exit(1);
}
console.error(`built dist/maos`);
