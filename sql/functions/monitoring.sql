-- Dynamic monitoring's guards (tables in 0035_monitoring.sql). A mine's
-- report is its own operator's (or an administrator's); an emergency event
-- is recorded by the mine's operator or a reviewer, and closed by a
-- reviewer; an inspection is a reviewer's. Nothing is dated in the future,
-- and a report is dated when it is submitted (the owner records old ones).

CALL protect_rows('monitoring_reports');
CALL protect_rows('monitoring_report_hazards');
CALL protect_rows('monitoring_events');
CALL protect_rows('monitoring_event_closures');
CALL protect_rows('monitoring_inspections');

CREATE OR REPLACE FUNCTION monitoring_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    CASE TG_TABLE_NAME
        WHEN 'monitoring_reports' THEN
            PERFORM reclaim_check_actor_for_mine(NEW.submitted_by, ARRAY['operator', 'admin'], NEW.mine_id);
            IF NOT reclaim_session_is_owner() AND NEW.submitted_at < now() - interval '1 minute' THEN
                RAISE EXCEPTION 'a report is recorded when it is submitted' USING ERRCODE = 'RCRUL', COLUMN = 'submitted_at';
            END IF;
            -- the quarter has begun (Beijing time)
            IF make_date(substr(NEW.period, 1, 4)::int, (substr(NEW.period, 6, 1)::int - 1) * 3 + 1, 1) > bureau_date(NEW.submitted_at) THEN
                RAISE EXCEPTION 'the period % has not begun', NEW.period USING ERRCODE = 'RCRUL', COLUMN = 'period';
            END IF;
            IF (SELECT status FROM mines WHERE id = NEW.mine_id) IN ('closed', 'cancelled') THEN
                RAISE EXCEPTION 'a closed mine, or one whose licence was cancelled, reports no monitoring' USING ERRCODE = 'RCRUL', COLUMN = 'license';
            END IF;
        WHEN 'monitoring_report_hazards' THEN
            -- a report's hazards are written with it, in its transaction, never added to it later
            IF coalesce((SELECT age(r.xmin) FROM monitoring_reports r WHERE r.id = NEW.report_id), 1) <> 0 THEN
                RAISE EXCEPTION 'a report''s hazards are recorded with the report' USING ERRCODE = 'RCRUL', COLUMN = 'hazards';
            END IF;
        WHEN 'monitoring_events' THEN
            PERFORM reclaim_check_actor_for_mine(NEW.recorded_by, ARRAY['operator', 'reviewer', 'admin'], NEW.mine_id);
            IF NEW.occurred_at > now() + interval '5 minutes' THEN
                RAISE EXCEPTION 'an event is recorded once it has happened, not at %', NEW.occurred_at
                    USING ERRCODE = 'RCRUL', COLUMN = 'occurred_at';
            END IF;
        WHEN 'monitoring_event_closures' THEN PERFORM reclaim_check_actor(NEW.closed_by, ARRAY['reviewer']);
        WHEN 'monitoring_inspections' THEN
            PERFORM reclaim_check_actor(NEW.inspected_by, ARRAY['reviewer']);
            IF NEW.inspected_on > bureau_date(now()) THEN
                RAISE EXCEPTION 'an inspection is recorded for a day that has come, not %', NEW.inspected_on
                    USING ERRCODE = 'RCRUL', COLUMN = 'date';
            END IF;
        ELSE NULL;
    END CASE;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER monitoring_reports_guard BEFORE INSERT ON monitoring_reports FOR EACH ROW EXECUTE FUNCTION monitoring_guard();
CREATE OR REPLACE TRIGGER monitoring_report_hazards_guard BEFORE INSERT ON monitoring_report_hazards
    FOR EACH ROW EXECUTE FUNCTION monitoring_guard();
CREATE OR REPLACE TRIGGER monitoring_events_guard BEFORE INSERT ON monitoring_events FOR EACH ROW EXECUTE FUNCTION monitoring_guard();
CREATE OR REPLACE TRIGGER monitoring_event_closures_guard BEFORE INSERT ON monitoring_event_closures
    FOR EACH ROW EXECUTE FUNCTION monitoring_guard();
CREATE OR REPLACE TRIGGER monitoring_inspections_guard BEFORE INSERT ON monitoring_inspections
    FOR EACH ROW EXECUTE FUNCTION monitoring_guard();
