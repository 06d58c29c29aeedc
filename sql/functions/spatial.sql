-- Mining-right boundaries and the banner's outline on PostGIS (issue 32).
-- Coordinates are CGCS2000 (EPSG:4490) longitude/latitude; licences print
-- their turning points (拐点坐标) in a 3-degree Gauss–Krüger zone with the
-- zone number before the easting (EPSG:4513–4533, zones 25–45). Every
-- projection, area and containment here is PostGIS's: none by hand.
CALL protect_rows('banner_outlines');
CALL protect_rows('mine_boundaries');
CALL protect_rows('merger_mines');

-- The 3-degree Gauss–Krüger zone (CGCS2000, zone-prefixed easting) a
-- licence's easting names: 37412300.00 is zone 37, EPSG:4525. NULL when the
-- prefix is no zone of China's.
CREATE OR REPLACE FUNCTION gauss_kruger_srid(p_easting numeric) RETURNS integer
    IMMUTABLE LANGUAGE sql AS $$
    SELECT CASE WHEN floor(p_easting / 1000000) BETWEEN 25 AND 45 THEN 4513 + floor(p_easting / 1000000)::integer - 25 END
$$;

-- What is wrong with an area's shape, in words, or NULL: a polygon (or
-- several) in CGCS2000, every ring closed with four or more points, valid
-- (no self-intersection). A boundary and the banner's outline alike.
CREATE OR REPLACE FUNCTION polygon_problem(p_shape geometry, p_what text) RETURNS text
    IMMUTABLE LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    v_ring record;
BEGIN
    IF p_shape IS NULL OR ST_IsEmpty(p_shape) THEN
        RETURN p_what || ' is a polygon with at least one ring';
    ELSIF GeometryType(p_shape) NOT IN ('POLYGON', 'MULTIPOLYGON') THEN
        RETURN p_what || ' is a Polygon or MultiPolygon, not a ' || initcap(GeometryType(p_shape));
    ELSIF ST_SRID(p_shape) <> 4490 THEN
        RETURN p_what || ' is in CGCS2000 longitude/latitude (EPSG:4490), not EPSG:' || ST_SRID(p_shape);
    END IF;
    FOR v_ring IN SELECT ST_ExteriorRing(r.geom) AS line
                  FROM ST_Dump(p_shape) p, LATERAL ST_DumpRings(p.geom) r LOOP
        IF ST_NPoints(v_ring.line) < 4 THEN
            RETURN 'each ring has four or more points (the last the same as the first)';
        ELSIF NOT ST_IsClosed(v_ring.line) THEN
            RETURN 'a ring is not closed: it must end where it starts';
        END IF;
    END LOOP;
    IF NOT (ST_IsValidDetail(p_shape)).valid THEN
        RETURN 'the polygon is not valid: ' || ST_IsValidReason(p_shape);
    END IF;
    RETURN NULL;
END
$$;

-- What is wrong with a mining area's polygon, in words, or NULL: a valid
-- polygon (polygon_problem) inside the banner's outline in force.
CREATE OR REPLACE FUNCTION boundary_problem(p_shape geometry) RETURNS text
    STABLE LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    v_outline banner_outlines;
    v_problem text := polygon_problem(p_shape, 'a boundary');
BEGIN
    IF v_problem IS NOT NULL THEN
        RETURN v_problem;
    END IF;
    SELECT * INTO v_outline FROM banner_outlines ORDER BY id DESC LIMIT 1;
    IF FOUND AND NOT ST_CoveredBy(p_shape, v_outline.outline) THEN
        RETURN 'the boundary is not inside the banner''s outline ('
               || CASE WHEN v_outline.official THEN 'the official one' ELSE 'the approximate one shipped with Reclaim' END || ')';
    END IF;
    RETURN NULL;
END
$$;

