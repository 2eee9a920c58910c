#!/usr/bin/env bash
# The fresh-machine check: runs the README's two commands on a fresh clone inside a clean Debian 12 root
# that holds only what a new machine of this project's kind has (Java 17 as the default java, the JDK 25
# copied from /usr/lib/jvm, Debian's maven, cmake, gcc, git), and prints how long each took.
# Run it whenever set-up, the build or the launcher changes. Not part of the test suite (it takes minutes).
#
#   scripts/fresh-check.sh [--rebuild-base] [--main-only]
#
# Needs root (debootstrap, chroot, mounts); installs debootstrap when it is missing. The base root is
# made once (debootstrap from the Debian mirror this machine's apt uses) and kept under
# $B4J_FRESH_DIR (default /var/tmp/bitnet4j-fresh); every run copies it to a new root, clones HEAD of
# this checkout into /work/main there, with ../shared beside it when this checkout has one, so the
# run sees what CI sees. The root of the last run is left for inspection.
set -euo pipefail

rebuild_base=0; main_only=0
for arg in "$@"; do
  case $arg in
    --rebuild-base) rebuild_base=1 ;;
    --main-only) main_only=1 ;;
    *) echo "usage: $0 [--rebuild-base] [--main-only]" >&2; exit 2 ;;
  esac
done
[[ $(id -u) -eq 0 ]] || { echo "fresh-check: needs root (debootstrap, chroot)" >&2; exit 2; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${B4J_FRESH_DIR:-/var/tmp/bitnet4j-fresh}
base=$work/base-bookworm
root=$work/root
jdk=$(ls -d /usr/lib/jvm/temurin-25-jdk-* 2>/dev/null | head -1)
[[ -n $jdk ]] || { echo "fresh-check: no /usr/lib/jvm/temurin-25-jdk-* on this machine to copy" >&2; exit 1; }

# The Debian mirror and suites this machine's apt uses (deb822 or one-line format).
sources=$(ls /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
if [[ -n $sources ]]; then
  mirror=$(sed -n 's/^URIs: *//p' "$sources" | head -1)
else
  mirror=$(awk '$1=="deb" && $3=="bookworm" {print $2; exit}' /etc/apt/sources.list)
fi
[[ -n $mirror ]] || { echo "fresh-check: cannot tell which Debian mirror apt uses here" >&2; exit 1; }

mkdir -p "$work"
if ! command -v debootstrap >/dev/null; then
  echo "fresh-check: installing debootstrap" >&2
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

# What a new machine of this kind has that the build could touch; nothing else (no clang, no ninja).
image_packages=ca-certificates,git,openjdk-17-jdk-headless,maven,cmake,gcc,g++,make,python3,procps
if [[ $rebuild_base -eq 1 || ! -f $base/.complete ]]; then
  echo "fresh-check: making the base root (debootstrap bookworm, a few minutes, once) ..." >&2
  rm -rf "$base"
  debootstrap --variant=minbase --include="$image_packages" bookworm "$base" "$mirror" >"$work/debootstrap.log" 2>&1 || {
    tail -20 "$work/debootstrap.log" >&2; exit 1; }
  if [[ -n $sources ]]; then cp "$sources" "$base/etc/apt/sources.list.d/debian.sources"; rm -f "$base/etc/apt/sources.list"; fi
  touch "$base/.complete"
fi

unmount_all() {
  for m in dev/pts dev sys proc; do mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m"; done
  mountpoint -q "$root" 2>/dev/null && umount -l "$root"
  return 0
}
trap unmount_all EXIT
unmount_all
rm -rf "$root"
cp -a "$base" "$root"
mkdir -p "$root/usr/lib/jvm" && cp -a "$jdk" "$root/usr/lib/jvm/"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# A new machine trusts the certificate authorities this workplace adds at boot (the registries are
# reached through them): the same trust stores, system and Java.
if [[ -d /usr/local/share/ca-certificates ]]; then cp -a /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"; fi
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
if [[ -f /etc/ssl/certs/java/cacerts ]]; then mkdir -p "$root/etc/ssl/certs/java" && cp /etc/ssl/certs/java/cacerts "$root/etc/ssl/certs/java/cacerts"; fi
mount --bind "$root" "$root"   # a root that is a mount point, as on a machine (the JDK's FileStore needs it)
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"

mkdir -p "$root/work"
git clone -q "$repo" "$root/work/main"
if [[ -d $repo/../shared ]]; then cp -a "$repo/../shared" "$root/work/shared"; fi
echo "fresh-check: clean root at $root, clone of $(git -C "$repo" rev-parse --short HEAD)" >&2

in_root() {  # in_root LABEL COMMAND: runs COMMAND in the clean root as root with a login-like environment
  local label=$1 cmd=$2 start end rc=0
  start=$(date +%s)
  chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 TERM=dumb /bin/bash -c "cd /work/main && $cmd" </dev/null || rc=$?
  end=$(date +%s)
  echo "fresh-check: $label: exit $rc after $((end - start)) s"
  return $rc
}

rc=0
in_root 'first ./bitnet4j run -p "The jury said"' './bitnet4j run -p "The jury said"' || rc=1
in_root 'second ./bitnet4j run -p "The jury said"' './bitnet4j run -p "The jury said" -n 16' || rc=1
if [[ $main_only -eq 0 ]]; then
  in_root 'scripts/test.sh' 'scripts/test.sh' || rc=1
  # setup.sh finds a missing package by the file the build needs: take the sanitizer runtimes away.
  chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    apt-get remove -y -qq libclang-rt-19-dev >/dev/null 2>&1 || true
  said=$(chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin /bin/bash /work/main/scripts/setup.sh --check-only 2>&1 || true)
  echo "fresh-check: without libclang-rt-19-dev, setup.sh --check-only says: $said"
  [[ $said == *libclang-rt-19-dev* ]] || rc=1
fi
exit $rc
