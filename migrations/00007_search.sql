-- Search: an outbox that every change to a searchable item writes in its
-- own transaction (by trigger, so no code path can forget it), the state of
-- each item in the index, reconciler reports, and the documents of the
-- built-in PostgreSQL engine.

-- +goose Up
CREATE TABLE search_outbox (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    seq         bigint GENERATED ALWAYS AS IDENTITY,
    kind        text NOT NULL CHECK (kind IN ('content', 'activity')),
    item_id     uuid NOT NULL,
    enqueued_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, seq)
);

-- What the index holds of each item (written by the indexer after the
-- engine accepted the change).
CREATE TABLE search_index_state (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    kind        text NOT NULL CHECK (kind IN ('content', 'activity')),
    item_id     uuid NOT NULL,
    in_index    boolean NOT NULL,
    version     bigint NOT NULL,
    fingerprint text NOT NULL,
    indexed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, kind, item_id)
);

CREATE TABLE search_reconcile_runs (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          bigint GENERATED ALWAYS AS IDENTITY,
    engine      text NOT NULL,
    checked     integer NOT NULL,
    missing     integer NOT NULL,
    stale       integer NOT NULL,
    extra       integer NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);

-- The built-in engine's documents: text segmented in Go (Chinese words
-- separated by spaces) in a weighted tsvector.
CREATE TABLE search_documents (
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    kind         text NOT NULL CHECK (kind IN ('content', 'activity')),
    item_id      uuid NOT NULL,
    type         text NOT NULL,
    title        text NOT NULL,
    summary      text NOT NULL,
    tags         text[] NOT NULL DEFAULT '{}',
    topics       text[] NOT NULL DEFAULT '{}',
    -- The item's area and the areas above it (a filter on an area finds
    -- what is in its sub-areas); area_id alone for the facet.
    area_id      uuid,
    areas        uuid[] NOT NULL DEFAULT '{}',
    org_unit_id  uuid NOT NULL,
    sites        uuid[] NOT NULL,
    at           timestamptz NOT NULL,
    version      bigint NOT NULL,
    fingerprint  text NOT NULL,
    -- Every word with its position and weight: title A; summary, tags and
    -- topics B; body C. Also, without positions, one lexeme per filter
    -- value (words never contain "_", so the two cannot meet).
    tsv          tsvector NOT NULL,
    PRIMARY KEY (tenant_id, kind, item_id)
);
-- One index answers the words and the filters together: filter values are
-- lexemes of tsv too (site_…, type_…, topic_…, tag_…, area_…, unit_…).
CREATE INDEX search_documents_tsv ON search_documents USING gin (tsv);
CREATE INDEX search_documents_at ON search_documents (tenant_id, at DESC, item_id DESC);

-- +goose StatementBegin
CREATE FUNCTION search_enqueue(t uuid, k text, id uuid) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO search_outbox (tenant_id, kind, item_id) VALUES (t, k, id);
    SELECT pg_notify('zhdj_search', t::text);
$$;

-- A row of a searchable item changed: queue the item. TG_ARGV[0] is its
-- kind, TG_ARGV[1] the column holding its id.
CREATE FUNCTION search_item_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE r jsonb;
BEGIN
    r := to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END);
    PERFORM search_enqueue((r->>'tenant_id')::uuid, TG_ARGV[0], (r->>TG_ARGV[1])::uuid);
    RETURN NULL;
END $$;

