-- maos databases identify themselves in the SQLite header (PRAGMA application_id, "MAOS").
-- New files get it with their first tables (0001); this marks files made before it existed.
PRAGMA application_id = 1296125779;

-- The planner's tokens, so every total (list, status, summary, --json) is planner + tasks,
-- like the cost already was in total_cost.
ALTER TABLE orchestrations ADD COLUMN planner_input_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orchestrations ADD COLUMN planner_output_tokens INTEGER NOT NULL DEFAULT 0;
