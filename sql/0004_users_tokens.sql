-- 0004: users, roles, API tokens, and the replay store for HTTP idempotency keys.

CREATE TABLE users (
    name         text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 100 AND name !~ '[[:cntrl:]]|^\s|\s$'),
    role         text NOT NULL CHECK (role IN ('admin', 'finance', 'operator', 'reviewer', 'auditor')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text NOT NULL,
    disabled_at  timestamptz,
    disabled_by  text
);

-- The mines an operator acts for; operators see and act on these only.
CREATE TABLE user_mines (
    user_name  text NOT NULL REFERENCES users (name),
    mine_id    bigint NOT NULL REFERENCES mines (id),
    PRIMARY KEY (user_name, mine_id)
);

-- Only a SHA-256 of each token is kept; the token itself is shown once.
CREATE TABLE api_tokens (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_name   text NOT NULL REFERENCES users (name),
    token_hash  bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL,
    expires_at  timestamptz,
    revoked_at  timestamptz,
    revoked_by  text
);

-- HTTP Idempotency-Key: the first response to a key is stored in the same
-- transaction as the change, and replayed for the same request.
CREATE TABLE http_idempotency (
    key             text PRIMARY KEY,
    request_digest  bytea NOT NULL,
    status          integer,
    content_type    text,
    body            bytea,
    created_at      timestamptz NOT NULL DEFAULT now()
);
