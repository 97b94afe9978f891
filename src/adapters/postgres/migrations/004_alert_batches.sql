-- Payloads are applied in batches, each batch in one transaction: alert_payloads.processed_at
-- says when a payload's events were applied, so the per-event mark goes.
DROP INDEX alert_events_payload_idx;
ALTER TABLE alert_events DROP COLUMN processed_at;
CREATE INDEX alert_events_payload_idx ON alert_events (payload_id);
