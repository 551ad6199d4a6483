/* Which upstream (edk2) functions a run executed.
 *
 * At firmware load the compile units of the image whose source lies in
 * the edk2 tree are found through DWARF (elfutils libdw), plus the NASM
 * templates that carry no DWARF (code in .data, such as CpuHotplugSmm's
 * FirstSmiHandler.nasm), through the ELF symbol table's FILE groups. The
 * run loop notes the function containing each newly translated block;
 * the runner reports the set. docs/nosmm-and-sev.md explains the rules. */
#ifndef SMMHP_UPSTREAM_FNS_H
#define SMMHP_UPSTREAM_FNS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct machine;
struct upstream_fns;

/* Index the firmware ELF at `path`. The edk2 tree is read from the file
 * `edk2-tree` beside it (the build writes it), else `tree` if non-NULL,
 * else inferred from the compile units. NULL with a message on failure. */
struct upstream_fns *upstream_fns_open(const char *path, const char *tree, char *err, size_t errlen);
void upstream_fns_free(struct upstream_fns *u);

/* Note a block at this firmware link address; 1 if it is upstream code. */
int upstream_fns_note(struct upstream_fns *u, uint64_t image_addr);

/* Executed upstream functions, sorted by name: count, and the i-th. */
size_t upstream_fns_count(const struct upstream_fns *u);
/* The executed set (for snapshots): a malloc'd copy of its order, and back. */
size_t upstream_fns_save(const struct upstream_fns *u, size_t **order);
void upstream_fns_restore(struct upstream_fns *u, const size_t *order, size_t n);
void upstream_fns_get(const struct upstream_fns *u, size_t i, const char **name, const char **file);

/* Machine side: a block starting at guest address addr was translated
 * (block-cache miss). Run-time copies are mapped to their templates. */
void upstream_fns_block(struct machine *m, uint64_t addr);
/* End of run: one `upstream_function` event per function, and the
 * summary line `upstream-functions N: A,B,...` on out (if non-NULL). */
void upstream_fns_report(struct machine *m, FILE *out);

#endif
