#!/bin/sh
# Undefined-symbol report of the firmware link: for every upstream (edk2)
# object that went into the image (the driver's objects and the library
# archive members the linker pulled in), each symbol it imports (nm -u)
# and the object that provides it, from the link map's cross-reference
# table. Exit 1 if a symbol has no provider or the image has undefined
# symbols.
# usage: fw-syms.sh MAP ELF MODULE_OBJECT...
set -eu
map=$1; elf=$2; shift 2

# Definers: first file listed for a symbol in the "Cross Reference Table".
defs=$(mktemp); trap 'rm -f "$defs"' EXIT
awk '/^Cross Reference Table/ { x = 1; next }
     x && /^[^ ]/ && NF == 2 && $1 != "Symbol" { print $1, $2 }' "$map" > "$defs"

# Upstream archive members that were linked ("lib/X.a(member)" under /up/
# sources; our fallback archive is not upstream).
members=$(awk '/^Archive member included/ { a = 1; next } /^$/ || /^[ \t]/ { next }
               a { if ($1 !~ /\.a\(/) exit; print $1 }' "$map" \
          | grep -v 'compat-fallback\.a(' | sort -u)

label() {  # where a provider comes from
  case $1 in
    *compat-fallback.a\(*) echo "compat-fallback  ${1##*/}" ;;
    */own/firmware/compat/*) echo "compat           ${1##*/own/}" ;;
    */gen/*) echo "generated        ${1##*/}" ;;
    *.a\(*) echo "edk2             ${1##*/}" ;;
    */up/*) echo "edk2             ${1##*/up/}" ;;
    *) echo "core             ${1##*/own/}" ;;
  esac
}

report() {  # $1: display name, stdin: nm -u output
  syms=$(awk '$1 == "U" { print $2 }' | sort -u)
  [ -n "$syms" ] || return 0
  echo "$1"
  for s in $syms; do
    p=$(awk -v s="$s" '$1 == s { print $2; exit }' "$defs")
    if [ -z "$p" ]; then
      echo "    $s  <-  UNRESOLVED"; missing=1
    else
      printf '    %-40s <- %s\n' "$s" "$(label "$p")"
    fi
  done
}

missing=0
echo "== symbols imported by upstream objects, and their providers"
for o in "$@"; do
  nm -u "$o" | report "${o##*/up/}"
done
for m in $members; do
  ar=${m%%(*}; mem=${m#*(}; mem=${mem%)}
  tmpd=$(mktemp -d)
  ( cd "$tmpd" && ar x "$ar" "$mem" )
  nm -u "$tmpd/$mem" | report "${ar##*/}($mem)"
  rm -rf "$tmpd"
done

echo "== undefined symbols left in ${elf##*/} (nm -u)"
left=$(nm -u "$elf")
if [ -n "$left" ]; then echo "$left"; missing=1; else echo "    (none)"; fi
exit $missing
