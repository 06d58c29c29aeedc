-- 0023: the integration and restructuring of mining rights (整合重组): the
-- only reason fund money moves from one mine's fund to another's. A
-- transfer names its merger (sql/functions/ledger.sql, fund_post); the
-- guard is in sql/functions/mines.sql.
CREATE TABLE mergers (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    from_mine_id bigint NOT NULL REFERENCES mines (id),
    into_mine_id bigint NOT NULL REFERENCES mines (id),
    approved_on  date NOT NULL,
    document     text NOT NULL CHECK (length(document) BETWEEN 1 AND 200),
    recorded_by  text NOT NULL CHECK (recorded_by <> ''),
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (from_mine_id <> into_mine_id)
);
CREATE INDEX mergers_pair ON mergers (from_mine_id, into_mine_id);
GRANT INSERT ON mergers TO reclaim_app;
