/* Statement-level mutation through the DWARF line table (elfutils
 * libdw): find the address ranges the compiler attributes to a source
 * line inside one function, and replace them with NOPs in guest RAM.
 * docs/mutations.md explains what "skipping a line" means after
 * optimisation (the instructions tagged with that line, no more). */
#include "mutate.h"

#include <elfutils/libdw.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *base_name(const char *path)
{
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

int mutate_skip_line(const struct elfimage *img, uint8_t *ram, uint64_t ram_size, const char *file,
                     unsigned line, const char *function, uint64_t *at, size_t max_at, size_t *nat,
                     char *err, size_t errlen)
{
  const struct elfsym *fn = elfimage_find(img, function);
  int fd, patched = 0;
  Dwarf *dw;

  *nat = 0;
  if (!fn || !fn->is_func || !fn->size) {
    snprintf(err, errlen, "mutation: no function '%s' in %s", function, img->path);
    return -1;
  }
  if (fn->addr + fn->size > ram_size) {
    snprintf(err, errlen, "mutation: '%s' lies outside guest RAM", function);
    return -1;
  }
  fd = open(img->path, O_RDONLY);
  if (fd < 0 || !(dw = dwarf_begin(fd, DWARF_C_READ))) {
    snprintf(err, errlen, "mutation: %s has no DWARF line table (built without -g?)", img->path);
    if (fd >= 0)
      close(fd);
    return -1;
  }
  Dwarf_Off off = 0, next;
  size_t hsize;
  while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
    Dwarf_Die cu;
    Dwarf_Lines *lines;
    size_t n;
    if (dwarf_offdie(dw, off + hsize, &cu) && dwarf_getsrclines(&cu, &lines, &n) == 0) {
      for (size_t i = 0; i + 1 < n; i++) {
        Dwarf_Line *l = dwarf_onesrcline(lines, i), *l2 = dwarf_onesrcline(lines, i + 1);
        Dwarf_Addr a, b;
        int ln;
        bool end = false;
        const char *src = dwarf_linesrc(l, NULL, NULL);
        if (!src || dwarf_lineno(l, &ln) || (unsigned)ln != line || strcmp(base_name(src), file))
          continue;
        if (dwarf_lineaddr(l, &a) || dwarf_lineaddr(l2, &b) || dwarf_lineendsequence(l, &end) || end)
          continue;
        if (a < fn->addr || b > fn->addr + fn->size || b <= a)
          continue;
        memset(ram + a, 0x90, b - a); /* nop */
        if (*nat < max_at)
          at[(*nat)++] = a;
        patched += (int)(b - a);
      }
    }
    off = next;
  }
  dwarf_end(dw);
  close(fd);
  if (!patched) {
    snprintf(err, errlen, "mutation: no instructions of %s:%u inside '%s'", file, line, function);
    return -1;
  }
  return patched;
}
