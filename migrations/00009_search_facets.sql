-- The built-in engine counts facets in one pass over the matches: each
-- document carries its facet values as "facet:value" (type:article,
-- topic:…, tag:…, area:<id>). Documents written before have none; the
-- engine's document format changed with it (v3), so the reconciler finds
-- them stale and rewrites them.

-- +goose Up
ALTER TABLE search_documents ADD COLUMN facets text[] NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE search_documents DROP COLUMN facets;
