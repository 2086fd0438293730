-- Early warnings learn one more rule: a suggestion unanswered past its
-- deadline (interaction's suggestion_records).

-- +goose Up
ALTER TABLE warnings DROP CONSTRAINT warnings_rule_check;
ALTER TABLE warnings ADD CONSTRAINT warnings_rule_check
    CHECK (rule IN ('task_overdue', 'no_learning', 'probation_behind', 'activist_stalled', 'low_points', 'meetings_missing', 'minutes_missing',
                    'suggestion_unanswered'));

-- +goose Down
DELETE FROM warnings WHERE rule = 'suggestion_unanswered';
ALTER TABLE warnings DROP CONSTRAINT warnings_rule_check;
ALTER TABLE warnings ADD CONSTRAINT warnings_rule_check
    CHECK (rule IN ('task_overdue', 'no_learning', 'probation_behind', 'activist_stalled', 'low_points', 'meetings_missing', 'minutes_missing'));
