-- The mine registry's guards: a mine's history is append-only.
CALL protect_rows('mine_history');

-- A merger (整合重组) is recorded by an administrator, approved on a day
-- that has come; it is never changed.
CALL protect_rows('mergers');
CREATE OR REPLACE FUNCTION mergers_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM reclaim_check_actor(NEW.recorded_by, ARRAY['admin']);
    IF NEW.approved_on > bureau_date(now()) THEN
        RAISE EXCEPTION 'a merger is recorded once approved, not for %', NEW.approved_on
            USING ERRCODE = 'RCRUL', COLUMN = 'approved_on';
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER mergers_guard BEFORE INSERT ON mergers FOR EACH ROW EXECUTE FUNCTION mergers_guard();

-- The merger a transfer's reference names (`merger:ID`, then the clerk's
-- own reference), when it merges p_from into p_to; else NULL.
CREATE OR REPLACE FUNCTION transfer_merger(p_reference text, p_from text, p_to text) RETURNS bigint
    STABLE LANGUAGE sql SET search_path = public, pg_temp AS $$
    SELECT g.id FROM mergers g
    JOIN merger_mines x ON x.merger_id = g.id
    JOIN mines f ON f.id = x.mine_id AND f.license = p_from
    JOIN mines t ON t.id = g.into_mine_id AND t.license = p_to
    WHERE p_reference ~ '^merger:[0-9]{1,18}( |$)'
      AND g.id = substring(p_reference FROM '^merger:([0-9]{1,18})')::bigint
$$;

