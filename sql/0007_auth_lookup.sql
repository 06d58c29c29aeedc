-- 0007: the token check as a function.
--
-- Every API request resolves its bearer token. As a plain parameterised
-- query it was planned afresh at every bind (the planner kept preferring a
-- custom plan, about a third of a millisecond each time, in the server log
-- with log_min_duration_statement = 0); inside PL/pgSQL the plan is cached
-- per session. Only the token's SHA-256 is ever compared.
CREATE FUNCTION api_principal(p_token text)
    RETURNS TABLE (name text, role text, mines text) LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY
    SELECT u.name, u.role,
           coalesce((SELECT string_agg(m.license, ',' ORDER BY m.license) FROM user_mines um
                     JOIN mines m ON m.id = um.mine_id WHERE um.user_name = u.name), '')
    FROM api_tokens t JOIN users u ON u.name = t.user_name
    WHERE t.token_hash = sha256(convert_to(p_token, 'UTF8'))
      AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
      AND u.disabled_at IS NULL;
END
$$;
