-- The green-mine list's guards (tables in 0034_green_mines.sql). Listings,
-- removals, disclosures, draws, samples and checks are permanent; each is
-- written by whom the rules name, checked here whatever the client:
-- the list and the draw by administrators, a disclosure by the mine's own
-- operator (or an administrator), a check by a reviewer. A mine is on the
-- list once at a time; a closure accepted takes it off (cause closure), as
-- does a spot check's `remove` (cause spot-check).

CALL protect_rows('green_listings');
CALL protect_rows('green_removals');
CALL protect_rows('green_disclosures');
CALL protect_rows('green_draws');
CALL protect_rows('green_draw_sample');
CALL protect_rows('green_checks');

CREATE OR REPLACE FUNCTION green_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_mine bigint;
BEGIN
    CASE TG_TABLE_NAME
        WHEN 'green_listings' THEN
            PERFORM reclaim_check_actor(NEW.listed_by, ARRAY['admin']);
            -- one listing open per mine: two administrators listing it at once take turns here
            PERFORM 1 FROM mines WHERE id = NEW.mine_id FOR UPDATE;
            IF EXISTS (SELECT 1 FROM green_listings l WHERE l.mine_id = NEW.mine_id
                       AND NOT EXISTS (SELECT 1 FROM green_removals r WHERE r.listing_id = l.id)) THEN
                RAISE EXCEPTION 'the mine is on the green list already' USING ERRCODE = 'RCRUL', COLUMN = 'license';
            END IF;
            IF (SELECT status FROM mines WHERE id = NEW.mine_id) IN ('closed', 'cancelled') THEN
                RAISE EXCEPTION 'a closed mine, or one whose licence was cancelled, is not listed' USING ERRCODE = 'RCRUL', COLUMN = 'license';
            END IF;
            IF NOT reclaim_session_is_owner() AND NEW.listed_on > bureau_date(now()) THEN
                RAISE EXCEPTION 'a listing is dated today or earlier, not %', NEW.listed_on USING ERRCODE = 'RCRUL', COLUMN = 'on';
            END IF;
        WHEN 'green_removals' THEN
            PERFORM reclaim_check_actor(NEW.removed_by, CASE NEW.cause WHEN 'decision' THEN ARRAY['admin']
                                                                       ELSE ARRAY['admin', 'reviewer'] END);
            PERFORM 1 FROM green_listings WHERE id = NEW.listing_id FOR UPDATE;
        WHEN 'green_disclosures' THEN
            PERFORM reclaim_check_actor_for_mine(NEW.submitted_by, ARRAY['operator', 'admin'], NEW.mine_id);
            IF NOT reclaim_session_is_owner() AND NEW.submitted_at < now() - interval '1 minute' THEN
                RAISE EXCEPTION 'a disclosure is recorded when it is submitted' USING ERRCODE = 'RCRUL', COLUMN = 'submitted_at';
            END IF;
            IF NOT reclaim_session_is_owner() AND NEW.year >= extract(year FROM bureau_date(now())) THEN
                RAISE EXCEPTION 'a disclosure covers a year that has ended, not %', NEW.year USING ERRCODE = 'RCRUL', COLUMN = 'year';
            END IF;
            IF NOT EXISTS (SELECT 1 FROM green_listings l LEFT JOIN green_removals r ON r.listing_id = l.id
                           WHERE l.mine_id = NEW.mine_id AND l.listed_on <= make_date(NEW.year, 12, 31)
                             AND (r.removed_on IS NULL OR r.removed_on > make_date(NEW.year, 12, 31))) THEN
                RAISE EXCEPTION 'the mine was not on the green list at the end of %', NEW.year USING ERRCODE = 'RCRUL', COLUMN = 'year';
            END IF;
        WHEN 'green_draws' THEN PERFORM reclaim_check_actor(NEW.drawn_by, ARRAY['admin']);
        WHEN 'green_draw_sample' THEN
            -- an inspector is a reviewer or expert of the bureau, never one bound to the mine
            IF EXISTS (SELECT 1 FROM unnest(NEW.inspectors) i(name) LEFT JOIN users u ON u.name = i.name
                       WHERE u.role IS NULL OR u.role NOT IN ('reviewer', 'expert')
                          OR EXISTS (SELECT 1 FROM user_mines um WHERE um.user_name = i.name AND um.mine_id = NEW.mine_id)) THEN
                RAISE EXCEPTION 'a spot check''s inspectors are two reviewers or experts not bound to the mine'
                    USING ERRCODE = 'RCRUL', COLUMN = 'inspectors';
            END IF;
        WHEN 'green_checks' THEN PERFORM reclaim_check_actor(NEW.checked_by, ARRAY['reviewer']);
    END CASE;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER green_listings_guard BEFORE INSERT ON green_listings FOR EACH ROW EXECUTE FUNCTION green_guard();
