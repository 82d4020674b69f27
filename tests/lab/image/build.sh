#!/usr/bin/env bash
# Build the lab node image: a raw disk with an MBR partition table, one ext4
# partition holding a Debian minbase system, and GRUB (grub-pc) in the MBR,
# so that a kernel installed later inside the VM is the one that boots.
#
#   tests/lab/image/build.sh SUITE OUT.raw AUTHORIZED_KEY_FILE PROXY_URL [STACK_PACKAGES_FILE]
#
# Called by `tests/lab/lab.py build` (which caches OUT by a hash of this
# folder, the suite and the key). Runs as root on the host: debootstrap,
# a loop device (losetup -f -P), mount and chroot. Packages come through the
# lab's apt-cacher-ng (PROXY_URL, e.g. http://127.0.0.1:3142) from the
# suite's release only (no -updates, no -security): the nodes' own sources
# add those, so a newer kernel is there for an upgrade test.
#
# The image holds what Ansible and a lab node need (python3-apt too: the apt
# module under Mitogen cannot install it for itself), and, when
# STACK_PACKAGES_FILE is given, the HA stack's packages it lists (one per
# line, # comments), installed here at native speed; the roles' own apt
# tasks then find them. Without it (a bare image) the roles install the
# stack through the proxy, as on a new server.
set -euo pipefail

