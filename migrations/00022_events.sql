-- Events: the meetings and party lessons of 三会一课, theme party days and
-- other organisational life, scheduled by an org unit for its members:
-- attendance (check-in with a rotating code, or online by watching the
-- linked micro-lesson during the event), absences with reasons, minutes.

-- +goose Up
CREATE TABLE events (
    tenant_id      uuid NOT NULL REFERENCES tenants (id),
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    org_unit_id    uuid NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('members_meeting', 'committee_meeting', 'group_meeting', 'party_lesson',
                                                 'theme_day', 'democratic_life', 'other')),
    title          text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    starts_at      timestamptz NOT NULL,
    ends_at        timestamptz NOT NULL,
    place          text NOT NULL DEFAULT '' CHECK (length(place) <= 200),
    online_url     text NOT NULL DEFAULT '' CHECK (length(online_url) <= 2000),
    -- The micro-lesson of an online part: watching it during the event is attending.
    lesson_id      uuid,
    agenda         text NOT NULL DEFAULT '' CHECK (length(agenda) <= 5000),
    code_secret    bytea NOT NULL,
    created_by     uuid,
    created_at     timestamptz NOT NULL DEFAULT now(),
    -- Minutes, recorded after the event; late when past the school's window.
    minutes        text,
    minutes_files  uuid[] NOT NULL DEFAULT '{}',
    minutes_by     uuid,
    minutes_at     timestamptz,
    minutes_late   boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, org_unit_id) REFERENCES org_units (tenant_id, id),
    FOREIGN KEY (tenant_id, lesson_id) REFERENCES contents (tenant_id, id),
    CHECK (ends_at > starts_at),
    CHECK ((minutes IS NULL) = (minutes_at IS NULL))
);
CREATE INDEX events_by_unit ON events (tenant_id, org_unit_id, starts_at, id);
CREATE INDEX events_by_lesson ON events (tenant_id, lesson_id, starts_at) WHERE lesson_id IS NOT NULL;

CREATE TABLE event_attendees (
    tenant_id     uuid NOT NULL,
    event_id      uuid NOT NULL,
    person_id     uuid NOT NULL,
    -- A full member has a vote (a members' meeting's quorum counts them).
    voting        boolean NOT NULL,
    status        text NOT NULL DEFAULT 'expected' CHECK (status IN ('expected', 'present', 'leave', 'absent')),
    -- How presence was recorded: a code on site, watching online, or marked by an organiser.
    checked_in_by text CHECK (checked_in_by IN ('code', 'online', 'organiser')),
    checked_in_at timestamptz,
    reason        text NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
    marked_by     uuid,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, event_id, person_id),
    FOREIGN KEY (tenant_id, event_id) REFERENCES events (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id)
);
CREATE INDEX event_attendees_person ON event_attendees (tenant_id, person_id, event_id);

-- Attending an event is a learning fact.
ALTER TABLE learning_facts DROP CONSTRAINT learning_facts_kind_check;
ALTER TABLE learning_facts ADD CONSTRAINT learning_facts_kind_check
    CHECK (kind IN ('lesson_completed', 'reading_completed', 'task_approved', 'event_attended'));

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['events', 'event_attendees'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())', t);
    END LOOP;
END $$;
-- +goose StatementEnd
GRANT SELECT, INSERT, UPDATE ON events, event_attendees TO zhdj_app;

-- +goose Down
ALTER TABLE learning_facts DROP CONSTRAINT learning_facts_kind_check;
ALTER TABLE learning_facts ADD CONSTRAINT learning_facts_kind_check
    CHECK (kind IN ('lesson_completed', 'reading_completed', 'task_approved'));
DROP TABLE event_attendees;
DROP TABLE events;
