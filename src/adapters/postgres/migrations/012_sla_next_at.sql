-- tenantops schema v12: each active SLA clock's next instant, so one sweep can claim every
-- clock that fell due, across incidents, in one statement (instead of a job per incident).
-- A trigger keeps it in step with every write; it is the earliest instant the clock needs a
-- look (nextTimer in src/domain/sla/sla-clock.ts decides what fires then): the next unsent
-- warning before due, else due while pending; the next reminder while breached.

ALTER TABLE sla_clocks ADD COLUMN next_at timestamptz;

CREATE FUNCTION sla_clock_next_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.next_at := CASE
    WHEN NEW.state = 'pending' THEN
      CASE WHEN NEW.warn_times[NEW.warnings_sent + 1] < NEW.due_at
           THEN NEW.warn_times[NEW.warnings_sent + 1] ELSE NEW.due_at END
    WHEN NEW.state = 'breached' AND NEW.repeat_every_ms IS NOT NULL THEN
      NEW.due_at + (NEW.last_reminder_n + 1) * NEW.repeat_every_ms * interval '1 millisecond'
  END;
  RETURN NEW;
END $$;

CREATE TRIGGER sla_clocks_next_at BEFORE INSERT OR UPDATE ON sla_clocks
  FOR EACH ROW EXECUTE FUNCTION sla_clock_next_at();

UPDATE sla_clocks SET state = state WHERE state IN ('pending', 'breached');

CREATE INDEX sla_clocks_next_idx ON sla_clocks (next_at) WHERE state IN ('pending', 'breached');
