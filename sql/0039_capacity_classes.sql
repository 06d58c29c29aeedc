-- 0039: the national classes of production capacity (矿山生产建设规模分类,
-- 国土资发〔2004〕208号), per mineral, in 万 units a year: a change of a
-- licence's capacity that crosses a class is a change of scale in the sense
-- of the plan's §6.2, whatever the size label says (MineRegistry.update).
-- Only the minerals of the banner whose rows the table gives are here; a
-- mineral without a row has no class to cross.
CREATE TABLE capacity_classes (
    source      text NOT NULL CHECK (length(source) BETWEEN 1 AND 200),
    -- every name of the mineral, lower case
    minerals    text[] NOT NULL CHECK (cardinality(minerals) >= 1),
    unit        text NOT NULL CHECK (unit IN ('t', 'm3')),
    large_from  numeric(12, 2) NOT NULL,
    medium_from numeric(12, 2) NOT NULL CHECK (medium_from > 0 AND medium_from < large_from),
    PRIMARY KEY (source, minerals)
);
INSERT INTO capacity_classes (source, minerals, unit, large_from, medium_from) VALUES
    ('国土资发〔2004〕208号', ARRAY['coal', '煤', '煤炭', '原煤'], 't', 120, 45),
    ('国土资发〔2004〕208号', ARRAY['building stone', 'building-stone limestone', 'construction stone', '建筑石料', '建筑用石料',
                                   '建筑石料用灰岩'], 'm3', 10, 5),
    ('国土资发〔2004〕208号', ARRAY['refractory clay', '耐火粘土', '耐火黏土'], 't', 20, 10),
    ('国土资发〔2004〕208号', ARRAY['glass quartzite', 'quartzite', '玻璃用石英岩', '石英岩', '硅石'], 't', 20, 10);
GRANT SELECT ON capacity_classes TO reclaim_app;
