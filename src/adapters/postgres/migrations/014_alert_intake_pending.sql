-- Alert intake answers as soon as a payload is stored: it keeps the payload's validated,
-- normalised alerts (JSON text, not parsed again here) and the worker that processes the
-- payload turns them into alert events, dropping duplicates, in its own transaction.
-- new_count is known once the payload is processed (NULL until then).
ALTER TABLE alert_payloads ADD COLUMN pending_events text;
ALTER TABLE alert_payloads ALTER COLUMN new_count DROP NOT NULL;
