-- 0034: the green-mine list (绿色矿山名录) and its yearly cycle (master plan
-- chapter 6 §1.2): a mine's listings and removals, each listed mine's
-- disclosure by 31 March, and the 双随机一公开 spot checks drawn once a year
-- with their inputs kept, so that anyone can draw them again. Every row is
-- permanent; the guards are in sql/functions/green.sql.
CREATE TABLE green_listings (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mine_id     bigint NOT NULL REFERENCES mines (id),
    listed_year integer NOT NULL CHECK (listed_year BETWEEN 1990 AND 2200),
    listed_on   date NOT NULL,
    standard    text NOT NULL CHECK (length(standard) BETWEEN 1 AND 200),
    document    text NOT NULL CHECK (length(document) BETWEEN 1 AND 200),
    listed_by   text NOT NULL CHECK (listed_by <> ''),
    listed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX green_listings_mine ON green_listings (mine_id, id);

CREATE TABLE green_removals (
    listing_id bigint PRIMARY KEY REFERENCES green_listings (id),
    removed_on date NOT NULL,
    cause      text NOT NULL CHECK (cause IN ('decision', 'spot-check', 'closure', 'cancellation')),
    reason     text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    document   text CHECK (document IS NULL OR length(document) BETWEEN 1 AND 200),
    removed_by text NOT NULL CHECK (removed_by <> ''),
    removed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE green_disclosures (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mine_id      bigint NOT NULL REFERENCES mines (id),
    year         integer NOT NULL CHECK (year BETWEEN 1990 AND 2200),
    version      integer NOT NULL CHECK (version >= 1),
    content      jsonb NOT NULL,
    score_tenths integer NOT NULL CHECK (score_tenths BETWEEN 0 AND 1000),
    submitted_by text NOT NULL CHECK (submitted_by <> ''),
    submitted_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (mine_id, year, version)
);

CREATE TABLE green_draws (
    year          integer PRIMARY KEY CHECK (year BETWEEN 1990 AND 2200),
    seed          text NOT NULL CHECK (length(seed) BETWEEN 1 AND 200),
    share_percent integer NOT NULL CHECK (share_percent BETWEEN 20 AND 100),
    algorithm     text NOT NULL,
    listed        text[] NOT NULL,
    pool          text[] NOT NULL,
    excluded      text[] NOT NULL,
    drawn_by      text NOT NULL CHECK (drawn_by <> ''),
    drawn_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE green_draw_sample (
    year       integer NOT NULL REFERENCES green_draws (year),
    mine_id    bigint NOT NULL REFERENCES mines (id),
    ord        bigint GENERATED ALWAYS AS IDENTITY,
    inspectors text[] NOT NULL CHECK (cardinality(inspectors) = 2 AND inspectors[1] <> inspectors[2]),
    PRIMARY KEY (year, mine_id)
);

CREATE TABLE green_checks (
    year       integer NOT NULL,
    mine_id    bigint NOT NULL,
    result     text NOT NULL CHECK (result IN ('pass', 'rectify', 'remove')),
    finding    text NOT NULL CHECK (length(finding) BETWEEN 1 AND 2000),
    checked_by text NOT NULL CHECK (checked_by <> ''),
    checked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (year, mine_id),
    FOREIGN KEY (year, mine_id) REFERENCES green_draw_sample (year, mine_id)
);

GRANT INSERT ON green_listings, green_removals, green_disclosures, green_draws, green_draw_sample, green_checks TO reclaim_app;
