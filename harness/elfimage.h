/* Guest ELF images (firmware, OS actor): loadable segments and symbols.
 * Symbols are kept so that traces, hang reports and mutations can name
 * guest code by function or NASM label. */
#ifndef SMMHP_ELFIMAGE_H
#define SMMHP_ELFIMAGE_H

#include <stddef.h>
#include <stdint.h>

struct elfsym {
  char *name;
  uint64_t addr, size;
  int is_func;
};

struct elfseg {
  uint64_t paddr, filesz, memsz, offset;
  int exec;
};

struct elfimage {
  char *path;
  uint8_t *file; size_t file_size;
  uint64_t entry;
  int bits;                            /* 64: ELFCLASS64 x86-64, 32: ELFCLASS32 i386 */
  struct elfseg *segs; size_t nsegs;
  struct elfsym *syms; size_t nsyms;   /* sorted by address */
  const struct elfsym **by_name;       /* the same, sorted by name (then address): elfimage_find */
};

/* Returns 0, or -1 with a message naming the file in err. */
int elfimage_open(struct elfimage *img, const char *path, char *err, size_t errlen);
void elfimage_free(struct elfimage *img);
/* 64 or 32 for an x86-64 or i386 ELF file (its firmware architecture,
 * X64 or IA32), 0 when it is neither or cannot be read. */
int elfimage_file_bits(const char *path);
/* Copy PT_LOAD segments into ram (zero-fill bss); -1 if one falls outside. */
int elfimage_load(const struct elfimage *img, uint8_t *ram, uint64_t ram_size, char *err, size_t errlen);
const struct elfsym *elfimage_find(const struct elfimage *img, const char *name);
/* Nearest symbol at or below addr (prefers functions covering addr). */
const struct elfsym *elfimage_lookup(const struct elfimage *img, uint64_t addr);
/* Bytes of the image at a link address (from the file), or NULL. */
const uint8_t *elfimage_bytes(const struct elfimage *img, uint64_t addr, uint64_t len);

#endif
