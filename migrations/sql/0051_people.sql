-- People: collaboratives founded by instance admins, invitations, memberships (0051).
-- Twins in services/policy.py: invitation_standing, invitation_visible,
-- can_manage_membership.

CREATE FUNCTION tablero_instance_admin() RETURNS boolean LANGUAGE sql STABLE AS
$$ SELECT coalesce(current_setting('tablero.instance_admin', true), '') = 'true' $$;

-- Who a subject is, now with the instance-admin flag (which reads nothing by itself).
CREATE FUNCTION tablero_identity_for_subject(p_subject text)
RETURNS TABLE (account_id uuid, collaborative_id uuid, role text, partner_id uuid,
               instance_admin boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS
$$ SELECT a.id, m.collaborative_id, m.role::text, m.partner_id, a.instance_admin
   FROM account a LEFT JOIN membership m ON m.account_id = a.id
   WHERE a.subject = p_subject $$;

-- Counts nobody may read row by row: they decide who may name a first steward.
CREATE FUNCTION tablero_stewards_of(p_collaborative uuid, p_partner uuid) RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS
$$ SELECT count(*)::integer FROM membership
   WHERE collaborative_id = p_collaborative AND partner_id = p_partner
     AND role = 'partner_steward' $$;

CREATE FUNCTION tablero_backbone_people(p_collaborative uuid) RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS
$$ SELECT count(*)::integer FROM membership
   WHERE collaborative_id = p_collaborative AND role = 'backbone' $$;

CREATE FUNCTION tablero_partners_in(p_collaborative uuid) RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS
$$ SELECT count(*)::integer FROM partner WHERE collaborative_id = p_collaborative $$;

-- Twin of services/invitations/roles.fits: a funder's people are funders, the backbone's are
-- backbone staff, residents belong to no partner, staff and stewards to the others.
CREATE FUNCTION tablero_invitation_fits(p_collaborative uuid, p_role text, p_partner uuid)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
SELECT CASE WHEN p_role = 'resident' THEN p_partner IS NULL ELSE coalesce((
  SELECT CASE p_role
    WHEN 'funder' THEN p.kind = 'funder'
    WHEN 'backbone' THEN p.kind = 'backbone'
    WHEN 'backbone_steward' THEN p.kind = 'backbone'
    WHEN 'partner_staff' THEN p.kind NOT IN ('funder', 'backbone')
    WHEN 'partner_steward' THEN p.kind NOT IN ('funder', 'backbone')
    ELSE false END
  FROM partner p WHERE p.collaborative_id = p_collaborative AND p.id = p_partner), false) END $$;

-- Twin of policy.invitation_standing, for the viewer of this transaction.
CREATE FUNCTION tablero_may_issue(p_collaborative uuid, p_role text, p_partner uuid,
                                  p_issued_as text)
RETURNS boolean LANGUAGE sql STABLE AS $$
SELECT tablero_account_id() IS NOT NULL
  AND tablero_invitation_fits(p_collaborative, p_role, p_partner)
  AND CASE p_issued_as
    WHEN 'steward' THEN p_partner = ANY (tablero_steward_of())
      AND (p_role IN ('partner_staff', 'partner_steward')
           OR (p_role = 'backbone_steward' AND p_collaborative = ANY (tablero_backbone_of())))
    WHEN 'backbone' THEN p_collaborative = ANY (tablero_backbone_of())
      AND (p_role IN ('resident', 'funder', 'backbone')
           OR (p_role = 'partner_steward'
               AND tablero_stewards_of(p_collaborative, p_partner) = 0))
    WHEN 'admin' THEN tablero_instance_admin() AND p_role = 'backbone_steward'
      AND tablero_backbone_people(p_collaborative) = 0
    ELSE false END $$;

-- The standing an invitation was issued under, held by its issuer still (at redemption):
-- a steward removed since, or a backbone whose first steward arrived meanwhile, no longer
-- brings anyone in.
CREATE FUNCTION tablero_issuer_stands(inv invitation) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
SELECT CASE inv.issued_as
  WHEN 'operator' THEN true
  WHEN 'admin' THEN EXISTS (SELECT 1 FROM account a
                            WHERE a.id = inv.invited_by AND a.instance_admin)
  WHEN 'steward' THEN EXISTS (SELECT 1 FROM membership m
      WHERE m.collaborative_id = inv.collaborative_id AND m.account_id = inv.invited_by
        AND m.partner_id = inv.partner_id AND m.role = 'partner_steward')
  WHEN 'backbone' THEN EXISTS (SELECT 1 FROM membership m
      WHERE m.collaborative_id = inv.collaborative_id AND m.account_id = inv.invited_by
        AND m.role = 'backbone')
  ELSE false END $$;

CREATE FUNCTION tablero_invitation_memberships(p_role text) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
SELECT CASE p_role WHEN 'backbone_steward' THEN ARRAY['backbone', 'partner_steward']
                   ELSE ARRAY[p_role] END $$;

-- Redeeming a code: the only way an account is created or a membership granted through the
-- API. One redemption per code, whatever the concurrency (the row is locked); the address
-- must be the invited one whenever the provider vouches for the token's (p_email, already
-- normalized; NULL when not vouched); an account is linked by its subject only, and a new
-- one gets the invited address. Outcomes other than 'ok' write nothing.
CREATE FUNCTION tablero_redeem_invitation(p_code_hash text, p_subject text, p_email text,
                                          p_name text)
