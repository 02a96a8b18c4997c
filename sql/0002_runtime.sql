-- Agent runtime (issue 9): how each attempt ended, and deliveries that can never happen.

-- Why an attempt ended, as a fixed word the continuation prompt and status can rely on
-- (reason keeps the human sentence): completed, user-interrupt, maos-stopped, crashed,
-- api-error, timeout, idle, failed, budget, start-failed, session-error, looping.
ALTER TABLE attempts ADD COLUMN cause TEXT;
-- The budget share this attempt was given (--max-budget-usd), NULL without a budget.
ALTER TABLE attempts ADD COLUMN budget_share_usd REAL;

-- deliveries gains the state 'undeliverable': the recipient finished before it could see
-- the message. SQLite cannot change a CHECK constraint in place, so the table is rebuilt.
DROP TRIGGER messages_delete_deliveries;
CREATE TABLE deliveries_new (
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    orchestration_id TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending','delivered','acknowledged','undeliverable')),
    attempt INTEGER,
    via TEXT,
    delivered_at TIMESTAMP,
    acknowledged_at TIMESTAMP,
    PRIMARY KEY (message_id, agent_id)
);
INSERT INTO deliveries_new SELECT message_id, agent_id, orchestration_id, status, attempt, via, delivered_at, acknowledged_at FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_mailbox ON deliveries(agent_id, status, message_id);
CREATE TRIGGER messages_delete_deliveries AFTER DELETE ON messages
BEGIN DELETE FROM deliveries WHERE message_id = old.id; END;
