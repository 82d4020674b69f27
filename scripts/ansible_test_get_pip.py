"""Stand-in for the pip bootstrap script of ansible-test.

ansible-test makes a virtualenv per sanity test and fills it with pip by
running get-pip.py, which it downloads from ci-files.testing.ansible.com: a
host that CI (package registries only) cannot reach. scripts/lint.sh puts
this file where ansible-test caches that script. It installs pip from the
interpreter's own ensurepip, then lets that pip install what ansible-test
asked for (its pinned pip) from PyPI.
"""
import ensurepip
import subprocess
import sys

ensurepip.bootstrap(upgrade=True)
ARGS = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", *ARGS])