RETURNS TABLE (outcome text, account_id uuid, invitation_id uuid, collaborative_id uuid,
               role text, partner_id uuid)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  inv invitation;
  who uuid;
  verdict text;
BEGIN
  SELECT * INTO inv FROM invitation i WHERE i.code_hash = p_code_hash FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'unknown'::text, NULL::uuid, NULL::uuid, NULL::uuid, NULL::text,
                        NULL::uuid;
    RETURN;
  END IF;
  verdict := CASE
    WHEN inv.revoked_at IS NOT NULL THEN 'revoked'
    WHEN inv.redeemed_at IS NOT NULL THEN 'used'
    WHEN inv.expires_at <= now() THEN 'expired'
    WHEN p_email IS NOT NULL AND p_email <> inv.email THEN 'email_mismatch'
    WHEN NOT tablero_invitation_fits(inv.collaborative_id, inv.role, inv.partner_id)
         OR NOT tablero_issuer_stands(inv) THEN 'issuer'
    WHEN inv.issued_as = 'backbone' AND inv.role = 'partner_steward'
         AND tablero_stewards_of(inv.collaborative_id, inv.partner_id) > 0 THEN 'has_steward'
  END;
  IF verdict IS NULL THEN
    SELECT a.id INTO who FROM account a WHERE a.subject = p_subject;
    IF NOT FOUND THEN
      who := gen_random_uuid();
      INSERT INTO account (id, subject, email, display_name)
        VALUES (who, p_subject, inv.email,
                left(coalesce(nullif(btrim(p_name), ''), split_part(inv.email, '@', 1)), 200))
        ON CONFLICT DO NOTHING;
      IF NOT FOUND THEN  -- another sign-in holds this address, or this subject just arrived
        SELECT a.id INTO who FROM account a WHERE a.subject = p_subject;
        verdict := CASE WHEN who IS NULL THEN 'email_taken' END;
      END IF;
    END IF;
  END IF;
  IF verdict IS NOT NULL THEN
    RETURN QUERY SELECT verdict, NULL::uuid, inv.id, inv.collaborative_id, inv.role::text,
                        inv.partner_id;
    RETURN;
  END IF;
  -- What follows is the new member's own doing, in the audit trail too.
  PERFORM set_config('tablero.account_id', who::text, true);
  INSERT INTO membership (collaborative_id, id, account_id, role, partner_id)
    SELECT inv.collaborative_id, gen_random_uuid(), who, r,
           CASE WHEN r = 'resident' THEN NULL ELSE inv.partner_id END
    FROM unnest(tablero_invitation_memberships(inv.role)) AS r
    ON CONFLICT DO NOTHING;
  UPDATE invitation i SET redeemed_at = now(), redeemed_by = who
    WHERE i.collaborative_id = inv.collaborative_id AND i.id = inv.id;
  RETURN QUERY SELECT 'ok'::text, who, inv.id, inv.collaborative_id, inv.role::text,
                      inv.partner_id;
