-- Documents (tables in 0032_documents.sql): stored once per SHA-256,
-- attached to a record by someone allowed to act on it, recorded in the
-- record's audit chain with the content's digest. The service's role
-- reads both tables and writes them only through document_attach.

CALL protect_rows('documents');
CALL protect_rows('document_attachments');

-- What a document is, read from its first bytes (never from its name or
-- the type a client claims); NULL for anything not on the allow-list: PDF,
-- PNG, JPEG, the Office formats (OOXML zips named by their parts, and the
-- older compound files).
CREATE OR REPLACE FUNCTION document_media_type(p_content bytea) RETURNS text IMMUTABLE LANGUAGE sql AS $$
    SELECT CASE
        WHEN substring(p_content FROM 1 FOR 5) = '\x255044462d'::bytea THEN 'application/pdf'
        WHEN substring(p_content FROM 1 FOR 8) = '\x89504e470d0a1a0a'::bytea THEN 'image/png'
        WHEN substring(p_content FROM 1 FOR 3) = '\xffd8ff'::bytea THEN 'image/jpeg'
        WHEN substring(p_content FROM 1 FOR 8) = '\xd0cf11e0a1b11ae1'::bytea THEN 'application/vnd.ms-office'
        WHEN substring(p_content FROM 1 FOR 4) = '\x504b0304'::bytea
             AND position(convert_to('[Content_Types].xml', 'UTF8') IN p_content) > 0 THEN
            CASE
                WHEN position(convert_to('word/', 'UTF8') IN p_content) > 0
                    THEN 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'
                WHEN position(convert_to('xl/', 'UTF8') IN p_content) > 0
                    THEN 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
                WHEN position(convert_to('ppt/', 'UTF8') IN p_content) > 0
                    THEN 'application/vnd.openxmlformats-officedocument.presentationml.presentation'
            END
    END
$$;

-- The record a document is attached to: its mine (NULL for the banner's
-- legacy records) and its audit target; refused when there is no such record.
CREATE OR REPLACE FUNCTION document_record(p_subject text, p_record_id bigint, OUT mine_id bigint, OUT target text)
    STABLE LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    CASE p_subject
        WHEN 'plan' THEN SELECT p.mine_id, 'plan:' || p.id INTO mine_id, target FROM plans p WHERE p.id = p_record_id;
        WHEN 'annual-plan' THEN
            SELECT a.mine_id, 'annual-plan:' || a.id INTO mine_id, target FROM annual_plans a WHERE a.id = p_record_id;
        WHEN 'annual-report' THEN
            SELECT a.mine_id, 'annual-plan:' || a.id INTO mine_id, target FROM annual_plans a
            WHERE a.id = p_record_id AND EXISTS (SELECT 1 FROM annual_plan_reports r WHERE r.annual_plan_id = a.id);
        WHEN 'closure-application', 'closure-visit', 'closure-confirmation' THEN
            SELECT c.mine_id, 'closure-application:' || c.id INTO mine_id, target
            FROM closure_applications c WHERE c.id = p_record_id;
        WHEN 'legacy-notice' THEN
            SELECT NULL, 'legacy-site:' || s.code INTO mine_id, target FROM legacy_sites s
            WHERE s.id = p_record_id AND EXISTS (SELECT 1 FROM legacy_notices n WHERE n.site_id = s.id);
        WHEN 'legacy-project' THEN
            SELECT NULL, 'legacy-project:' || p.id INTO mine_id, target FROM legacy_projects p WHERE p.id = p_record_id;
        ELSE NULL;
    END CASE;
    IF target IS NULL THEN
        RAISE EXCEPTION 'no % % to attach a document to', replace(p_subject, '-', ' '), p_record_id
            USING ERRCODE = 'RCNOR';
    END IF;
END
$$;

-- Attaches one document: who may is by subject (a mine's own records: its
-- operator, or an administrator; a closure's visit and confirmation: a
-- reviewer on its panel, or an administrator; legacy records: the
-- programme's managers). The type comes from the content, the size is
-- held to documents.max_bytes, the content is stored once per digest and
-- the record's audit chain gets the digest, the size and the name. The same
-- content attached to the same record again is the attachment already there.
CREATE OR REPLACE FUNCTION document_attach(p_subject text, p_record_id bigint, p_file_name text, p_content bytea,
                                           p_actor text, p_role text, p_request_id text,
                                           OUT id bigint, OUT sha256 bytea, OUT media_type text, OUT size integer)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    v_record record := document_record(p_subject, p_record_id);
    v_role text;
    v_max integer := setting_int('documents.max_bytes');
BEGIN
    v_role := CASE
        WHEN p_subject IN ('plan', 'annual-plan', 'annual-report', 'closure-application') THEN
            reclaim_check_actor_for_mine(p_actor, ARRAY['operator', 'admin'], v_record.mine_id)
        WHEN p_subject IN ('closure-visit', 'closure-confirmation') THEN
            reclaim_check_actor(p_actor, ARRAY['reviewer', 'admin'])
        ELSE reclaim_check_actor(p_actor, ARRAY['admin', 'reviewer'])
    END;
    IF p_subject = 'closure-visit' AND coalesce(v_role, '') = 'reviewer' THEN
        PERFORM closure_check_member(p_record_id, p_actor);
    END IF;
    IF p_content IS NULL OR octet_length(p_content) = 0 THEN
        RAISE EXCEPTION '% is empty', p_file_name USING ERRCODE = 'RCDOC', COLUMN = 'files';
    END IF;
    IF octet_length(p_content) > v_max THEN
        RAISE EXCEPTION '% is % bytes; a document may be at most % bytes (documents.max_bytes)',
            p_file_name, octet_length(p_content), v_max USING ERRCODE = 'RCDOC', COLUMN = 'files';
    END IF;
    media_type := document_media_type(p_content);
    IF media_type IS NULL THEN
        RAISE EXCEPTION '% is not a PDF, PNG, JPEG or Office document (read from its content)', p_file_name
            USING ERRCODE = 'RCDOC', COLUMN = 'files';
    END IF;
    sha256 := pg_catalog.sha256(p_content);
    size := octet_length(p_content);
    INSERT INTO documents (sha256, media_type, size, content) VALUES (sha256, media_type, size, p_content)
    ON CONFLICT ON CONSTRAINT documents_pkey DO NOTHING;
    INSERT INTO document_attachments (subject, record_id, mine_id, sha256, file_name, attached_by, request_id)
    VALUES (p_subject, p_record_id, v_record.mine_id, sha256, p_file_name, p_actor, p_request_id)
    ON CONFLICT (subject, record_id, sha256) DO NOTHING
    RETURNING document_attachments.id INTO id;
    IF id IS NULL THEN
        -- attached already (a form sent twice, a retry): that attachment, nothing new to record
        SELECT a.id INTO id FROM document_attachments a
        WHERE a.subject = p_subject AND a.record_id = p_record_id AND a.sha256 = document_attach.sha256;
        RETURN;
    END IF;
    PERFORM audit_append(p_actor, coalesce(v_role, p_role), p_subject || '.attach', v_record.target, p_request_id,
                         concat_ws(E'\n', p_subject, p_record_id, p_file_name, encode(sha256, 'hex'), size, media_type));
END
$$;
GRANT EXECUTE ON FUNCTION document_attach(text, bigint, text, bytea, text, text, text) TO reclaim_app;
