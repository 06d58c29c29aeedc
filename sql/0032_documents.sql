-- 0032: documents (附件) attached to the records people submit and decide:
-- plans, annual plans, year-end reports, closure applications, site visits,
-- confirmations, legacy notices and projects. The content is stored once
-- per SHA-256 (the key is the content's own digest, checked here), the
-- attachment names it; both are permanent, like the ledger. The guards
-- (who may attach to what, the type read from the content, the size
-- setting) are in sql/functions/documents.sql.
CREATE TABLE documents (
    sha256     bytea PRIMARY KEY CHECK (octet_length(sha256) = 32),
    media_type text NOT NULL,
    size       integer NOT NULL CHECK (size > 0),
    content    bytea NOT NULL,
    stored_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT documents_content_addressed CHECK (sha256 = sha256(content) AND size = octet_length(content))
);

CREATE TABLE document_attachments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject     text NOT NULL CHECK (subject IN ('plan', 'annual-plan', 'annual-report', 'closure-application',
                                                 'closure-visit', 'closure-confirmation', 'legacy-notice', 'legacy-project')),
    -- the row of the subject's table (plans, annual_plans, closure_applications, legacy_sites, legacy_projects)
    record_id   bigint NOT NULL,
    -- the mine, for the mine's own records (set by the guard from the record, never by the caller)
    mine_id     bigint REFERENCES mines (id),
    sha256      bytea NOT NULL REFERENCES documents (sha256),
    file_name   text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 200 AND file_name !~ '[/\\[:cntrl:]]'),
    attached_by text NOT NULL CHECK (attached_by <> ''),
    attached_at timestamptz NOT NULL DEFAULT now(),
    request_id  text
);
CREATE INDEX document_attachments_record ON document_attachments (subject, record_id, id);
CREATE INDEX document_attachments_sha256 ON document_attachments (sha256);

-- written only through document_attach (sql/functions/documents.sql)
GRANT SELECT ON documents, document_attachments TO reclaim_app;
