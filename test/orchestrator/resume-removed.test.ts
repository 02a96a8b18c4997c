import { expect, test } from "bun:test";
import { loadCatalog } from "../../src/agents/catalog.ts";
import { NotFoundError } from "../../src/errors.ts";
import { cleanupOrchestrations } from "../../src/orchestrator/cleanup.ts";
import { resumeOrchestration } from "../../src/orchestrator/resume.ts";
import { buildOrchestration, createTestDb } from "../support/fixtures.ts";
import { silentReporter } from "../support/run-harness.ts";

test("`orchestration cleanup` while a resume waits at its prompt: a clear not-found line (exit 3), not 'null is not an object'", async () => {
  const t = createTestDb();
  try {
    const o = buildOrchestration(t.db, { status: "failed", tasks: [{ key: "a", status: "failed", error: "boom" }] });
    t.db.query("UPDATE orchestrations SET cwd = ? WHERE id = ?").run(t.dir, o.id);
    const error = await resumeOrchestration({
      db: t.db,
      orchestrationId: o.id,
      addTask: null,
      overrides: {},
      bin: "/bin/true",
      catalog: loadCatalog({ cwd: t.dir, home: null }),
      auto: false,
      interactive: true,
      reporter: () => silentReporter,
      note() {},
      // Another shell removes it while the question is open.
      approve: async () => {
        cleanupOrchestrations(t.db, "9999-12-31 00:00:00", false);
        return true;
      },
    }).catch((e) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).exitCode).toBe(3);
    expect((error as NotFoundError).message).toBe(`orchestration ${o.id.slice(0, 8)} was removed while waiting for the answer`);
  } finally {
    t.cleanup();
  }
});
