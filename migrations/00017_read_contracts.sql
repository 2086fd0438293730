-- Read contracts between domains. A domain reads another domain's data
-- through that domain's exported Go function or through one of the views
-- and functions below, each defined and kept by the domain whose tables it
-- reads (see ARCHITECTURE.md). Their columns are the owner's promise; the
-- tables behind them may change. Every view runs with the privileges and
-- row-level security of the caller (security_invoker), so a school's rows
-- stay its own exactly as in the tables.

-- +goose Up

-- tenant: a school as other domains may know it; `settings` is the JSON
-- each domain keeps its rules in (the domain owns its part's schema).
CREATE VIEW tenant_profiles WITH (security_invoker = true) AS
SELECT id, code, name, active, settings, created_at FROM tenants;

-- member: what other domains may know of a person (identifiers masked).
CREATE VIEW person_profiles WITH (security_invoker = true) AS
SELECT tenant_id, id, name, gender, category, department, phone_masked, citizen_id_masked,
       org_unit_id, stage, status
FROM people;

-- A reader may also lock a person's row through the view (FOR NO KEY
-- UPDATE, which asks for UPDATE on one column of it): a volunteer sign-up
-- serialises each person's sign-ups so. Nothing writes through the view;
-- the grant is for the lock only. (A locking function instead cost a fifth
-- of a millisecond per call: it is planned and run apart from its query.)

-- account: how an account is credited (as an author, say).
CREATE VIEW account_names WITH (security_invoker = true) AS
SELECT tenant_id, id, display_name FROM accounts;

-- content: which sites an item is placed on — the sites of its own unit,
-- and every site below when it is published to the subtree, minus the
-- sites that hide it. The one statement of the rule: a site's list, an
-- item's sites for its webhooks and its search document all read it. An
-- item is shown where it is placed once it is published (and the site is
-- active); the view leaves both to the reader, because an item just
-- unpublished still has sites to tell.
CREATE VIEW content_on_sites WITH (security_invoker = true) AS
SELECT s.id AS site_id, s.slug AS site_slug, s.active AS site_active, c.*, cu.path AS org_path
FROM contents c
JOIN org_units cu ON cu.tenant_id = c.tenant_id AND cu.id = c.org_unit_id
JOIN sites s ON s.tenant_id = c.tenant_id
JOIN org_units su ON su.tenant_id = s.tenant_id AND su.id = s.org_unit_id
WHERE (s.org_unit_id = c.org_unit_id OR (c.publish_to_subtree AND su.path <@ cu.path))
  AND NOT EXISTS (SELECT 1 FROM site_hidden h WHERE h.tenant_id = c.tenant_id AND h.site_id = s.id AND h.content_id = c.id);

-- content: an item with its unit's path (what the domain's lists read).
CREATE VIEW content_details WITH (security_invoker = true) AS
SELECT c.*, cu.path AS org_path
FROM contents c JOIN org_units cu ON cu.tenant_id = c.tenant_id AND cu.id = c.org_unit_id;

-- content: the published items as search documents, with the active sites
-- that show them.
CREATE VIEW content_documents WITH (security_invoker = true) AS
SELECT c.tenant_id, c.id, c.type, c.title, c.summary, c.body, c.tags, c.topics, c.org_unit_id, c.published_at, c.version,
       ARRAY(SELECT v.site_id FROM content_on_sites v
             WHERE v.tenant_id = c.tenant_id AND v.id = c.id AND v.site_active ORDER BY v.site_id) AS site_ids
FROM contents c
WHERE c.status = 'published';

