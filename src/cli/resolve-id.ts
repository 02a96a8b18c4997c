import type { Database } from "bun:sqlite";
import { NotFoundError, UsageError } from "../errors.ts";
import { findOrchestrationIdsByPrefix } from "../store/orchestrations.ts";

/** Resolves a full id or any unique prefix; ambiguous → exit 2 listing candidates, unknown → exit 3. */
export function resolveOrchestrationId(db: Database, input: string): string {
  const prefix = input.trim();
  if (!/^[0-9a-f-]{1,36}$/i.test(prefix)) {
    throw new UsageError(`"${input}" is not an orchestration id`, "ids are hexadecimal, e.g. 3f2a9c1e; see `maos orchestration list`");
  }
  const matches = findOrchestrationIdsByPrefix(db, prefix.toLowerCase(), 6);
  if (matches.length === 0) {
    throw new NotFoundError(`no orchestration matches "${input}"`, "see `maos orchestration list`");
  }
  if (matches.length > 1) {
    const shown = matches.slice(0, 5).map((id) => id.slice(0, 12)).join(", ");
    throw new UsageError(`"${input}" matches several orchestrations: ${shown}${matches.length > 5 ? ", …" : ""}`, "type more characters");
  }
  return matches[0]!;
}
