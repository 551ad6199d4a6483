/* The register file gdb sees for one vCPU: an x86-64 target description
 * (core, SSE, segment bases), or an i386 one for IA32 firmware, plus
 * smmhp's own feature (segment-cache bases, control registers, SMM
 * indicator). docs/gdb.md lists them. */
#ifndef SMMHP_GDB_REGS_H
#define SMMHP_GDB_REGS_H

#include <stddef.h>
#include <unicorn/unicorn.h>

#include "machine.h"

/* The target description: "target.xml" (NULL for other names). */
const char *gdb_regs_xml(const char *annex);
unsigned gdb_regs_count(void);
/* Choose the layout (bits: 64 for X64 firmware, 32 for IA32) and open a
 * scratch engine for reading saved contexts: 0 or -1. */
int gdb_regs_init(uc_engine **scratch, int bits);
/* Register n of v as target-order hex into out (NUL-terminated): its
 * length in characters, or -1 for an unknown register. */
int gdb_reg_get(struct machine *m, uc_engine *scratch, struct vcpu *v, unsigned n, char *out);
/* All registers in order ('g'). */
size_t gdb_regs_get_all(struct machine *m, uc_engine *scratch, struct vcpu *v, char *out);
/* Write register n from hex (stored into v->ctx): 0 or -1. */
int gdb_reg_set(struct machine *m, uc_engine *scratch, struct vcpu *v, unsigned n, const char *hex);
int gdb_regs_set_all(struct machine *m, uc_engine *scratch, struct vcpu *v, const char *hex);

#endif
