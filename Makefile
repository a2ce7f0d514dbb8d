# sitelink.tunnels: the two commands a newcomer needs are `make demo` and `make test`.
# Both install what they need (Debian packages as root, a Python venv) on a fresh Debian 12.

SHELL       := /bin/bash
.SHELLFLAGS := -euo pipefail -c
PYTHON      ?= $(shell command -v python3.11 || command -v python3)
VENV        := .venv
BIN         := $(CURDIR)/$(VENV)/bin
COLLECTIONS := $(CURDIR)/build/collections
COLL_DIR    := $(COLLECTIONS)/ansible_collections/sitelink/tunnels
SANITY_DIR  := $(CURDIR)/build/sanity/ansible_collections/sitelink/tunnels
PYTEST_ARGS ?=

export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export PATH := $(BIN):$(PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help deps venv test release-check docsite lab-wheel sanity lint emulator-tests unit-tests integration-tests molecule-tests demo bench clean

help:
	@echo "make demo   - start the built-in lab of emulated routers and run the main job on it"
	@echo "make test   - the whole suite (what CI runs)"
	@echo "make venv   - only set up $(VENV) and the Debian packages"
	@echo "make release-check - changelog lint; build the tarball, the Galaxy importer must accept it; install it, render; EE context; docsite; the lab's wheel and the user's Molecule scenario"
	@echo "make docsite - lint the documentation and build the docsite into build/docsite/build/html"
	@echo "make bench  - site_tunnel.yml vs community.routeros api_modify and Ansible's floor (50/100/200 sites); render only (200, 1000); module cost; Linux sites; the data plane and failover times (root)"

deps:
	@tests/tools/debian-deps.sh

# The venv is rebuilt when its inputs change; otherwise this is a quick no-op. Every package, pip included, is
# installed at the version requirements/constraints.txt pins (regenerate it as its header says).
CONSTRAINTS := requirements/constraints.txt
$(VENV)/.done: requirements/dev.txt $(CONSTRAINTS) lab/pyproject.toml
	@$(MAKE) --no-print-directory deps
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip -c $(CONSTRAINTS)
	$(BIN)/python -m pip install -q -r requirements/dev.txt -c $(CONSTRAINTS)
	$(BIN)/python -m pip install -q -e lab -c $(CONSTRAINTS)
	@touch $@

$(COLL_DIR):
	@mkdir -p $(dir $(COLL_DIR))
	@ln -sfn $(CURDIR) $(COLL_DIR)

# A venv made when the lab lived under tests/lab still points there: install it again from lab/.
venv: $(VENV)/.done $(COLL_DIR)
	@$(MAKE) --no-print-directory deps
	@$(BIN)/python -c "import rosemu.lab" 2>/dev/null || $(BIN)/python -m pip install -q -e lab -c $(CONSTRAINTS)

# Release checks, in a venv of their own (requirements/release.txt says why): antsibull-changelog accepts the
# fragments; the Galaxy importer accepts the built tarball with no error and no warning (locally, no containers:
# tests/tools/galaxy-importer.cfg); and the tarball, installed into a fresh venv with only what the README's Install
# section lists, runs sitelink.tunnels.site_tunnel render only; `ansible-builder create` writes the execution
# environment's build context (build/ee-context), which must install that tarball and the controller's packages only
# (tests/tools/ee_check.py; no container engine needed); and the docsite (`make docsite`): antsibull-docs lints every
# plugin's documentation and the guides in docs/docsite with no error, and the Sphinx site builds into
# build/docsite/build/html with warnings as errors (tests/tools/docsite_check.py; about 15 s alone, 70 s on a busy
# machine). About 55 s once the release venv exists (building it: about 30 s more).
RELEASE_VENV := $(CURDIR)/build/release-venv
RELEASE_CONSTRAINTS := requirements/release-constraints.txt
$(RELEASE_VENV)/.done: requirements/release.txt $(RELEASE_CONSTRAINTS)
	@rm -rf $(RELEASE_VENV) && $(PYTHON) -m venv $(RELEASE_VENV)
	$(RELEASE_VENV)/bin/python -m pip install -q -r requirements/release.txt -c $(RELEASE_CONSTRAINTS)
	@touch $@

release-check: $(RELEASE_VENV)/.done
	$(RELEASE_VENV)/bin/antsibull-changelog lint
	tests/tools/galaxy_import_check.sh $(RELEASE_VENV)
	tests/tools/install_check.sh build/dist/sitelink-tunnels-$$(sed -n 's/^version: *//p' galaxy.yml).tar.gz
	$(RELEASE_VENV)/bin/python tests/tools/ee_check.py build/dist/sitelink-tunnels-$$(sed -n 's/^version: *//p' galaxy.yml).tar.gz
	$(RELEASE_VENV)/bin/python tests/tools/docsite_check.py
	@$(MAKE) --no-print-directory lab-wheel
	tests/tools/user_pipeline_check.sh build/dist/rosemu-$$(sed -n 's/^version: *//p' galaxy.yml)-py3-none-any.whl

# The docsite alone: lint, then build/docsite/build/html/index.html (tests/tools/docsite_check.py).
docsite: $(RELEASE_VENV)/.done
	$(RELEASE_VENV)/bin/python tests/tools/docsite_check.py

# The lab as a package of its own (rosemu, the collection's version): what a user installs to rehearse their own
# inventory on emulated routers (rosemu --from-inventory, rosemu --write-scenario).
lab-wheel: venv
	@mkdir -p build/dist && rm -rf build/dist/rosemu-*.whl lab/build    # setuptools' lab/build would keep stale files
	$(BIN)/python -m pip wheel -q --no-deps -w build/dist ./lab
	@rm -rf lab/build

# ansible-test resolves symlinks, so sanity runs on a copy of the tracked (and new, unignored) files.
sanity: venv
	@rm -rf $(SANITY_DIR) && mkdir -p $(SANITY_DIR)
	@git ls-files -z --cached --others --exclude-standard | \
		while IFS= read -r -d '' f; do [ ! -e "$$f" ] || cp --parents "$$f" $(SANITY_DIR)/; done
	@cd $(SANITY_DIR) && git init -q && git add -A   # without a git index ansible-test finds no targets
	@$(BIN)/python tests/tools/ansible_test_offline.py >/dev/null
	cd $(SANITY_DIR) && $(BIN)/ansible-test sanity --venv --python 3.11 --color no

# ansible-lint (production profile) over the role, playbooks and Molecule scenarios; see .ansible-lint.
lint: venv
	$(BIN)/ansible-lint --nocolor

# One target per suite; one pytest run can also take them all (pytest.ini: importlib imports, helpers named apart):
#   .venv/bin/python -m pytest lab/tests tests/unit tests/integration
emulator-tests: venv
	$(BIN)/python -m pytest -q lab/tests $(PYTEST_ARGS)

unit-tests: venv
	$(BIN)/python -m pytest -q tests/unit $(PYTEST_ARGS)

integration-tests: venv
	$(BIN)/python -m pytest -q tests/integration $(PYTEST_ARGS)

# Molecule scenarios (default driver): create starts emulated routers, destroy stops them.
# Each runs at -vvv with --diff, a log file and a fact cache under build/audit/SCENARIO; its verify step collects
# the lab's keys (shared/audit_collect.yml) and `rosemu-audit scan` then searches the whole output for them.
MOLECULE_SCENARIOS := p2p_gre hub_spoke_eoip mesh linux_mesh mixed_hub live_overlay ospf_dual_hub
molecule-tests: venv
	@for s in $(MOLECULE_SCENARIOS); do \
		echo "molecule test -s $$s"; audit=$(CURDIR)/build/audit/$$s; rm -rf $$audit; mkdir -p $$audit; \
		PY_COLORS=0 ANSIBLE_FORCE_COLOR=0 ANSIBLE_VERBOSITY=3 ANSIBLE_DIFF_ALWAYS=1 ANSIBLE_LOG_PATH=$$audit/ansible.log \
			ANSIBLE_CACHE_PLUGIN=jsonfile ANSIBLE_CACHE_PLUGIN_CONNECTION=$$audit/facts ANSIBLE_GATHERING=implicit \
			SITELINK_AUDIT_DIR=$$audit $(BIN)/molecule test -s $$s > build/molecule-$$s.log 2>&1 \
			|| { tail -n 80 build/molecule-$$s.log; echo "molecule scenario $$s failed (build/molecule-$$s.log)"; exit 1; }; \
		grep -E "^$$s +: " build/molecule-$$s.log || true; \
		$(BIN)/rosemu-audit scan --secrets $$audit/secrets.json $$audit build/molecule-$$s.log \
			|| { rm -f $$audit/secrets.json; echo "secrets audit of $$s failed"; exit 1; }; \
		rm -f $$audit/secrets.json; \
	done

test: venv release-check sanity lint emulator-tests unit-tests integration-tests molecule-tests
	@echo "make test: all suites passed"

demo: venv
	$(BIN)/python lab/demo.py

# Benchmarks print numbers and write JSON under build/bench; they assert nothing.
bench: venv
	$(BIN)/python benchmarks/versus_api_modify.py --sites 50 100 200 --forks 10
	$(BIN)/python benchmarks/render_only.py --sites 200 1000 --aggregate
	$(BIN)/python benchmarks/render_fleet.py --sites 1000 --scripts --json build/bench/render_fleet.json
	$(BIN)/python benchmarks/host_task_cost.py --hosts 50 --forks 10
	$(BIN)/python benchmarks/linux_sites.py --sites 6 --topology mesh
	$(BIN)/python benchmarks/dataplane.py --seconds 5 --pings 1000
	$(BIN)/python benchmarks/failover.py --modes static:10s,10 static:2s,3 static:1s,3 ospf ospf+bfd
	$(BIN)/python benchmarks/dual_hub.py --modes static:2,3 static ospf ospf+bfd
	$(BIN)/python benchmarks/ospf_writes.py --sites 10 50 --json build/bench/ospf_writes.json

clean:
	rm -rf build tests/output
