-- The public read path's response cache (internal/respcache) keeps what
-- anonymous readers of a school's sites are shown; every server process
-- forgets a school's answers when the database announces, on commit, that
-- something they may show changed: {"k": "public", "t": tenant, "a": area}
-- on the live channel (a transaction's identical announcements are sent
-- once). The area says which answers: "site" (the school, its org units,
-- sites and media: every answer shows them), "content", "volunteer",
-- "suggestions" or "comments" (the answers of the root fields that read
-- them, as the schema's @publicRead says) — so that a comment posted does
-- not forget the front page.
--
-- Counters that move with every sign-up or vote (an activity's places, a
-- suggestion's votes and hot score) do not announce: answers with them
-- may lag by the cache's max-age, as documented.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION public_announce() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tenant uuid;
BEGIN
    IF TG_OP = 'DELETE' THEN
        tenant := OLD.tenant_id;
    ELSE
        tenant := NEW.tenant_id;
    END IF;
    -- The first argument is the area; the columns named after it do not
    -- count as a change.
    IF TG_OP = 'UPDATE' AND TG_NARGS > 1
       AND (to_jsonb(OLD) - TG_ARGV[1:TG_NARGS - 1]) = (to_jsonb(NEW) - TG_ARGV[1:TG_NARGS - 1]) THEN
        RETURN NULL;
    END IF;
    PERFORM pg_notify('zhdj_live', '{"k":"public","t":"' || tenant || '","a":"' || TG_ARGV[0] || '"}');
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION public_announce_tenant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('zhdj_live', '{"k":"public","t":"' || CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END || '","a":"site"}');
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER tenants_public AFTER INSERT OR UPDATE OR DELETE ON tenants FOR EACH ROW EXECUTE FUNCTION public_announce_tenant();
CREATE TRIGGER org_units_public AFTER INSERT OR UPDATE OR DELETE ON org_units FOR EACH ROW EXECUTE FUNCTION public_announce('site');
CREATE TRIGGER sites_public AFTER INSERT OR UPDATE OR DELETE ON sites FOR EACH ROW EXECUTE FUNCTION public_announce('site');
CREATE TRIGGER site_origins_public AFTER INSERT OR UPDATE OR DELETE ON site_origins FOR EACH ROW EXECUTE FUNCTION public_announce('site');
CREATE TRIGGER media_public AFTER INSERT OR UPDATE OR DELETE ON media FOR EACH ROW EXECUTE FUNCTION public_announce('site');
CREATE TRIGGER media_derivatives_public AFTER INSERT OR UPDATE OR DELETE ON media_derivatives FOR EACH ROW EXECUTE FUNCTION public_announce('site');
CREATE TRIGGER contents_public AFTER INSERT OR UPDATE OR DELETE ON contents FOR EACH ROW EXECUTE FUNCTION public_announce('content', 'view_count');
CREATE TRIGGER content_authors_public AFTER INSERT OR UPDATE OR DELETE ON content_authors FOR EACH ROW EXECUTE FUNCTION public_announce('content');
CREATE TRIGGER site_featured_public AFTER INSERT OR UPDATE OR DELETE ON site_featured FOR EACH ROW EXECUTE FUNCTION public_announce('content');
CREATE TRIGGER site_hidden_public AFTER INSERT OR UPDATE OR DELETE ON site_hidden FOR EACH ROW EXECUTE FUNCTION public_announce('content');
CREATE TRIGGER volunteer_areas_public AFTER INSERT OR UPDATE OR DELETE ON volunteer_areas FOR EACH ROW EXECUTE FUNCTION public_announce('volunteer');
CREATE TRIGGER volunteer_topics_public AFTER INSERT OR UPDATE OR DELETE ON volunteer_topics FOR EACH ROW EXECUTE FUNCTION public_announce('volunteer');
CREATE TRIGGER partners_public AFTER INSERT OR UPDATE OR DELETE ON partners FOR EACH ROW EXECUTE FUNCTION public_announce('volunteer');
CREATE TRIGGER activities_public AFTER INSERT OR UPDATE OR DELETE ON activities FOR EACH ROW
    EXECUTE FUNCTION public_announce('volunteer', 'confirmed_count', 'waitlisted_count', 'signup_count', 'last_signup_places');
CREATE TRIGGER suggestions_public AFTER INSERT OR UPDATE OR DELETE ON suggestions FOR EACH ROW EXECUTE FUNCTION public_announce('suggestions', 'votes', 'hot');
CREATE TRIGGER suggestion_replies_public AFTER INSERT OR UPDATE OR DELETE ON suggestion_replies FOR EACH ROW EXECUTE FUNCTION public_announce('suggestions');
-- A comment posted and waiting for review shows nowhere yet.
CREATE TRIGGER comments_posted_public AFTER INSERT ON comments FOR EACH ROW WHEN (NEW.status = 'visible')
    EXECUTE FUNCTION public_announce('comments');
CREATE TRIGGER comments_public AFTER UPDATE OR DELETE ON comments FOR EACH ROW EXECUTE FUNCTION public_announce('comments', 'reports');
CREATE TRIGGER comment_policies_public AFTER INSERT OR UPDATE OR DELETE ON comment_policies FOR EACH ROW EXECUTE FUNCTION public_announce('comments');
CREATE TRIGGER search_documents_public AFTER INSERT OR UPDATE OR DELETE ON search_documents FOR EACH ROW EXECUTE FUNCTION public_announce('content');

-- +goose Down
DROP TRIGGER search_documents_public ON search_documents;
DROP TRIGGER comment_policies_public ON comment_policies;
DROP TRIGGER comments_public ON comments;
DROP TRIGGER comments_posted_public ON comments;
DROP TRIGGER suggestion_replies_public ON suggestion_replies;
DROP TRIGGER suggestions_public ON suggestions;
DROP TRIGGER activities_public ON activities;
DROP TRIGGER partners_public ON partners;
DROP TRIGGER volunteer_topics_public ON volunteer_topics;
DROP TRIGGER volunteer_areas_public ON volunteer_areas;
DROP TRIGGER site_hidden_public ON site_hidden;
DROP TRIGGER site_featured_public ON site_featured;
DROP TRIGGER content_authors_public ON content_authors;
DROP TRIGGER contents_public ON contents;
DROP TRIGGER media_derivatives_public ON media_derivatives;
DROP TRIGGER media_public ON media;
DROP TRIGGER site_origins_public ON site_origins;
DROP TRIGGER sites_public ON sites;
DROP TRIGGER org_units_public ON org_units;
DROP TRIGGER tenants_public ON tenants;
DROP FUNCTION public_announce_tenant();
DROP FUNCTION public_announce();
