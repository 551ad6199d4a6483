/* Coverage, DWARF side: the line rows and functions of one firmware ELF,
 * each with the executions of its code (coverage_internal.h).
 *
 * A line-table row covers [its address, the next row's address). Its
 * count is the sum of the counts of the executed blocks that overlap it:
 * every block execution runs each of its instructions once (block
 * granularity), and blocks and rows both start at instruction
 * boundaries. A function (a DW_TAG_subprogram with code) counts the
 * executions of the blocks holding its entry address. */
#include "coverage_internal.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct blocks {
  struct cov_block *b; size_t n;         /* executed blocks sorted by address */
  uint32_t maxsize;
};

#define SRC_CACHE 512u

/* Where the names of one CU resolve (coverage_path.c), with a cache of
 * libdw's name strings (stable while the Dwarf is open). */
struct cu_ctx {
  struct cov_report *r;
  const struct blocks *bs;
  uint32_t image, cu, inlined;
  const char *comp_dir;
  const char *const *dirs; size_t ndirs;
  struct { const char *raw; uint32_t id; } cache[SRC_CACHE];
};

static uint32_t file_id(struct cu_ctx *x, const char *raw)
{
  size_t h = ((uintptr_t)raw >> 3) % SRC_CACHE;
  if (x->cache[h].raw != raw) {
    char path[4096];
    cov_resolve_src(x->dirs, x->ndirs, x->comp_dir, raw, path, sizeof path);
    x->cache[h].raw = raw;
    x->cache[h].id = cov_file_id(x->r, path);
  }
  return x->cache[h].id;
}

static int cmp_block(const void *a, const void *b)
{
  const struct cov_block *x = a, *y = b;
  return (x->addr > y->addr) - (x->addr < y->addr);
}

/* Executions of the code in [lo, hi). */
static uint64_t count_range(const struct blocks *bs, uint64_t lo, uint64_t hi)
{
  uint64_t from = lo > bs->maxsize ? lo - bs->maxsize : 0, sum = 0;
  size_t a = 0, z = bs->n;
  while (a < z) { /* first block starting at or after `from` */
    size_t mid = (a + z) / 2;
    if (bs->b[mid].addr < from)
      a = mid + 1;
    else
      z = mid;
  }
  for (; a < bs->n && bs->b[a].addr < hi; a++)
    if (bs->b[a].addr + bs->b[a].size > lo)
      sum += bs->b[a].count;
  return sum;
}

static void map_rows(struct cu_ctx *x, Dwarf_Die *cu)
{
  Dwarf_Lines *lines;
  size_t n;
  if (dwarf_getsrclines(cu, &lines, &n))
    return;
  for (size_t i = 0; i + 1 < n; i++) {
    Dwarf_Line *l = dwarf_onesrcline(lines, i), *next = dwarf_onesrcline(lines, i + 1);
    bool end;
    Dwarf_Addr lo, hi;
    int line;
    if (dwarf_lineendsequence(l, &end) || end || dwarf_lineaddr(l, &lo) || dwarf_lineaddr(next, &hi) ||
        hi <= lo || dwarf_lineno(l, &line) || line <= 0)
      continue; /* no code, or code of no line */
    const char *src = dwarf_linesrc(l, NULL, NULL);
    if (!src)
      continue;
    cov_add_line(x->r, (struct cov_line){ .file = file_id(x, src), .line = (uint32_t)line, .image = x->image,
                                          .count = count_range(x->bs, lo, hi) });
  }
}

static bool entry_of(Dwarf_Die *fn, Dwarf_Addr *entry)
{
  Dwarf_Addr base, lo, hi;
  if (dwarf_entrypc(fn, entry) == 0)
    return true;
  if (dwarf_ranges(fn, 0, &base, &lo, &hi) > 0) {
    *entry = lo;
    return true;
  }
  return false;
}

/* An out-of-line function, or one inlined instance: count the blocks at
 * its entry. Out-of-line copies of one CU (clones) share a key, so the
 * report keeps their largest count; each inlined instance is a call site
 * of its own, so the report adds them up. */
