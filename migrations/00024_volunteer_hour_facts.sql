-- Confirmed volunteer hours are a learning fact too (the points ledger
-- and the cockpit read one table of what people did).

-- +goose Up
ALTER TABLE learning_facts DROP CONSTRAINT learning_facts_kind_check;
ALTER TABLE learning_facts ADD CONSTRAINT learning_facts_kind_check
    CHECK (kind IN ('lesson_completed', 'reading_completed', 'task_approved', 'event_attended', 'quiz_completed', 'volunteer_hours_confirmed'));

-- +goose Down
ALTER TABLE learning_facts DROP CONSTRAINT learning_facts_kind_check;
ALTER TABLE learning_facts ADD CONSTRAINT learning_facts_kind_check
    CHECK (kind IN ('lesson_completed', 'reading_completed', 'task_approved', 'event_attended', 'quiz_completed'));