-- volunteer: an area and the areas above it, nearest first (ids and
-- names joined by spaces).
-- +goose StatementBegin
CREATE FUNCTION volunteer_area_lineage(tenant uuid, area uuid, OUT ids uuid[], OUT names text)
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE up AS (
        SELECT v.id, v.parent_id, v.name, 0 AS depth FROM volunteer_areas v WHERE v.tenant_id = tenant AND v.id = area
        UNION ALL
        SELECT v.id, v.parent_id, v.name, up.depth + 1 FROM volunteer_areas v JOIN up ON v.id = up.parent_id
        WHERE v.tenant_id = tenant AND up.depth < 20)
    SELECT array_agg(up.id ORDER BY up.depth), string_agg(up.name, ' ' ORDER BY up.depth) FROM up
$$;
-- +goose StatementEnd

-- volunteer: the activities students can find (not drafts, not cancelled)
-- as search documents: topic and partner names, the area with the areas
-- above it (nearest first), and every active site of the school.
CREATE VIEW activity_documents WITH (security_invoker = true) AS
SELECT a.tenant_id, a.id, a.title, a.description, a.address, a.area_id, a.org_unit_id, a.starts_at,
  (extract(epoch FROM a.updated_at) * 1000000)::bigint AS version,
  COALESCE((SELECT array_agg(t.name ORDER BY t.sort_order, t.name) FROM volunteer_topics t
            WHERE t.tenant_id = a.tenant_id AND t.id = ANY (a.topic_ids)), '{}') AS topic_names,
  COALESCE((SELECT string_agg(p.name, ' ' ORDER BY p.name) FROM partners p
            WHERE p.tenant_id = a.tenant_id AND p.id = ANY (a.partner_ids)), '') AS partner_names,
  COALESCE(up.ids, '{}') AS area_ids, COALESCE(up.names, '') AS area_names,
  ARRAY(SELECT s.id FROM sites s WHERE s.tenant_id = a.tenant_id AND s.active ORDER BY s.id) AS site_ids
FROM activities a
LEFT JOIN LATERAL volunteer_area_lineage(a.tenant_id, a.area_id) up ON true
WHERE a.status NOT IN ('draft', 'cancelled');

-- volunteer: an activity with its unit's path, hours as a float (what the
-- domain reads; the table keeps numeric(5,1)).
CREATE VIEW activity_details WITH (security_invoker = true) AS
SELECT a.tenant_id, a.id, a.title, a.description, a.cover_id, a.area_id, a.topic_ids, a.partner_ids, a.org_unit_id,
       a.address, a.latitude, a.longitude, a.starts_at, a.ends_at, a.signup_opens_at, a.signup_closes_at, a.capacity,
       a.audience, a.hours::float8 AS hours, a.status, a.confirmed_count, a.signup_count, a.cosigned_by, a.cosigned_at,
       a.created_at, u.path AS org_path, a.code_secret
FROM activities a JOIN org_units u ON u.tenant_id = a.tenant_id AND u.id = a.org_unit_id;

-- volunteer: a sign-up with its person's name.
CREATE VIEW signup_details WITH (security_invoker = true) AS
SELECT s.tenant_id, s.id, s.activity_id, s.person_id, s.status, s.waitlist_position, s.checked_in_at, s.checked_out_at,
       s.hours::float8 AS hours, s.hours_confirmed, s.hours_reason, s.confirmed_by, s.created_at, p.name AS person_name
FROM signups s JOIN person_profiles p ON p.tenant_id = s.tenant_id AND p.id = s.person_id;

GRANT SELECT ON tenant_profiles, person_profiles, account_names, content_on_sites, content_details, content_documents,
    activity_documents, activity_details, signup_details TO zhdj_app;
GRANT UPDATE (status) ON person_profiles TO zhdj_app;
GRANT EXECUTE ON FUNCTION volunteer_area_lineage(uuid, uuid) TO zhdj_app;

-- +goose Down
DROP VIEW signup_details;
DROP VIEW activity_details;
DROP VIEW activity_documents;
DROP FUNCTION volunteer_area_lineage(uuid, uuid);
DROP VIEW content_documents;
DROP VIEW content_details;
DROP VIEW content_on_sites;
DROP VIEW account_names;
DROP VIEW person_profiles;
DROP VIEW tenant_profiles;
