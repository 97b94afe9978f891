-- An alert keeps the start of its firing cycle when a follow-up arrives: a PagerDuty acknowledge
-- or resolve carries no start, and Datadog sends each transition with its own time. starts_at is
-- when the cycle began (the thread's "since"); state_at is the time of the state last applied,
-- which orders deliveries (an older one loses). Groups count acknowledged alerts apart from
-- firing ones, so a thread says "1 acknowledged" instead of "1 of 1 firing".
SELECT set_config('app.tenant_id', '*', true);

ALTER TABLE alerts ADD COLUMN state_at timestamptz;
UPDATE alerts SET state_at = starts_at;
ALTER TABLE alerts ALTER COLUMN state_at SET NOT NULL;

ALTER TABLE alert_groups ADD COLUMN acknowledged_count integer NOT NULL DEFAULT 0;
UPDATE alert_groups g SET acknowledged_count = c.acked, firing_count = g.firing_count - c.acked
FROM (
  SELECT group_id, count(*) FILTER (WHERE status = 'acknowledged')::int AS acked
  FROM alerts WHERE group_id IS NOT NULL GROUP BY group_id
) c
WHERE c.group_id = g.id AND c.acked > 0;
