-- Live updates: on commit, the database announces on channel zhdj_live
-- what changed, as JSON events that every server process listening
-- (internal/live) hands to its subscribers: {"k": topic, "t": tenant,
-- "p": person, "id": row, "u": org unit path}. A transaction's identical
-- announcements are sent once; one under several units names their
-- nearest common ancestor.

-- +goose Up

-- The unit under which paths lie: their longest common prefix (a path
-- itself when the others lie under it). lca gives the longest common
-- proper ancestor, so each path first gets one more label.
CREATE FUNCTION live_common_path(paths ltree[]) RETURNS ltree
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN lca(ARRAY(SELECT p || 'x'::ltree FROM unnest(paths) AS p));

-- +goose StatementBegin
CREATE FUNCTION live_announce_cockpit(tenant uuid, paths ltree[]) RETURNS void LANGUAGE sql AS $$
    SELECT pg_notify('zhdj_live', json_build_object('k', 'cockpit', 't', tenant, 'u', live_common_path(paths)::text)::text)
    WHERE cardinality(paths) > 0;
$$;
-- +goose StatementEnd

-- Facts and ledger entries: under their people's units.
-- +goose StatementBegin
CREATE FUNCTION live_person_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The statement's people first (a transition table has no statistics:
    -- joined as it is, the planner may walk it once per person).
    PERFORM live_announce_cockpit(r.tenant_id, array_agg(DISTINCT u.path))
    FROM (SELECT DISTINCT tenant_id, person_id FROM new_rows) r
    JOIN people p ON p.tenant_id = r.tenant_id AND p.id = r.person_id
    JOIN org_units u ON u.tenant_id = p.tenant_id AND u.id = p.org_unit_id
    GROUP BY r.tenant_id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER learning_facts_live AFTER INSERT ON learning_facts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION live_person_rows();
CREATE TRIGGER points_entries_live AFTER INSERT ON points_entries
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION live_person_rows();

-- People whose stage, unit or status changed: under their units.
-- +goose StatementBegin
CREATE FUNCTION live_people_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The rows that changed in what the cockpit counts, before and after,
    -- by set difference (hashed: the transition tables have no statistics).
    PERFORM live_announce_cockpit(c.tenant_id, array_agg(DISTINCT u.path))
    FROM ((SELECT tenant_id, id, stage, org_unit_id, status FROM new_rows EXCEPT SELECT tenant_id, id, stage, org_unit_id, status FROM old_rows)
          UNION
          (SELECT tenant_id, id, stage, org_unit_id, status FROM old_rows EXCEPT SELECT tenant_id, id, stage, org_unit_id, status FROM new_rows)) c
    JOIN org_units u ON u.tenant_id = c.tenant_id AND u.id = c.org_unit_id
    GROUP BY c.tenant_id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER people_live AFTER UPDATE ON people
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION live_people_rows();

-- Assignments: under the units they were given in.
-- +goose StatementBegin
CREATE FUNCTION live_assignment_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM live_announce_cockpit(r.tenant_id, array_agg(DISTINCT u.path))
        FROM (SELECT DISTINCT tenant_id, org_unit_id FROM old_rows) r
        JOIN org_units u ON u.tenant_id = r.tenant_id AND u.id = r.org_unit_id GROUP BY r.tenant_id;
    ELSE
        PERFORM live_announce_cockpit(r.tenant_id, array_agg(DISTINCT u.path))
        FROM (SELECT DISTINCT tenant_id, org_unit_id FROM new_rows) r
        JOIN org_units u ON u.tenant_id = r.tenant_id AND u.id = r.org_unit_id GROUP BY r.tenant_id;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER task_assignments_live_insert AFTER INSERT ON task_assignments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION live_assignment_rows();
CREATE TRIGGER task_assignments_live_update AFTER UPDATE ON task_assignments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION live_assignment_rows();
CREATE TRIGGER task_assignments_live_delete AFTER DELETE ON task_assignments
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION live_assignment_rows();

-- Attendance: under the events' units.
-- +goose StatementBegin
CREATE FUNCTION live_attendee_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM live_announce_cockpit(r.tenant_id, array_agg(DISTINCT u.path))
        FROM (SELECT DISTINCT tenant_id, event_id FROM old_rows) r JOIN events e ON e.tenant_id = r.tenant_id AND e.id = r.event_id
        JOIN org_units u ON u.tenant_id = e.tenant_id AND u.id = e.org_unit_id GROUP BY r.tenant_id;
    ELSE
        PERFORM live_announce_cockpit(r.tenant_id, array_agg(DISTINCT u.path))
        FROM (SELECT DISTINCT tenant_id, event_id FROM new_rows) r JOIN events e ON e.tenant_id = r.tenant_id AND e.id = r.event_id
        JOIN org_units u ON u.tenant_id = e.tenant_id AND u.id = e.org_unit_id GROUP BY r.tenant_id;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER event_attendees_live_insert AFTER INSERT ON event_attendees
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION live_attendee_rows();
CREATE TRIGGER event_attendees_live_update AFTER UPDATE ON event_attendees
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION live_attendee_rows();
CREATE TRIGGER event_attendees_live_delete AFTER DELETE ON event_attendees
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION live_attendee_rows();

-- Notices: one announcement each, to its person.
-- +goose StatementBegin
CREATE FUNCTION live_notification_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('zhdj_live', json_build_object('k', 'notification', 't', tenant_id, 'p', person_id, 'id', id)::text)
    FROM new_rows;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER notifications_live AFTER INSERT ON notifications
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION live_notification_rows();

-- +goose Down
DROP TRIGGER notifications_live ON notifications;
DROP FUNCTION live_notification_rows();
DROP TRIGGER event_attendees_live_delete ON event_attendees;
DROP TRIGGER event_attendees_live_update ON event_attendees;
DROP TRIGGER event_attendees_live_insert ON event_attendees;
DROP FUNCTION live_attendee_rows();
DROP TRIGGER task_assignments_live_delete ON task_assignments;
DROP TRIGGER task_assignments_live_update ON task_assignments;
DROP TRIGGER task_assignments_live_insert ON task_assignments;
DROP FUNCTION live_assignment_rows();
DROP TRIGGER people_live ON people;
DROP FUNCTION live_people_rows();
DROP TRIGGER points_entries_live ON points_entries;
DROP TRIGGER learning_facts_live ON learning_facts;
DROP FUNCTION live_person_rows();
DROP FUNCTION live_announce_cockpit(uuid, ltree[]);
DROP FUNCTION live_common_path(ltree[]);
