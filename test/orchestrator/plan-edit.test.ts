import { afterEach, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { editPlan } from "../../src/orchestrator/plan-edit.ts";
import { tempDir } from "../support/claude-env.ts";

const plan = { summary: "s", tasks: [{ id: "a", agent_type: "developer", description: "Do a", depends_on: [] }] };
const names = ["developer", "tester"];
const saved = { EDITOR: process.env.EDITOR, VISUAL: process.env.VISUAL };
afterEach(() => Object.assign(process.env, saved));

function editorScript(body: string): string {
  const dir = tempDir("maos-editor-");
  const path = join(dir.path, "editor.sh");
  writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return path;
}

test("an edit that breaks the plan is validated again: not taken, the problem said, the text kept as the next draft", async () => {
  process.env.VISUAL = "";
  process.env.EDITOR = editorScript(`sed -i 's/"developer"/"wizard"/' "$1"`);
  const edited = await editPlan(plan, names, null);
  expect(edited.ok).toBe(false);
  if (edited.ok) return;
  expect(edited.problem).toMatch(/^the edited plan: tasks\[0\]\.agent_type: unknown agent type "wizard"/);
  expect(edited.draft).toContain('"wizard"');
  // The next edit starts from that draft (here: the editor fixes it back).
  process.env.EDITOR = editorScript(`sed -i 's/"wizard"/"tester"/' "$1"`);
  const fixed = await editPlan(plan, names, edited.draft);
  expect(fixed.ok && fixed.plan.tasks[0]!.agent_type).toBe("tester");
});

test("an editor that fails or is missing changes nothing and says why", async () => {
  process.env.VISUAL = "";
  process.env.EDITOR = editorScript("exit 3");
  expect(await editPlan(plan, names, null)).toEqual({ ok: false, problem: "the editor exited with code 3; the plan was not changed", draft: null });
  process.env.EDITOR = "/no/such/editor";
  const missing = await editPlan(plan, names, null);
  expect(missing.ok).toBe(false);
  if (!missing.ok) expect(missing.problem).toMatch(/^cannot start the editor \/no\/such\/editor/);
});
