-- Files of an event's minutes (a photo of the sign-in sheet, a scanned
-- record): private, like task evidence — the minutes are not public.

-- +goose Up
ALTER TABLE media DROP CONSTRAINT media_purpose_check;
ALTER TABLE media ADD CONSTRAINT media_purpose_check
    CHECK (purpose IN ('cover', 'comic_panel', 'inline_image', 'logo', 'member_photo', 'video', 'attachment', 'task_evidence', 'minutes'));

-- +goose Down
ALTER TABLE media DROP CONSTRAINT media_purpose_check;
ALTER TABLE media ADD CONSTRAINT media_purpose_check
    CHECK (purpose IN ('cover', 'comic_panel', 'inline_image', 'logo', 'member_photo', 'video', 'attachment', 'task_evidence'));
