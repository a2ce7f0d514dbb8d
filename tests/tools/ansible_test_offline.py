"""Let `ansible-test --venv` bootstrap pip without the internet.

ansible-test downloads a get-pip script from a host this lab cannot reach and
caches it as ~/.ansible/test/cache/get_pip_<version>.py.  We place a stand-in
there that installs pip from PyPI through ensurepip's bundled pip, which is
what the real script does in the end.
"""

import os
import re
import sys

import ansible_test

STANDIN = '''\
"""Stand-in for get-pip.py written by sitelink.tunnels' tests/tools/ansible_test_offline.py."""
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"])
subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)
'''


def main():
    source = os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py")
    with open(source, encoding="utf-8") as fh:
        match = re.search(r"pip='([0-9.]+)'", fh.read())
    if not match:
        sys.exit("cannot find ansible-test's pip version in %s" % source)
    cache = os.path.expanduser("~/.ansible/test/cache/get_pip_%s.py" % match.group(1).replace(".", "_"))
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    if not os.path.exists(cache):
        with open(cache, "w", encoding="utf-8") as fh:
            fh.write(STANDIN)
    print(cache)


if __name__ == "__main__":
    main()
