-- maos schema v2: what people did to an orchestration from outside its owner process
-- (the dashboard's pause, resume and message actions): who, when, what, and how it went.
CREATE TABLE actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    orchestration_id TEXT NOT NULL REFERENCES orchestrations(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('pause','resume','message')),
    actor TEXT NOT NULL,            -- e.g. 'dashboard 127.0.0.1 (Mozilla/5.0 …)'
    detail TEXT NOT NULL,           -- JSON: {pid} / {to, message_id} …
    outcome TEXT NOT NULL CHECK (outcome IN ('done','refused')),
    reason TEXT,                    -- why it was refused
    created_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now'))
);
CREATE INDEX actions_orchestration ON actions(orchestration_id, id);
