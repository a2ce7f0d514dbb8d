#!/usr/bin/env bash
# What the README's Install section says, from the built tarball: a fresh venv with only ansible-core and librouteros
# (at the versions requirements/constraints.txt pins), the tarball installed into a collections path of
# its own, and `ansible-playbook sitelink.tunnels.site_tunnel` rendering tests/inventories/good/hub_spoke.yml
# (render only: no router is contacted). Usage: install_check.sh TARBALL; work files in build/install-check/.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tarball=$(cd "$(dirname "${1:?usage: $0 TARBALL}")" && pwd)/$(basename "$1")
work=$root/build/install-check
python=$(command -v python3.11 || command -v python3)

rm -rf "$work" && mkdir -p "$work/run"
"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q ansible-core librouteros -c "$root/requirements/constraints.txt"

# Only the tarball's copy may be found: no checkout link, no ansible.cfg (the run's directory is empty).
export ANSIBLE_COLLECTIONS_PATH=$work/collections PATH=$work/venv/bin:$PATH
unset ANSIBLE_CONFIG
cd "$work/run"
ansible-galaxy collection install -p "$work/collections" "$tarball" >/dev/null
installed=$(ansible-galaxy collection list sitelink.tunnels --format json)
python3 -c 'import json, sys; sys.exit(list(json.loads(sys.argv[1])) != [sys.argv[2]])' \
    "$installed" "$work/collections/ansible_collections" \
    || { echo "install check: sitelink.tunnels is not found only in $work/collections: $installed"; exit 1; }

ansible-playbook sitelink.tunnels.site_tunnel -i "$root/tests/inventories/good/hub_spoke.yml" \
    -e sitelink_render_dir="$work/rendered" >"$work/playbook.log" 2>&1 \
    || { tail -n 40 "$work/playbook.log"; echo "install check: the render-only run failed ($work/playbook.log)"; exit 1; }
for site in hub branch-a branch-b; do
    for suffix in plan.yml plan.json rsc; do
        [ -s "$work/rendered/$site.$suffix" ] \
            || { echo "install check: the render-only run wrote no $site.$suffix ($work/playbook.log)"; exit 1; }
    done
done
echo "install check: $(basename "$tarball") installed into a fresh venv renders hub_spoke.yml (9 files)"
