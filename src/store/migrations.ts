// Migrations are imported as text so `bun build --compile` embeds them in the binary.
import m0001 from "../../sql/0001_init.sql" with { type: "text" };
import m0002 from "../../sql/0002_actions.sql" with { type: "text" };

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Every migration, in order; version N is the N-th entry. */
export const migrations: readonly Migration[] = [
  { version: 1, name: "0001_init", sql: m0001 },
  { version: 2, name: "0002_actions", sql: m0002 },
];

export const schemaVersion = migrations.length;
