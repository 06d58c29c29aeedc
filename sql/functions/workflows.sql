-- The review workflows' transition tables (migration 0025), as the Swift
-- code declares them in each record type's `workflow` (Plans, AnnualPlans,
-- Closures, LegacyProjects). WorkflowTableTests fails when the two differ.
-- review_apply reads them; rewritten whole whenever this file changes.
DELETE FROM workflows;

INSERT INTO workflows (record_type, initial_state, submit_action) VALUES ('plan', 'draft', 'submit');
INSERT INTO workflow_transitions (record_type, from_state, action, to_state, reviewed, roles) VALUES
    ('plan', 'draft', 'submit', 'submitted', false, ARRAY['operator']),
    ('plan', 'submitted', 'approve', 'approved', true, ARRAY['reviewer']),
    ('plan', 'submitted', 'return', 'returned', true, ARRAY['reviewer']);

INSERT INTO workflows (record_type, initial_state, submit_action) VALUES ('annual-plan', 'draft', 'submit');
INSERT INTO workflow_transitions (record_type, from_state, action, to_state, reviewed, roles) VALUES
    ('annual-plan', 'draft', 'submit', 'submitted', false, ARRAY['operator']),
    ('annual-plan', 'submitted', 'approve', 'approved', true, ARRAY['reviewer']),
    ('annual-plan', 'submitted', 'return', 'returned', true, ARRAY['reviewer']),
    ('annual-plan', 'returned', 'submit', 'submitted', false, ARRAY['operator']),
    ('annual-plan', 'approved', 'revise', 'revision-submitted', false, ARRAY['operator']),
    ('annual-plan', 'revision-submitted', 'approve', 'approved', true, ARRAY['reviewer']),
    ('annual-plan', 'revision-submitted', 'return', 'revision-returned', true, ARRAY['reviewer']),
    ('annual-plan', 'revision-returned', 'revise', 'revision-submitted', false, ARRAY['operator']),
    ('annual-plan', 'approved', 'report', 'reported', false, ARRAY['operator']),
    ('annual-plan', 'revision-returned', 'report', 'reported', false, ARRAY['operator']),
    ('annual-plan', 'reported', 'accept', 'accepted', true, ARRAY['reviewer']),
    ('annual-plan', 'reported', 'fail', 'failed', true, ARRAY['reviewer']),
    ('annual-plan', 'failed', 'report', 'reported', false, ARRAY['operator']);

INSERT INTO workflows (record_type, initial_state, submit_action) VALUES ('closure-application', 'draft', 'file');
INSERT INTO workflow_transitions (record_type, from_state, action, to_state, reviewed, roles) VALUES
    ('closure-application', 'draft', 'file', 'filed', false, ARRAY['operator']),
    ('closure-application', 'filed', 'assign', 'under-review', true, ARRAY['reviewer']),
    ('closure-application', 'under-review', 'notice', 'noticed', true, ARRAY['reviewer', 'expert']),
    ('closure-application', 'under-review', 'reject', 'rejected', true, ARRAY['reviewer', 'expert']),
    ('closure-application', 'noticed', 'reject', 'rejected', true, ARRAY['reviewer']),
    ('closure-application', 'noticed', 'confirm', 'accepted', true, ARRAY['reviewer']);

INSERT INTO workflows (record_type, initial_state, submit_action) VALUES ('legacy-project', 'draft', 'plan');
INSERT INTO workflow_transitions (record_type, from_state, action, to_state, reviewed, roles) VALUES
    ('legacy-project', 'draft', 'plan', 'planned', false, ARRAY['admin', 'reviewer']),
    ('legacy-project', 'planned', 'approve', 'approved', true, ARRAY['reviewer']),
    ('legacy-project', 'approved', 'start', 'in-works', false, ARRAY['admin', 'reviewer']),
    ('legacy-project', 'in-works', 'suspend', 'suspended', false, ARRAY['admin', 'reviewer']),
    ('legacy-project', 'suspended', 'resume', 'in-works', false, ARRAY['admin', 'reviewer']),
    ('legacy-project', 'in-works', 'complete', 'completed', false, ARRAY['admin', 'reviewer']),
    ('legacy-project', 'completed', 'accept', 'accepted', true, ARRAY['reviewer']);
