/* Coverage: the absolute source path of a DWARF file name.
 *
 * GCC names files relative to the CU's DW_AT_comp_dir (the directory the
 * build ran in), and libdw hands them back relative. NASM 2.16 writes the
 * input file's directory as comp_dir but keeps the name relative to where
 * it ran, so libdw's join of the two names no file; the name relative to
 * another CU's comp_dir (the build directory) does. The first candidate
 * that exists wins; paths are then normalized lexically (symlinks are
 * kept as the build named them: the edk2 tree actually used). */
#include "coverage_internal.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

void cov_normalize(const char *in, char *out, size_t len)
{
  size_t o = 0;
  bool abs = in[0] == '/';
  if (len < 2) {
    if (len)
      out[0] = '\0';
    return;
  }
  for (const char *p = in; *p;) {
    while (*p == '/')
      p++;
    size_t n = strcspn(p, "/");
    if (!n)
      break;
    if (n == 1 && p[0] == '.') {
      /* skip */
    } else if (n == 2 && p[0] == '.' && p[1] == '.' && abs) {
      while (o > 0 && out[o - 1] != '/')
        o--;
      if (o > 0)
        o--;
    } else if (o + n + 2 < len) {
      if (o || abs)
        out[o++] = '/';
      memcpy(out + o, p, n);
      o += n;
    }
    p += n;
  }
  if (!o && abs)
    out[o++] = '/';
  out[o] = '\0';
}

static void join(const char *dir, const char *rel, char *out, size_t len)
{
  size_t n = strlen(dir);
  snprintf(out, len, "%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", rel);
}

void cov_resolve_src(const char *const *dirs, size_t ndirs, const char *comp_dir, const char *src, char *out,
                     size_t len)
{
  char buf[4096];
  const char *rel = src;
  size_t cl = comp_dir ? strlen(comp_dir) : 0;

  if (src[0] == '/') {
    if (!access(src, F_OK) || !comp_dir || strncmp(src, comp_dir, cl)) {
      cov_normalize(src, out, len);
      return;
    }
    rel = src + cl; /* libdw joined comp_dir and a name relative to elsewhere */
    while (*rel == '/')
      rel++;
  } else if (comp_dir) {
    join(comp_dir, rel, buf, sizeof buf);
    if (!access(buf, F_OK)) {
      cov_normalize(buf, out, len);
      return;
    }
  }
  for (size_t i = 0; i < ndirs; i++) {
    join(dirs[i], rel, buf, sizeof buf);
    if (!access(buf, F_OK)) {
      cov_normalize(buf, out, len);
      return;
    }
  }
  if (src[0] == '/' || !comp_dir)
    cov_normalize(src, out, len);
  else {
    join(comp_dir, rel, buf, sizeof buf);
    cov_normalize(buf, out, len);
  }
}
