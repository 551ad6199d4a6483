# Print the source files an edk2 INF builds for one architecture (arch=X64,
# the default, or arch=IA32) with the GCC toolchain family: entries of
# [Sources], [Sources.common] and [Sources.<arch>] that are
# .c or .nasm and carry no tag or the GCC tag, as edk2's build selects them.
# Reading the INF (not a list of ours) keeps every edk2 release working.
# usage: awk [-v arch=IA32] -f inf-sources.awk FILE.inf
# (paths printed relative to the INF)
BEGIN { if (arch == "") arch = "X64"; want = "sources." tolower(arch) }
function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
{ sub(/\r$/, "") }
/^[ \t]*#/ { next }
/^[ \t]*\[/ {
  insrc = 0
  hdr = tolower($0)
  gsub(/[][ \t]/, "", hdr)
  n = split(hdr, part, ",")
  for (i = 1; i <= n; i++)
    if (part[i] == "sources" || part[i] == "sources.common" || part[i] == want)
      insrc = 1
  next
}
insrc {
  line = $0
  sub(/#.*/, "", line)
  n = split(line, f, "|")
  file = trim(f[1])
  fam = (n > 1) ? toupper(trim(f[2])) : ""
  if (file == "" || (fam != "" && fam != "GCC")) next
  if (file !~ /\.(c|nasm)$/ || seen[file]++) next
  print file
}
