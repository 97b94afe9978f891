-- A lane's job ids carry its epoch: a database created afresh (or a lane row recreated) next to
-- a Redis that still holds finished jobs of an older lane must not reuse their ids, or BullMQ
-- would take the new posts for duplicates of the old ones and drop them.
ALTER TABLE slack_lanes
  ADD COLUMN epoch text NOT NULL DEFAULT substr(md5(random()::text || clock_timestamp()::text), 1, 10);
