-- A type within a topic (a site's column page: 理论学习 · 微党课) is one
-- lexeme per site of the document, stt_<site>_<type>_<topic>, so a search
-- filtered by both walks that column's documents instead of the topic's
-- (see the engine's filter lexemes). Documents are given it here, so such
-- searches are right at once; the engine's document format changed with it
-- (v5), so the reconciler also rewrites them from the items in the
-- background (rows an older server writes meanwhile included).

-- +goose Up
-- Rewritten wholly: the index is built once afterwards, not row by row.
DROP INDEX search_documents_tsv;
-- Writes are confined to the transaction's tenant; this one is every
-- school's.
ALTER TABLE search_documents NO FORCE ROW LEVEL SECURITY;
UPDATE search_documents
SET tsv = tsv || array_to_tsvector(ARRAY(
    SELECT 'stt_' || replace(s::text, '-', '') || '_' || type || '_' || t FROM unnest(sites) AS s, unnest(topics) AS t))
WHERE topics <> '{}';
ALTER TABLE search_documents FORCE ROW LEVEL SECURITY;
CREATE INDEX search_documents_tsv ON search_documents USING gin (tsv);
COMMENT ON COLUMN search_documents.tsv IS
    'Every word once, without positions, and one lexeme per filter value (site_<site>, st_<site>_<type>, stt_<site>_<type>_<topic>, topic_…, tag_…, area_…, unit_…; words never contain "_"): what the GIN index matches.';

-- +goose Down
DROP INDEX search_documents_tsv;
ALTER TABLE search_documents NO FORCE ROW LEVEL SECURITY;
UPDATE search_documents
SET tsv = ts_delete(tsv, ARRAY(SELECT l.lexeme FROM unnest(tsv) AS l WHERE l.lexeme LIKE 'stt\_%'))
WHERE topics <> '{}';
ALTER TABLE search_documents FORCE ROW LEVEL SECURITY;
CREATE INDEX search_documents_tsv ON search_documents USING gin (tsv);
COMMENT ON COLUMN search_documents.tsv IS
    'Every word once, without positions, and one lexeme per filter value (site_<site>, st_<site>_<type>, topic_…, tag_…, area_…, unit_…; words never contain "_"): what the GIN index matches.';
