#!/usr/bin/env bash
# Build the collection tarball and run the Galaxy importer on it, as Galaxy does on upload, locally (settings in
# tests/tools/galaxy-importer.cfg): it must pass with no error and no warning (ansible-lint's findings are warnings).
# Usage: galaxy_import_check.sh RELEASE_VENV; the tarball is left in build/dist, the importer's log and result in
# build/galaxy-importer/.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv=$(cd "${1:?usage: $0 RELEASE_VENV}" && pwd)
dist=$root/build/dist
out=$root/build/galaxy-importer

rm -rf "$dist" "$out" && mkdir -p "$dist" "$out/tmp"
"$venv/bin/ansible-galaxy" collection build --output-path "$dist" "$root" >/dev/null
tarball=$(ls "$dist"/sitelink-tunnels-*.tar.gz)

# The importer calls ansible-doc and ansible-lint from PATH: the release venv's. It writes importer_result.json
# into its working directory.
status=0
(cd "$out" && PATH=$venv/bin:$PATH GALAXY_IMPORTER_CONFIG=$root/tests/tools/galaxy-importer.cfg \
    GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP=$out/tmp "$venv/bin/python" -m galaxy_importer.main "$tarball" \
    >"$out/importer.log" 2>&1) || status=$?

# The importer's logger prefixes every message above INFO with its level.
if [ "$status" -ne 0 ] || grep -Eq '^(WARNING|ERROR|CRITICAL):' "$out/importer.log" \
        || ! grep -q '^Importer processing completed successfully' "$out/importer.log"; then
    grep -Ev '^(Loading|Linting|Running) ' "$out/importer.log" | tail -n 60
    echo "galaxy-importer: $(basename "$tarball") is not accepted cleanly (exit $status; $out/importer.log)"
    exit 1
fi
echo "galaxy-importer: $(basename "$tarball") accepted, no error, no warning"
