-- 0031: a mistyped coefficient set can be corrected. Until now a set was
-- the only one for its (jurisdiction, effective date): a typo was locked in
-- for its year, and a correction dated later was never used for that year.
-- A correction is a new set, never an edit: it names the set it supersedes
-- and why, has the same jurisdiction and effective date, and the next
-- generation; the set in force is the latest generation
-- (RuleSets.inForce). Assessments made with the old set keep naming it; a
-- reassessment (a new version) uses the correction.
ALTER TABLE accrual_rule_sets
    ADD COLUMN supersedes text UNIQUE REFERENCES accrual_rule_sets (name),
    ADD COLUMN correction_reason text CHECK (correction_reason IS NULL OR length(btrim(correction_reason)) BETWEEN 1 AND 500),
    ADD COLUMN generation integer NOT NULL DEFAULT 1 CHECK (generation >= 1),
    ADD CONSTRAINT accrual_rule_sets_correction
        CHECK ((supersedes IS NULL) = (correction_reason IS NULL) AND (supersedes IS NULL) = (generation = 1));
ALTER TABLE accrual_rule_sets DROP CONSTRAINT accrual_rule_sets_jurisdiction_effective_from_key;
ALTER TABLE accrual_rule_sets ADD CONSTRAINT accrual_rule_sets_generation UNIQUE (jurisdiction, effective_from, generation);
