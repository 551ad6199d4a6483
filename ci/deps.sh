#!/usr/bin/env bash
# Install the Debian packages smmhp needs, if any is missing.
# As root this runs apt-get; otherwise it names what is missing and fails.
set -euo pipefail
need=(libunicorn-dev libcapstone-dev libdw-dev nasm libcmocka-dev pkg-config gcc make binutils python3 xz-utils)
[ "$#" -gt 0 ] && need+=("$@")
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing Debian packages: ${missing[*]}" >&2
  echo "deps: not root, so not installing them; run: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q "${missing[@]}" >/dev/null
