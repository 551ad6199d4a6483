/* Which upstream functions a run executed (see upstream_fns.h).
 *
 * Index: every function-like symbol of the image (FUNC symbols, and the
 * global labels NASM code exports) becomes an entry covering the bytes up
 * to the next entry. An entry is upstream if it starts inside the PC range
 * of a compile unit whose source is in the edk2 tree, or if a local label
 * of an upstream NASM object lies inside it (NASM writes no DWARF for code
 * in .data, where CpuHotplugSmm's templates live). Lookups are a binary
 * search, done only when a block is translated, never per execution. */
#include "upstream_fns.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "machine.h"

struct range { uint64_t lo, hi; const char *file; };

struct entry {
  uint64_t addr, size;   /* size 0: up to the next entry */
  char *name;
  const char *file;      /* tree-relative source, NULL if not upstream */
  bool global, func, seen;
};

struct upstream_fns {
  char tree[PATH_MAX];
  char **files; size_t nfiles;          /* owned tree-relative paths */
  struct range *ranges; size_t nranges; /* upstream CU ranges */
  struct entry *e; size_t n;
  struct range *anchors; size_t nanchors; /* local labels of upstream NASM objects */
  uint64_t lo, hi;                      /* span of all entries */
  size_t *order; size_t nseen;          /* executed, sorted by name */
};

static const char *keep_file(struct upstream_fns *u, const char *rel)
{
  for (size_t i = 0; i < u->nfiles; i++)
    if (!strcmp(u->files[i], rel))
      return u->files[i];
  u->files = realloc(u->files, (u->nfiles + 1) * sizeof *u->files);
  u->files[u->nfiles] = strdup(rel);
  return u->files[u->nfiles++];
}

/* Tree-relative path of an absolute source path, or NULL. */
static const char *in_tree(const struct upstream_fns *u, const char *abs)
{
  size_t n = strlen(u->tree);
  if (!n || strncmp(abs, u->tree, n) || abs[n] != '/')
    return NULL;
  return abs + n + 1;
}

/* The build preprocesses upstream NASM into $(FW_OBJ)/up/<rel>.iii
 * (firmware.mk): map that back to <rel> if the tree has it. */
static bool iii_rel(const struct upstream_fns *u, const char *path, char *rel, size_t len)
{
  const char *up = strstr(path, "/up/");
  size_t n = strlen(path);
  char probe[PATH_MAX * 2];
  if (!up || n < 4 || strcmp(path + n - 4, ".iii"))
    return false;
  snprintf(rel, len, "%.*s", (int)(n - 4 - (size_t)(up + 4 - path)), up + 4);
  snprintf(probe, sizeof probe, "%s/%s", u->tree, rel);
  return u->tree[0] && access(probe, R_OK) == 0;
}

static void abs_path(const char *name, const char *dir, char *out, size_t len)
{
  if (name[0] == '/' || !dir)
    snprintf(out, len, "%s", name);
  else
    snprintf(out, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name);
}

static void read_tree_file(struct upstream_fns *u, const char *elf)
{
  char dir[PATH_MAX], p[PATH_MAX + 16];
  snprintf(dir, sizeof dir, "%s", elf);
  snprintf(p, sizeof p, "%s/edk2-tree", dirname(dir));
  FILE *f = fopen(p, "r");
  if (!f)
    return;
  if (fgets(u->tree, sizeof u->tree, f))
    u->tree[strcspn(u->tree, "\n")] = '\0';
  fclose(f);
}

/* No edk2-tree file: the tree is what precedes /MdePkg/ in some CU path. */
static void infer_tree(struct upstream_fns *u, const char *abs)
{
  const char *p = strstr(abs, "/MdePkg/");
  if (!u->tree[0] && p && !strstr(abs, "/up/"))
    snprintf(u->tree, sizeof u->tree, "%.*s", (int)(p - abs), abs);
}

static void add_range(struct upstream_fns *u, uint64_t lo, uint64_t hi, const char *file)
{
  u->ranges = realloc(u->ranges, (u->nranges + 1) * sizeof *u->ranges);
  u->ranges[u->nranges++] = (struct range){ lo, hi, file };
}