END $$;

-- Twin of policy.can_manage_membership: stewards keep their partner's staff and stewards;
-- the backbone residents, funders' people and its own staff; people only, never a key.
CREATE FUNCTION tablero_manages_membership(p_collaborative uuid, p_role text, p_partner uuid)
RETURNS boolean LANGUAGE sql STABLE AS $$
SELECT tablero_account_id() IS NOT NULL AND (
  (p_role IN ('partner_staff', 'partner_steward') AND p_partner = ANY (tablero_steward_of()))
  OR (p_role IN ('resident', 'funder', 'backbone')
      AND p_collaborative = ANY (tablero_backbone_of()))) $$;

-- A partner that has a steward keeps one, and a collaborative keeps its backbone: the last
-- of them can neither leave nor be removed nor demoted. Changes to one partner's (or one
-- backbone's) people take turns, so that two stewards removing each other at once cannot
-- both succeed. Operators, as the owner, are not bound.
CREATE FUNCTION tablero_guard_last_steward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_user <> 'tablero_api' OR OLD.role NOT IN ('partner_steward', 'backbone')
     OR (TG_OP = 'UPDATE' AND NEW.role = OLD.role) THEN
    RETURN NULL;
  END IF;
  IF OLD.role = 'partner_steward' THEN
    PERFORM pg_advisory_xact_lock(hashtextextended('stewards:' || OLD.partner_id::text, 0));
    IF tablero_stewards_of(OLD.collaborative_id, OLD.partner_id) = 0 THEN
      RAISE EXCEPTION 'the last steward of a partner stays until another steward is named'
        USING ERRCODE = 'integrity_constraint_violation';
    END IF;
  ELSE
    PERFORM pg_advisory_xact_lock(
      hashtextextended('backbone:' || OLD.collaborative_id::text, 0));
    IF tablero_backbone_people(OLD.collaborative_id) = 0 THEN
      RAISE EXCEPTION 'the last of the backbone stays until another is named'
        USING ERRCODE = 'integrity_constraint_violation';
    END IF;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER guard_last_steward AFTER UPDATE OF role OR DELETE ON membership
  FOR EACH ROW EXECUTE FUNCTION tablero_guard_last_steward();

-- Staff and stewards change places within their partner; the backbone's and a funder's
-- people hold the roles their partner fits (as invitations do).
CREATE FUNCTION tablero_guard_membership_role() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_user = 'tablero_api' AND NEW.role = 'partner_staff'
     AND NOT tablero_invitation_fits(NEW.collaborative_id, NEW.role, NEW.partner_id) THEN
    RAISE EXCEPTION 'a % partner''s people hold no staff role', (
      SELECT kind FROM partner WHERE collaborative_id = NEW.collaborative_id
                                 AND id = NEW.partner_id)
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER guard_membership_role BEFORE UPDATE OF role ON membership
  FOR EACH ROW EXECUTE FUNCTION tablero_guard_membership_role();

CREATE POLICY api_update ON membership FOR UPDATE TO tablero_api
  USING (role IN ('partner_staff', 'partner_steward')
         AND tablero_manages_membership(collaborative_id, role, partner_id))
  WITH CHECK (role IN ('partner_staff', 'partner_steward')
              AND tablero_manages_membership(collaborative_id, role, partner_id));
CREATE POLICY api_delete ON membership FOR DELETE TO tablero_api
  USING (tablero_manages_membership(collaborative_id, role, partner_id)
         OR account_id = (SELECT tablero_account_id()));