-- One field of a mine as it stood at the end of a day (the bureau's): the
-- last value the history recorded by then, else the value the first later
-- change replaced, else the value it has now (never changed).
CREATE OR REPLACE FUNCTION mine_field_as_of(p_mine_id bigint, p_field text, p_as_of date, p_now text) RETURNS text
    STABLE LANGUAGE sql SET search_path = public, pg_temp AS $$
    SELECT coalesce(
        (SELECT h.new_value FROM mine_history h
         WHERE h.mine_id = p_mine_id AND h.field = p_field AND bureau_date(h.changed_at) <= p_as_of
         ORDER BY h.id DESC LIMIT 1),
        (SELECT h.old_value FROM mine_history h
         WHERE h.mine_id = p_mine_id AND h.field = p_field AND bureau_date(h.changed_at) > p_as_of
         ORDER BY h.id LIMIT 1),
        p_now)
$$;

-- The registry as it stood at the end of a day: every mine that held its
-- mining right then, with the mineral, scale and status it had. A right is
-- held from licensed_on until it ends: merged into another (整合重组, on
-- the merger's approval date) or the mine's closure confirmed (验收合格
-- 确认书, on the confirmation's date). A closed (闭坑) mine whose closure is
-- not yet confirmed still holds its right and counts, as the master plan's
-- 2020 baseline of 78 mines counts its 2 closed ones.
CREATE OR REPLACE FUNCTION registry_as_of(p_as_of date)
    RETURNS TABLE (mine_id bigint, license text, mineral text, scale text, status text, licensed_on date)
    STABLE LANGUAGE sql SET search_path = public, pg_temp AS $$
    SELECT m.id, m.license,
           mine_field_as_of(m.id, 'mineral', p_as_of, m.mineral),
           mine_field_as_of(m.id, 'scale', p_as_of, m.scale),
           mine_field_as_of(m.id, 'status', p_as_of, m.status),
           m.licensed_on
    FROM mines m
    WHERE m.licensed_on <= p_as_of
      AND NOT EXISTS (SELECT 1 FROM merger_mines x JOIN mergers g ON g.id = x.merger_id
                      WHERE x.mine_id = m.id AND g.approved_on <= p_as_of)
      AND NOT EXISTS (SELECT 1 FROM closure_applications a
                      JOIN closure_confirmations c ON c.application_id = a.id
                      WHERE a.mine_id = m.id AND c.confirmed_on <= p_as_of)
$$;
GRANT EXECUTE ON FUNCTION mine_field_as_of(bigint, text, date, text), registry_as_of(date) TO reclaim_app;

-- A mine is registered and changed by an administrator; a reviewer changes
-- only its status to closed, once its closure is confirmed (Closures.confirm).
-- Every change is written to the mine's history here, field by field, in
-- the words the registry shows (areas in hm² with four decimals), so no
-- client changes a mine without a history row.
CREATE OR REPLACE FUNCTION mines_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_role text;
    v_fields text[] := ARRAY['name', 'holder', 'mineral', 'mineral_class', 'scale', 'method', 'status', 'area_hm2',
                             'land_type', 'region_code', 'method_detail', 'licensed_on', 'output_unit', 'capacity'];
    v_old text[];
    v_new text[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM reclaim_check_actor(NEW.created_by, ARRAY['admin']);
        IF NEW.status = 'cancelled' THEN
            RAISE EXCEPTION 'a licence is cancelled by its merger only (mine merge)' USING ERRCODE = 'RCRUL', COLUMN = 'status';
        END IF;
        NEW.output_unit := mineral_output_unit(NEW.mineral, NEW.mineral_class);
        RETURN NEW;
    END IF;
    IF NEW.id <> OLD.id OR NEW.license <> OLD.license OR NEW.created_at <> OLD.created_at
       OR NEW.created_by <> OLD.created_by THEN
        RAISE EXCEPTION 'a mine''s licence and registration are never changed' USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- the unit follows the mineral, whatever the client wrote
    NEW.output_unit := mineral_output_unit(NEW.mineral, NEW.mineral_class);
    v_old := ARRAY[OLD.name, OLD.holder, OLD.mineral, OLD.mineral_class, OLD.scale, OLD.method, OLD.status,
                   (OLD.area_m2::numeric / 10000)::numeric(20, 4)::text, OLD.land_type, OLD.region_code,
                   coalesce(OLD.method_detail, ''), OLD.licensed_on::text, OLD.output_unit, coalesce(OLD.capacity::text, '')];
    v_new := ARRAY[NEW.name, NEW.holder, NEW.mineral, NEW.mineral_class, NEW.scale, NEW.method, NEW.status,
                   (NEW.area_m2::numeric / 10000)::numeric(20, 4)::text, NEW.land_type, NEW.region_code,
                   coalesce(NEW.method_detail, ''), NEW.licensed_on::text, NEW.output_unit, coalesce(NEW.capacity::text, '')];
    IF v_old = v_new THEN
        -- nothing changed: nor does who changed it last
        NEW.updated_at := OLD.updated_at;
        NEW.updated_by := OLD.updated_by;
        RETURN NEW;
    END IF;
    v_role := reclaim_check_actor(NEW.updated_by, ARRAY['admin', 'reviewer']);
    -- a licence is cancelled (注销) by its merger only, and then never changed
    IF OLD.status = 'cancelled' THEN
        RAISE EXCEPTION 'licence % was cancelled by a merger and is never changed again', OLD.license
            USING ERRCODE = 'RCRUL', COLUMN = 'status';
    ELSIF NEW.status = 'cancelled' AND NOT EXISTS (SELECT 1 FROM merger_mines g WHERE g.mine_id = NEW.id) THEN
        RAISE EXCEPTION 'a licence is cancelled by its merger only (mine merge)' USING ERRCODE = 'RCRUL', COLUMN = 'status';
    END IF;
    IF v_role IS NOT NULL THEN
        IF v_role = 'reviewer' AND (v_old[1:6] || v_old[8:14] IS DISTINCT FROM v_new[1:6] || v_new[8:14]
                                    OR NEW.status <> 'closed'
                                    OR NOT EXISTS (SELECT 1 FROM closure_applications a
                                                   JOIN closure_confirmations c ON c.application_id = a.id
                                                   WHERE a.mine_id = NEW.id)) THEN
            RAISE EXCEPTION 'a reviewer closes a mine only by confirming its closure' USING ERRCODE = 'RCACT';
        END IF;
    END IF;
    NEW.updated_at := now();
    INSERT INTO mine_history (mine_id, field, old_value, new_value, changed_by)
    SELECT NEW.id, v_fields[i], v_old[i], v_new[i], NEW.updated_by
    FROM generate_subscripts(v_fields, 1) i WHERE v_old[i] IS DISTINCT FROM v_new[i]
    ORDER BY i;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER mines_guard BEFORE INSERT OR UPDATE ON mines FOR EACH ROW EXECUTE FUNCTION mines_guard();

-- Obligations (plan §6.2) are opened by an administrator's change of the
-- mine and closed once, never reopened or rewritten: re-compiling the plan
-- and re-signing the letter by an approved plan of the mine whose letter is
-- dated on or after the obligation was raised; re-assessing the fund by an
-- assessment of the mine made once no re-plan is open, after the last
-- re-plan's approval.
CREATE OR REPLACE FUNCTION mine_obligations_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM reclaim_check_actor(NEW.opened_by, ARRAY['admin']);
        IF NEW.closed_at IS NOT NULL THEN
            RAISE EXCEPTION 'an obligation opens open' USING ERRCODE = 'insufficient_privilege';
        END IF;
        NEW.opened_at := now();
        RETURN NEW;
    END IF;
    IF OLD.closed_at IS NOT NULL OR NEW.closed_at IS NULL OR NEW.id <> OLD.id OR NEW.mine_id <> OLD.mine_id
       OR NEW.kind <> OLD.kind OR NEW.reason <> OLD.reason OR NEW.opened_at <> OLD.opened_at
       OR NEW.opened_by <> OLD.opened_by THEN
        RAISE EXCEPTION 'an open obligation is only ever closed, once' USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM reclaim_check_actor(NEW.closed_by, ARRAY['admin', 'reviewer', 'finance']);
    NEW.closed_at := now();
    -- a merged licence's obligations close with its merger (mine_merge)
    IF NEW.closed_by_merger IS NOT NULL THEN
        IF NEW.closed_by_plan IS NOT NULL OR NEW.closed_by_assessment IS NOT NULL
           OR NOT EXISTS (SELECT 1 FROM merger_mines g WHERE g.merger_id = NEW.closed_by_merger AND g.mine_id = NEW.mine_id) THEN
            RAISE EXCEPTION 'an obligation closes by a merger only when the merger cancels its licence'
                USING ERRCODE = 'RCRUL', COLUMN = 'closed_by_merger';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.kind IN ('recompile-plan', 'resign-responsibility-letter') THEN
        IF NEW.closed_by_assessment IS NOT NULL OR NOT EXISTS (
            SELECT 1 FROM plans p JOIN review_records r ON r.record_type = 'plan' AND r.record_id = p.id
            WHERE p.id = NEW.closed_by_plan AND p.mine_id = NEW.mine_id AND r.state = 'approved'
              AND p.letter_signed_on >= bureau_date(OLD.opened_at)) THEN
            RAISE EXCEPTION '% closes only by an approved plan of the mine signed since it was raised', NEW.kind
                USING ERRCODE = 'RCRUL', COLUMN = 'closed_by_plan';
        END IF;
    ELSIF NEW.closed_by_plan IS NOT NULL
          OR NOT EXISTS (SELECT 1 FROM accrual_assessments s WHERE s.id = NEW.closed_by_assessment AND s.mine_id = NEW.mine_id)
          OR EXISTS (SELECT 1 FROM mine_obligations o WHERE o.mine_id = NEW.mine_id AND o.kind = 'recompile-plan'
                     AND (o.closed_at IS NULL
                          OR o.closed_at > (SELECT s.assessed_at FROM accrual_assessments s
                                            WHERE s.id = NEW.closed_by_assessment))) THEN
        RAISE EXCEPTION 'reassess-fund closes only by an assessment made after the re-compiled plan''s approval'
            USING ERRCODE = 'RCRUL', COLUMN = 'closed_by_assessment';
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER mine_obligations_guard BEFORE INSERT OR UPDATE ON mine_obligations
    FOR EACH ROW EXECUTE FUNCTION mine_obligations_guard();
CALL protect_rows('mine_obligations', true);

-- A merger (整合重组) in one statement (issue 32): the licences of p_from are
-- integrated into p_into's. In one transaction, for each merged licence:
-- its fund's whole balance moves to the surviving mine's fund (a transfer
-- entry naming the merger, audited as every booking is), its fund is closed
-- to later bookings, its open obligations close with the merger, and the
-- licence is cancelled (注销, in its history). The surviving mine's mining
-- area has changed, so the plan's §6.2 obligations open on it (re-compile
-- the plan, re-sign the letter, re-assess the fund) unless already open.
-- Approved plans and annual plans of the merged licences stay as records;
-- their money now answers to the surviving mine's plan.
-- Rows are locked in id order, so two mergers at once cannot deadlock, and a
-- licence is merged away once (merger_mines' unique mine): a retry or a
-- race finds it merged and moves nothing.
CREATE OR REPLACE FUNCTION mine_merge(p_from text[], p_into text, p_approved_on date, p_document text,
                                      p_actor text, p_role text, p_request_id text) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_mine mines;
    v_into mines;
    v_into_fund fund_accounts;
    v_fund fund_accounts;
    v_merger bigint;
    v_license text;
    v_done bigint;
    v_booked record;
    v_today date := bureau_date(now());
    v_kind text;
BEGIN
    PERFORM reclaim_check_actor(p_actor, ARRAY['admin']);
    IF p_from IS NULL OR cardinality(p_from) = 0 THEN
        RAISE EXCEPTION 'a merger names the licences it merges' USING ERRCODE = 'RCRUL', COLUMN = 'from_licenses';
    ELSIF cardinality(p_from) <> (SELECT count(DISTINCT f) FROM unnest(p_from) f) THEN
        RAISE EXCEPTION 'a licence is named twice' USING ERRCODE = 'RCRUL', COLUMN = 'from_licenses';
    ELSIF p_into = ANY (p_from) THEN
        RAISE EXCEPTION 'licence % cannot be merged into itself', p_into USING ERRCODE = 'RCRUL', COLUMN = 'into_license';
    END IF;
    -- lock every mine the merger touches, in id order
    PERFORM 1 FROM mines m WHERE m.license = ANY (p_from || p_into) ORDER BY m.id FOR UPDATE;
    SELECT * INTO v_into FROM mines WHERE license = p_into;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no mine with licence %', p_into USING ERRCODE = 'RCNOM', COLUMN = 'into_license';
    END IF;
    FOREACH v_license IN ARRAY p_from || p_into LOOP
        SELECT * INTO v_mine FROM mines WHERE license = v_license;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no mine with licence %', v_license USING ERRCODE = 'RCNOM', COLUMN = 'from_licenses';
        END IF;
        SELECT g.merger_id INTO v_done FROM merger_mines g WHERE g.mine_id = v_mine.id;
        IF FOUND THEN
            RAISE EXCEPTION 'licence % was merged away by merger % already', v_license, v_done
                USING ERRCODE = 'RCRUL', COLUMN = CASE WHEN v_license = p_into THEN 'into_license' ELSE 'from_licenses' END;
        END IF;
        IF v_mine.status = 'cancelled' OR EXISTS (SELECT 1 FROM fund_accounts a WHERE a.mine_id = v_mine.id
                                                  AND a.kind = 'fund' AND a.closed_by_release IS NOT NULL) THEN
            RAISE EXCEPTION 'licence % no longer holds its right (its closure was confirmed or it was cancelled)', v_license
                USING ERRCODE = 'RCRUL', COLUMN = CASE WHEN v_license = p_into THEN 'into_license' ELSE 'from_licenses' END;
        END IF;
    END LOOP;

    -- the merger record (mergers_guard: an administrator's, approved on a day that has come)
    INSERT INTO mergers (from_mine_id, into_mine_id, approved_on, document, recorded_by)
    SELECT m.id, v_into.id, p_approved_on, p_document, p_actor FROM mines m WHERE m.license = p_from[1]
    RETURNING id INTO v_merger;
    PERFORM audit_append(p_actor, p_role, 'mine.merge', 'merger:' || v_merger, p_request_id,
                         array_to_string(p_from, ',') || ' -> ' || p_into || E'\n' || p_approved_on || ' ' || p_document);

    SELECT * INTO v_into_fund FROM fund_accounts WHERE mine_id = v_into.id AND kind = 'fund';
    FOREACH v_license IN ARRAY p_from LOOP
        SELECT * INTO v_mine FROM mines WHERE license = v_license;
        SELECT * INTO v_fund FROM fund_accounts WHERE mine_id = v_mine.id AND kind = 'fund' FOR UPDATE;
        IF v_fund.balance > 0 THEN
            SELECT b.* INTO v_booked
            FROM ledger_book('transfer', v_today, v_fund.balance, v_into_fund.id, v_fund.id,
                             'merger:' || v_merger || ' ' || v_license, 'merger into ' || p_into, p_actor,
                             'merger:' || v_merger || ':' || v_license,
                             ledger_request_digest('transfer', v_license, p_into, v_fund.balance, v_today,
                                                   'merger:' || v_merger, NULL)) b;
            PERFORM audit_append(p_actor, p_role, 'fund.transfer', 'mine:' || v_license, p_request_id,
                                 'merger ' || v_merger || ': ' || v_license || ' -> ' || p_into || ' ' || v_fund.balance,
                                 v_booked.entry_id, 1);
            INSERT INTO merger_mines (merger_id, mine_id, moved_fen, entry_id)
            VALUES (v_merger, v_mine.id, v_fund.balance, v_booked.entry_id);
        ELSE
            INSERT INTO merger_mines (merger_id, mine_id, moved_fen, entry_id) VALUES (v_merger, v_mine.id, 0, NULL);
        END IF;
        UPDATE fund_accounts SET closed_by_merger = v_merger WHERE mine_id = v_mine.id AND kind = 'fund';
        UPDATE mine_obligations SET closed_at = now(), closed_by = p_actor, closed_by_merger = v_merger
        WHERE mine_id = v_mine.id AND closed_at IS NULL;
        UPDATE mines SET status = 'cancelled', updated_by = p_actor WHERE id = v_mine.id;
    END LOOP;
    FOREACH v_kind IN ARRAY ARRAY['recompile-plan', 'resign-responsibility-letter', 'reassess-fund'] LOOP
        INSERT INTO mine_obligations (mine_id, kind, reason, opened_by)
        VALUES (v_into.id, v_kind, 'merger ' || v_merger || ': ' || array_to_string(p_from, ', ') || ' merged in', p_actor)
        ON CONFLICT (mine_id, kind) WHERE closed_at IS NULL DO NOTHING;
    END LOOP;
    RETURN v_merger;
END
$$;
GRANT EXECUTE ON FUNCTION mine_merge(text[], text, date, text, text, text, text) TO reclaim_app;

-- The unit a licence states output and capacity in (issue 32): m³ for sand,
-- gravel and building stone (by any of their names) and for the non-solid
-- class (mineral water, geothermal); tonnes for every other mineral. The
-- registry keeps it on the mine (mines_guard), output reports follow it
-- (output_reports_guard), and the accrual weighs m³ at the mineral's bulk
-- density where its rate is per tonne.
CREATE OR REPLACE FUNCTION mineral_output_unit(p_mineral text, p_class text) RETURNS text
    IMMUTABLE LANGUAGE sql AS $$
    SELECT CASE WHEN p_class = 'non-solid-energy' OR lower(btrim(p_mineral)) = ANY (ARRAY[
                    'construction sand', '建筑用砂', '建筑砂', 'construction gravel', 'sand and gravel',
                    'construction sand and gravel', 'gravel', '建筑用砾石', '砾石', '建筑用砂石', '砂石', '砂砾石',
                    'building stone', 'building-stone limestone', 'construction stone', '建筑石料', '建筑用石料',
                    '建筑石料用灰岩'])
                THEN 'm3' ELSE 't' END
$$;
GRANT EXECUTE ON FUNCTION mineral_output_unit(text, text) TO reclaim_app;

CALL protect_rows('minimum_scale_rule_sets');
CALL protect_rows('minimum_scales');

-- The class (large, medium, small) a capacity falls in for a mineral in a
-- unit (capacity_classes, 0039); NULL when the table has no row for them.
CREATE OR REPLACE FUNCTION capacity_class(p_mineral text, p_unit text, p_capacity numeric) RETURNS text
    STABLE LANGUAGE sql SET search_path = public, pg_temp AS $$
    SELECT CASE WHEN p_capacity >= c.large_from THEN 'large' WHEN p_capacity >= c.medium_from THEN 'medium' ELSE 'small' END
    FROM capacity_classes c
    WHERE lower(btrim(p_mineral)) = ANY (c.minerals) AND c.unit = p_unit AND p_capacity IS NOT NULL
    LIMIT 1
$$;
GRANT EXECUTE ON FUNCTION capacity_class(text, text, numeric) TO reclaim_app;
CALL protect_rows('capacity_classes');
