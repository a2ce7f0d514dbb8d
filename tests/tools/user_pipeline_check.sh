#!/usr/bin/env bash
# The Molecule scenario a user copies into their own repository, run the way they would: in the venv the install
# check made (only what the README's Install section lists, and the tarball), plus Molecule and the lab's wheel
# (rosemu, the collection's version); a 10-site inventory written outside the project (a directory inventory with
# group_vars); `rosemu --write-scenario` beside it; `molecule test` (create, converge, idempotence, verify, destroy).
# Usage: user_pipeline_check.sh WHEEL (after install_check.sh); work files in a fresh temporary directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
wheel=$(cd "$(dirname "${1:?usage: $0 WHEEL}")" && pwd)/$(basename "$1")
venv=$root/build/install-check/venv
[ -x "$venv/bin/ansible-playbook" ] || { echo "user pipeline check: run install_check.sh first"; exit 1; }
"$venv/bin/python" -m pip install -q molecule "$wheel" -c "$root/requirements/constraints.txt"
"$venv/bin/python" -m pip install -q --force-reinstall --no-deps "$wheel"    # a rebuilt wheel keeps its version

repo=$(mktemp -d /tmp/sitelink-user-pipeline.XXXXXX)
trap '[ -n "${KEEP_USER_PIPELINE:-}" ] || rm -rf "$repo"' EXIT
mkdir -p "$repo/inventory/group_vars"
cat > "$repo/inventory/group_vars/all.yml" <<'YAML'
sitelink_topology:
  type: hub_spoke
  hubs: [hq]
  links:
    - sites: [hq, shop-02]
      overlay: eoip
sitelink_link_defaults: {overlay: gre, preshared_key: true, keepalive: 25}
sitelink_pools: {wireguard: 10.200.0.0/24, overlay: 10.201.0.0/24}
sitelink_psk_secret: rehearsal-only-secret-0001
YAML
{
    echo "all:"
    echo "  hosts:"
    echo "    hq: {sitelink_site: {id: 1, lans: [10.10.0.0/24], endpoint: 203.0.113.10}}"
    for i in $(seq 2 10); do
        printf '    shop-%02d: {sitelink_site: {id: %d, lans: [10.10.%d.0/24]}}\n' "$i" "$i" "$i"
    done
} > "$repo/inventory/hosts.yml"

export PATH=$venv/bin:$PATH ANSIBLE_COLLECTIONS_PATH=$root/build/install-check/collections PY_COLORS=0 ANSIBLE_FORCE_COLOR=0
unset ANSIBLE_CONFIG SITELINK_INVENTORY
cd "$repo"
rosemu --write-scenario molecule/sitelink >/dev/null
started=$(date +%s)
molecule test -s sitelink >"$root/build/user-pipeline.log" 2>&1 \
    || { tail -n 60 "$root/build/user-pipeline.log"; echo "user pipeline check: molecule test failed (build/user-pipeline.log)"; exit 1; }
grep -q "9 links up, 0 down, 0 pending" "$root/build/user-pipeline.log" \
    || { echo "user pipeline check: verify did not report 9 links up (build/user-pipeline.log)"; exit 1; }
echo "user pipeline check: molecule test of a 10-site inventory outside the project passed in $(( $(date +%s) - started )) s"
