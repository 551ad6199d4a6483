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

/* ELFCLASS64 (X64 firmware, 64-bit OS) and ELFCLASS32 (IA32 firmware,
 * 32-bit OS) images: their headers read into one shape. */
struct elf_shdr { uint32_t type, link; uint64_t offset, size; };
struct elf_sym { uint32_t name; unsigned type; uint16_t shndx; uint64_t value, size; };
struct elf_phdr { uint32_t type, flags; uint64_t offset, paddr, filesz, memsz; };

static struct elf_phdr phdr_at(const struct elfimage *img, uint64_t phoff, unsigned i)
{
  struct elf_phdr r;
  if (img->bits == 64) {
    const Elf64_Phdr *ph = (const void *)(img->file + phoff);
    r = (struct elf_phdr){ ph[i].p_type, ph[i].p_flags, ph[i].p_offset, ph[i].p_paddr, ph[i].p_filesz, ph[i].p_memsz };
  } else {
    const Elf32_Phdr *ph = (const void *)(img->file + phoff);
    r = (struct elf_phdr){ ph[i].p_type, ph[i].p_flags, ph[i].p_offset, ph[i].p_paddr, ph[i].p_filesz, ph[i].p_memsz };
  }
  return r;
}

static struct elf_shdr shdr_at(const struct elfimage *img, uint64_t shoff, unsigned i)
{
  struct elf_shdr r;
  if (img->bits == 64) {
    const Elf64_Shdr *sh = (const void *)(img->file + shoff);
    r = (struct elf_shdr){ sh[i].sh_type, sh[i].sh_link, sh[i].sh_offset, sh[i].sh_size };
  } else {
    const Elf32_Shdr *sh = (const void *)(img->file + shoff);
    r = (struct elf_shdr){ sh[i].sh_type, sh[i].sh_link, sh[i].sh_offset, sh[i].sh_size };
  }
  return r;
}

static struct elf_sym sym_at(const struct elfimage *img, uint64_t off, size_t k)
{
  struct elf_sym r;
  if (img->bits == 64) {
    const Elf64_Sym *st = (const void *)(img->file + off);
    r = (struct elf_sym){ st[k].st_name, ELF64_ST_TYPE(st[k].st_info), st[k].st_shndx, st[k].st_value, st[k].st_size };
  } else {
    const Elf32_Sym *st = (const void *)(img->file + off);
    r = (struct elf_sym){ st[k].st_name, ELF32_ST_TYPE(st[k].st_info), st[k].st_shndx, st[k].st_value, st[k].st_size };
  }
  return r;
}

static int load_symbols(struct elfimage *img, uint64_t shoff, unsigned shnum)
{
  size_t symsz = img->bits == 64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);

  for (unsigned i = 0; i < shnum; i++) {
    struct elf_shdr sh = shdr_at(img, shoff, i);
    if (sh.type != SHT_SYMTAB || sh.link >= shnum)
      continue;
    struct elf_shdr strsh = shdr_at(img, shoff, sh.link);
    if (sh.offset + sh.size > img->file_size || strsh.offset + strsh.size > img->file_size)
      continue;
    const char *strtab = (const char *)img->file + strsh.offset;
    size_t n = sh.size / symsz;
    free(img->syms);
    img->nsyms = 0;
    img->syms = calloc(n ? n : 1, sizeof *img->syms);
    if (!img->syms)
      return -1;
    for (size_t k = 0; k < n; k++) {
      struct elf_sym st = sym_at(img, sh.offset, k);
      if (st.shndx == SHN_UNDEF || st.name == 0 || st.name >= strsh.size)
        continue;
      if (st.type != STT_FUNC && st.type != STT_OBJECT && st.type != STT_NOTYPE)
        continue;
      const char *name = strtab + st.name;
      if (name[0] == '$' || name[0] == '\0' || strchr(name, '.') == name)
        continue;
      struct elfsym *s = &img->syms[img->nsyms++];
      s->name = strdup(name);
      s->addr = st.value;
      s->size = st.size;
      s->is_func = st.type == STT_FUNC;
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
  uint64_t phoff, shoff;
  unsigned phnum, shnum;

  memset(img, 0, sizeof *img);
  if (read_file(path, &img->file, &img->file_size))
    return fail(err, errlen, path, strerror(errno ? errno : EIO));
  img->path = strdup(path);
  const Elf64_Ehdr *eh = (const void *)img->file;
  const Elf32_Ehdr *eh32 = (const void *)img->file;
  if (img->file_size < sizeof *eh32 || memcmp(eh->e_ident, ELFMAG, SELFMAG))
    return fail(err, errlen, path, "not an ELF image");
  if (eh->e_ident[EI_CLASS] == ELFCLASS64 && img->file_size >= sizeof *eh && eh->e_machine == EM_X86_64) {
    img->bits = 64;
    img->entry = eh->e_entry;
    phoff = eh->e_phoff, phnum = eh->e_phnum, shoff = eh->e_shoff, shnum = eh->e_shnum;
  } else if (eh32->e_ident[EI_CLASS] == ELFCLASS32 && eh32->e_machine == EM_386) {
    img->bits = 32;
    img->entry = eh32->e_entry;
    phoff = eh32->e_phoff, phnum = eh32->e_phnum, shoff = eh32->e_shoff, shnum = eh32->e_shnum;
  } else {
    return fail(err, errlen, path, "not an x86-64 or i386 ELF image");
  }
  size_t phsz = img->bits == 64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
  size_t shsz = img->bits == 64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
  if (phoff + (uint64_t)phnum * phsz > img->file_size || shoff + (uint64_t)shnum * shsz > img->file_size)
    return fail(err, errlen, path, "truncated ELF headers");
  img->segs = calloc(phnum ? phnum : 1, sizeof *img->segs);
  for (unsigned i = 0; i < phnum; i++) {
    struct elf_phdr ph = phdr_at(img, phoff, i);
    if (ph.type != PT_LOAD || ph.memsz == 0)
      continue;
    if (ph.offset + ph.filesz > img->file_size || ph.offset + ph.filesz < ph.offset || ph.filesz > ph.memsz)
      return fail(err, errlen, path, "segment outside the file");
    img->segs[img->nsegs++] = (struct elfseg){ .paddr = ph.paddr, .filesz = ph.filesz, .memsz = ph.memsz,
                                               .offset = ph.offset, .exec = !!(ph.flags & PF_X) };
  }
  if (load_symbols(img, shoff, shnum))
    return fail(err, errlen, path, "out of memory reading symbols");
  return 0;
}

int elfimage_file_bits(const char *path)
{
  unsigned char id[EI_NIDENT + 4] = { 0 };
  FILE *f = fopen(path, "rb");
  size_t n = f ? fread(id, 1, sizeof id, f) : 0;
  uint16_t machine;

  if (f)
    fclose(f);
  if (n < sizeof id || memcmp(id, ELFMAG, SELFMAG))
    return 0;
  memcpy(&machine, id + EI_NIDENT + 2, 2); /* e_machine follows e_type */
  if (id[EI_CLASS] == ELFCLASS64 && machine == EM_X86_64)
    return 64;
  if (id[EI_CLASS] == ELFCLASS32 && machine == EM_386)
    return 32;
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
