-- The token check. Every API request resolves its bearer token; inside
-- PL/pgSQL the plan is cached per session instead of re-planned at every
-- bind. Only the token's SHA-256 is ever compared. An operator's mines come
-- back as an array, never as a joined string: a licence may hold a comma.
DROP FUNCTION IF EXISTS api_principal(text);
CREATE FUNCTION api_principal(p_token text)
    RETURNS TABLE (name text, role text, mines text[]) LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY
    SELECT u.name, u.role,
           coalesce((SELECT array_agg(m.license ORDER BY m.license) FROM user_mines um
                     JOIN mines m ON m.id = um.mine_id WHERE um.user_name = u.name), '{}')
    FROM api_tokens t JOIN users u ON u.name = t.user_name
    WHERE t.token_hash = sha256(convert_to(p_token, 'UTF8'))
      AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
      AND u.disabled_at IS NULL;
END
$$;
