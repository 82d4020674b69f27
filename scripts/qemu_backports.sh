#!/usr/bin/env bash
# Unpack QEMU from Debian 12's bookworm-backports into .lab/qemu-bpo, beside
# (not over) the host's own QEMU, for the lab's emulator comparison
# (benchmarks/lab_stability.py). Prints the two settings that select it:
#   HAPAIR_LAB_QEMU=.lab/qemu-bpo/usr/bin/qemu-system-x86_64
#   HAPAIR_LAB_QEMU_DATA=.lab/qemu-bpo/datadir
# apt fetches the packages with lists of its own (nothing is added to the
# host's sources); the backports' seabios comes along, as that QEMU asks for it.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
dest=$top/.lab/qemu-bpo
work=$(mktemp -d)
trap 'rm -rf --one-file-system "$work"' EXIT

mkdir -p "$work/lists/partial" "$work/archives/partial"
echo "deb http://deb.debian.org/debian bookworm-backports main" > "$work/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=-
          -o "Dir::State::Lists=$work/lists" -o "Dir::Cache::Archives=$work/archives"
          -o APT::Sandbox::User=root)
apt-get "${apt_opts[@]}" -qq update
(cd "$work" && apt-get "${apt_opts[@]}" -qq download \
    qemu-system-x86/bookworm-backports qemu-system-common/bookworm-backports \
    qemu-system-data/bookworm-backports seabios/bookworm-backports)

rm -rf --one-file-system "$dest"
mkdir -p "$dest"
for deb in "$work"/*.deb; do
    dpkg-deb -x "$deb" "$dest"
done
missing=$(ldd "$dest/usr/bin/qemu-system-x86_64" | grep "not found" || true)
if [ -n "$missing" ]; then
    echo "qemu_backports: libraries missing on this host:" >&2
    echo "$missing" >&2
    exit 1
fi

# QEMU's firmware folder for -L: the backports' files, their absolute links
# resolved inside the unpacked tree when it holds the target (seabios), else
# on the host (ipxe-qemu, the same version in bookworm).
mkdir -p "$dest/datadir"
for f in "$dest"/usr/share/qemu/*; do
    name=$(basename "$f")
    if [ -L "$f" ]; then
        target=$(readlink "$f")
        case $target in
            /*) if [ -e "$dest$target" ]; then target=$dest$target; fi ;;
            *) target=$(readlink -f "$f") ;;
        esac
        ln -sfn "$target" "$dest/datadir/$name"
    else
        ln -sfn "$f" "$dest/datadir/$name"
    fi
done
# Its own firmware path (/usr/share/seabios, /usr/lib/ipxe/qemu) comes after
# -L: the backports' seabios goes into the folder too.
for f in "$dest"/usr/share/seabios/*; do
    ln -sfn "$f" "$dest/datadir/$(basename "$f")"
done
"$dest/usr/bin/qemu-system-x86_64" --version | head -n 1
echo "HAPAIR_LAB_QEMU=$dest/usr/bin/qemu-system-x86_64"
echo "HAPAIR_LAB_QEMU_DATA=$dest/datadir"
