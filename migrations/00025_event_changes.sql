-- Events change before they happen: rescheduled, moved, or cancelled
-- with a reason. A cancelled event stays (it was announced), shown as
-- cancelled; nobody checks in to it, and it counts for no frequency.

-- +goose Up
ALTER TABLE events
    ADD COLUMN updated_at    timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN cancelled_at  timestamptz,
    ADD COLUMN cancel_reason text NOT NULL DEFAULT '' CHECK (length(cancel_reason) <= 500),
    ADD COLUMN cancelled_by  uuid,
    ADD CONSTRAINT events_cancelled_with_reason CHECK ((cancelled_at IS NULL) = (cancel_reason = ''));

-- +goose Down
ALTER TABLE events DROP CONSTRAINT events_cancelled_with_reason,
    DROP COLUMN cancelled_by, DROP COLUMN cancel_reason, DROP COLUMN cancelled_at, DROP COLUMN updated_at;
