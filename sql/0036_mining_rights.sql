-- 0036: mining-right data (issue 32): PostGIS boundaries with their history,
-- the banner's outline, geometry columns for annual works and legacy sites,
-- and mergers (整合重组) that cancel the merged licences and move their funds.
-- The rules are in sql/functions/spatial.sql and sql/functions/mines.sql.
CREATE EXTENSION IF NOT EXISTS postgis;

-- A licence cancelled (注销) by a merger: it no longer holds its right.
ALTER TABLE mines DROP CONSTRAINT mines_status_check;
ALTER TABLE mines ADD CONSTRAINT mines_status_check
    CHECK (status IN ('producing', 'under-construction', 'suspended', 'closed', 'cancelled'));

-- The banner's outline (旗界): the latest row is the one in force. The one
-- shipped here is approximate and says so; `map outline load` replaces it.
CREATE TABLE banner_outlines (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    outline     geometry(MultiPolygon, 4490) NOT NULL,
    label       text NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
    official    boolean NOT NULL,
    loaded_by   text NOT NULL CHECK (loaded_by <> ''),
    loaded_at   timestamptz NOT NULL DEFAULT now()
);
INSERT INTO banner_outlines (outline, label, official, loaded_by) VALUES (
    ST_Multi(ST_GeomFromText('POLYGON((109.00 40.30, 109.30 40.42, 109.70 40.48, 110.10 40.52, 110.45 40.45,
        110.75 40.30, 110.70 40.05, 110.40 39.90, 110.00 39.82, 109.60 39.80, 109.25 39.88, 109.05 40.05,
        109.00 40.30))', 4490)),
    'Dalad Banner, approximate outline (not the official boundary; load the bureau''s with `map outline load`)',
    false, 'reclaim-migration');

-- A licence's mining area (矿区范围), one row per version: the latest is in
-- force, the earlier ones are its history. The area is on the ellipsoid;
-- the licensed area beside it is the registry's at the time.
CREATE TABLE mine_boundaries (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mine_id            bigint NOT NULL REFERENCES mines (id),
    boundary           geometry(MultiPolygon, 4490) NOT NULL,
    -- how it came: GeoJSON in CGCS2000 longitude/latitude, or the licence's
    -- turning points (拐点坐标) in a 3-degree Gauss–Krüger zone (its EPSG code)
    source             text NOT NULL CHECK (source IN ('geojson', 'turning-points')),
    source_srid        integer NOT NULL,
    area_m2            bigint NOT NULL CHECK (area_m2 > 0),
    licensed_area_m2   bigint NOT NULL CHECK (licensed_area_m2 >= 0),
    recorded_by        text NOT NULL CHECK (recorded_by <> ''),
    recorded_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mine_boundaries_mine ON mine_boundaries (mine_id, id);
CREATE INDEX mine_boundaries_shape ON mine_boundaries USING gist (boundary);
GRANT SELECT ON banner_outlines, mine_boundaries TO reclaim_app;

-- Annual works' and legacy sites' GeoJSON in the same kind of column: the
-- stored text converted once here and kept in step by the database.
CREATE FUNCTION geojson_geometry(p jsonb) RETURNS geometry
    IMMUTABLE LANGUAGE plpgsql AS $$
BEGIN
    RETURN CASE WHEN p IS NULL OR jsonb_typeof(p) <> 'object' THEN NULL
                ELSE ST_SetSRID(ST_GeomFromGeoJSON(p::text), 4490) END;
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END
$$;
ALTER TABLE annual_plan_works ADD COLUMN shape geometry(Geometry, 4490)
    GENERATED ALWAYS AS (geojson_geometry(geometry)) STORED;
ALTER TABLE legacy_sites ADD COLUMN shape geometry(Geometry, 4490)
    GENERATED ALWAYS AS (geojson_geometry(geometry)) STORED;

-- Every licence a merger cancels, with the fund money it moved into the
-- surviving mine's and the ledger entry that moved it (NULL when there was
-- none to move). A licence is merged away once.
CREATE TABLE merger_mines (
    merger_id   bigint NOT NULL REFERENCES mergers (id),
    mine_id     bigint NOT NULL UNIQUE REFERENCES mines (id),
    moved_fen   bigint NOT NULL CHECK (moved_fen >= 0),
    entry_id    bigint REFERENCES ledger_entries (id),
    PRIMARY KEY (merger_id, mine_id),
    CHECK ((entry_id IS NULL) = (moved_fen = 0))
);
-- the mergers recorded before this one merged one licence each; their
-- money moved (or not) by separate transfers that name them
INSERT INTO merger_mines (merger_id, mine_id, moved_fen, entry_id)
SELECT DISTINCT ON (g.from_mine_id) g.id, g.from_mine_id, 0, NULL FROM mergers g ORDER BY g.from_mine_id, g.id;
GRANT SELECT ON merger_mines TO reclaim_app;
-- a merger is recorded by mine_merge (sql/functions/mines.sql) only, which
-- moves the money and cancels the licences with it
REVOKE INSERT ON mergers FROM reclaim_app;

-- A merged licence's fund is closed by the entry that moved its money.
ALTER TABLE fund_accounts ADD COLUMN closed_by_merger bigint REFERENCES mergers (id);
-- An obligation of a merged licence closes with the merger.
ALTER TABLE mine_obligations ADD COLUMN closed_by_merger bigint REFERENCES mergers (id);
