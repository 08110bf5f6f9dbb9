-- Audit log: one row per mutating request, written in the same transaction as the change.
-- Partitioned by month; old partitions are archived to the blob store and dropped (audit/archive.ts).
CREATE TABLE audit_log (
  id          bigserial,
  at          timestamptz NOT NULL DEFAULT now(),
  actor       text NOT NULL,
  action      text NOT NULL,
  resource    text NOT NULL,
  request_id  text,
  before      jsonb,
  after       jsonb,
  PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);

CREATE TABLE audit_log_default PARTITION OF audit_log DEFAULT;
CREATE INDEX audit_log_resource ON audit_log (resource, at);

-- Creates the monthly partitions from the month of `from_ts` for `months` months; idempotent.
CREATE FUNCTION ensure_audit_partitions(from_ts timestamptz, months integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  m date := date_trunc('month', from_ts AT TIME ZONE 'UTC')::date;
  made integer := 0;
  part text;
BEGIN
  FOR i IN 0..months - 1 LOOP
    part := 'audit_log_' || to_char(m, 'YYYYMM');
    IF to_regclass(part) IS NULL THEN
      EXECUTE format(
        'CREATE TABLE %I PARTITION OF audit_log FOR VALUES FROM (%L) TO (%L)',
        part, (m::timestamp AT TIME ZONE 'UTC'), ((m + interval '1 month')::timestamp AT TIME ZONE 'UTC'));
      made := made + 1;
    END IF;
    m := (m + interval '1 month')::date;
  END LOOP;
  RETURN made;
END $$;

SELECT ensure_audit_partitions(now(), 3);
