-- 0001: the mine registry (矿山 / 采矿权), its change history and the open
-- obligations a change creates (plan §6.2).

-- Shared guard for append-only tables: history, ledger and audit rows are
-- never updated or deleted, whatever the client.
CREATE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on % is not allowed: rows are append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege', HINT = 'corrections are new rows (reversals), never edits';
END
$$;

CREATE TABLE mines (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- 采矿许可证号
    license       text NOT NULL UNIQUE
                  CHECK (length(license) BETWEEN 1 AND 64 AND license !~ '^\s|\s$|[[:cntrl:]]'),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- 采矿权人
    holder        text NOT NULL CHECK (length(holder) BETWEEN 1 AND 200),
    -- 矿种, e.g. coal, construction sand
    mineral       text NOT NULL CHECK (length(mineral) BETWEEN 1 AND 100),
    -- the accrual table's base-rate class
    mineral_class text NOT NULL CHECK (mineral_class IN
                  ('solid-energy', 'metal', 'building-nonmetal', 'other-nonmetal', 'non-solid-energy')),
    scale         text NOT NULL CHECK (scale IN ('large', 'medium', 'small', 'micro')),
    method        text NOT NULL CHECK (method IN ('open-pit', 'underground')),
    status        text NOT NULL CHECK (status IN ('producing', 'under-construction', 'suspended', 'closed')),
    area_m2       bigint NOT NULL CHECK (area_m2 >= 0),
    land_type     text NOT NULL CHECK (land_type IN ('cropland', 'forest', 'grassland', 'other')),
    region_code   text NOT NULL DEFAULT '150621' CHECK (region_code ~ '^[0-9]{6}$'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    text NOT NULL CHECK (created_by <> ''),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    updated_by    text NOT NULL CHECK (updated_by <> '')
);

-- Every change to a mine, field by field: who, when, old and new value.
CREATE TABLE mine_history (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mine_id     bigint NOT NULL REFERENCES mines (id),
    field       text NOT NULL,
    old_value   text,
    new_value   text,
    changed_at  timestamptz NOT NULL DEFAULT now(),
    changed_by  text NOT NULL CHECK (changed_by <> '')
);
CREATE INDEX mine_history_mine ON mine_history (mine_id, id);
CREATE TRIGGER mine_history_append_only BEFORE UPDATE OR DELETE ON mine_history
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER mine_history_no_truncate BEFORE TRUNCATE ON mine_history
    FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();

-- A change of method, licensed area, scale or main mineral obliges the holder
-- to recompile the plan, re-sign the responsibility letter (治理责任书) and
-- have the fund re-assessed. One open obligation of each kind per mine.
CREATE TABLE mine_obligations (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mine_id     bigint NOT NULL REFERENCES mines (id),
    kind        text NOT NULL CHECK (kind IN ('recompile-plan', 'resign-responsibility-letter', 'reassess-fund')),
    reason      text NOT NULL,
    opened_at   timestamptz NOT NULL DEFAULT now(),
    opened_by   text NOT NULL,
    closed_at   timestamptz,
    closed_by   text,
    CHECK ((closed_at IS NULL) = (closed_by IS NULL))
);
CREATE UNIQUE INDEX mine_obligations_one_open ON mine_obligations (mine_id, kind) WHERE closed_at IS NULL;
