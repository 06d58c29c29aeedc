-- 0024: the date each mining right has been held since (采矿权登记/首次发证
-- 日期), so the registry can be rebuilt as of any date (report targets
-- --as-of): a mine counts from this date, not from the day it was typed
-- into Reclaim. Rows registered before this migration take the day they
-- were entered, in the bureau's time zone, until an administrator corrects
-- it (mine update --licensed-on, recorded in the history like any change).
ALTER TABLE mines ADD COLUMN licensed_on date;
UPDATE mines SET licensed_on = (created_at AT TIME ZONE 'Asia/Shanghai')::date;
ALTER TABLE mines
    ALTER COLUMN licensed_on SET NOT NULL,
    ALTER COLUMN licensed_on SET DEFAULT ((now() AT TIME ZONE 'Asia/Shanghai')::date),
    -- the Mineral Resources Law of 1986 began the licensing of mining rights
    ADD CONSTRAINT mines_licensed_on_range CHECK (licensed_on >= DATE '1986-01-01');
