#!/usr/bin/env bash
# Vendors the browser libraries of the map page from the npm registry at pinned versions, checks each tarball
# against the registry's published sha512 integrity, and copies the files the pages load into the Markers module's
# Web/vendor folder (committed: building, running and testing Map never needs Node.js, npm or a CDN).
# Run it only to change a version: edit the table below (version + integrity from
# `curl -s https://registry.npmjs.org/<name>/<version> | jq -r .dist.integrity`), run, commit the result.
set -euo pipefail
cd "$(dirname "$0")/.."

registry="${NPM_REGISTRY:-https://registry.npmjs.org}"
target="src/Modules/Markers/Map.Modules.Markers/Web/vendor"

# name  version  integrity  files (package-relative path:destination under $target)
packages=(
  "leaflet|1.9.4|sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA==|dist/leaflet.js:leaflet/leaflet.js dist/leaflet.css:leaflet/leaflet.css dist/images/marker-icon.png:leaflet/images/marker-icon.png dist/images/marker-icon-2x.png:leaflet/images/marker-icon-2x.png dist/images/marker-shadow.png:leaflet/images/marker-shadow.png dist/images/layers.png:leaflet/images/layers.png dist/images/layers-2x.png:leaflet/images/layers-2x.png LICENSE:leaflet/LICENSE"
  "leaflet.markercluster|1.5.3|sha512-vPTw/Bndq7eQHjLBVlWpnGeLa3t+3zGiuM7fJwCkiMFq+nmRuG3RI3f7f4N4TDX7T4NpbAXpR2+NTRSEGfCSeA==|dist/leaflet.markercluster.js:markercluster/leaflet.markercluster.js dist/MarkerCluster.css:markercluster/MarkerCluster.css dist/MarkerCluster.Default.css:markercluster/MarkerCluster.Default.css MIT-LICENCE.txt:markercluster/MIT-LICENCE.txt"
)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
manifest="$target/VERSIONS.txt"
mkdir -p "$target"
: > "$work/manifest"

for entry in "${packages[@]}"; do
  IFS='|' read -r name version integrity files <<<"$entry"
  tarball="$work/$name-$version.tgz"
  url="$registry/$name/-/$name-$version.tgz"
  echo "fetching $name@$version"
  curl -fsSL --retry 3 -o "$tarball" "$url"
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [ "$actual" != "$integrity" ]; then
    echo "error: $name@$version integrity mismatch: expected $integrity, got $actual" >&2
    exit 1
  fi
  mkdir -p "$work/$name"
  tar -xzf "$tarball" -C "$work/$name"
  for pair in $files; do
    source="$work/$name/package/${pair%%:*}"
    destination="$target/${pair#*:}"
    mkdir -p "$(dirname "$destination")"
    cp "$source" "$destination"
  done
  echo "$name $version $integrity" >> "$work/manifest"
done

cp "$work/manifest" "$manifest"
echo "vendored into $target:"
(cd "$target" && find . -type f | sort | xargs sha256sum)