GRANT UPDATE (role), DELETE ON membership TO tablero_api;

-- Managers read the names and addresses of the people they keep (accounts stay private
-- to everyone else).
CREATE POLICY api_read_kept ON account FOR SELECT TO tablero_api USING (EXISTS (
  SELECT 1 FROM membership m WHERE m.account_id = account.id
    AND tablero_manages_membership(m.collaborative_id, m.role::text, m.partner_id)));

-- Invitations: read and kept by their issuer, the partner's stewards, and the backbone for
-- those it issued; the code's hash is never readable by the API role.
CREATE POLICY api_read ON invitation FOR SELECT TO tablero_api USING (
  tablero_account_id() IS NOT NULL AND (
    invited_by = (SELECT tablero_account_id())
    OR partner_id = ANY ((SELECT tablero_steward_of())::uuid[])
    OR (collaborative_id = ANY ((SELECT tablero_backbone_of())::uuid[])
        AND issued_as = 'backbone')));
CREATE POLICY api_create ON invitation FOR INSERT TO tablero_api WITH CHECK (
  invited_by = (SELECT tablero_account_id()) AND redeemed_at IS NULL AND revoked_at IS NULL
  AND tablero_may_issue(collaborative_id, role, partner_id, issued_as));
CREATE POLICY api_update ON invitation FOR UPDATE TO tablero_api
  USING (redeemed_at IS NULL AND revoked_at IS NULL)
  WITH CHECK (redeemed_at IS NULL);
GRANT SELECT (collaborative_id, id, email, role, partner_id, issued_as, invited_by, created_at,
              expires_at, last_sent_at, redeemed_at, redeemed_by, revoked_at, revoked_by)
  ON invitation TO tablero_api;
GRANT INSERT ON invitation TO tablero_api;
GRANT UPDATE (code_hash, expires_at, last_sent_at, revoked_at, revoked_by)
  ON invitation TO tablero_api;

-- Instance admins found a collaborative and its backbone organization, at the defaults or
-- stronger: nobody is there yet to vote a weaker rule.
CREATE POLICY api_create ON collaborative FOR INSERT TO tablero_api WITH CHECK (
  tablero_instance_admin() AND tablero_account_id() IS NOT NULL
  AND min_partners >= 3 AND min_cell >= 11 AND max_dominance_share <= 0.8
  AND quorum >= 3 AND resident_majority >= 0.5 AND organization_majority >= 0.5);
GRANT INSERT ON collaborative TO tablero_api;
CREATE POLICY api_found ON partner FOR INSERT TO tablero_api WITH CHECK (
  kind = 'backbone' AND tablero_instance_admin() AND tablero_account_id() IS NOT NULL
  AND tablero_partners_in(collaborative_id) = 0);

CREATE OR REPLACE FUNCTION tablero_audit_reach(p_table text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
SELECT CASE
  WHEN p_table IN ('partner', 'performance_measure', 'observation', 'story', 'indicator',
                   'dashboard', 'release_share') THEN 'own'
  WHEN p_table IN ('measure_dimension', 'measure_contribution', 'target', 'observation_batch',
                   'translation') THEN 'measure'
  WHEN p_table IN ('collaborative', 'account', 'membership', 'partner_contact', 'domain',
                   'result', 'dimension', 'dimension_category', 'shared_measure',
                   'indicator_dimension', 'indicator_version', 'proposal', 'proposal_comment',
                   'proposal_vote', 'action_item', 'action_item_status_change',
                   'dashboard_panel', 'persisted_document', 'reporting_period', 'release',
                   'release_cell') THEN 'members'
  -- Its owner's alone: a partner's own records (its keys, its visibility changes), and
  -- invitations (read by their partner's people and whoever made the change), addresses in
  -- them included.
  WHEN p_table IN ('api_key', 'measure_visibility_change', 'invitation') THEN 'private'
  ELSE 'private'
END $$;