static int scan_dwarf(struct upstream_fns *u, int fd, bool infer_only)
{
  Dwarf *dw = dwarf_begin(fd, DWARF_C_READ);
  Dwarf_Off off = 0, next;
  size_t hsize;
  if (!dw)
    return -1;
  while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
    Dwarf_Die cu;
    Dwarf_Attribute at;
    if (dwarf_offdie(dw, off + hsize, &cu)) {
      const char *name = dwarf_diename(&cu);
      const char *dir = dwarf_formstring(dwarf_attr(&cu, DW_AT_comp_dir, &at));
      char abs[PATH_MAX * 2], rel[PATH_MAX];
      const char *file = NULL;
      if (name) {
        abs_path(name, dir, abs, sizeof abs);
        if (infer_only)
          infer_tree(u, abs);
        else if ((file = in_tree(u, abs)) != NULL)
          file = keep_file(u, file);
        else if (iii_rel(u, abs, rel, sizeof rel))
          file = keep_file(u, rel);
      }
      Dwarf_Addr base, lo, hi;
      ptrdiff_t ro = 0;
      while (file && (ro = dwarf_ranges(&cu, ro, &base, &lo, &hi)) > 0)
        add_range(u, lo, hi, file);
    }
    off = next;
  }
  dwarf_end(dw);
  return 0;
}

static int cmp_entry(const void *a, const void *b)
{
  const struct entry *x = a, *y = b;
  if (x->addr != y->addr)
    return x->addr < y->addr ? -1 : 1;
  /* at one address, a FUNC, then a global, names the code */
  if (x->func != y->func)
    return x->func ? -1 : 1;
  return (int)y->global - (int)x->global;
}

static int scan_symtab(struct upstream_fns *u, int fd)
{
  Elf *elf;
  Elf_Scn *scn = NULL;
  int rc = -1;

  elf_version(EV_CURRENT);
  if (!(elf = elf_begin(fd, ELF_C_READ, NULL)))
    return -1;
  while ((scn = elf_nextscn(elf, scn))) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
      continue;
    Elf_Data *d = elf_getdata(scn, NULL);
    size_t count = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
    const char *group = NULL; /* tree-relative file of the current FILE group */
    char rel[PATH_MAX];
    for (size_t i = 0; d && i < count; i++) {
      GElf_Sym s;
      if (!gelf_getsym(d, (int)i, &s))
        continue;
      const char *name = elf_strptr(elf, sh.sh_link, s.st_name);
      int type = GELF_ST_TYPE(s.st_info), bind = GELF_ST_BIND(s.st_info);
      if (type == STT_FILE) {
        group = name && iii_rel(u, name, rel, sizeof rel) ? keep_file(u, rel) : NULL;
        continue;
      }
      if (!name || !*name || s.st_shndx == SHN_UNDEF || s.st_shndx >= SHN_LORESERVE)
        continue;
      if (bind == STB_LOCAL && group && type == STT_NOTYPE) {
        u->anchors = realloc(u->anchors, (u->nanchors + 1) * sizeof *u->anchors);
        u->anchors[u->nanchors++] = (struct range){ s.st_value, s.st_value, group };
      }
      bool func = type == STT_FUNC;
      if (!func && !(bind == STB_GLOBAL && (type == STT_NOTYPE || type == STT_OBJECT)))
        continue;
      u->e = realloc(u->e, (u->n + 1) * sizeof *u->e);
      u->e[u->n++] = (struct entry){ .addr = s.st_value, .size = func ? s.st_size : 0,
                                     .name = strdup(name), .global = bind == STB_GLOBAL, .func = func };
    }
    rc = 0;
  }
  elf_end(elf);
  return rc;
}

/* Decide, once, which entries are upstream code. */
static void classify(struct upstream_fns *u)
{
  qsort(u->e, u->n, sizeof *u->e, cmp_entry);
  size_t k = 0;
  for (size_t i = 0; i < u->n; i++) { /* one entry per address */
    if (k && u->e[k - 1].addr == u->e[i].addr) {
      free(u->e[i].name);
      continue;
    }
    u->e[k++] = u->e[i];
  }
  u->n = k;
  for (size_t i = 0; i < u->n; i++) {
    struct entry *e = &u->e[i];
    uint64_t end = i + 1 < u->n ? u->e[i + 1].addr : UINT64_MAX;
    for (size_t r = 0; r < u->nranges && !e->file; r++)
      if (e->addr >= u->ranges[r].lo && e->addr < u->ranges[r].hi)
        e->file = u->ranges[r].file;
    for (size_t a = 0; a < u->nanchors && !e->file; a++)
      if (u->anchors[a].lo >= e->addr && u->anchors[a].lo < end)
        e->file = u->anchors[a].file;
  }
  if (u->n) {
    u->lo = u->e[0].addr;
    u->hi = u->e[u->n - 1].addr + (u->e[u->n - 1].size ? u->e[u->n - 1].size : 1);
  }
}

