-- The scheduler's sweep looks for pending feedback every few seconds (feedback/queries.py
-- pending_since): a small partial index instead of a scan of every feedback ever written.

CREATE INDEX feedback_pending_idx ON feedback (requested_at) WHERE status = 'pending';
