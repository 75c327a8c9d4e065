-- The learner's live result (issue 10): every change of a submission's status is announced
-- on channel submission_status with the submission's id as payload, so that an open page
-- re-reads it when it moves on instead of polling. NOTIFY is delivered at commit, so a
-- listener that reads after the notification sees the new status and its stored results
-- (the worker stores them in the same transaction as the terminal status).

CREATE FUNCTION notify_submission_status() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('submission_status', NEW.id::text);
    RETURN NULL;
END;
$$;

-- A new submission (PENDING) is a change too: a page may already wait for its id.
CREATE TRIGGER submissions_status_inserted
    AFTER INSERT ON submissions
    FOR EACH ROW EXECUTE FUNCTION notify_submission_status();

-- Only a real change: rewriting the same status (or other columns) announces nothing.
CREATE TRIGGER submissions_status_changed
    AFTER UPDATE OF status ON submissions
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION notify_submission_status();
