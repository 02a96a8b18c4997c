-- Interventions (issue 13): retry, skip and cancel asked for by a user, with who and when.
-- A command records one as pending; whoever drives the orchestration next applies it
-- (its live owner between scheduling steps, or the command itself when nobody runs it).
CREATE TABLE interventions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    orchestration_id TEXT NOT NULL REFERENCES orchestrations(id) ON DELETE CASCADE,
    task_key TEXT,                  -- NULL: the whole orchestration (cancel)
    action TEXT NOT NULL CHECK (action IN ('retry','skip','cancel')),
    fresh INTEGER NOT NULL DEFAULT 0,       -- retry --fresh: the next attempt starts a new Claude session
    result_text TEXT,               -- skip --result
    requested_by TEXT NOT NULL,     -- user@host
    requested_pid INTEGER NOT NULL,
    requested_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','applied','refused')),
    applied_at TIMESTAMP,
    applied_by_pid INTEGER,
    outcome TEXT                    -- what it changed, or why it could not be applied
);
CREATE INDEX interventions_orchestration ON interventions(orchestration_id, status, id);

-- A task the user cancelled stays cancelled on resume (until retried, or resume --force).
ALTER TABLE tasks ADD COLUMN user_cancelled INTEGER NOT NULL DEFAULT 0;
-- retry --fresh: the next attempt starts a new Claude session (cleared when it starts).
ALTER TABLE tasks ADD COLUMN fresh_session INTEGER NOT NULL DEFAULT 0;
