-- Sign-ups are written in batches (several people for one activity in one
-- statement): the sign-up UPDATE records how many confirmed places it took,
-- not only whether the one sign-up got one.

-- +goose Up
ALTER TABLE activities DROP COLUMN last_signup_confirmed;
-- Set by the sign-up UPDATE from the row it replaces: how many of the
-- sign-ups it wrote took confirmed places (the rest got waitlist numbers),
-- so that one statement takes the places and records the sign-ups.
ALTER TABLE activities ADD COLUMN last_signup_places integer NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE activities DROP COLUMN last_signup_places;
ALTER TABLE activities ADD COLUMN last_signup_confirmed boolean NOT NULL DEFAULT false;
