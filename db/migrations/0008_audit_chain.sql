-- The tamper-evident trail (全程留痕 that survives Temporal's retention): every audit event of a
-- case carries the hash of the case's previous event, and its own hash covers its columns and
-- that link. The database keeps the chain, so no writer can forget it: a BEFORE INSERT trigger
-- takes a per-case lock, numbers the row after the case's last one and links it.
-- audit_chain_break(application_no) recomputes a case's chain and answers the id of the first
-- event that does not match (NULL: intact).
CREATE FUNCTION audit_event_digest(prev text, e audit_events) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  -- A JSON array is an unambiguous encoding; jsonb text is canonical; the instant in
  -- microseconds since the epoch, so the session's time zone plays no part.
  SELECT encode(sha256(convert_to(jsonb_build_array(
    prev, e.id, e.event_key, e.application_no, e.task_id, e.kind, e.summary, e.actor, e.detail, e.workflow_id,
    (extract(epoch FROM e.at) * 1000000)::bigint
  )::text, 'UTF8')), 'hex')
$$;
--> statement-breakpoint
CREATE FUNCTION audit_events_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  prev text;
BEGIN
  -- One writer per case at a time, until commit: the row numbered under the lock comes after
  -- every event of the case already committed, so the chain's order is the id order. Cases
  -- share 1024 locks (class 7001), so a transaction writing for many cases holds at most 1024.
  PERFORM pg_advisory_xact_lock(7001, hashtext(NEW.application_no) & 1023);
  NEW.id := nextval(pg_get_serial_sequence('audit_events', 'id'));
  SELECT a.hash INTO prev FROM audit_events a WHERE a.application_no = NEW.application_no ORDER BY a.id DESC LIMIT 1;
  NEW.prev_hash := prev;
  NEW.hash := audit_event_digest(prev, NEW);
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE FUNCTION audit_chain_break(app text) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
  e audit_events;
  prev text := NULL;
BEGIN
  FOR e IN SELECT * FROM audit_events WHERE application_no = app ORDER BY id LOOP
    IF e.prev_hash IS DISTINCT FROM prev OR e.hash IS DISTINCT FROM audit_event_digest(prev, e) THEN
      RETURN e.id;
    END IF;
    prev := e.hash;
  END LOOP;
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- Events written before the chain existed are linked in their id order.
DO $$
DECLARE
  e audit_events;
  prev text;
  last_app text := NULL;
BEGIN
  FOR e IN SELECT * FROM audit_events ORDER BY application_no, id LOOP
    IF last_app IS DISTINCT FROM e.application_no THEN
      prev := NULL;
      last_app := e.application_no;
    END IF;
    UPDATE audit_events SET prev_hash = prev, hash = audit_event_digest(prev, e) WHERE id = e.id RETURNING hash INTO prev;
  END LOOP;
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_chain();