static void map_function(struct cu_ctx *x, Dwarf_Die *fn, bool inlined)
{
  Dwarf_Attribute at;
  Dwarf_Addr entry;
  int line = 0;
  const char *name = dwarf_formstring(dwarf_attr_integrate(fn, DW_AT_name, &at));
  const char *file = dwarf_decl_file(fn);
  if (!name || !file || !entry_of(fn, &entry) || dwarf_decl_line(fn, &line) || line <= 0)
    return; /* inlined only, or nothing to name it by */
  cov_add_fn(x->r, (struct cov_fn){ .file = file_id(x, file), .line = (uint32_t)line, .image = x->image,
                                    .cu = inlined ? 0x80000000u | x->inlined++ : x->cu, .name = strdup(name), .count = count_range(x->bs, entry, entry + 1) });
}

/* Functions with code, and the instances inlined into them, at any depth. */
static void map_functions(struct cu_ctx *x, Dwarf_Die *parent)
{
  Dwarf_Die d;
  if (dwarf_child(parent, &d))
    return;
  do {
    int tag = dwarf_tag(&d);
    if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine)
      map_function(x, &d, tag == DW_TAG_inlined_subroutine);
    if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block)
      map_functions(x, &d);
  } while (dwarf_siblingof(&d, &d) == 0);
}

static const char *comp_dir_of(Dwarf_Die *cu)
{
  Dwarf_Attribute at;
  return dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &at));
}

/* The distinct comp_dirs of the image, for names NASM made relative to them. */
static size_t comp_dirs(Dwarf *dw, const char **dirs, size_t max)
{
  Dwarf_Off off = 0, next;
  size_t hsize, n = 0;
  while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
    Dwarf_Die cu;
    const char *d = dwarf_offdie(dw, off + hsize, &cu) ? comp_dir_of(&cu) : NULL;
    bool seen = !d;
    for (size_t i = 0; i < n && !seen; i++)
      seen = !strcmp(dirs[i], d);
    if (!seen && n < max)
      dirs[n++] = d;
    off = next;
  }
  return n;
}

int cov_map_image(struct cov_report *r, const struct cov_image *img, uint32_t image, char *err, size_t errlen)
{
  struct blocks bs = { .n = 0 };
  int fd = open(img->path, O_RDONLY);
  Dwarf *dw = fd >= 0 ? dwarf_begin(fd, DWARF_C_READ) : NULL;
  if (!dw) {
    snprintf(err, errlen, "coverage: %s: %s", img->path, fd < 0 ? "cannot open" : "no DWARF");
    if (fd >= 0)
      close(fd);
    return -1;
  }
  bs.b = malloc((img->n ? img->n : 1) * sizeof *bs.b);
  for (size_t i = 0; bs.b && i < img->n; i++) {
    if (!img->b[i].count)
      continue;
    bs.b[bs.n++] = img->b[i];
    if (img->b[i].size > bs.maxsize)
      bs.maxsize = img->b[i].size;
  }
  if (bs.b)
    qsort(bs.b, bs.n, sizeof *bs.b, cmp_block);
  const char *dirs[64];
  struct cu_ctx *x = calloc(1, sizeof *x);
  Dwarf_Off off = 0, next;
  size_t hsize;
  if (x)
    *x = (struct cu_ctx){ .r = r, .bs = &bs, .image = image, .dirs = dirs,
                          .ndirs = comp_dirs(dw, dirs, sizeof dirs / sizeof dirs[0]) };
  while (bs.b && x && dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
    Dwarf_Die cu;
    if (dwarf_offdie(dw, off + hsize, &cu)) {
      x->comp_dir = comp_dir_of(&cu);
      memset(x->cache, 0, sizeof x->cache);
      map_rows(x, &cu);
      map_functions(x, &cu);
      x->cu++;
    }
    off = next;
  }
  free(x);
  free(bs.b);
  dwarf_end(dw);
  close(fd);
  return 0;
}
