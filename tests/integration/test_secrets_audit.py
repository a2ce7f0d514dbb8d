"""Secrets audit: a run at -vvv --diff with a log file and a fact cache, and a render-only run, leave no private
key, preshared key, preshared-key secret or router password anywhere - output, log, cache, rendered files; a render
that reads the keys and is asked for the preshared keys puts those, and only those, in its 0600 SITE.psk.rsc files."""

import os
import stat

from lab_fleet import GOOD, PLAYBOOK, start_fleet
from playbook_runs import run_playbook

PASSWORD = "Rtr-Passw0rd-9f3c"
PSK_SECRET = "lab-secret-not-for-production"       # the GOOD inventory's


def run(inventory, connections, tmp_path, *flags):
    env = {"ANSIBLE_LOG_PATH": str(tmp_path / "ansible.log"), "ANSIBLE_CACHE_PLUGIN": "jsonfile",
           "ANSIBLE_CACHE_PLUGIN_CONNECTION": str(tmp_path / "facts"), "ANSIBLE_GATHERING": "implicit"}
    run = run_playbook(PLAYBOOK, [inventory, connections], "-vvv", "--diff", *flags, env=env)
    return run.out, run.rc


def everything_written(tmp_path, output):
    texts = {"stdout": output}
    for folder, _dirs, files in os.walk(str(tmp_path)):
        for name in files:
            path = os.path.join(folder, name)
            # the lab's certificate and the inventory (where the password is given) are inputs, not output
            if "tls" not in path.split(os.sep) and name != "connections.yml":
                with open(path, encoding="utf-8", errors="replace") as fh:
                    texts[path] = fh.read()
    return texts


def test_no_secret_anywhere_after_a_verbose_diff_run_and_a_render(tmp_path):
    lab, connections = start_fleet(tmp_path, password=PASSWORD)
    try:
        output, rc = run(GOOD, connections, tmp_path)
        assert rc == 0, output[-3000:]
        rendered, rc = run(GOOD, connections, tmp_path, "-e", "sitelink_render_dir=%s" % (tmp_path / "rendered"))
        assert rc == 0, rendered[-3000:]
        asked, rc = run(GOOD, connections, tmp_path, "-e", "sitelink_render_dir=%s" % (tmp_path / "asked"),
                        "-e", "sitelink_render_read_keys=true", "-e", "sitelink_render_preshared_keys=true")
        assert rc == 0, asked[-3000:]
        secrets = {"router password": PASSWORD, "preshared-key secret": PSK_SECRET}
        for name, router in lab.routers.items():
            for item in lab.call(lambda r=router: list(r.tables["/interface/wireguard"])):
                secrets["%s private key" % name] = item.values["private-key"]
            for item in lab.call(lambda r=router: list(r.tables["/interface/wireguard/peers"])):
                secrets["%s preshared key %s" % (name, item.values.get("comment"))] = item.values["preshared-key"]
        assert len(secrets) == 2 + 3 + 4
        texts = everything_written(tmp_path, output + rendered + asked)
        assert os.path.exists(str(tmp_path / "ansible.log")) and len(texts) > 5
        hits = [(what, where) for what, value in secrets.items() for where, text in texts.items() if value in text]
        # the one place a preshared key may be: the file asked for, mode 0600
        psk_files = sorted(set(where for what, where in hits
                               if " preshared key " in what and where.endswith(".psk.rsc")))
        assert [os.path.basename(path) for path in psk_files] == ["branch-a.psk.rsc", "branch-b.psk.rsc", "hub.psk.rsc"]
        assert all(stat.S_IMODE(os.stat(path).st_mode) == 0o600 for path in psk_files)
        assert ["%s in %s" % hit for hit in hits if hit[1] not in psk_files or " preshared key " not in hit[0]] == []
    finally:
        lab.stop()
