#!/usr/bin/env bash
# Fetch the edk2 source package of a Debian release through a private apt
# sources list under build/, built from the URIs of the system's own apt
# sources. The system's apt configuration is never changed. Only the orig
# tarball is used (upstream code, no Debian patches), so a mirror that
# serves the tarball without its .dsc still works.
#
# usage: ci/fetch-edk2.sh OUTDIR [SUITE]
#   OUTDIR  where the tree is unpacked (OUTDIR/edk2 is the tree root)
#   SUITE   Debian suite to take edk2 from (default: the running release)
set -euo pipefail

out=${1:?usage: fetch-edk2.sh OUTDIR [SUITE]}
suite=${2:-}
if [ -z "$suite" ]; then
  suite=$(. /etc/os-release 2>/dev/null; echo "${VERSION_CODENAME:-}")
fi
[ -n "$suite" ] || { echo "fetch-edk2: cannot tell the Debian release (no VERSION_CODENAME in /etc/os-release); set EDK2=/path" >&2; exit 2; }

if [ -f "$out/edk2/OvmfPkg/CpuHotplugSmm/CpuHotplug.c" ]; then
  exit 0
fi

apt_dir=$(realpath -m "$out/apt")
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/etc/preferences.d" "$apt_dir/dl"

# URIs of the system's Debian archive (deb822 .sources files and one-line lists).
uris=$( {
  for f in /etc/apt/sources.list.d/*.sources; do
    if [ -f "$f" ]; then sed -n 's/^URIs:[[:space:]]*//p' "$f" | tr ' ' '\n'; fi
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    sed -n 's/^[[:space:]]*deb\(-src\)\?[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]\+\).*/\3/p' "$f"
  done
} | grep -v -- '-security' | grep -E '^(https?|file|mirror)' | sort -u || true)
[ -n "$uris" ] || { echo "fetch-edk2: no Debian archive URI in the system's apt sources; set EDK2=/path" >&2; exit 2; }

list="$apt_dir/sources.list"
: > "$list"
for u in $uris; do
  echo "deb-src [trusted=yes] $u $suite main" >> "$list"
done

aptopts=(-o "Dir::Etc::SourceList=$list" -o "Dir::Etc::SourceParts=/dev/null"
         -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
         -o "Dir::Etc::Preferences=/dev/null" -o "Dir::Etc::PreferencesParts=$apt_dir/etc/preferences.d"
         -o "APT::Sandbox::User=root" -o "Acquire::Languages=none")
echo "fetch-edk2: edk2 source from suite '$suite' via $list"
apt-get -q "${aptopts[@]}" update >"$apt_dir/update.log" 2>&1 || { cat "$apt_dir/update.log" >&2; echo "fetch-edk2: apt-get update failed for the private list $list" >&2; exit 1; }
# apt-get source exits non-zero when the .dsc is missing but leaves the orig tarball.
( cd "$apt_dir/dl" && apt-get -q "${aptopts[@]}" source --download-only edk2 >"$apt_dir/source.log" 2>&1 ) || true
tarball=$(ls "$apt_dir"/dl/edk2_*.orig.tar.* 2>/dev/null | head -n 1 || true)
[ -n "$tarball" ] || { cat "$apt_dir/source.log" >&2; echo "fetch-edk2: suite '$suite' serves no edk2 orig tarball (release unavailable); use EDK2=/path" >&2; exit 3; }

tmp="$out/edk2.unpack"
rm -rf "$tmp"; mkdir -p "$tmp"
tar -xf "$tarball" -C "$tmp" --wildcards --no-anchored \
  '*/MdePkg/*' '*/UefiCpuPkg/*' '*/OvmfPkg/*' '*/MdeModulePkg/Include/*' 2>/dev/null || \
  tar -xf "$tarball" -C "$tmp"
top=$(ls -d "$tmp"/*/ | head -n 1)
rm -rf "$out/edk2"
mv "$top" "$out/edk2"
rm -rf "$tmp"
basename "$tarball" | sed 's/^edk2_\(.*\)\.orig\.tar.*/\1/' > "$out/edk2/.smmhp-release"
echo "fetch-edk2: unpacked $(basename "$tarball") into $out/edk2"