-- A site added, moved, switched on or off, or a unit moved in the tree,
-- changes where the school's published items appear: re-index them all
-- (rare, and the school's items only).
CREATE FUNCTION search_school_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE t uuid;
BEGIN
    t := CASE WHEN TG_OP = 'DELETE' THEN OLD.tenant_id ELSE NEW.tenant_id END;
    INSERT INTO search_outbox (tenant_id, kind, item_id)
        SELECT c.tenant_id, 'content', c.id FROM contents c WHERE c.tenant_id = t AND c.status = 'published'
        UNION ALL
        SELECT a.tenant_id, 'activity', a.id FROM activities a WHERE a.tenant_id = t AND a.status NOT IN ('draft', 'cancelled');
    PERFORM pg_notify('zhdj_search', t::text);
    RETURN NULL;
END $$;

-- Area (with the areas above it), topic and partner names are part of
-- activity documents, and an area's ancestors are filters of them.
CREATE FUNCTION search_taxonomy_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'volunteer_areas' THEN
        INSERT INTO search_outbox (tenant_id, kind, item_id)
            WITH RECURSIVE below AS (
                SELECT v.id, 0 AS depth FROM volunteer_areas v WHERE v.tenant_id = NEW.tenant_id AND v.id = NEW.id
                UNION ALL
                SELECT v.id, below.depth + 1 FROM volunteer_areas v JOIN below ON v.parent_id = below.id
                WHERE v.tenant_id = NEW.tenant_id AND below.depth < 20)
            SELECT a.tenant_id, 'activity', a.id FROM activities a WHERE a.tenant_id = NEW.tenant_id AND a.area_id IN (SELECT id FROM below);
    ELSIF TG_TABLE_NAME = 'volunteer_topics' THEN
        INSERT INTO search_outbox (tenant_id, kind, item_id)
            SELECT a.tenant_id, 'activity', a.id FROM activities a WHERE a.tenant_id = NEW.tenant_id AND NEW.id = ANY (a.topic_ids);
    ELSE
        INSERT INTO search_outbox (tenant_id, kind, item_id)
            SELECT a.tenant_id, 'activity', a.id FROM activities a WHERE a.tenant_id = NEW.tenant_id AND NEW.id = ANY (a.partner_ids);
    END IF;
    PERFORM pg_notify('zhdj_search', NEW.tenant_id::text);
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- View counts and sign-up counters change all the time and are not indexed.
CREATE TRIGGER search_enqueue AFTER INSERT OR DELETE OR UPDATE OF type, slug, title, summary, cover_id, tags, topics, org_unit_id,
    publish_to_subtree, status, published_at, body, version ON contents
    FOR EACH ROW EXECUTE FUNCTION search_item_changed('content', 'id');
CREATE TRIGGER search_enqueue AFTER INSERT OR DELETE OR UPDATE OF title, description, cover_id, area_id, topic_ids, partner_ids,
    org_unit_id, address, starts_at, ends_at, status ON activities
    FOR EACH ROW EXECUTE FUNCTION search_item_changed('activity', 'id');
-- A site hiding or showing an item changes where it appears.
CREATE TRIGGER search_enqueue AFTER INSERT OR DELETE ON site_hidden
    FOR EACH ROW EXECUTE FUNCTION search_item_changed('content', 'content_id');
CREATE TRIGGER search_enqueue AFTER INSERT OR DELETE OR UPDATE OF org_unit_id, active ON sites
    FOR EACH ROW EXECUTE FUNCTION search_school_changed();
CREATE TRIGGER search_enqueue AFTER UPDATE OF path ON org_units
    FOR EACH ROW WHEN (OLD.path IS DISTINCT FROM NEW.path) EXECUTE FUNCTION search_school_changed();
CREATE TRIGGER search_enqueue AFTER UPDATE OF name, parent_id ON volunteer_areas
    FOR EACH ROW EXECUTE FUNCTION search_taxonomy_changed();
CREATE TRIGGER search_enqueue AFTER UPDATE OF name ON volunteer_topics
    FOR EACH ROW EXECUTE FUNCTION search_taxonomy_changed();
CREATE TRIGGER search_enqueue AFTER UPDATE OF name ON partners
    FOR EACH ROW EXECUTE FUNCTION search_taxonomy_changed();

-- What was published before this migration is found missing by the
-- reconciler, which runs when the server starts, and indexed.

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['search_outbox', 'search_index_state', 'search_reconcile_runs', 'search_documents'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO zhdj_app', t);
    END LOOP;
END
$$;
-- +goose StatementEnd
REVOKE UPDATE, DELETE ON search_reconcile_runs FROM zhdj_app;

-- search_documents holds published documents only: what every site shows
-- to anyone. A row-level policy on reads would keep PostgreSQL from using
-- its GIN indexes (@@ and && are not leakproof, so they may not run before
-- the policy) and every search would read the school's whole table. Reads
-- are therefore open and every query that reads it names its tenant;
-- writes stay confined to the transaction's tenant.
DROP POLICY tenant_isolation ON search_documents;
CREATE POLICY published_read ON search_documents FOR SELECT USING (true);
CREATE POLICY tenant_insert ON search_documents FOR INSERT WITH CHECK (tenant_id = app_tenant());
CREATE POLICY tenant_update ON search_documents FOR UPDATE USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
CREATE POLICY tenant_delete ON search_documents FOR DELETE USING (tenant_id = app_tenant());

-- +goose Down
DROP TRIGGER search_enqueue ON partners;
DROP TRIGGER search_enqueue ON volunteer_topics;
DROP TRIGGER search_enqueue ON volunteer_areas;
DROP TRIGGER search_enqueue ON org_units;
DROP TRIGGER search_enqueue ON sites;
DROP TRIGGER search_enqueue ON site_hidden;
DROP TRIGGER search_enqueue ON activities;
DROP TRIGGER search_enqueue ON contents;
DROP FUNCTION search_taxonomy_changed();
DROP FUNCTION search_school_changed();
DROP FUNCTION search_item_changed();
DROP FUNCTION search_enqueue(uuid, text, uuid);
DROP TABLE search_documents;
DROP TABLE search_reconcile_runs;
DROP TABLE search_index_state;
DROP TABLE search_outbox;
