/* SMM entry save / RSM restore of a vCPU's registers through the
 * save-state map, as QEMU TCG does (QEMU 7.2
 * target/i386/tcg/sysemu/smm_helper.c: do_smm_enter, helper_rsm).
 * Layouts: include/smmhp/savestate.h. */
#ifndef SMMHP_SAVESTATE_H
#define SMMHP_SAVESTATE_H

#include <stdbool.h>
#include <stdint.h>

#include <smmhp/savestate.h>

#include "cpu_regs.h"

#define SAVESTATE_MAP_SIZE SMM_SAVE_STATE_SIZE /* bytes at SMBASE+0xFC00 */

enum savestate_layout {
  SAVESTATE_AMD64, /* qemu-system-x86_64, revision 0x00020064 */
  SAVESTATE_I386,  /* qemu-system-i386, revision 0x00020000 */
};

/* Descriptor flags (QEMU SegmentCache.flags) <-> the 16-bit attribute
 * field of the map: bits 8..15 and 20..23 of flags, i.e. type/S/DPL/P
 * and AVL/L/D/G. */
uint16_t savestate_attr_pack(uint32_t flags);
uint32_t savestate_attr_unpack(uint16_t attr);

/* The layout a revision ID implies, as OVMF tells them apart:
 * (rev & 0xFFFF) == 0 -> i386 map (SMBASE at 0xFEF8), else AMD64. */
enum savestate_layout savestate_layout_of(uint32_t revision);
uint32_t savestate_revision_of(enum savestate_layout layout);

/* do_smm_enter: store regs, revision and smbase into the map. map points
 * at SMBASE+0xFC00 (SMM_SAVE_STATE_SIZE bytes); the layout follows from
 * revision. Bytes QEMU does not write are left alone. Attributes in regs
 * are already packed (cpu_regs.h) and are stored masked with 0xF0FF. */
void savestate_write(uint8_t *map, const struct cpu_regs *regs, uint32_t smbase,
                     uint32_t revision);

/* helper_rsm for the x86_64 map: load regs (values are raw; the engine
 * applies architectural fixed bits). *smbase_out = the map's SMBASE
 * field, always; *relocation_honoured = whether RSM loads it, i.e. the
 * revision read back from the (possibly guest-modified) map has bit 17
 * set. The caller keeps its SMBASE when it is false. */
void savestate_read(const uint8_t *map, struct cpu_regs *regs, uint32_t *smbase_out,
                    bool *relocation_honoured);
/* The same for a given layout (SAVESTATE_I386: registers the map lacks,
 * R8-R15 and EFER, are left as they are). */
void savestate_read_layout(const uint8_t *map, enum savestate_layout layout,
                           struct cpu_regs *regs, uint32_t *smbase_out,
                           bool *relocation_honoured);

#endif
