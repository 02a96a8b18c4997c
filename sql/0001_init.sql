-- maos schema v1.
-- The six tables of the original design keep their names and columns; maos adds
-- its own columns after theirs. Timestamps are UTC text 'YYYY-MM-DD HH:MM:SS.SSS'.

CREATE TABLE orchestrations (
    id TEXT PRIMARY KEY,
    request TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'running'
        CHECK (status IN ('running','paused','completed','failed','cancelled')),
    agents TEXT,                    -- JSON array of agent ids
    batches TEXT,                   -- JSON array of dependency levels (arrays of task keys)
    total_cost REAL NOT NULL DEFAULT 0.0,
    total_duration_ms INTEGER NOT NULL DEFAULT 0,
    successful_agents INTEGER NOT NULL DEFAULT 0,
    total_agents INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    completed_at TIMESTAMP,
    last_updated TIMESTAMP,
    active_agents INTEGER NOT NULL DEFAULT 0,
    message_count INTEGER NOT NULL DEFAULT 0,
    summary TEXT,
    metadata TEXT,                  -- JSON object
    -- maos additions
    owner_pid INTEGER,
    owner_host TEXT,
    heartbeat_at TIMESTAMP,
    save_interval_s INTEGER NOT NULL DEFAULT 30,
    cwd TEXT NOT NULL,
    claude_config_dir TEXT,
    plan TEXT,                      -- JSON: {summary, tasks:[{id,agent_type,description,depends_on}]}
    options TEXT,                   -- JSON: run options (max_parallel, model, budget …)
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    planner_cost_usd REAL NOT NULL DEFAULT 0.0, -- included in total_cost and counted against --budget-usd
    planner_pid INTEGER              -- the planner's claude process while it runs (orphan check on resume)
);
-- (created_at, id) so `orchestration list` (newest first, optionally by status) reads in index order.
CREATE INDEX orchestrations_status ON orchestrations(status, created_at, id);
CREATE INDEX orchestrations_created ON orchestrations(created_at, id);

CREATE TABLE tasks (
    id TEXT PRIMARY KEY,            -- '<orchestration id>:<task key>'
    parent_task_id TEXT,
    description TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending','running','completed','failed','blocked','cancelled')),
    assigned_agents TEXT,           -- JSON array of agent ids
    subtasks TEXT,                  -- JSON array
    progress REAL NOT NULL DEFAULT 0.0,
    result TEXT,                    -- the agent's final answer
    created_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    started_at TIMESTAMP,
    completed_at TIMESTAMP,
    -- maos additions
    orchestration_id TEXT NOT NULL REFERENCES orchestrations(id) ON DELETE CASCADE,
    task_key TEXT NOT NULL,         -- the plan's task id (slug)
    position INTEGER NOT NULL,      -- order in the plan
    agent_type TEXT NOT NULL,
    depends_on TEXT NOT NULL DEFAULT '[]', -- JSON array of task keys
    attempt INTEGER NOT NULL DEFAULT 0,    -- attempts started so far
    session_id TEXT,
    error TEXT,
    cost_usd REAL NOT NULL DEFAULT 0.0,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    num_turns INTEGER NOT NULL DEFAULT 0,
    duration_ms INTEGER NOT NULL DEFAULT 0,
    completed_count INTEGER NOT NULL DEFAULT 0, -- times this task reached 'completed' (must stay <= 1)
    FOREIGN KEY (parent_task_id) REFERENCES tasks(id),
    UNIQUE (orchestration_id, task_key)
);
-- Every foreign key below has an index on its child column: without one, each cascading
-- delete (orchestration cleanup) scans the whole child table once per parent row.
CREATE INDEX tasks_parent ON tasks(parent_task_id);

CREATE TABLE agents (
    id TEXT PRIMARY KEY,            -- same string as its task id: one actor per task
    name TEXT NOT NULL,
    type TEXT,
    session_id TEXT,
    process_id TEXT,
    status TEXT NOT NULL DEFAULT 'inactive', -- inactive, active, completed, failed, interrupted
    capabilities TEXT,              -- JSON array (tools)
    created_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    last_active TIMESTAMP,
    metadata TEXT,                  -- JSON object
    -- maos additions
    orchestration_id TEXT NOT NULL REFERENCES orchestrations(id) ON DELETE CASCADE,
    task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL NOT NULL DEFAULT 0.0,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    num_turns INTEGER NOT NULL DEFAULT 0,
    duration_ms INTEGER NOT NULL DEFAULT 0,
    last_seq INTEGER NOT NULL DEFAULT 0,    -- highest event sequence committed for this agent
    last_activity TEXT                      -- short text of what it did last
);
CREATE INDEX agents_orchestration ON agents(orchestration_id);
CREATE INDEX agents_status ON agents(status);
CREATE INDEX agents_task ON agents(task_id);

CREATE TABLE sessions (
    session_id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL,
    task TEXT,
    conversation_history TEXT,      -- JSON array of {role, text} (bounded)
    turn_count INTEGER NOT NULL DEFAULT 0,
    total_cost REAL NOT NULL DEFAULT 0.0,
    status TEXT NOT NULL DEFAULT 'active',
    created_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    updated_at TIMESTAMP,
    -- maos additions
    orchestration_id TEXT NOT NULL REFERENCES orchestrations(id) ON DELETE CASCADE,
    cwd TEXT NOT NULL,
    claude_config_dir TEXT,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE
);
CREATE INDEX sessions_agent ON sessions(agent_id);
CREATE INDEX sessions_orchestration ON sessions(orchestration_id);

