/* Statement- and branch-level mutations through the DWARF line table
 * (elfutils libdw): find the address ranges the compiler attributes to a
 * source line inside one function, then either replace them with NOPs
 * (skip) or turn their conditional jumps into unconditional ones (force).
 * docs/mutations.md explains what this means after optimisation (the
 * instructions tagged with that line, no more). */
#include "mutate.h"

#include <capstone/capstone.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef int (*range_fn)(uint8_t *ram, uint64_t a, uint64_t b, void *ctx);

static const char *base_name(const char *path)
{
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

/* Call fn for every line-table range of file:line inside fn_sym; returns
 * the sum of fn's results, or -1 with a message. */
static int for_each_range(const struct elfimage *img, uint8_t *ram, uint64_t ram_size, const char *file,
                          unsigned line, const char *function, range_fn fn, void *ctx, uint64_t *at,
                          size_t max_at, size_t *nat, char *err, size_t errlen)
{
  const struct elfsym *f = elfimage_find(img, function);
  int fd, total = 0;
  Dwarf *dw;

  *nat = 0;
  if (!f || !f->is_func || !f->size) {
    snprintf(err, errlen, "mutation: no function '%s' in %s", function, img->path);
    return -1;
  }
  if (f->addr + f->size > ram_size) {
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
        if (a < f->addr || b > f->addr + f->size || b <= a)
          continue;
        int r = fn(ram, a, b, ctx);
        if (r > 0 && *nat < max_at)
          at[(*nat)++] = a;
        total += r;
      }
    }
    off = next;
  }
  dwarf_end(dw);
  close(fd);
  return total;
}

static int nop_range(uint8_t *ram, uint64_t a, uint64_t b, void *ctx)
{
  (void)ctx;
  memset(ram + a, 0x90, b - a); /* nop */
  return (int)(b - a);
}

int mutate_skip_line(const struct elfimage *img, uint8_t *ram, uint64_t ram_size, const char *file,
                     unsigned line, const char *function, uint64_t *at, size_t max_at, size_t *nat,
                     char *err, size_t errlen)
{
  int n = for_each_range(img, ram, ram_size, file, line, function, nop_range, NULL, at, max_at, nat, err, errlen);
  if (n == 0)
    snprintf(err, errlen, "mutation: no instructions of %s:%u inside '%s'", file, line, function);
  return n > 0 ? n : -1;
}

/* jcc rel8 (7x) -> jmp rel8 (EB); jcc rel32 (0F 8x) -> nop; jmp rel32 (E9):
 * same target, now always taken. */
static int force_range(uint8_t *ram, uint64_t a, uint64_t b, void *ctx)
{
  csh h = *(csh *)ctx;
  cs_insn *insn = NULL;
  int forced = 0;
  size_t n = cs_disasm(h, ram + a, b - a, a, 0, &insn);

  for (size_t i = 0; i < n; i++) {
    uint8_t *p = ram + insn[i].address;
    if (insn[i].size == 2 && (p[0] & 0xF0) == 0x70) {
      p[0] = 0xEB;
      forced++;
    } else if (insn[i].size == 6 && p[0] == 0x0F && (p[1] & 0xF0) == 0x80) {
      int32_t rel;
      memcpy(&rel, p + 2, 4); /* the jmp ends where the jcc did: same rel32 */
      p[0] = 0x90;
      p[1] = 0xE9;
      memcpy(p + 2, &rel, 4);
      forced++;
    }
  }
  cs_free(insn, n);
  return forced;
}

int mutate_force_line(const struct elfimage *img, uint8_t *ram, uint64_t ram_size, const char *file,
                      unsigned line, const char *function, uint64_t *at, size_t max_at, size_t *nat,
                      char *err, size_t errlen)
{
  csh h;
  if (cs_open(CS_ARCH_X86, img->bits == 32 ? CS_MODE_32 : CS_MODE_64, &h) != CS_ERR_OK) { /* IA32 images: 32-bit code */
    snprintf(err, errlen, "mutation: capstone unavailable");
    return -1;
  }
  int n = for_each_range(img, ram, ram_size, file, line, function, force_range, &h, at, max_at, nat, err, errlen);
  cs_close(&h);
  if (n == 0)
    snprintf(err, errlen, "mutation: no conditional branch of %s:%u inside '%s'", file, line, function);
  return n > 0 ? n : -1;
}