CREATE OR REPLACE TRIGGER green_removals_guard BEFORE INSERT ON green_removals FOR EACH ROW EXECUTE FUNCTION green_guard();
CREATE OR REPLACE TRIGGER green_disclosures_guard BEFORE INSERT ON green_disclosures FOR EACH ROW EXECUTE FUNCTION green_guard();
CREATE OR REPLACE TRIGGER green_draws_guard BEFORE INSERT ON green_draws FOR EACH ROW EXECUTE FUNCTION green_guard();
CREATE OR REPLACE TRIGGER green_draw_sample_guard BEFORE INSERT ON green_draw_sample FOR EACH ROW EXECUTE FUNCTION green_guard();
CREATE OR REPLACE TRIGGER green_checks_guard BEFORE INSERT ON green_checks FOR EACH ROW EXECUTE FUNCTION green_guard();

-- A spot check's `remove` takes the mine off the list, in the same transaction.
CREATE OR REPLACE FUNCTION green_check_removes() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NEW.result = 'remove' THEN
        INSERT INTO green_removals (listing_id, removed_on, cause, reason, removed_by)
        SELECT l.id, bureau_date(now()), 'spot-check', NEW.finding, NEW.checked_by
        FROM green_listings l WHERE l.mine_id = NEW.mine_id
          AND NOT EXISTS (SELECT 1 FROM green_removals r WHERE r.listing_id = l.id);
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER green_check_removes AFTER INSERT ON green_checks FOR EACH ROW EXECUTE FUNCTION green_check_removes();

-- A closure accepted (验收合格确认书) takes the mine off the list, recorded as such.
CREATE OR REPLACE FUNCTION green_closure_removes() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO green_removals (listing_id, removed_on, cause, reason, document, removed_by)
    SELECT l.id, NEW.confirmed_on, 'closure', 'closure accepted (闭坑验收合格)', NEW.number, NEW.confirmed_by
    FROM closure_applications c JOIN green_listings l ON l.mine_id = c.mine_id
    WHERE c.id = NEW.application_id AND NOT EXISTS (SELECT 1 FROM green_removals r WHERE r.listing_id = l.id);
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER green_closure_removes AFTER INSERT ON closure_confirmations
    FOR EACH ROW EXECUTE FUNCTION green_closure_removes();

-- A licence cancelled by a merger (整合重组, mine_merge) leaves the list with
-- it, recorded as such, on the merger's approval date.
CREATE OR REPLACE FUNCTION green_cancellation_removes() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO green_removals (listing_id, removed_on, cause, reason, document, removed_by)
    SELECT l.id, g.approved_on, 'cancellation', 'licence cancelled by merger ' || g.id || ' (采矿证注销，整合重组)', g.document,
           g.recorded_by
    FROM mergers g JOIN green_listings l ON l.mine_id = NEW.mine_id
    WHERE g.id = NEW.merger_id AND NOT EXISTS (SELECT 1 FROM green_removals r WHERE r.listing_id = l.id);
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER green_cancellation_removes AFTER INSERT ON merger_mines
    FOR EACH ROW EXECUTE FUNCTION green_cancellation_removes();
