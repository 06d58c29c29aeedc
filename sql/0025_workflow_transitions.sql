-- 0025: the review workflows' transition tables as data the database
-- enforces. review_apply (sql/functions/review.sql) looks each action up
-- here, from the record's own state, checks the actor's role and that a
-- review step is not the submitter's, and takes the new state from the row:
-- nothing the caller sends about states, flags or roles is trusted. The
-- rows are written by sql/functions/workflows.sql from the same tables the
-- Swift code declares (WorkflowTableTests holds the two equal); the
-- service's role only reads them.
CREATE TABLE workflows (
    record_type   text PRIMARY KEY CHECK (record_type ~ '^[a-z][a-z0-9-]{0,39}$'),
    initial_state text NOT NULL,
    -- the action that makes its actor the record's submitter
    submit_action text NOT NULL
);

CREATE TABLE workflow_transitions (
    record_type text NOT NULL REFERENCES workflows (record_type) ON DELETE CASCADE,
    from_state  text NOT NULL,
    action      text NOT NULL,
    to_state    text NOT NULL,
    -- a review step: never taken by the record's submitter
    reviewed    boolean NOT NULL,
    -- the roles that may take it (an operator only for the record's own mine)
    roles       text[] NOT NULL CHECK (cardinality(roles) > 0
                AND roles <@ ARRAY['admin', 'finance', 'operator', 'reviewer', 'auditor', 'expert']),
    PRIMARY KEY (record_type, from_state, action)
);
