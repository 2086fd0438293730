#!/bin/sh
# Runs once, when the PostgreSQL volume is new: the roles zhdj uses (the
# owner runs migrations and owns the schema; the server logs in as a member
# of zhdj_app and owns nothing, so row-level security binds it) and the
# database. Passwords come from the secret files.
set -eu
owner=$(cat /run/secrets/pg_owner_password)
server=$(cat /run/secrets/pg_server_password)
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner="$owner" -v server="$server" <<'SQL'
CREATE ROLE zhdj_app NOLOGIN;
CREATE ROLE zhdj_owner LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD :'owner';
CREATE ROLE zhdj_server LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD :'server' IN ROLE zhdj_app;
CREATE DATABASE zhdj OWNER zhdj_owner;
SQL