CREATE TABLE attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    orchestration_id TEXT NOT NULL REFERENCES orchestrations(id) ON DELETE CASCADE,
    task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    session_id TEXT NOT NULL,
    resumed INTEGER NOT NULL DEFAULT 0,     -- 1 when started with --resume
    pid INTEGER,
    status TEXT NOT NULL DEFAULT 'running'
        CHECK (status IN ('running','completed','failed','interrupted')),
    reason TEXT,
    stderr_tail TEXT,
    started_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    ended_at TIMESTAMP,
    UNIQUE (task_id, attempt)
);
CREATE INDEX attempts_orchestration ON attempts(orchestration_id, status);
CREATE INDEX attempts_agent ON attempts(agent_id);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    from_agent TEXT NOT NULL,
    to_agent TEXT,                  -- NULL for broadcasts (and for undeliverable targets)
    message TEXT NOT NULL,
    message_type TEXT NOT NULL DEFAULT 'info', -- discovery, broadcast, message, request
    timestamp TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    acknowledged BOOLEAN NOT NULL DEFAULT 0,   -- 1 once every recipient acknowledged
    -- maos additions
    orchestration_id TEXT NOT NULL REFERENCES orchestrations(id) ON DELETE CASCADE,
    to_task TEXT,                   -- the task key as written after '@'
    undeliverable INTEGER NOT NULL DEFAULT 0,
    idempotency_key TEXT NOT NULL UNIQUE
    -- from_agent and to_agent hold agents(id), but without FOREIGN KEY clauses: a message
    -- goes with its orchestration (ON DELETE CASCADE above), and the two indexes those
    -- clauses need for cascading deletes halved the mailbox's write throughput.
);
CREATE INDEX messages_orchestration ON messages(orchestration_id, id);

-- One row per (message, recipient): a broadcast reaches each other agent on its own.
CREATE TABLE deliveries (
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    orchestration_id TEXT NOT NULL, -- denormalised; rows go with their message or agent
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','delivered','acknowledged')),
    attempt INTEGER,                -- recipient attempt it was delivered to
    via TEXT,                       -- 'prompt' or 'stdin'
    delivered_at TIMESTAMP,
    acknowledged_at TIMESTAMP,
    PRIMARY KEY (message_id, agent_id)
);
-- The one secondary index: mailboxes (and, through agents, whole orchestrations) are read
-- by agent and status. Every extra index is paid on each send, take and acknowledgement.
CREATE INDEX deliveries_mailbox ON deliveries(agent_id, status, message_id);
-- The documented troubleshooting query `sqlite3 maos.db "DELETE FROM messages WHERE …"` runs with
-- foreign keys off (the sqlite3 shell's default), where ON DELETE CASCADE does not fire; a trigger
-- always does, so no delivery is left pointing at a deleted message.
CREATE TRIGGER messages_delete_deliveries AFTER DELETE ON messages
BEGIN DELETE FROM deliveries WHERE message_id = old.id; END;

CREATE TABLE checkpoints (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    orchestrator_state TEXT,        -- JSON object
    agent_sessions TEXT,            -- JSON mapping agent id -> {session_id, last_seq, status}
    task_states TEXT,               -- JSON mapping task key -> status
    message_history TEXT,           -- JSON: {last_message_id, pending_deliveries}
    created_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    -- maos additions
    orchestration_id TEXT REFERENCES orchestrations(id) ON DELETE CASCADE,
    kind TEXT NOT NULL DEFAULT 'manual' CHECK (kind IN ('manual','auto'))
);
CREATE INDEX checkpoints_created ON checkpoints(created_at);
CREATE INDEX checkpoints_orchestration ON checkpoints(orchestration_id, created_at);

-- Append-only: one row per line an agent streamed.
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    orchestration_id TEXT NOT NULL REFERENCES orchestrations(id) ON DELETE CASCADE,
    agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    session_id TEXT,
    attempt INTEGER NOT NULL,
    seq INTEGER NOT NULL,           -- per agent, 1, 2, 3 … across attempts
    ts TIMESTAMP NOT NULL,
    type TEXT NOT NULL,             -- stream-json type, or 'raw' for a line that is not JSON
    subtype TEXT,
    raw TEXT NOT NULL,
    UNIQUE (agent_id, seq)
);
CREATE INDEX events_orchestration ON events(orchestration_id, id);
CREATE TRIGGER events_append_only BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

CREATE TABLE resumes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    orchestration_id TEXT NOT NULL REFERENCES orchestrations(id) ON DELETE CASCADE,
    pid INTEGER NOT NULL,
    previous_status TEXT NOT NULL,
    summary TEXT NOT NULL,          -- JSON: {continued:[], started:[], done:[], messages_waiting, added_task}
    created_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now'))
);
CREATE INDEX resumes_orchestration ON resumes(orchestration_id);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now'))
);

-- maos databases identify themselves in the SQLite header ("MAOS"), in the same transaction
-- as the tables, so another process never sees the tables without the id (src/store/identity.ts).
PRAGMA application_id = 1296125779;
