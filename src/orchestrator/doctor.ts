import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { findClaude } from "../agents/find-claude.ts";
import { integrityCheck, journalMode, openDatabase, userVersion } from "../store/db.ts";
import { schemaVersion } from "../store/migrations.ts";
import { runCollected } from "../system/child-process.ts";

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

async function claudeVersion(bin: string): Promise<string> {
  const out = await runCollected({ argv: [bin, "--version"], cwd: process.cwd(), env: process.env, wallTimeoutMs: 15_000, graceMs: 1000 });
  if (out.stopReason === "timeout") throw new Error(`\`${bin} --version\` did not answer within 15 s`);
  if (out.code !== 0) throw new Error(`\`${bin} --version\` ${out.signal ? `was killed by ${out.signal}` : `exited with ${out.code}`}`);
  return out.stdout.trim();
}

export async function checkClaude(flag: string | null): Promise<Check> {
  try {
    const bin = findClaude(flag);
    return { name: "claude", ok: true, detail: `${bin} (${await claudeVersion(bin)})` };
  } catch (error) {
    return { name: "claude", ok: false, detail: error instanceof Error ? error.message : String(error) };
  }
}

const keyVariables = ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN"];

/** Whether claude will find credentials — by name only, never printing a secret. */
export function checkCredentials(env: NodeJS.ProcessEnv = process.env): Check {
  const variable = keyVariables.find((k) => env[k]);
  if (variable) return { name: "credentials", ok: true, detail: `${variable} is set` };
  if (env.CLAUDE_CODE_USE_BEDROCK === "1" || env.CLAUDE_CODE_USE_VERTEX === "1") {
    return { name: "credentials", ok: true, detail: "cloud provider mode (Bedrock/Vertex) is configured" };
  }
  const configDir = env.CLAUDE_CONFIG_DIR ?? join(env.HOME ?? homedir(), ".claude");
  if (existsSync(join(configDir, ".credentials.json"))) return { name: "credentials", ok: true, detail: `logged in (${configDir})` };
  for (const file of [join(configDir, ".claude.json"), join(env.HOME ?? homedir(), ".claude.json")]) {
    try {
      if (JSON.parse(readFileSync(file, "utf8"))?.oauthAccount) return { name: "credentials", ok: true, detail: `logged in (${file})` };
    } catch {
      // absent or unreadable: try the next place
    }
  }
  return {
    name: "credentials",
    ok: false,
    detail: `no ${keyVariables[0]} and no login found in ${configDir}; set ANTHROPIC_API_KEY or run \`claude\` and /login`,
  };
}

export function checkDatabase(path: string): Check[] {
  if (!existsSync(path)) return [{ name: "database", ok: true, detail: `${path} does not exist yet (created on first run)` }];
  try {
    const db = openDatabase(path, { create: false });
    try {
      const version = userVersion(db);
      const integrity = integrityCheck(db);
      const mode = journalMode(db);
      return [
        { name: "database", ok: true, detail: `${path}, schema v${version} (this maos: v${schemaVersion})` },
        { name: "integrity", ok: integrity.length === 1 && integrity[0] === "ok", detail: integrity.slice(0, 3).join("; ") },
        { name: "journal mode", ok: mode === "wal", detail: mode },
      ];
    } finally {
      db.close(false);
    }
  } catch (error) {
    return [{ name: "database", ok: false, detail: error instanceof Error ? error.message : String(error) }];
  }
}
