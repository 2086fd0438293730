#!/bin/sh
# Writes fresh secrets for compose.yaml into compose/secrets/ (once: it
# refuses to overwrite, since the PII keys are what make stored citizen IDs
# readable — back them up apart from the database).
set -eu
cd "$(dirname "$0")"
[ -e secrets ] && { echo "compose/secrets exists; keep it (it holds the keys to your data)" >&2; exit 1; }
mkdir -m 700 secrets
rnd() { head -c "$1" /dev/urandom | base64 | tr -d '\n'; }
hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
hex 18 > secrets/pg_superuser_password
owner=$(hex 18); server=$(hex 18)
printf %s "$owner" > secrets/pg_owner_password
printf %s "$server" > secrets/pg_server_password
printf 'postgres://zhdj_server:%s@postgres:5432/zhdj?sslmode=disable' "$server" > secrets/database_url
printf 'postgres://zhdj_owner:%s@postgres:5432/zhdj?sslmode=disable' "$owner" > secrets/migrate_database_url
printf 'k%s:%s' "$(date +%Y%m%d)" "$(rnd 32)" > secrets/jwt_keys
printf '1:%s' "$(rnd 32)" > secrets/pii_keys
rnd 32 > secrets/pii_index_key
printf 'zhdj%s' "$(hex 6)" > secrets/s3_access_key
hex 24 > secrets/s3_secret_key
hex 24 > secrets/meili_master_key
chmod 600 secrets/*
echo "wrote compose/secrets/ — back up pii_keys and pii_index_key apart from the database"
