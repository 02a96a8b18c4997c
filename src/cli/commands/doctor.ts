import { defineCommand } from "../command.ts";
import { EnvironmentError } from "../../errors.ts";
import { checkClaude, checkCredentials, checkDatabase } from "../../orchestrator/doctor.ts";
import { resolveDbPath } from "../../store/db.ts";
import { paint } from "../../ui/color.ts";
import { dbArgs, jsonArgs } from "../args.ts";
import { emit } from "../output.ts";

export default defineCommand({
  meta: { name: "doctor", description: "Check that claude, credentials and the database are ready" },
  args: {
    "claude-bin": { type: "string", description: "The claude executable to check", valueHint: "PATH" },
    ...dbArgs,
    ...jsonArgs,
  },
  async run({ args }) {
    const checks = [await checkClaude(args["claude-bin"] ?? null), checkCredentials(), ...checkDatabase(resolveDbPath(args.db))];
    const ok = checks.every((c) => c.ok);
    emit(args, { ok, checks }, (d) =>
      d.checks.map((c) => `${c.ok ? paint("✓", "green") : paint("✗", "red")} ${c.name.padEnd(12)} ${c.detail}`).join("\n"),
    );
    if (!ok) {
      const failed = checks.filter((c) => !c.ok).map((c) => c.name);
      throw new EnvironmentError(`doctor found problems: ${failed.join(", ")}`);
    }
  },
});
