/**
 * `maos serve`: the dashboard over Bun.serve. Static assets come from the binary; the API
 * reads the database through the DashboardBackend (WAL readers, short transactions) and
 * writes only for the three recorded actions. No CORS headers at all: only pages the
 * server itself served may call it, and a strict CSP keeps any script but its own out.
 */
import type { Server } from "bun";
import { ConflictError, MaosError, NotFoundError, UsageError } from "../errors.ts";
import type { DashboardBackend } from "../orchestrator/dashboard-backend.ts";
import { assets } from "./assets.ts";
import { authenticate, tokenCookie } from "./auth.ts";
import { RunHub } from "./run-hub.ts";
import { RunsFeed } from "./runs-feed.ts";
import { SseConnection } from "./sse.ts";

export interface DashboardOptions {
  backend: DashboardBackend;
  host: string;
  port: number;
  token: string;
  /** How often live feeds look for new events (default 50 ms). */
  pollMs?: number;
}

const securityHeaders = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
};

const runsLimit = 200;
const mailboxLimit = 500;

function json(data: unknown, status = 200): Response {
  return new Response(JSON.stringify(data), { status, headers: { ...securityHeaders, "Content-Type": "application/json" } });
}

function problem(status: number, message: string): Response {
  return json({ error: message }, status);
}

function asset(body: string, type: string): Response {
  return new Response(body, { headers: { ...securityHeaders, "Content-Type": type } });
}

const unauthorized = () =>
  new Response("401 Unauthorized: open the URL `maos serve` printed (it carries the access token).\n", {
    status: 401,
    headers: { ...securityHeaders, "Content-Type": "text/plain; charset=utf-8" },
  });

function afterIdOf(req: Request, url: URL): number {
  const text = req.headers.get("last-event-id") ?? url.searchParams.get("after") ?? "0";
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw new UsageError(`bad event position "${text}"`);
  return n;
}

function errorResponse(error: unknown): Response {
  if (error instanceof NotFoundError) return problem(404, error.message);
  if (error instanceof ConflictError) return problem(409, error.message);
  if (error instanceof UsageError) return problem(400, error.message);
  if (error instanceof MaosError) return problem(500, error.message);
  return problem(500, error instanceof Error ? error.message : String(error));
}

export function startDashboard(options: DashboardOptions): Server<undefined> {
  const { backend, token } = options;
  const pollMs = options.pollMs ?? 25;
  const hubs = new Map<string, RunHub>();
  const runsFeed = new RunsFeed(() => backend.runs(runsLimit), 1000);

  function hubFor(id: string): RunHub {
    let hub = hubs.get(id);
    if (!hub) {
      hub = new RunHub(
        backend.reader(id, null)!,
        (agent) => backend.reader(id, agent),
        () => backend.signature(id),
        pollMs,
        (idle) => {
          // Only forget the hub that went idle, never a newer one for the same run.
          if (hubs.get(id) === idle) hubs.delete(id);
        },
      );
      hubs.set(id, hub);
    }
    return hub;
  }

  function stream(req: Request, server: Server<undefined>, url: URL, id: string): Response {
    const afterId = afterIdOf(req, url);
    const agent = url.searchParams.get("agent") || null;
    if (agent !== null && backend.reader(id, agent) === null) throw new NotFoundError(`no task @${agent}`);
    server.timeout(req, 0);
    const hub = hubFor(id);
    const connection: SseConnection = new SseConnection(() => hub.remove(connection));
    void hub.subscribe(connection, agent, afterId);
    return connection.response;
  }

  async function action(req: Request, server: Server<undefined>, url: URL, id: string, kind: string): Promise<Response> {
    if (!(req.headers.get("content-type") ?? "").startsWith("application/json")) return problem(415, "send application/json");
    // A browser always sends Origin on a POST: it must be this server's own.
    const origin = req.headers.get("origin");
    if (origin !== null && origin !== url.origin) return problem(403, "cross-origin request refused");
    const actor = `dashboard ${server.requestIP(req)?.address ?? "unknown"}`;
    const body = (await req.json().catch(() => null)) as Record<string, unknown> | null;
    if (kind === "pause") return json(backend.pause(id, actor));
    if (kind === "resume") return json(backend.resume(id, actor));
    const to = typeof body?.to === "string" ? body.to.replace(/^@/, "") : "";
    const text = typeof body?.text === "string" ? body.text.trim() : "";
    const requestId = typeof body?.request_id === "string" && /^[\w-]{8,64}$/.test(body.request_id) ? body.request_id : crypto.randomUUID();
    if (to === "" || text === "") return problem(400, "a message needs `to` (a task key) and a non-empty `text`");
    return json(backend.message(id, actor, { to, text, requestId }));
  }

  async function route(req: Request, server: Server<undefined>, url: URL): Promise<Response> {
    const path = url.pathname;
    if (req.method === "GET") {
      if (path === "/") return asset(assets.html, "text/html; charset=utf-8");
      if (path === "/assets/dashboard.js") return asset(assets.js, "text/javascript; charset=utf-8");
      if (path === "/assets/dashboard.css") return asset(assets.css, "text/css; charset=utf-8");
      if (path === "/api/runs") return json(backend.runs(runsLimit));
      if (path === "/api/runs/stream") {
        server.timeout(req, 0);
        const connection: SseConnection = new SseConnection(() => runsFeed.remove(connection));
        runsFeed.add(connection);
        return connection.response;
      }
    }
    const match = /^\/api\/runs\/([0-9a-f-]{36})(?:\/([a-z]+))?$/.exec(path);
    if (!match) return problem(404, "not found");
    const [, id, sub] = match as unknown as [string, string, string | undefined];
    if (!backend.exists(id)) return problem(404, `no orchestration ${id}`);
    if (req.method === "GET" && sub === undefined) return json(backend.run(id));
    if (req.method === "GET" && sub === "mailbox") return json(backend.mailbox(id, mailboxLimit));
    if (req.method === "GET" && sub === "stream") return stream(req, server, url, id);
    if (req.method === "POST" && (sub === "pause" || sub === "resume" || sub === "message")) return action(req, server, url, id, sub);
    return problem(req.method === "GET" || req.method === "POST" ? 404 : 405, "not found");
  }

  return Bun.serve({
    hostname: options.host,
    port: options.port,
    idleTimeout: 30,
    async fetch(req, server) {
      const url = new URL(req.url);
      const via = authenticate(req, url, token, server.port!);
      if (via === null) return unauthorized();
      // The token came in the URL: keep it in a cookie and drop it from the address bar.
      if (via === "query" && req.method === "GET" && url.pathname === "/") {
        return new Response(null, { status: 303, headers: { ...securityHeaders, Location: "/", "Set-Cookie": tokenCookie(server.port!, token) } });
      }
      try {
        return await route(req, server, url);
      } catch (error) {
        return errorResponse(error);
      }
    },
    error: (error) => errorResponse(error),
  });
}
