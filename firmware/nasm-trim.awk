# Second half of edk2's NASM recipe (build_rule.txt: cpp with AutoGen.h,
# then "Trim --source-code"): from the C preprocessor's output keep only the
# lines of the .nasm file itself (C declarations from included headers are
# dropped, their macros were already expanded), at their original line
# numbers, and tell NASM the original file name for DWARF line info. C
# integer suffixes that macro expansion brought in (0U, 1ULL) are dropped,
# as Trim --trim-long does: NASM does not know them.
# usage: cpp ... FILE.nasm | awk -v main=FILE.nasm -f nasm-trim.awk
BEGIN { print "%line 1+1 " main }
/^# [0-9]+ "/ {
  f = $3; gsub(/"/, "", f)
  cur = (f == main)
  if (cur) { while (out < $2 - 1) { print ""; out++ } }
  next
}
function trim_long(line,   pre, rest, tok, c) {
  pre = ""; rest = line
  while (match(rest, /(0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]+/)) {
    tok = substr(rest, RSTART, RLENGTH)
    c = (RSTART > 1) ? substr(rest, RSTART - 1, 1) : ""
    if (c ~ /[A-Za-z0-9_]/ || substr(rest, RSTART + RLENGTH, 1) ~ /[A-Za-z0-9_]/) {
      pre = pre substr(rest, 1, RSTART + RLENGTH - 1)  # inside an identifier: keep
    } else {
      sub(/[uUlL]+$/, "", tok)
      pre = pre substr(rest, 1, RSTART - 1) tok
    }
    rest = substr(rest, RSTART + RLENGTH)
  }
  return pre rest
}
cur { print trim_long($0); out++ }
