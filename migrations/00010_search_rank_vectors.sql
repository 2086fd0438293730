-- The built-in engine reads less per match:
-- - ranking reads rank_tsv, the title, summary, tag and topic words with
--   their positions and weights (about a third of the whole vector); body
--   words find a document but no longer rank it;
-- - tsv, which only the GIN index reads, keeps its lexemes without
--   positions, and a type is a lexeme with each site of the document
--   (st_<site>_<type> instead of type_<type>): a search by type decodes
--   that list alone, not also the site's (every document of a one-site
--   school);
-- - facets are one text, facet_key ("facet:value" joined by U+001F), so a
--   search groups its matches on one value instead of unnesting arrays;
-- - what a search reads of every match (tenant, id, date, kind, facet key,
--   rank vector) comes first in the row: a value after variable-length
--   ones is found by walking them, and the wide ones are not walked.
-- The table is rebuilt in that order with its rows converted, so searches
-- stay right at once; the engine's document format changed with it (v4),
-- so the reconciler also rewrites them from the items in the background.

-- +goose Up
CREATE TABLE search_documents_v4 (
    tenant_id    uuid NOT NULL,
    item_id      uuid NOT NULL,
    at           timestamptz NOT NULL,
    kind         text NOT NULL,
    facet_key    text NOT NULL DEFAULT '',
    rank_tsv     tsvector NOT NULL DEFAULT '',
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
    version      bigint NOT NULL,
    fingerprint  text NOT NULL,
    tsv          tsvector NOT NULL
);
-- Every school's rows (reads of the old table are open to its owner).
INSERT INTO search_documents_v4 (tenant_id, item_id, at, kind, facet_key, rank_tsv, type, title, summary, tags, topics,
    area_id, areas, org_unit_id, sites, version, fingerprint, tsv)
SELECT tenant_id, item_id, at, kind, array_to_string(facets, E'\x1f'), ts_filter(tsv, '{a,b}'), type, title, summary, tags, topics,
    area_id, areas, org_unit_id, sites, version, fingerprint,
    ts_delete(strip(tsv), 'type_' || type)
        || array_to_tsvector(ARRAY(SELECT 'st_' || replace(s::text, '-', '') || '_' || type FROM unnest(sites) AS s))
FROM search_documents;
DROP TABLE search_documents;
ALTER TABLE search_documents_v4 RENAME TO search_documents;
ALTER TABLE search_documents
    ADD PRIMARY KEY (tenant_id, kind, item_id),
    ADD FOREIGN KEY (tenant_id) REFERENCES tenants (id),
    ADD CHECK (kind IN ('content', 'activity'));
-- One index answers the words and the filters together.
CREATE INDEX search_documents_tsv ON search_documents USING gin (tsv);
CREATE INDEX search_documents_at ON search_documents (tenant_id, at DESC, item_id DESC);
COMMENT ON COLUMN search_documents.tsv IS
    'Every word once, without positions, and one lexeme per filter value (site_<site>, st_<site>_<type>, topic_…, tag_…, area_…, unit_…; words never contain "_"): what the GIN index matches.';
COMMENT ON COLUMN search_documents.rank_tsv IS
    'Title words (weight A), summary, tag and topic words (B), with positions: what ranks a match.';
COMMENT ON COLUMN search_documents.facet_key IS
    'The document''s facet values, "facet:value" joined by U+001F: what facet counts group on.';
-- As before (see 00007): reads are open, since search_documents holds only
-- published documents and a read policy would keep PostgreSQL from its GIN
-- index; every query names its tenant; writes stay in the transaction's
-- tenant.
ALTER TABLE search_documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE search_documents FORCE ROW LEVEL SECURITY;
CREATE POLICY published_read ON search_documents FOR SELECT USING (true);
CREATE POLICY tenant_insert ON search_documents FOR INSERT WITH CHECK (tenant_id = app_tenant());
CREATE POLICY tenant_update ON search_documents FOR UPDATE USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
CREATE POLICY tenant_delete ON search_documents FOR DELETE USING (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON search_documents TO zhdj_app;

-- +goose Down
-- The columns of 00009, in another order.
DROP INDEX search_documents_tsv;
ALTER TABLE search_documents ADD COLUMN facets text[] NOT NULL DEFAULT '{}';
ALTER TABLE search_documents NO FORCE ROW LEVEL SECURITY;
-- Positions of body words are gone: the older format's documents are
-- rewritten by its reconciler, which finds these fingerprints stale.
UPDATE search_documents
SET facets = string_to_array(facet_key, E'\x1f'), fingerprint = 'migrated down',
    tsv = ts_delete(tsv, ARRAY(SELECT l.lexeme FROM unnest(tsv) AS l WHERE l.lexeme LIKE 'st\_%'))
        || array_to_tsvector(ARRAY['type_' || type]) || rank_tsv;
ALTER TABLE search_documents FORCE ROW LEVEL SECURITY;
ALTER TABLE search_documents DROP COLUMN rank_tsv, DROP COLUMN facet_key;
CREATE INDEX search_documents_tsv ON search_documents USING gin (tsv);
