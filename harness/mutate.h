/* Generic firmware mutation: replace every call to CALLEE inside FUNCTION
 * with no-ops, found by disassembling the loaded ELF (docs/mutations.md).
 * Used to reproduce pre-fix firmware without patching upstream source. */
#ifndef SMMHP_MUTATE_H
#define SMMHP_MUTATE_H

#include <stddef.h>
#include <stdint.h>

#include "elfimage.h"

/* Patches guest RAM (the image must be loaded). Returns the number of
 * calls replaced (>= 1), or -1 with a message in err. at[] receives the
 * patched addresses (up to max_at). */
int mutate_call(const struct elfimage *img, uint8_t *ram, uint64_t ram_size, const char *callee,
                const char *function, uint64_t *at, size_t max_at, char *err, size_t errlen);

/* Branch/statement-level mutation: every instruction that the DWARF line
 * table attributes to FILE:LINE (FILE matched by base name) inside
 * FUNCTION becomes NOPs. Returns the number of bytes patched (>= 1), or
 * -1 with a message. at[] receives the start of each patched range. */
int mutate_skip_line(const struct elfimage *img, uint8_t *ram, uint64_t ram_size, const char *file,
                     unsigned line, const char *function, uint64_t *at, size_t max_at, size_t *nat,
                     char *err, size_t errlen);

/* Branch-level mutation: every conditional jump among the instructions of
 * FILE:LINE inside FUNCTION becomes an unconditional jump to its target
 * (the branch is forced taken). Returns the number of branches rewritten
 * (>= 1) or -1 with a message. */
int mutate_force_line(const struct elfimage *img, uint8_t *ram, uint64_t ram_size, const char *file,
                      unsigned line, const char *function, uint64_t *at, size_t max_at, size_t *nat,
                      char *err, size_t errlen);

#endif
