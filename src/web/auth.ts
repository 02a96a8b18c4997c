/**
 * The dashboard's access token: random, printed once in the URL, then kept in an
 * HttpOnly, SameSite=Strict cookie named for the port (cookies ignore ports, so two
 * dashboards on one host must not share one). Every request without it gets 401.
 */
import { timingSafeEqual } from "node:crypto";

export function newToken(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64url");
}

export function cookieName(port: number): string {
  return `maos_token_${port}`;
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieValue(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

export type AuthVia = "cookie" | "header" | "query";

/** How the request proved it holds the token, or null. */
export function authenticate(req: Request, url: URL, token: string, port: number): AuthVia | null {
  const cookie = cookieValue(req.headers.get("cookie"), cookieName(port));
  if (cookie !== null && equal(cookie, token)) return "cookie";
  const bearer = req.headers.get("authorization")?.match(/^Bearer (.+)$/)?.[1];
  if (bearer !== undefined && equal(bearer, token)) return "header";
  const query = url.searchParams.get("token");
  if (query !== null && equal(query, token)) return "query";
  return null;
}

export function tokenCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}
