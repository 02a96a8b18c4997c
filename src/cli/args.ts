import type { ArgsDef } from "citty";

/** Flags every command that touches the database takes. */
export const dbArgs = {
  db: { type: "string", description: "Database file (default: $MAOS_DB or ./maos.db)", valueHint: "PATH" },
  verbose: { type: "boolean", description: "Show debug logs and stack traces" },
} as const satisfies ArgsDef;

export const jsonArgs = {
  json: { type: "boolean", description: "Print one JSON document on stdout (logs stay on stderr)" },
} as const satisfies ArgsDef;
