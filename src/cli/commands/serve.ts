import { defineCommand } from "../command.ts";
import { EnvironmentError, UsageError } from "../../errors.ts";
import { dashboardBackend } from "../../orchestrator/dashboard-backend.ts";
import { newToken } from "../../web/auth.ts";
import { isLoopback } from "../../web/loopback.ts";
import { startDashboard } from "../../web/server.ts";
import { dbArgs } from "../args.ts";
import { log } from "../log.ts";
import { flushOutput, writeOut } from "../output.ts";
import { parseIntInRange, refuseExtraPositionals } from "../parse.ts";
import { openStore } from "../store.ts";

/** MAOS_SERVE_TOKEN keeps one token across restarts (open pages reconnect instead of getting 401). */
function tokenFromEnv(): string | null {
  const value = process.env.MAOS_SERVE_TOKEN;
  if (value === undefined || value === "") return null;
  if (!/^[A-Za-z0-9_-]{16,128}$/.test(value)) {
    throw new UsageError("MAOS_SERVE_TOKEN must be 16 to 128 letters, digits, '-' or '_'", "or unset it for a random token");
  }
  return value;
}

export default defineCommand({
  meta: { name: "serve", description: "Serve the live dashboard (runs, task graphs, transcripts, mailboxes) on a token-protected URL" },
  args: {
    host: { type: "string", description: "Address to bind (default 127.0.0.1; others still need the token)", valueHint: "ADDR" },
    port: { type: "string", description: "Port (default 7420; 0 picks a free one)", valueHint: "N" },
    ...dbArgs,
  },
  async run({ args }) {
    refuseExtraPositionals(args, 0, "maos serve");
    const host = (args.host ?? "127.0.0.1").trim();
    if (host === "" || /[\s/]/.test(host)) throw new UsageError(`--host must be an address such as 127.0.0.1, got "${args.host}"`);
    const port = args.port === undefined ? 7420 : parseIntInRange(args.port, "--port", 0, 65535);
    const { db, path } = openStore(args, { create: false });
    const token = tokenFromEnv() ?? newToken();
    let server;
    try {
      server = startDashboard({ backend: dashboardBackend(db, path), host, port, token });
    } catch (error) {
      db.close(false);
      const message = error instanceof Error ? error.message : String(error);
      throw new EnvironmentError(`cannot listen on ${host}:${port}: ${message}`, "pick another --port or --host");
    }
    if (!isLoopback(host)) {
      log.warn(`listening on ${host}, reachable from other machines: every request must still carry the access token; share the URL with care`);
    }
    const shownHost = host.includes(":") ? `[${host}]` : host;
    writeOut(`maos dashboard for ${path}: http://${shownHost}:${server.port}/?token=${token}\n`);
    await flushOutput();
    log.info("Ctrl-C stops the dashboard (running orchestrations are not affected)");
    await new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
    await server.stop(true);
    db.close(false);
  },
});
