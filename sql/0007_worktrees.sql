-- Worktree isolation (issue 11): a git worktree and branch per task, merged into the
-- orchestration's integration branch one at a time, each merge recorded before and after.

-- One per orchestration run with --isolation worktree.
CREATE TABLE workspaces (
    orchestration_id TEXT PRIMARY KEY REFERENCES orchestrations(id) ON DELETE CASCADE,
    repo_root TEXT NOT NULL,
    base_branch TEXT,                 -- the user's branch at the start; NULL when HEAD was detached
    base_commit TEXT NOT NULL,        -- the user's HEAD at the start: where the integration branch began
    integration_branch TEXT NOT NULL,
    integration_path TEXT NOT NULL,
    final_outcome TEXT,               -- fast-forward, merged, left, kept (--no-merge); NULL until the run completes
    final_detail TEXT,                -- why it was left, or the command to merge by hand
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE task_worktrees (
    task_id TEXT PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,
    orchestration_id TEXT NOT NULL REFERENCES orchestrations(id) ON DELETE CASCADE,
    branch TEXT NOT NULL,
    path TEXT NOT NULL,
    base_commit TEXT NOT NULL,        -- the integration branch's head when the worktree was made
    commit_sha TEXT,                  -- the task's commit once it completed
    note TEXT,                        -- what was found wrong with it on resume, and what was done
    resolves_task_id TEXT,            -- a resolver's worktree: the task whose conflicting merge it finishes
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX task_worktrees_orchestration ON task_worktrees(orchestration_id);

-- A merge is inserted as 'started' before git runs and updated after: a resume finds an
-- unfinished one and checks the target's history to finish or redo it, never twice.
CREATE TABLE merges (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    orchestration_id TEXT NOT NULL REFERENCES orchestrations(id) ON DELETE CASCADE,
    task_id TEXT,                     -- NULL: the final merge into the user's branch
    source_branch TEXT NOT NULL,
    source_commit TEXT NOT NULL,
    target_branch TEXT NOT NULL,
    before_commit TEXT NOT NULL,
    after_commit TEXT,
    status TEXT NOT NULL CHECK (status IN ('started','merged','conflict','aborted')),
    conflicts TEXT,                   -- JSON array of conflicting paths
    started_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP
);
CREATE INDEX merges_orchestration ON merges(orchestration_id, id);
