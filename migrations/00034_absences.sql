-- An absence without reason (无故缺席) is a learning fact as attending
-- is, so that the points ledger deducts for it by the school's rule; and
-- when the absence is withdrawn (the organiser marks the person present
-- or on leave after all), a second fact gives the deduction back.

-- +goose Up
ALTER TABLE learning_facts DROP CONSTRAINT learning_facts_kind_check;
ALTER TABLE learning_facts ADD CONSTRAINT learning_facts_kind_check
    CHECK (kind IN ('lesson_completed', 'reading_completed', 'task_approved', 'event_attended', 'quiz_completed', 'volunteer_hours_confirmed',
                    'event_absent', 'event_absence_withdrawn'));

-- +goose Down
-- A database that recorded absences keeps them: the older check would
-- refuse those rows, so it comes back only where there are none.
ALTER TABLE learning_facts DROP CONSTRAINT learning_facts_kind_check;
ALTER TABLE learning_facts ADD CONSTRAINT learning_facts_kind_check
    CHECK (kind IN ('lesson_completed', 'reading_completed', 'task_approved', 'event_attended', 'quiz_completed', 'volunteer_hours_confirmed'));
