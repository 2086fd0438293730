#!/usr/bin/env bash
# Fetches the pinned GraphiQL, React and ReactDOM releases from the npm
# registry (npm pack: the client's configured registry), checks each
# tarball against the integrity pinned here, and writes the files the
# GraphiQL page needs (graphql-ws carries its subscriptions) into assets/ gzip-compressed, with SHA256SUMS of
# their uncompressed contents (checked by the package's tests) and the
# licences. Run by `make graphiql-assets`; the output is committed, so
# neither `make run` nor the build needs npm or a network.
set -euo pipefail
cd "$(dirname "$0")"

# name@version  integrity (sha512, as the registry publishes it)
PACKAGES=(
  "graphiql@3.8.3 sha512-cuPDYtXVKV86Pu5PHBX642Odi/uVEE2y1Jxq5rGO/Qy1G2lRp7ZZ7a/T30RzxhuLSWo9zUbzq0P3U49//H0Ugw=="
  "react@18.3.1 sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ=="
  "react-dom@18.3.1 sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw=="
  "graphql-ws@6.4.2 sha512-wxhPhhOGJo8PbGDkBYVE76sZLDrS+GkyrR4bZECSLVbo0pZZNKs0HtBh2Ip/uaUuiVUxwO9ssI9R92buQfNSqQ=="
)
# package  file in its tarball  name in assets/
FILES=(
  "graphiql package/graphiql.min.js graphiql.min.js"
  "graphiql package/graphiql.min.css graphiql.min.css"
  "graphiql package/LICENSE LICENSE.graphiql"
  "react package/umd/react.production.min.js react.production.min.js"
  "react package/LICENSE LICENSE.react"
  "react-dom package/umd/react-dom.production.min.js react-dom.production.min.js"
  "graphql-ws package/umd/graphql-ws.min.js graphql-ws.min.js"
  "graphql-ws package/LICENSE.md LICENSE.graphql-ws"
)

command -v npm >/dev/null || { echo "fetch-assets: npm is needed (Debian package npm)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for p in "${PACKAGES[@]}"; do
  read -r spec want <<<"$p"
  name=${spec%@*}
  (cd "$work" && npm pack --silent "$spec" >/dev/null)
  tgz=$(ls "$work"/"$name"-[0-9]*.tgz)
  got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
  if [ "$got" != "$want" ]; then
    echo "fetch-assets: $spec has integrity $got, pinned $want" >&2
    exit 1
  fi
  mkdir -p "$work/$name"
  tar -xzf "$tgz" -C "$work/$name"
done

rm -f assets/*
: > assets/SHA256SUMS
for f in "${FILES[@]}"; do
  read -r pkg path out <<<"$f"
  src="$work/$pkg/$path"
  case "$out" in
    LICENSE.*) cp "$src" "assets/$out" ;;
    *) gzip -9 -n -c "$src" > "assets/$out.gz" ;;
  esac
  (cd "$(dirname "$src")" && sha256sum "$(basename "$src")") | awk -v n="$out" '{print $1 "  " n}' >> assets/SHA256SUMS
done
echo "fetch-assets: wrote $(ls assets | wc -l) files to internal/graphiql/assets"
