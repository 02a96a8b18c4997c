import { expect, test } from "bun:test";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { controlDir } from "../../support/control-run.ts";

test("status --json and the table give each agent's full session id and directory; open prints the exact resume command; --exec runs it there", async () => {
  const c = controlDir([["a", []], ["b", ["a"]]], { byPrompt: { "# Your task (@a)": [{ text: "a done" }], "*": [{ text: "b not started" }] } });
  // b never starts: a's failure is not needed, cancelling b keeps it without a session.
  writeFileSync(join(c.dir, "plan.json"), JSON.stringify({ tasks: [{ id: "a", agent_type: "developer", description: "do a", depends_on: [] }, { id: "b", agent_type: "developer", description: "do b", depends_on: ["a"] }] }));
  expect((await c.maos(["orchestrate", "work", "--plan", "plan.json", "--auto"])).code).toBe(0);
  const id = c.query<{ id: string }>("SELECT id FROM orchestrations")[0]!.id;
  const session = c.query<{ session_id: string }>("SELECT session_id FROM tasks WHERE task_key = 'a'")[0]!.session_id;
  const cfg = join(c.dir, "cfg");

  const status = JSON.parse((await c.maos(["orchestration", "status", id, "--json"])).stdout);
  expect(status.agents[0]).toMatchObject({ task_key: "a", session_id: session, cwd: c.dir });
  const table = (await c.maos(["orchestration", "status", id])).stdout;
  expect(table).toContain(session);
  expect(table).toContain(`Directory: ${c.dir}`);
  expect(table).toContain(`maos orchestration open ${id.slice(0, 8)} @<task>`);

  const open = await c.maos(["orchestration", "open", id.slice(0, 8), "@a"]);
  expect(open.code).toBe(0);
  expect(open.stdout).toBe(`cd ${c.dir} && CLAUDE_CONFIG_DIR=${cfg} claude --resume ${session}\n`);
  const doc = JSON.parse((await c.maos(["orchestration", "open", id, "a", "--json"])).stdout);
  expect(doc).toMatchObject({ task: "a", session_id: session, cwd: c.dir, claude_config_dir: cfg, transcript_found: true, running: false });

  // A stand-in for claude that records where and how it was started.
  const fake = join(c.dir, "fake-interactive-claude");
  writeFileSync(fake, `#!/bin/sh\nprintf '%s\\n' "$PWD" "$CLAUDE_CONFIG_DIR" "$*" > ${join(c.dir, "exec.txt")}\n`);
  chmodSync(fake, 0o755);
  const exec = await c.maos(["orchestration", "open", id, "@a", "--exec", "--claude-bin", fake]);
  expect(exec.code).toBe(0);
  expect(readFileSync(join(c.dir, "exec.txt"), "utf8")).toBe(`${c.dir}\n${cfg}\n--resume ${session}\n`);
}, 120_000);

test("open refuses a task with no conversation yet (exit 2) and an unknown one (exit 3)", async () => {
  const c = controlDir([["a", []], ["b", ["a"]]], { byPrompt: { "# Your task (@a)": [{ apiError: "invalid_request_error: no", status: 400 }] } });
  expect((await c.maos(["orchestrate", "work", "--plan", "plan.json", "--auto"])).code).toBe(1);
  const id = c.query<{ id: string }>("SELECT id FROM orchestrations")[0]!.id;
  const notStarted = await c.maos(["orchestration", "open", id, "@b"]);
  expect(notStarted.code).toBe(2);
  expect(notStarted.stderr).toBe("maos: @b has not started yet: it has no Claude conversation to open\n");
  const unknown = await c.maos(["orchestration", "open", id, "@zz"]);
  expect(unknown.code).toBe(3);
}, 120_000);