struct upstream_fns *upstream_fns_open(const char *path, const char *tree, char *err, size_t errlen)
{
  struct upstream_fns *u = calloc(1, sizeof *u);
  int fd = open(path, O_RDONLY);

  if (!u || fd < 0) {
    snprintf(err, errlen, "upstream functions: cannot read %s", path);
    free(u);
    if (fd >= 0)
      close(fd);
    return NULL;
  }
  read_tree_file(u, path);
  if (!u->tree[0] && tree)
    snprintf(u->tree, sizeof u->tree, "%s", tree);
  if ((!u->tree[0] && scan_dwarf(u, fd, true)) || scan_dwarf(u, fd, false) || scan_symtab(u, fd)) {
    snprintf(err, errlen, "upstream functions: %s has no DWARF or symbol table", path);
    close(fd);
    upstream_fns_free(u);
    return NULL;
  }
  close(fd);
  classify(u);
  u->order = calloc(u->n ? u->n : 1, sizeof *u->order);
  return u;
}

void upstream_fns_free(struct upstream_fns *u)
{
  if (!u)
    return;
  for (size_t i = 0; i < u->n; i++)
    free(u->e[i].name);
  for (size_t i = 0; i < u->nfiles; i++)
    free(u->files[i]);
  free(u->files);
  free(u->ranges);
  free(u->anchors);
  free(u->e);
  free(u->order);
  free(u);
}

int upstream_fns_note(struct upstream_fns *u, uint64_t a)
{
  if (!u || a < u->lo || a >= u->hi)
    return 0;
  size_t lo = 0, hi = u->n;
  while (lo < hi) { /* last entry at or below a */
    size_t mid = (lo + hi) / 2;
    if (u->e[mid].addr <= a)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (!lo)
    return 0;
  struct entry *e = &u->e[lo - 1];
  if (!e->file || (e->size && a >= e->addr + e->size))
    return 0;
  if (!e->seen) {
    e->seen = true;
    size_t i = u->nseen++; /* insertion into the name order */
    while (i && strcmp(u->e[u->order[i - 1]].name, e->name) > 0) {
      u->order[i] = u->order[i - 1];
      i--;
    }
    u->order[i] = (size_t)(e - u->e);
  }
  return 1;
}

size_t upstream_fns_save(const struct upstream_fns *u, size_t **order)
{
  size_t n = u ? u->nseen : 0;
  *order = malloc((n ? n : 1) * sizeof **order);
  if (*order && n)
    memcpy(*order, u->order, n * sizeof **order);
  return *order ? n : 0;
}

void upstream_fns_restore(struct upstream_fns *u, const size_t *order, size_t n)
{
  if (!u)
    return;
  for (size_t i = 0; i < u->nseen; i++)
    u->e[u->order[i]].seen = false;
  for (size_t i = 0; i < n; i++) {
    u->order[i] = order[i];
    u->e[order[i]].seen = true;
  }
  u->nseen = n;
}

size_t upstream_fns_count(const struct upstream_fns *u)
{
  return u ? u->nseen : 0;
}

void upstream_fns_get(const struct upstream_fns *u, size_t i, const char **name, const char **file)
{
  const struct entry *e = &u->e[u->order[i]];
  *name = e->name;
  *file = e->file;
}

/* Copies live in low RAM (the 0x38000 first-SMI handler, the pen page
 * below 640 KiB): only there is the template search worth its cost. */
#define COPY_AREA_END 0x100000u

void upstream_fns_block(struct machine *m, uint64_t addr)
{
  if (!m->upfns)
    return;
  if (upstream_fns_note(m->upfns, addr) || addr >= COPY_AREA_END)
    return;
  uint64_t origin = machine_copy_origin(m, addr);
  if (origin)
    upstream_fns_note(m->upfns, origin);
}

void upstream_fns_report(struct machine *m, FILE *out)
{
  struct upstream_fns *u = m->upfns;
  size_t n = upstream_fns_count(u);
  const char *name, *file;

  for (size_t i = 0; i < n; i++) {
    upstream_fns_get(u, i, &name, &file);
    machine_event(m, "upstream_function name=%s file=%s", name, file);
  }
  if (!out)
    return;
  fprintf(out, "upstream-functions %zu:", n);
  for (size_t i = 0; i < n; i++) {
    upstream_fns_get(u, i, &name, &file);
    fprintf(out, "%s%s", i ? "," : " ", name);
  }
  fputc('\n', out);
}
