-- 0033: the same content is attached to a record once. A form sent twice
-- (a double click, a retry after a lost answer) or an upload repeated from
-- the CLI names the attachment that is there instead of adding another
-- (document_attach); the first name given is kept.
CREATE UNIQUE INDEX document_attachments_once ON document_attachments (subject, record_id, sha256);
