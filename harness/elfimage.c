#include "elfimage.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *path, const char *what)
{
  snprintf(err, errlen, "%s: %s", path, what);
  return -1;
}

static int sym_cmp(const void *a, const void *b)
{
  const struct elfsym *x = a, *y = b;
  if (x->addr != y->addr)
    return x->addr < y->addr ? -1 : 1;
  if (x->is_func != y->is_func)
    return y->is_func - x->is_func;
  return strcmp(x->name, y->name);
}

static int read_file(const char *path, uint8_t **buf, size_t *size)
{
  FILE *f = fopen(path, "rb");
  long n;

  if (!f)
    return -1;
  if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
    fclose(f);
    return -1;
  }
  *buf = malloc(n ? (size_t)n : 1);
  if (!*buf || fread(*buf, 1, (size_t)n, f) != (size_t)n) {
    free(*buf);
    fclose(f);
    return -1;
  }
  fclose(f);
  *size = (size_t)n;
  return 0;
}

/* By name, then by position in the address-sorted table: the first of
 * equal names is the one a walk in address order meets first. */
static int name_cmp(const void *a, const void *b)
{
  const struct elfsym *x = *(const struct elfsym *const *)a, *y = *(const struct elfsym *const *)b;
  int c = strcmp(x->name, y->name);
  return c ? c : (x > y) - (x < y);
}

static int load_symbols(struct elfimage *img, const Elf64_Ehdr *eh)
{
  const Elf64_Shdr *sh = (const void *)(img->file + eh->e_shoff);

  for (unsigned i = 0; i < eh->e_shnum; i++) {
    if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum)
      continue;
    const Elf64_Sym *st = (const void *)(img->file + sh[i].sh_offset);
    const char *strtab = (const char *)img->file + sh[sh[i].sh_link].sh_offset;
    size_t n = sh[i].sh_size / sizeof *st;
    img->syms = calloc(n ? n : 1, sizeof *img->syms);
    if (!img->syms)
      return -1;
    for (size_t k = 0; k < n; k++) {
      int type = ELF64_ST_TYPE(st[k].st_info);
      if (st[k].st_shndx == SHN_UNDEF || st[k].st_name == 0)
        continue;
      if (type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE)
        continue;
      const char *name = strtab + st[k].st_name;
      if (name[0] == '$' || name[0] == '\0' || strchr(name, '.') == name)
        continue;
      struct elfsym *s = &img->syms[img->nsyms++];
      s->name = strdup(name);
      s->addr = st[k].st_value;
      s->size = st[k].st_size;
      s->is_func = type == STT_FUNC;
    }
    qsort(img->syms, img->nsyms, sizeof *img->syms, sym_cmp);
  }
  img->by_name = malloc((img->nsyms ? img->nsyms : 1) * sizeof *img->by_name);
  if (!img->by_name)
    return -1;
  for (size_t i = 0; i < img->nsyms; i++)
    img->by_name[i] = &img->syms[i];
  qsort(img->by_name, img->nsyms, sizeof *img->by_name, name_cmp);
  return 0;
}

int elfimage_open(struct elfimage *img, const char *path, char *err, size_t errlen)
{
  memset(img, 0, sizeof *img);
  if (read_file(path, &img->file, &img->file_size))
    return fail(err, errlen, path, strerror(errno ? errno : EIO));
  img->path = strdup(path);
  const Elf64_Ehdr *eh = (const void *)img->file;
  if (img->file_size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
      eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64)
    return fail(err, errlen, path, "not an x86-64 ELF image");
  if (eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > img->file_size ||
      eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > img->file_size)
    return fail(err, errlen, path, "truncated ELF headers");
  img->entry = eh->e_entry;
  const Elf64_Phdr *ph = (const void *)(img->file + eh->e_phoff);
  img->segs = calloc(eh->e_phnum ? eh->e_phnum : 1, sizeof *img->segs);
  for (unsigned i = 0; i < eh->e_phnum; i++) {
    if (ph[i].p_type != PT_LOAD || ph[i].p_memsz == 0)
      continue;
    if (ph[i].p_offset + ph[i].p_filesz > img->file_size)
      return fail(err, errlen, path, "segment outside the file");
    struct elfseg *s = &img->segs[img->nsegs++];
    s->paddr = ph[i].p_paddr;
    s->filesz = ph[i].p_filesz;
    s->memsz = ph[i].p_memsz;
    s->offset = ph[i].p_offset;
    s->exec = !!(ph[i].p_flags & PF_X);
  }
  if (load_symbols(img, eh))
    return fail(err, errlen, path, "out of memory reading symbols");
  return 0;
}

void elfimage_free(struct elfimage *img)
{
  for (size_t i = 0; i < img->nsyms; i++)
    free(img->syms[i].name);
  free(img->syms);
  free(img->by_name);
  free(img->segs);
  free(img->file);
  free(img->path);
  memset(img, 0, sizeof *img);
}

int elfimage_load(const struct elfimage *img, uint8_t *ram, uint64_t ram_size, char *err, size_t errlen)
{
  for (size_t i = 0; i < img->nsegs; i++) {
    const struct elfseg *s = &img->segs[i];
    if (s->paddr + s->memsz > ram_size || s->paddr + s->memsz < s->paddr)
      return fail(err, errlen, img->path, "segment outside guest RAM");
    memcpy(ram + s->paddr, img->file + s->offset, s->filesz);
    memset(ram + s->paddr + s->filesz, 0, s->memsz - s->filesz);
  }
  return 0;
}

const struct elfsym *elfimage_find(const struct elfimage *img, const char *name)
{
  size_t lo = 0, hi = img->nsyms;
  while (lo < hi) { /* first entry not below name */
    size_t mid = lo + (hi - lo) / 2;
    if (strcmp(img->by_name[mid]->name, name) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < img->nsyms && !strcmp(img->by_name[lo]->name, name) ? img->by_name[lo] : NULL;
}

const struct elfsym *elfimage_lookup(const struct elfimage *img, uint64_t addr)
{
  const struct elfsym *best = NULL;
  size_t lo = 0, hi = img->nsyms;

  while (lo < hi) { /* last symbol with addr <= target */
    size_t mid = (lo + hi) / 2;
    if (img->syms[mid].addr <= addr)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == 0)
    return NULL;
  best = &img->syms[lo - 1];
  /* a NASM label inside a sized function is more precise; keep it */
  return best;
}

const uint8_t *elfimage_bytes(const struct elfimage *img, uint64_t addr, uint64_t len)
{
  for (size_t i = 0; i < img->nsegs; i++) {
    const struct elfseg *s = &img->segs[i];
    if (addr >= s->paddr && addr + len <= s->paddr + s->filesz)
      return img->file + s->offset + (addr - s->paddr);
  }
  return NULL;
}
