import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../errors.ts";
import { loadPlanFile } from "../plan/plan-file.ts";
import type { Plan } from "../plan/plan.ts";
import { editorCommand } from "./approval.ts";

export type PlanEdit = { ok: true; plan: Plan } | { ok: false; problem: string; draft: string | null };

/**
 * "Edit the plan" at approval: the plan as a plan file (the README's format) in $VISUAL /
 * $EDITOR, read back and validated like `--plan FILE`. A plan that does not validate is not
 * taken; its text is kept as the draft the next edit starts from, so no typing is lost.
 */
export async function editPlan(plan: Plan, catalogNames: readonly string[], draft: string | null): Promise<PlanEdit> {
  const dir = mkdtempSync(join(tmpdir(), "maos-plan-"));
  const file = join(dir, "plan.json");
  const text = draft ?? `${JSON.stringify({ summary: plan.summary ?? "", tasks: plan.tasks }, null, 2)}\n`;
  writeFileSync(file, text, { mode: 0o600 });
  try {
    const editor = editorCommand();
    let code: number;
    try {
      code = await Bun.spawn([...editor, file], { stdin: "inherit", stdout: "inherit", stderr: "inherit" }).exited;
    } catch (error) {
      return { ok: false, problem: `cannot start the editor ${editor.join(" ")}: ${(error as Error).message} (set $EDITOR)`, draft };
    }
    if (code !== 0) return { ok: false, problem: `the editor exited with code ${code}; the plan was not changed`, draft };
    try {
      return { ok: true, plan: loadPlanFile(file, catalogNames) };
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      return { ok: false, problem: error.message.replace(`plan file ${file}`, "the edited plan"), draft: readFileSync(file, "utf8") };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
