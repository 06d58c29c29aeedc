-- 0014: the Ordos 2025 accrual rule set (鄂尔多斯市 2025年第5号 附件), effective
-- 2025-01-01, with every figure of the annex. Its region and coal-price tables
-- are empty: the gazette page holding them is not in hand, and they are the
-- bureau's to set (`reclaim accrual rules load FILE`, a new set).
--
-- The document below is sql/data/ordos-2025.json, the shape `reclaim accrual
-- rules load` reads; a test holds the two equal.
WITH doc AS (SELECT $json${
  "name": "ordos-2025",
  "jurisdiction": "150600",
  "effective_from": "2025-01-01",
  "base_rate": {"solid-energy": "5.5", "metal": "1.0", "building-nonmetal": "3.0", "other-nonmetal": "2.0",
                "non-solid-energy": "2.5"},
  "method": {"open-pit-layered": "2.0", "open-pit-other": "2.5", "pit-depth-30m-or-less": "2.0",
             "pit-depth-over-30m": "2.5", "underground-backfill": "0.5", "underground-no-subsidence": "0.8",
             "underground-subsidence": "1.2", "non-solid": "1.0"},
  "land": {"cropland": "1.4", "forest": "1.2", "grassland": "1.0", "other": "0.8"},
  "region": {},
  "coal_price": {}
}$json$::jsonb AS d),
rule_set AS (
    INSERT INTO accrual_rule_sets (name, jurisdiction, effective_from, loaded_by)
    SELECT d->>'name', d->>'jurisdiction', (d->>'effective_from')::date, 'migration 0014' FROM doc
    RETURNING name
)
INSERT INTO accrual_coefficients (rule_set, table_name, key, value)
SELECT r.name, t.table_name, e.key, e.value::numeric
FROM rule_set r, doc,
     unnest(ARRAY['base_rate', 'method', 'land', 'region', 'coal_price']) AS t(table_name),
     jsonb_each_text(doc.d -> t.table_name) AS e(key, value);