-- A polygon from its text, in CGCS2000 longitude/latitude: GeoJSON (no crs
-- member, or EPSG:4490's), or WKT in a Gauss–Krüger zone (p_srid), moved
-- to CGCS2000 by ST_Transform. Refused in words (RCRUL, p_field) if it
-- cannot be read or is no valid boundary.
CREATE OR REPLACE FUNCTION boundary_parse(p_geojson text, p_wkt text, p_srid integer, p_field text) RETURNS geometry
    STABLE LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    v_shape geometry;
    v_problem text;
BEGIN
    IF (p_geojson IS NULL) = (p_wkt IS NULL) THEN
        RAISE EXCEPTION 'a boundary comes as GeoJSON or as turning points, one of the two' USING ERRCODE = 'RCRUL', COLUMN = p_field;
    END IF;
    IF p_wkt IS NOT NULL AND (p_srid IS NULL OR p_srid NOT BETWEEN 4513 AND 4533) THEN
        RAISE EXCEPTION 'turning points are in a CGCS2000 3-degree Gauss–Krüger zone from 25 to 45'
            USING ERRCODE = 'RCRUL', COLUMN = p_field;
    END IF;
    BEGIN
        IF p_geojson IS NOT NULL THEN
            IF coalesce(p_geojson::jsonb #>> '{crs,properties,name}', 'EPSG:4490') !~ '(EPSG:+4490|^EPSG:4490)$' THEN
                RAISE EXCEPTION 'crs' USING ERRCODE = 'RCCRS';
            END IF;
            v_shape := ST_SetSRID(ST_GeomFromGeoJSON(p_geojson), 4490);
        ELSE
            v_shape := ST_Transform(ST_GeomFromText(p_wkt, p_srid), 4490);
        END IF;
    EXCEPTION
        WHEN SQLSTATE 'RCCRS' THEN
            RAISE EXCEPTION 'GeoJSON coordinates are CGCS2000 longitude/latitude (EPSG:4490); no other crs'
                USING ERRCODE = 'RCRUL', COLUMN = p_field;
        WHEN OTHERS THEN
            RAISE EXCEPTION 'cannot be read as a % polygon', CASE WHEN p_wkt IS NULL THEN 'GeoJSON' ELSE 'turning-point' END
                USING ERRCODE = 'RCRUL', COLUMN = p_field;
    END;
    -- a bare ring of points (no closing point) is refused, not closed for the caller
    v_problem := boundary_problem(v_shape);
    IF v_problem IS NOT NULL THEN
        RAISE EXCEPTION '%', v_problem USING ERRCODE = 'RCRUL', COLUMN = p_field;
    END IF;
    RETURN ST_Multi(v_shape);
END
$$;

-- A licence's mining area set (administrator), as a new version of its
-- boundary: checked here, its area taken on the ellipsoid (ST_Area on the
-- geography) beside the registry's licensed area, audited. Returns the row.
CREATE OR REPLACE FUNCTION mine_boundary_set(p_license text, p_geojson text, p_wkt text, p_srid integer,
                                             p_actor text, p_role text, p_request_id text)
    RETURNS mine_boundaries
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_mine mines;
    v_row mine_boundaries;
BEGIN
    PERFORM reclaim_check_actor(p_actor, ARRAY['admin']);
    SELECT * INTO v_mine FROM mines WHERE license = p_license FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no mine with licence %', p_license USING ERRCODE = 'RCNOM', COLUMN = 'license';
    ELSIF v_mine.status = 'cancelled' THEN
        RAISE EXCEPTION 'licence % was cancelled by a merger; its boundary is history', p_license
            USING ERRCODE = 'RCRUL', COLUMN = 'license';
    END IF;
    INSERT INTO mine_boundaries (mine_id, boundary, source, source_srid, area_m2, licensed_area_m2, recorded_by)
    SELECT v_mine.id, b.shape, CASE WHEN p_wkt IS NULL THEN 'geojson' ELSE 'turning-points' END,
           coalesce(p_srid, 4490), 1, v_mine.area_m2, p_actor
    FROM (SELECT boundary_parse(p_geojson, p_wkt, p_srid, 'boundary') AS shape) b
    RETURNING * INTO v_row;
    PERFORM audit_append(p_actor, p_role, 'mine.boundary', 'mine:' || p_license, p_request_id,
                         ST_AsText(v_row.boundary));
    RETURN v_row;
END
$$;
GRANT EXECUTE ON FUNCTION mine_boundary_set(text, text, text, integer, text, text, text) TO reclaim_app;

-- Every boundary and outline row is checked on its way in, whoever writes
-- it: the polygon (boundary_problem), its area measured here, never taken
-- from the client.
CREATE OR REPLACE FUNCTION mine_boundaries_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_problem text := boundary_problem(NEW.boundary);
BEGIN
    PERFORM reclaim_check_actor(NEW.recorded_by, ARRAY['admin']);
    IF v_problem IS NOT NULL THEN
        RAISE EXCEPTION '%', v_problem USING ERRCODE = 'RCRUL', COLUMN = 'boundary';
    END IF;
    NEW.area_m2 := round(ST_Area(NEW.boundary::geography))::bigint;
    NEW.licensed_area_m2 := (SELECT m.area_m2 FROM mines m WHERE m.id = NEW.mine_id);
    NEW.recorded_at := now();
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER mine_boundaries_guard BEFORE INSERT ON mine_boundaries
    FOR EACH ROW EXECUTE FUNCTION mine_boundaries_guard();

-- The banner's outline replaced (administrator): a valid polygon in
-- CGCS2000; the official one when the bureau loads it.
CREATE OR REPLACE FUNCTION banner_outline_load(p_geojson text, p_label text, p_actor text, p_role text,
                                               p_request_id text) RETURNS banner_outlines
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_shape geometry;
    v_row banner_outlines;
BEGIN
    PERFORM reclaim_check_actor(p_actor, ARRAY['admin']);
    BEGIN
        v_shape := ST_SetSRID(ST_GeomFromGeoJSON(p_geojson), 4490);
    EXCEPTION WHEN OTHERS THEN
        RAISE EXCEPTION 'cannot be read as a GeoJSON polygon' USING ERRCODE = 'RCRUL', COLUMN = 'outline';
    END;
    -- a Point is refused here, before the MultiPolygon column would refuse it without words
    IF GeometryType(v_shape) NOT IN ('POLYGON', 'MULTIPOLYGON') THEN
        RAISE EXCEPTION '%', polygon_problem(v_shape, 'an outline') USING ERRCODE = 'RCRUL', COLUMN = 'outline';
    END IF;
    INSERT INTO banner_outlines (outline, label, official, loaded_by)
    VALUES (ST_Multi(v_shape), p_label, true, p_actor) RETURNING * INTO v_row;
    PERFORM audit_append(p_actor, p_role, 'map.outline', 'map:outline', p_request_id, p_label || E'\n' || ST_AsText(v_shape));
    RETURN v_row;
END
$$;
GRANT EXECUTE ON FUNCTION banner_outline_load(text, text, text, text, text) TO reclaim_app;

CREATE OR REPLACE FUNCTION banner_outlines_guard() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_problem text := polygon_problem(NEW.outline, 'an outline');
BEGIN
    PERFORM reclaim_check_actor(NEW.loaded_by, ARRAY['admin']);
    IF v_problem IS NOT NULL THEN
        RAISE EXCEPTION '%', v_problem USING ERRCODE = 'RCRUL', COLUMN = 'outline';
    ELSIF ST_Area(NEW.outline::geography) < 1e6 OR ST_Area(NEW.outline::geography) > 1e11 THEN
        RAISE EXCEPTION 'a banner''s outline covers from 1 km² to 100,000 km²' USING ERRCODE = 'RCRUL', COLUMN = 'outline';
    END IF;
    NEW.outline := ST_Multi(NEW.outline);
    NEW.loaded_at := now();
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER banner_outlines_guard BEFORE INSERT ON banner_outlines
    FOR EACH ROW EXECUTE FUNCTION banner_outlines_guard();

-- The generated geometry columns of annual works and legacy sites
-- (0036) compute through this on every insert, whoever inserts.
GRANT EXECUTE ON FUNCTION geojson_geometry(jsonb) TO reclaim_app;
