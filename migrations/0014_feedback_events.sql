-- AI feedback's state changes are announced on the channel of submission status changes
-- (0009), once for every submission that asked for that feedback (a cached feedback
-- answers several): the learner's result page that waits for it is woken as it is for a
-- verdict, with no polling.

CREATE FUNCTION notify_feedback_status() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('submission_status', r.submission_id::text)
        FROM feedback_requests r WHERE r.feedback_id = NEW.id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER feedback_status_changed
    AFTER UPDATE OF status ON feedback
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION notify_feedback_status();
