import type { ApiRetryLine } from "./stream-schema.ts";

/**
 * claude's API retries (stream-json `system/api_retry` lines), told to people: what failed,
 * how far along the retries are, and what to do. claude retries a failed call about ten
 * times over ~3 minutes (no connection, 5xx, 529 overloaded, and 401 too), silently unless
 * someone reads these lines.
 */
export interface ApiRetry {
  attempt: number;
  maxRetries: number | null;
  delayMs: number | null;
  /** The HTTP status, or null when no answer came at all (no connection, DNS, TLS). */
  status: number | null;
}

export function apiRetryOf(line: ApiRetryLine): ApiRetry {
  return { attempt: line.attempt, maxRetries: line.max_retries ?? null, delayMs: line.retry_delay_ms ?? null, status: line.error_status ?? null };
}

/** What failed, in a few words. */
export function retryReason(r: ApiRetry): string {
  if (r.status === null) return "no answer from the API (no connection?)";
  if (r.status === 401 || r.status === 403) return `the API refused the credentials (HTTP ${r.status})`;
  if (r.status === 429) return "the API is rate-limiting (HTTP 429)";
  if (r.status === 529) return "the API is overloaded (HTTP 529)";
  return `the API answered HTTP ${r.status}`;
}

/** What the person can do while claude keeps retrying. */
export function retryHint(r: ApiRetry): string {
  const what =
    r.status === null
      ? "check the network and ANTHROPIC_BASE_URL"
      : r.status === 401 || r.status === 403
        ? "check ANTHROPIC_API_KEY (or log in with `claude`)"
        : "it is on the API's side; waiting may be enough";
  return `${what}; \`maos doctor\` checks the set-up; Ctrl-C stops (resume later)`;
}

/** "retry 3 of 10, next in 2 s" */
export function retryProgress(r: ApiRetry): string {
  const of = r.maxRetries ? ` of ${r.maxRetries}` : "";
  const next = r.delayMs !== null ? `, next in ${Math.max(1, Math.round(r.delayMs / 1000))} s` : "";
  return `retry ${r.attempt}${of}${next}`;
}

/**
 * Lines for people as the retries come: the first says what failed and what to do (within
 * about a second of the first failure), each later one how far along the retries are.
 */
export function retryAnnouncer(what: string, say: { warn: (text: string) => void; info: (text: string) => void }): (r: ApiRetry) => void {
  let told = false;
  return (r) => {
    if (told) return say.info(`${what}: ${retryReason(r)}, ${retryProgress(r)}`);
    told = true;
    say.warn(`${what}: ${retryReason(r)}; claude keeps retrying for about 3 minutes (${retryProgress(r)}) — ${retryHint(r)}`);
  };
}