if [ $# -ne 4 ] && [ $# -ne 5 ]; then
  echo "usage: $0 SUITE OUT.raw AUTHORIZED_KEY_FILE PROXY_URL [STACK_PACKAGES_FILE]" >&2
  exit 2
fi
suite=$1 out=$2 key=$3 proxy=$4 stack_file=${5:-}
here=$(cd "$(dirname "$0")" && pwd)

packages=(
  systemd-sysv dbus udev kmod
  linux-image-amd64 grub-pc initramfs-tools
  openssh-server python3 python3-apt
  ifupdown iproute2 iputils-ping netbase
  procps e2fsprogs less sudo
)
disk_size=4G
mirror=http://deb.debian.org/debian

work=$(mktemp -d "$out.work.XXXXXX")
mnt=$work/mnt
loop=
uuid_link=

cleanup() {
  set +e
  for m in dev/pts dev proc sys; do
    mountpoint -q "$mnt/$m" && umount -l "$mnt/$m"
  done
  mountpoint -q "$mnt" && umount "$mnt"
  [ -n "$uuid_link" ] && rm -f "$uuid_link"
  [ -n "$loop" ] && losetup -d "$loop"
  # never through a mount point left behind (the host's /dev bound in)
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

log() { printf 'build: %s\n' "$*" >&2; }

log "disk: $disk_size raw, MBR, one bootable ext4 partition"
truncate -s "$disk_size" "$work/disk.raw"
printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk -q "$work/disk.raw"
loop=$(losetup -f -P --show "$work/disk.raw")
part=${loop}p1
for _ in $(seq 50); do
  [ -b "$part" ] && break
  # the partition scan of losetup -P does not always register it here
  partx -a "$loop" 2>/dev/null || true
  sleep 0.1
done
[ -b "$part" ] || { echo "build: $part did not appear" >&2; exit 1; }
mkfs.ext4 -q -L hapair-root "$part"
mkdir -p "$mnt"
mount "$part" "$mnt"

log "debootstrap $suite (minbase) through $proxy"
pkglist=$(IFS=,; echo "${packages[*]}")
http_proxy=$proxy debootstrap --variant=minbase --components=main \
  --include="$pkglist" "$suite" "$mnt" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -n 40 "$work/debootstrap.log" >&2
  tail -n 40 "$mnt/debootstrap/debootstrap.log" >&2 2>/dev/null
  exit 1
}

log "configuring the node"
# Files of the image (identity service and its script)
cp -a "$here/rootfs/." "$mnt/"

cat > "$mnt/etc/fstab" <<'EOT'
/dev/vda1  /  ext4  errors=remount-ro  0  1
EOT

cat > "$mnt/etc/network/interfaces" <<'EOT'
# Lab node. eth0: QEMU user networking (management, SSH, package proxy).
# eth1 and eth2 are written at boot by hapair-lab-identity.
source /etc/network/interfaces.d/*

auto lo
iface lo inet loopback

auto eth0
iface eth0 inet static
    address 10.0.2.15/24
    gateway 10.0.2.2
EOT
# No DNS in the lab: the resolver fails at once instead of timing out.
: > "$mnt/etc/resolv.conf"

rm -f "$mnt/etc/apt/sources.list"
cat > "$mnt/etc/apt/sources.list.d/debian.sources" <<EOT
Types: deb
URIs: http://deb.debian.org/debian
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOT
cat > "$mnt/etc/apt/apt.conf.d/01hapair-lab-proxy" <<'EOT'
// The lab's package proxy (apt-cacher-ng on the host, reached through a
// QEMU guestfwd). Nodes reach nothing else.
Acquire::http::Proxy "http://10.0.2.100:3142";
Acquire::Languages "none";
EOT
# dpkg under emulation: no fsync per file (a lab node is thrown away).
echo force-unsafe-io > "$mnt/etc/dpkg/dpkg.cfg.d/hapair-lab-unsafe-io"
cat > "$mnt/etc/dpkg/dpkg.cfg.d/hapair-lab-nodoc" <<'EOT'
path-exclude=/usr/share/man/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
EOT

install -d -m 700 "$mnt/root/.ssh"
install -m 600 "$key" "$mnt/root/.ssh/authorized_keys"
cat > "$mnt/etc/ssh/sshd_config.d/hapair-lab.conf" <<'EOT'
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PasswordAuthentication no
UseDNS no
EOT
# Each node makes its own host key at first boot (hapair-lab-identity).
rm -f "$mnt"/etc/ssh/ssh_host_*
# Each node gets its own machine id at first boot.
: > "$mnt/etc/machine-id"
rm -f "$mnt/var/lib/dbus/machine-id"

cat > "$mnt/etc/default/grub" <<'EOT'
GRUB_DEFAULT=0
GRUB_TIMEOUT=0
GRUB_DISTRIBUTOR=Debian
GRUB_CMDLINE_LINUX_DEFAULT=""
# fsck.mode=skip: a lab node is thrown away, ext4 replays its journal anyway.
# systemd.ssh_auto=no: no SSH over AF_VSOCK (its generator loads vsock).
GRUB_CMDLINE_LINUX="console=ttyS0,115200 net.ifnames=0 mitigations=off quiet fsck.mode=skip systemd.ssh_auto=no"
GRUB_TERMINAL=serial
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
GRUB_DISABLE_OS_PROBER=true
EOT

for m in dev dev/pts proc sys; do mount --bind "/$m" "$mnt/$m"; done
# No daemon starts inside the chroot while the image is built.
printf '#!/bin/sh\nexit 101\n' > "$mnt/usr/sbin/policy-rc.d"
chmod 755 "$mnt/usr/sbin/policy-rc.d"
in_root() { LC_ALL=C DEBIAN_FRONTEND=noninteractive chroot "$mnt" "$@"; }

in_root debconf-set-selections <<'EOT'
grub-pc grub-pc/install_devices multiselect /dev/vda
grub-pc grub-pc/install_devices_empty boolean false
man-db man-db/auto-update boolean false
EOT
in_root systemctl enable hapair-lab-identity.service >/dev/null 2>&1
in_root systemctl mask apt-daily.timer apt-daily-upgrade.timer \
  e2scrub_all.timer e2scrub_reap.service fstrim.timer >/dev/null 2>&1
# Boot work the lab never needs (debug file systems, DRM, EFI pstore): on a
# one-vCPU node under TCG every unit started at boot delays SSH.
in_root systemctl mask sys-kernel-debug.mount sys-kernel-tracing.mount \
  dev-hugepages.mount modprobe@drm.service modprobe@efi_pstore.service \
  systemd-pstore.service systemd-binfmt.service proc-sys-fs-binfmt_misc.automount \
  sys-fs-fuse-connections.mount sys-kernel-config.mount >/dev/null 2>&1
in_root passwd -l root >/dev/null
# The lab's Ansible user: not root, sudo without a password (become), as on
# servers that refuse root over SSH. Root keeps its key (lab.py ssh).
in_root useradd --create-home --shell /bin/bash hapair
install -d -m 700 "$mnt/home/hapair/.ssh"
install -m 600 "$key" "$mnt/home/hapair/.ssh/authorized_keys"
in_root chown -R hapair:hapair /home/hapair/.ssh
printf 'hapair ALL=(ALL:ALL) NOPASSWD: ALL\n' > "$mnt/etc/sudoers.d/hapair-lab"
chmod 440 "$mnt/etc/sudoers.d/hapair-lab"

if [ -n "$stack_file" ]; then
  mapfile -t stack < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$stack_file")
  log "the HA stack's packages: ${stack[*]}"
  # from the suite's release, through the proxy; policy-rc.d keeps every
  # daemon stopped, as the roles expect of a package they did not start
  # (only the release: the node's own sources add -updates and -security)
  printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
    "$mirror" "$suite" > "$mnt/root/hapair-lab-build.list"
  apt_opts=(-q -o Acquire::http::Proxy="$proxy" -o Dir::Etc::SourceParts=-
            -o Dir::Etc::SourceList=/root/hapair-lab-build.list)
  if ! { in_root apt-get "${apt_opts[@]}" update &&
         in_root apt-get "${apt_opts[@]}" -y install --no-install-recommends "${stack[@]}"
       } >"$work/stack.log" 2>&1; then
    tail -n 40 "$work/stack.log" >&2
    exit 1
  fi
  rm -f "$mnt/root/hapair-lab-build.list"
fi

log "a small initramfs (the lab's disk is virtio, its root ext4)"
cat > "$mnt/etc/initramfs-tools/conf.d/hapair-lab.conf" <<'EOT'
# Lab node: only what mounts the root filesystem (boots faster under TCG).
MODULES=list
EOT
printf '%s\n' virtio_pci virtio_blk virtio_net ext4 >> "$mnt/etc/initramfs-tools/modules"
in_root update-initramfs -u -k all >/dev/null 2>&1

log "grub-install and update-grub"
# grub-mkconfig writes root=UUID=... only when /dev/disk/by-uuid/UUID exists
# (udev makes it on a real system; not here): make that link for the build.
uuid=$(blkid -s UUID -o value "$part")
uuid_link=/dev/disk/by-uuid/$uuid
mkdir -p /dev/disk/by-uuid
ln -sfn "../../${part#/dev/}" "$uuid_link"
in_root grub-install --target=i386-pc --modules=part_msdos "$loop" >"$work/grub.log" 2>&1 || {
  cat "$work/grub.log" >&2
  exit 1
}
in_root update-grub >>"$work/grub.log" 2>&1 || { cat "$work/grub.log" >&2; exit 1; }
rm -f "$uuid_link"
uuid_link=
grep -q "linux.*vmlinuz.*root=UUID=$uuid" "$mnt/boot/grub/grub.cfg" || {
  echo "build: grub.cfg has no kernel entry booting root=UUID=$uuid" >&2
  exit 1
}

in_root apt-get clean
rm -f "$mnt/usr/sbin/policy-rc.d"
# Anything a package started inside the chroot would keep the disk busy.
for proc_root in /proc/[0-9]*/root; do
  if [ "$(readlink "$proc_root" 2>/dev/null)" = "$mnt" ]; then
    pid=${proc_root#/proc/}; pid=${pid%/root}
    log "stopping $(cat "/proc/$pid/comm" 2>/dev/null) (pid $pid) left running in the chroot"
    kill "$pid" 2>/dev/null || true
  fi
done
sleep 1
rm -rf "$mnt"/var/lib/apt/lists/* "$mnt"/var/log/*.log "$mnt/debootstrap"
# /etc and /var are up to date with /usr: without these stamps every node's
# first boot runs ldconfig, the hwdb and catalog updates (ConditionNeedsUpdate).
usr_ns=$(stat -c %.9Y "$mnt/usr" | tr -d .)
for stamp in "$mnt/etc/.updated" "$mnt/var/.updated"; do
  printf '# This file was created by the lab image build.\nTIMESTAMP_NSEC=%s\n' "$usr_ns" > "$stamp"
  touch -r "$mnt/usr" "$stamp"
done
for m in dev/pts dev proc sys; do umount "$mnt/$m"; done
umount "$mnt"
losetup -d "$loop"
loop=
mv "$work/disk.raw" "$out"
log "image: $out ($(du -h "$out" | cut -f1) used)"
