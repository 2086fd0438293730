-- Member imports run as background jobs: the request checks the file's
-- shape, records the import and queues it, and answers at once; the job
-- checks and imports the rows (progress in processed_rows). The file waits
-- here, sealed with the personal-data key (it holds citizen ID and phone
-- numbers), and is erased when the import finishes.

-- +goose Up
ALTER TABLE member_imports ADD COLUMN file_sealed bytea;
COMMENT ON COLUMN member_imports.file_sealed IS
    'The uploaded file, encrypted (pii.Keyring, context member_imports.file), until the import finishes; then NULL.';

-- +goose Down
ALTER TABLE member_imports DROP COLUMN file_sealed;
