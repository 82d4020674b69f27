#!/usr/bin/env bash
# Build a guest template tarball for the lab, on the host (debootstrap under
# emulation inside a lab VM takes ten minutes; here about two).
#
#   tests/lab/guest_template.sh SUITE [OUT.tar.gz]
#
# The tarball is a Debian minbase tree that boots under systemd-nspawn
# (systemd-sysv, dbus, iproute2) with busybox for the tests' HTTP server,
# owned by numeric ids (root = 0): the vserver module unpacks it as the tree
# of a new guest, and systemd-nspawn shifts the owners into the guest's own
# user-namespace range on its first start.
#
# It holds an enabled unit hapair-httpd.service (busybox httpd on port 80
# serving /srv/www, whose index.html is the guest's hostname): the stand-in
# for the service a real guest runs, watched by Mon's http.monitor.
#
# Mirror: the lab's package proxy (http://127.0.0.1:3142/deb.debian.org/debian)
# when it answers, otherwise http://deb.debian.org/debian;
# HAPAIR_TEMPLATE_MIRROR overrides both. The guest's sources.list names
# http://deb.debian.org/debian whatever mirror built it.
#
# Cached by recipe: the tarball is rebuilt only when this script or SUITE
# change (the recipe hash is kept in OUT.recipe). Without OUT the tarball is
# ${HAPAIR_LAB_CACHE:-/var/cache/hapair-lab}/templates/SUITE-HASH.tar.gz.
# Prints the tarball's path on stdout; progress goes to stderr.
set -euo pipefail

usage() {
  echo "usage: $0 SUITE [OUT.tar.gz]" >&2
  exit 2
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
suite=$1
case "$suite" in
  '' | */* | -*) usage ;;
esac

packages=systemd-sysv,dbus,iproute2,busybox,ca-certificates
public_mirror=http://deb.debian.org/debian
proxy_mirror=http://127.0.0.1:3142/deb.debian.org/debian

if [ "$(id -u)" -ne 0 ]; then
  echo "guest_template: run me as root (debootstrap needs it)" >&2
  exit 1
fi
command -v debootstrap >/dev/null || {
  echo "guest_template: debootstrap is missing: apt-get install debootstrap (scripts/setup.sh installs it)" >&2
  exit 1
}

self=$(readlink -f "$0")
recipe=$( { printf 'suite=%s\n' "$suite"; cat "$self"; } | sha256sum | cut -c1-16)

if [ $# -eq 2 ]; then
  out=$2
else
  out=${HAPAIR_LAB_CACHE:-/var/cache/hapair-lab}/templates/$suite-$recipe.tar.gz
fi
case "$out" in
  *.tar.gz | *.tgz) ;;
  *)
    echo "guest_template: $out: the output must end in .tar.gz" >&2
    exit 2
    ;;
esac
mkdir -p "$(dirname "$out")"
out=$(readlink -f "$out")

if [ -s "$out" ] && [ "$(cat "$out.recipe" 2>/dev/null)" = "$recipe" ]; then
  echo "guest_template: $out is up to date (recipe $recipe)" >&2
  echo "$out"
  exit 0
fi

if [ -n "${HAPAIR_TEMPLATE_MIRROR:-}" ]; then
  mirror=$HAPAIR_TEMPLATE_MIRROR
elif (exec 3<>/dev/tcp/127.0.0.1/3142) 2>/dev/null; then
  mirror=$proxy_mirror
else
  mirror=$public_mirror
fi

work=$(mktemp -d "$(dirname "$out")/.guest-template.XXXXXX")
cleanup() {
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
root=$work/rootfs

echo "guest_template: debootstrap $suite from $mirror (recipe $recipe)" >&2
debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2
  echo "guest_template: debootstrap failed (log above)" >&2
  exit 1
}

# debootstrap unmounts the /proc and /sys it mounted in the tree, unless
# something held them busy at that moment: make sure, the tree is archived.
while read -r mnt; do
  umount -l "$mnt"
done < <(findmnt -rn -o TARGET | grep -F "$root/" | sort -r)

# What every guest gets; the vserver module writes hostname and hosts.
printf 'deb %s %s main\n' "$public_mirror" "$suite" >"$root/etc/apt/sources.list"
: >"$root/etc/hostname"
rm -f "$root/etc/machine-id" "$root/var/lib/dbus/machine-id"
: >"$root/etc/machine-id"
install -d -m 0755 "$root/srv/www"
cat >"$root/etc/systemd/system/hapair-httpd.service" <<'EOF'
[Unit]
Description=Test HTTP server (busybox httpd on port 80, /srv/www)
After=network.target

[Service]
ExecStartPre=/bin/sh -c 'hostname > /srv/www/index.html'
ExecStart=/bin/busybox httpd -f -p 80 -h /srv/www
Restart=on-failure

[Install]
WantedBy=multi-user.target
EOF
install -d -m 0755 "$root/etc/systemd/system/multi-user.target.wants"
ln -sfn /etc/systemd/system/hapair-httpd.service \
  "$root/etc/systemd/system/multi-user.target.wants/hapair-httpd.service"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/var/log/*.log

# A slim guest, as Debian's container images are: no manuals, info pages,
# translations or documentation but the copyright files (a third of the
# tree, and most of its files: every guest unpacks the tree and shifts its
# owners on its first start). dpkg keeps them out of later installs too.
cat >"$root/etc/dpkg/dpkg.cfg.d/hapair-slim" <<'EOF'
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
EOF
rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/*
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
find "$root/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete

tar --numeric-owner --xattrs --one-file-system -C "$root" -czf "$work/template.tar.gz" .
mv -f "$work/template.tar.gz" "$out"
echo "$recipe" >"$out.recipe"
echo "guest_template: wrote $out ($(du -h "$out" | cut -f1))" >&2
echo "$out"
