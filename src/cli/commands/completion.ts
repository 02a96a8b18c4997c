import { basename } from "node:path";
import { defineCommand } from "../command.ts";
import { UsageError } from "../../errors.ts";
import { listOrchestrations } from "../../store/orchestrations.ts";
import { openReadOnly } from "../../store/read-only.ts";
import { resolveDbPath } from "../../store/db.ts";
import { listTasks } from "../../store/tasks.ts";
import { findOrchestrationIdsByPrefix } from "../../store/orchestrations.ts";
import { completionCandidates, type CompletionData } from "../completion/candidates.ts";
import { completionScript, shells, type Shell } from "../completion/scripts.ts";
import { writeOut } from "../output.ts";
import { parseChoice } from "../parse.ts";

/** Ids and task keys for completion: read-only, and silent when there is no database. */
const fromDatabase: CompletionData = {
  ids(dbFlag) {
    const db = openReadOnly(resolveDbPath(dbFlag));
    if (!db) return [];
    try {
      return [...new Set(listOrchestrations(db, { limit: 50 }).map((o) => o.id.slice(0, 8)))];
    } catch {
      return [];
    } finally {
      db.close();
    }
  },
  tasks(dbFlag, id) {
    const db = openReadOnly(resolveDbPath(dbFlag));
    if (!db) return [];
    try {
      const [match, other] = /^[0-9a-f-]{1,36}$/i.test(id) ? findOrchestrationIdsByPrefix(db, id.toLowerCase(), 2) : [];
      return match && !other ? listTasks(db, match).map((t) => t.task_key) : [];
    } catch {
      return [];
    } finally {
      db.close();
    }
  },
};

/** How the script calls maos back: this binary, by name when that is what PATH finds. */
function selfCommand(): string {
  const exe = process.execPath;
  if (basename(exe).startsWith("bun")) return "maos"; // running from source: assume an installed maos
  return Bun.which("maos") === exe ? "maos" : exe;
}

export default defineCommand({
  meta: { name: "completion", description: "Print a shell completion script (bash, zsh, fish) with orchestration ids and task keys from the database" },
  args: {
    shell: { type: "positional", description: "bash, zsh or fish", required: false },
    complete: { type: "boolean", description: "Print the candidates for `-- <words typed after maos>` (what the scripts call)" },
  },
  async run({ args, rawArgs }) {
    if (args.complete) {
      const at = rawArgs.indexOf("--");
      const words = at >= 0 ? rawArgs.slice(at + 1) : [];
      const { main } = await import("../main.ts");
      const found = await completionCandidates(main, words.length ? words : [""], fromDatabase);
      if (found.length) writeOut(`${found.join("\n")}\n`);
      return;
    }
    if (args.shell === undefined) throw new UsageError("which shell? bash, zsh or fish", "e.g. source <(maos completion bash)");
    const shell: Shell = parseChoice(args.shell, "shell", shells);
    writeOut(completionScript(shell, selfCommand()));
  },
});
