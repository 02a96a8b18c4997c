import { expect, test, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import { tempDir } from "../support/claude-env.ts";
import { runMaos } from "../support/cli.ts";
import { fakeAgentEnv, fakeClaudePath } from "../support/fake-agent.ts";
import { scaled } from "../support/machine.ts";

// These tests start processes: on a loaded machine they need more than the 5 s default.
setDefaultTimeout(scaled(20_000));

test("--json when planning fails: exit 1, and stdout still holds one document with the orchestration and the error", async () => {
  const dir = tempDir("maos-json-").path;
  const r = await runMaos(["orchestrate", "build it", "--auto", "--json", "--db", join(dir, "maos.db"), "--claude-bin", fakeClaudePath()], {
    cwd: dir,
    env: fakeAgentEnv({ steps: [{ apiError: "invalid_request_error: nope", status: 400 }] }),
  });
  expect(r.code).toBe(1);
  const doc = JSON.parse(r.stdout);
  expect(doc.status).toBe("failed");
  expect(doc.orchestration_id).toMatch(/^[0-9a-f-]{36}$/);
  expect(doc.tasks).toEqual([]);
  expect(doc.error).toContain("planning failed");
  expect(r.stderr).toContain("planning failed");
});
