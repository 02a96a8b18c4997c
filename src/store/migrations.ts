// Migrations are imported as text so `bun build --compile` embeds them in the binary.
import m0001 from "../../sql/0001_init.sql" with { type: "text" };
import m0002 from "../../sql/0002_runtime.sql" with { type: "text" };
import m0003 from "../../sql/0003_resume_options.sql" with { type: "text" };
import m0004 from "../../sql/0004_actions.sql" with { type: "text" };
import m0005 from "../../sql/0005_interventions.sql" with { type: "text" };
import m0006 from "../../sql/0006_hardening.sql" with { type: "text" };
import m0007 from "../../sql/0007_worktrees.sql" with { type: "text" };
import { schemaVersion } from "./schema-version.ts";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Every migration, in order; version N is the N-th entry. */
export const migrations: readonly Migration[] = [
  { version: 1, name: "0001_init", sql: m0001 },
  { version: 2, name: "0002_runtime", sql: m0002 },
  { version: 3, name: "0003_resume_options", sql: m0003 },
  { version: 4, name: "0004_actions", sql: m0004 },
  { version: 5, name: "0005_interventions", sql: m0005 },
  { version: 6, name: "0006_hardening", sql: m0006 },
  { version: 7, name: "0007_worktrees", sql: m0007 },
];

export { schemaVersion };
// schema-version.ts states the count so db.ts need not load this module; a mismatch would
// make maos skip or refuse migrations, so it stops every start that loads them.
if (migrations.length !== schemaVersion) {
  throw new Error(`schema-version.ts says ${schemaVersion} but there are ${migrations.length} migrations`);
}
