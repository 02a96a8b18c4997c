import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { claudeBinPath, tempDir } from "../support/claude-env.ts";
import { runMaos } from "../support/cli.ts";
import { buildOrchestration, createTestDb } from "../support/fixtures.ts";
import { scaled } from "../support/machine.ts";

// These tests start processes: on a loaded machine they need more than the 5 s default.
setDefaultTimeout(scaled(20_000));

function setup() {
  const dir = tempDir("maos-doctor-").path;
  const config = join(dir, "cfg");
  mkdirSync(config);
  const t = createTestDb();
  buildOrchestration(t.db, {});
  return { dir, config, db: t.path };
}

const noKeys = { ANTHROPIC_API_KEY: undefined, ANTHROPIC_AUTH_TOKEN: undefined, CLAUDE_CODE_OAUTH_TOKEN: undefined, MAOS_CLAUDE_BIN: undefined };

describe("maos doctor", () => {
  test("all well: claude found with its version, credentials by name only, database sound; exit 0", async () => {
    const s = setup();
    const secret = "sk-ant-secret-value-123";
    const r = await runMaos(["doctor", "--claude-bin", claudeBinPath(), "--db", s.db, "--json"], {
      env: { ...noKeys, ANTHROPIC_API_KEY: secret, CLAUDE_CONFIG_DIR: s.config },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(secret);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(true);
    const byName = Object.fromEntries(report.checks.map((c: { name: string; detail: string }) => [c.name, c.detail]));
    expect(byName.claude).toContain("Claude Code");
    expect(byName.credentials).toBe("ANTHROPIC_API_KEY is set");
    expect(byName.integrity).toBe("ok");
    expect(byName["journal mode"]).toBe("wal");
  });

  test("a logged-in config dir counts as credentials", async () => {
    const s = setup();
    writeFileSync(join(s.config, ".credentials.json"), "{}");
    const r = await runMaos(["doctor", "--claude-bin", claudeBinPath(), "--db", s.db], { env: { ...noKeys, CLAUDE_CONFIG_DIR: s.config } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✓ credentials\s+logged in/);
  });

  test("claude missing and no credentials: each says what is wrong; exit 5", async () => {
    const s = setup();
    const r = await runMaos(["doctor", "--claude-bin", join(s.dir, "no-claude"), "--db", s.db], {
      env: { ...noKeys, CLAUDE_CONFIG_DIR: s.config, HOME: s.dir },
    });
    expect(r.code).toBe(5);
    expect(r.stdout).toMatch(/✗ claude\s+claude executable .*no-claude.* is missing or not executable/);
    expect(r.stdout).toMatch(/✗ credentials\s+no ANTHROPIC_API_KEY/);
    expect(r.stderr).toContain("doctor found problems: claude, credentials");
  });

  test("a database that is not SQLite is reported, not touched", async () => {
    const s = setup();
    const bad = join(s.dir, "notes.db");
    writeFileSync(bad, "just text");
    const r = await runMaos(["doctor", "--claude-bin", claudeBinPath(), "--db", bad], { env: { ...noKeys, ANTHROPIC_API_KEY: "x" } });
    expect(r.code).toBe(5);
    expect(r.stdout).toMatch(/✗ database\s+.*not a maos database/);
    expect(await Bun.file(bad).text()).toBe("just text");
  });
});
