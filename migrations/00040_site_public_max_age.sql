-- A site's own max-age for the public answers of its anonymous readers
-- (Cache-Control, the response cache): NULL takes the schema's (10 s for
-- most public fields).

-- +goose Up
ALTER TABLE sites ADD COLUMN public_max_age integer
    CHECK (public_max_age BETWEEN 1 AND 86400);

-- +goose Down
ALTER TABLE sites DROP COLUMN public_max_age;
