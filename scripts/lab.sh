#!/usr/bin/env bash
# The main job: set up this machine, build and boot the two-node lab, and
# build the pair on it with site.yml (the same playbook as for real servers).
#   scripts/lab.sh            as root, on Debian 12
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

bash scripts/setup.sh
export PATH="$top/.venv/bin:$PATH"
export ANSIBLE_CONFIG="$top/ansible.cfg"
# Mitogen (requirements.txt) as in the lab's tests: one Python per node for
# a whole play; HAPAIR_LAB_STRATEGY=linear runs without it.
export ANSIBLE_STRATEGY="${HAPAIR_LAB_STRATEGY:-mitogen_linear}" ANSIBLE_HOST_KEY_CHECKING=False

python3 tests/lab/lab.py build
python3 tests/lab/lab.py up
ansible-playbook -i inventories/lab site.yml

cat <<EOT

The pair is built in the lab. From $top, first:
  . .venv/bin/activate      (puts ansible-playbook on the PATH; ansible.cfg here is read from this folder)
then:
  status:     ansible-playbook -i inventories/lab status.yml
  switchover: ansible-playbook -i inventories/lab switchover.yml
  nodes:      python3 tests/lab/lab.py ssh node1   (or node2)
  a guest:    python3 tests/lab/lab.py exec-client curl -s http://10.10.10.11/
  take down:  python3 tests/lab/lab.py down
EOT
