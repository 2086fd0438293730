-- Volunteer service: areas and topics (school taxonomies), partner
-- organisations, activities with capacity-limited sign-up and a waitlist,
-- attendance and hours, partner co-signing, and volunteer records.

-- +goose Up
CREATE TABLE volunteer_areas (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    id         uuid NOT NULL DEFAULT gen_random_uuid(),
    parent_id  uuid,
    code       text NOT NULL CHECK (code ~ '^[A-Za-z0-9_-]{1,40}$'),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    sort_order integer NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, code),
    FOREIGN KEY (tenant_id, parent_id) REFERENCES volunteer_areas (tenant_id, id)
);

CREATE TABLE volunteer_topics (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    id         uuid NOT NULL DEFAULT gen_random_uuid(),
    code       text NOT NULL CHECK (code ~ '^[A-Za-z0-9_-]{1,40}$'),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    sort_order integer NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, code)
);

CREATE TABLE partners (
    tenant_id      uuid NOT NULL REFERENCES tenants (id),
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind           text NOT NULL CHECK (kind IN ('government', 'enterprise', 'community', 'volunteer_org', 'other')),
    contact_name   text NOT NULL DEFAULT '',
    contact_phone_enc    bytea,
    contact_phone_masked text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE activities (
    tenant_id        uuid NOT NULL REFERENCES tenants (id),
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description      text NOT NULL DEFAULT '',
    cover_id         uuid,
    area_id          uuid,
    topic_ids        uuid[] NOT NULL DEFAULT '{}',
    partner_ids      uuid[] NOT NULL DEFAULT '{}',
    org_unit_id      uuid NOT NULL,
    address          text NOT NULL DEFAULT '',
    latitude         double precision,
    longitude        double precision,
    starts_at        timestamptz NOT NULL,
    ends_at          timestamptz NOT NULL,
    signup_opens_at  timestamptz NOT NULL,
    signup_closes_at timestamptz NOT NULL,
    capacity         integer NOT NULL CHECK (capacity > 0),
    audience         text NOT NULL CHECK (audience IN ('members', 'members_and_activists', 'all_students')),
    hours            numeric(5, 1) NOT NULL CHECK (hours >= 0),
    status           text NOT NULL CHECK (status IN ('draft', 'open', 'closed', 'finished', 'cancelled')),
    -- Maintained with conditional updates so capacity holds under any concurrency.
    confirmed_count  integer NOT NULL DEFAULT 0 CHECK (confirmed_count >= 0),
    waitlist_seq     integer NOT NULL DEFAULT 0,
    signup_count     integer NOT NULL DEFAULT 0,
    -- Set by the sign-up UPDATE from the row it replaces (true: the last
    -- sign-up took a confirmed place), so that one statement both takes a
    -- place or a waitlist number and records the sign-up.
    last_signup_confirmed boolean NOT NULL DEFAULT false,
    -- Secret for rotating check-in codes and partner co-sign links.
    code_secret      bytea NOT NULL,
    cosigned_by      text NOT NULL DEFAULT '',
    cosigned_at      timestamptz,
    created_by       uuid,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (id),
    CHECK (ends_at > starts_at),
    CHECK (signup_closes_at > signup_opens_at),
    CHECK (confirmed_count <= capacity),
    FOREIGN KEY (tenant_id, org_unit_id) REFERENCES org_units (tenant_id, id),
    FOREIGN KEY (tenant_id, area_id) REFERENCES volunteer_areas (tenant_id, id)
);
CREATE INDEX activities_start ON activities (tenant_id, starts_at, id) WHERE status <> 'draft';
CREATE INDEX activities_topics ON activities USING gin (topic_ids);

CREATE TABLE signups (
    tenant_id        uuid NOT NULL,
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    activity_id      uuid NOT NULL,
    person_id        uuid NOT NULL,
    status           text NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled')),
    waitlist_position integer,
    checked_in_at    timestamptz,
    checked_out_at   timestamptz,
    hours            numeric(5, 1),
    hours_confirmed  boolean NOT NULL DEFAULT false,
    hours_reason     text NOT NULL DEFAULT '',
    confirmed_by     uuid,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, activity_id, person_id),
    FOREIGN KEY (tenant_id, activity_id) REFERENCES activities (tenant_id, id),
    FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id)
);
CREATE INDEX signups_waitlist ON signups (tenant_id, activity_id, waitlist_position) WHERE status = 'waitlisted';
CREATE INDEX signups_person ON signups (tenant_id, person_id, created_at);

-- Training, commendations and evaluations on a person's volunteer record
-- (民政部令第67号 asks for them besides service periods and hours).
CREATE TABLE volunteer_record_entries (
    tenant_id  uuid NOT NULL,
    id         uuid NOT NULL DEFAULT gen_random_uuid(),
    person_id  uuid NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('training', 'commendation', 'evaluation')),
    title      text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    detail     text NOT NULL DEFAULT '',
    on_date    date NOT NULL,
    recorded_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id)
);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['volunteer_areas', 'volunteer_topics', 'partners', 'activities', 'signups', 'volunteer_record_entries'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO zhdj_app', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE volunteer_record_entries;
DROP TABLE signups;
DROP TABLE activities;
DROP TABLE partners;
DROP TABLE volunteer_topics;
DROP TABLE volunteer_areas;
