-- The mine registry's guards: a mine's history is append-only.
CALL protect_rows('mine_history');
