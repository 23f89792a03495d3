-- API keys a partner's stewards keep themselves (migration 0050).

-- Secrets never reach the trail, even hashed (an invitation's code hash now too), nor does
-- a key's last use: it changes no decision, and would write a row a minute per system.
CREATE OR REPLACE FUNCTION tablero_audit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  -- Secrets never reach the trail, even hashed; nor a key's last use, which is no change.
  old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) - ARRAY['key_hash', 'code_hash', 'last_used_at'] END;
  new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) - ARRAY['key_hash', 'code_hash', 'last_used_at'] END;
  subject jsonb := coalesce(new_row, old_row);
  reach text := tablero_audit_reach(TG_TABLE_NAME);
  tenant uuid := (subject ->> 'collaborative_id')::uuid;
  owner uuid := (subject ->> 'partner_id')::uuid;
  seen text;
  measure uuid;
BEGIN
  IF TG_OP = 'UPDATE' AND old_row = new_row THEN
    RETURN NULL;
  END IF;
  IF TG_TABLE_NAME = 'collaborative' THEN
    tenant := (subject ->> 'id')::uuid;
  ELSIF TG_TABLE_NAME = 'partner' THEN
    owner := (subject ->> 'id')::uuid;
  END IF;
  IF TG_TABLE_NAME = 'performance_measure' THEN
    measure := (subject ->> 'id')::uuid;
  ELSIF TG_TABLE_NAME = 'translation' THEN
    IF subject ->> 'subject_kind' = 'performance_measure' THEN
      measure := (subject ->> 'subject_id')::uuid;
    END IF;
  ELSE
    measure := (subject ->> 'measure_id')::uuid;
  END IF;
  IF reach = 'own' THEN
    seen := subject ->> 'visibility';
  ELSIF reach = 'private' THEN
    seen := 'private';
  ELSIF reach = 'measure' AND measure IS NOT NULL THEN
    SELECT coalesce(owner, m.partner_id), m.visibility INTO owner, seen
      FROM performance_measure m WHERE m.collaborative_id = tenant AND m.id = measure;
    seen := coalesce(seen, 'private');  -- a part of a measure that is gone: its owner's
  END IF;
  -- What a row was while private stays private: making it visible does not show its past.
  IF TG_OP = 'UPDATE' AND (old_row ->> 'visibility') = 'private' THEN
    seen := 'private';
  END IF;
  -- A draft is its owner's alone until it is published.
  IF TG_TABLE_NAME = 'observation' AND (subject ->> 'status') = 'draft' THEN
    seen := 'private';
  END IF;
  INSERT INTO audit_event (request_id, collaborative_id, account_id, api_key_id, table_name,
                           operation, row_id, partner_id, visibility, measure_id, before, after)
  VALUES (nullif(current_setting('tablero.request_id', true), ''), tenant,
          tablero_account_id(), tablero_api_key_id(), TG_TABLE_NAME, lower(TG_OP),
          (subject ->> 'id')::uuid, owner, seen, measure, old_row, new_row);
  RETURN NULL;
END $$;

-- A key names its system and its scopes; an expired or revoked key is an unknown key. Its
-- last use is kept to the minute (one write a minute at most, whatever the traffic).
CREATE FUNCTION tablero_identity_for_api_key(p_key_hash text)
RETURNS TABLE (api_key_id uuid, collaborative_id uuid, partner_id uuid, partner_kind text,
               scopes text[])
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  k api_key;
BEGIN
  SELECT * INTO k FROM api_key
    WHERE key_hash = p_key_hash AND revoked_at IS NULL
      AND (expires_at IS NULL OR expires_at > now());
  IF NOT FOUND THEN
    RETURN;
  END IF;
  IF k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute' THEN
    UPDATE api_key SET last_used_at = now()
      WHERE api_key.collaborative_id = k.collaborative_id AND api_key.id = k.id
        AND (api_key.last_used_at IS NULL OR api_key.last_used_at < now() - interval '1 minute');
  END IF;
  RETURN QUERY SELECT k.id, k.collaborative_id, k.partner_id, p.kind::text, k.scopes::text[]
    FROM partner p WHERE p.collaborative_id = k.collaborative_id AND p.id = k.partner_id;
END $$;

-- A partner's stewards, in person, read, issue, rotate and revoke its keys; the hash stays
-- out of the API role's reach (it may write it, never read it back).
CREATE POLICY api_read ON api_key FOR SELECT TO tablero_api USING (
  tablero_account_id() IS NOT NULL AND partner_id = ANY ((SELECT tablero_steward_of())::uuid[]));
CREATE POLICY api_create ON api_key FOR INSERT TO tablero_api WITH CHECK (
  tablero_account_id() IS NOT NULL AND partner_id = ANY ((SELECT tablero_steward_of())::uuid[])
  AND revoked_at IS NULL AND last_used_at IS NULL);
CREATE POLICY api_update ON api_key FOR UPDATE TO tablero_api
  USING (tablero_account_id() IS NOT NULL
         AND partner_id = ANY ((SELECT tablero_steward_of())::uuid[]))
  WITH CHECK (tablero_account_id() IS NOT NULL
              AND partner_id = ANY ((SELECT tablero_steward_of())::uuid[]));
GRANT SELECT (collaborative_id, id, partner_id, name, prefix, scopes, created_at, revoked_at,
              expires_at, last_used_at, replaced_by) ON api_key TO tablero_api;
GRANT INSERT ON api_key TO tablero_api;
GRANT UPDATE (revoked_at, expires_at, replaced_by) ON api_key TO tablero_api;
