-- A dump must restore: pg_restore runs with an empty search_path, where
-- `IS DISTINCT FROM` (which cannot be schema-qualified) finds no ltree
-- operator, so the org-unit trigger's condition failed to restore. Its
-- condition compares the paths as text, whose operator is always found.

-- +goose Up
DROP TRIGGER search_enqueue ON org_units;
CREATE TRIGGER search_enqueue AFTER UPDATE OF path ON org_units
    FOR EACH ROW WHEN (OLD.path::text IS DISTINCT FROM NEW.path::text) EXECUTE FUNCTION search_school_changed();

-- +goose Down
DROP TRIGGER search_enqueue ON org_units;
CREATE TRIGGER search_enqueue AFTER UPDATE OF path ON org_units
    FOR EACH ROW WHEN (OLD.path IS DISTINCT FROM NEW.path) EXECUTE FUNCTION search_school_changed();
