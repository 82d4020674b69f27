#!/usr/bin/env bash
# Set up this machine (Debian 12 or 13, as root) to run the collection, its
# lab and its tests: Debian packages, then a virtualenv in .venv with
# requirements.txt. Safe to run again: it only does what is missing.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

debian_packages=(
  # the controller and the tests
  python3 python3-venv git openssh-client rsync
  # tools the fast tier checks rendered files with (and librsync2 for the
  # unpacked csync2 below)
  drbd-utils shellcheck librsync2 perl
  # the lab
  qemu-system-x86 qemu-utils debootstrap apt-cacher-ng socat iproute2
  grub-pc-bin grub2-common e2fsprogs util-linux fdisk kmod
)

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: run me as root (I install Debian packages)" >&2
  exit 1
fi

missing=()
for p in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # apt-cacher-ng is started by the lab on loopback with its own config
  systemctl disable --now apt-cacher-ng >/dev/null 2>&1 || true
fi

stamp=.venv/.requirements.sha256
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ ! -x .venv/bin/ansible ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: creating .venv from requirements.txt"
  /usr/bin/python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
  echo "$want" > "$stamp"
fi

# Mon and Csync2 check the files the collection renders, but installing
# their packages here would start their daemons: they are unpacked into
# .venv/tools-root (dpkg-deb -x) and run from there by the unit tests.
tools_root=.venv/tools-root
unpacked=(mon mon-client libtime-period-perl csync2)
if [ ! -e "$tools_root/.unpacked" ]; then
  echo "setup: unpacking ${unpacked[*]} into $tools_root"
  debs=$(mktemp -d)
  chmod 0755 "$debs"
  (cd "$debs" && apt-get download -qq "${unpacked[@]}" 2>/dev/null) || {
    apt-get update -qq
    (cd "$debs" && apt-get download -qq "${unpacked[@]}")
  }
  rm -rf "$tools_root"
  for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$tools_root"; done
  rm -rf "$debs"
  touch "$tools_root/.unpacked"
fi

# The collection is used from this checkout: link it where Ansible finds it.
mkdir -p .collections/ansible_collections/hapair
ln -sfn "$top" .collections/ansible_collections/hapair/cluster
# Mitogen's strategy plugins at a path that does not name the Python
# version (ansible.cfg's strategy_plugins; the lab selects mitogen_linear).
ln -sfn "$(.venv/bin/python -c 'import ansible_mitogen, os; print(os.path.dirname(ansible_mitogen.__file__))')" \
  .venv/ansible_mitogen
echo "setup: done"
