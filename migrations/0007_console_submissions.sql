-- The console's submissions page (issue 9): rejudges that keep history, and the filters an
-- admin pages 100,000 submissions by, each on an index that also gives the order.

-- A rejudge is a new submission of the same suite by the same user to the same version;
-- rejudge_of names the submission it judges again, whose own result is left as it was
-- (appliance/submissions/intake.py).
ALTER TABLE submissions
    ADD COLUMN rejudge_of uuid REFERENCES submissions (id) ON DELETE SET NULL;
CREATE INDEX submissions_rejudge_of_idx ON submissions (rejudge_of)
    WHERE rejudge_of IS NOT NULL;

-- Newest (or oldest) first within one status, one failure reason, one problem version: a
-- page walks only matching rows, and a filtered count reads one index.
CREATE INDEX submissions_status_created_idx ON submissions (status, created_at);
CREATE INDEX submissions_reason_created_idx ON submissions (reason, created_at)
    WHERE reason IS NOT NULL;
CREATE INDEX submissions_version_created_idx ON submissions (version_id, created_at);
