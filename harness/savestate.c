/* Save-state map write (SMM entry) and read (RSM), field by field so
 * that bytes QEMU leaves alone stay untouched; little-endian explicitly
 * so that the host byte order does not matter. */
#include "savestate.h"

#include <stddef.h>

static void st(uint8_t *p, uint64_t v, unsigned n)
{
  for (unsigned i = 0; i < n; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t ld(const uint8_t *p, unsigned n)
{
  uint64_t v = 0;
  for (unsigned i = n; i-- > 0;)
    v = v << 8 | p[i];
  return v;
}

#define A64(f) offsetof(struct smm_map_amd64, f)
#define I32(f) offsetof(struct smm_map_i386, f)
#define ST64(f, v) st(map + A64(f), (v), sizeof(((struct smm_map_amd64 *)0)->f))
#define LD64(f) ld(map + A64(f), sizeof(((struct smm_map_amd64 *)0)->f))
#define ST32(f, v) st(map + I32(f), (v), sizeof(((struct smm_map_i386 *)0)->f))
#define LD32(f) ld(map + I32(f), sizeof(((struct smm_map_i386 *)0)->f))

uint16_t savestate_attr_pack(uint32_t flags)
{
  return (uint16_t)((flags >> 8) & 0xF0FF);
}

uint32_t savestate_attr_unpack(uint16_t attr)
{
  return (uint32_t)(attr & 0xF0FF) << 8;
}

enum savestate_layout savestate_layout_of(uint32_t revision)
{
  return (revision & 0xFFFF) == 0 ? SAVESTATE_I386 : SAVESTATE_AMD64;
}

uint32_t savestate_revision_of(enum savestate_layout layout)
{
  return layout == SAVESTATE_I386 ? SMM_REVISION_I386 : SMM_REVISION_AMD64;
}

static void write_amd64(uint8_t *map, const struct cpu_regs *r, uint32_t smbase, uint32_t rev)
{
  for (int i = 0; i < SEG_COUNT; i++) {
    size_t o = A64(seg) + (size_t)i * sizeof(struct smm_seg64);
    st(map + o + offsetof(struct smm_seg64, selector), r->seg[i].selector, 2);
    st(map + o + offsetof(struct smm_seg64, attr), r->seg[i].attr & 0xF0FF, 2);
    st(map + o + offsetof(struct smm_seg64, limit), r->seg[i].limit, 4);
    st(map + o + offsetof(struct smm_seg64, base), r->seg[i].base, 8);
  }
  ST64(gdtr_base, r->gdtr_base);
  ST64(gdtr_limit, r->gdtr_limit);
  ST64(ldtr_selector, r->ldtr.selector);
  ST64(ldtr_base, r->ldtr.base);
  ST64(ldtr_limit, r->ldtr.limit);
  ST64(ldtr_attr, r->ldtr.attr & 0xF0FF);
  ST64(idtr_base, r->idtr_base);
  ST64(idtr_limit, r->idtr_limit);
  ST64(tr_selector, r->tr.selector);
  ST64(tr_base, r->tr.base);
  ST64(tr_limit, r->tr.limit);
  ST64(tr_attr, r->tr.attr & 0xF0FF);
  ST64(efer, r->efer);
  ST64(rax, r->rax);
  ST64(rcx, r->rcx);
  ST64(rdx, r->rdx);
  ST64(rbx, r->rbx);
  ST64(rsp, r->rsp);
  ST64(rbp, r->rbp);
  ST64(rsi, r->rsi);
  ST64(rdi, r->rdi);
  ST64(r8, r->r8);
  ST64(r9, r->r9);
  ST64(r10, r->r10);
  ST64(r11, r->r11);
  ST64(r12, r->r12);
  ST64(r13, r->r13);
  ST64(r14, r->r14);
  ST64(r15, r->r15);
  ST64(rip, r->rip);
  ST64(rflags, r->rflags);  /* 32 bits stored */
  ST64(dr6, r->dr6);        /* 32 bits stored */
  ST64(dr7, r->dr7);
  ST64(cr4, r->cr4);
  ST64(cr3, r->cr3);
  ST64(cr0, r->cr0);
  ST64(smm_revision, rev);
  ST64(smbase, smbase);
}

static void read_amd64(const uint8_t *map, struct cpu_regs *r)
{
  /* helper_rsm order: EFER, descriptor tables, GPRs, RIP, RFLAGS, DRs,
   * CR4, CR3, CR0, segments */
  r->efer = LD64(efer);
  r->gdtr_base = LD64(gdtr_base);
  r->gdtr_limit = (uint32_t)LD64(gdtr_limit);
  r->ldtr.selector = (uint16_t)LD64(ldtr_selector);
  r->ldtr.base = LD64(ldtr_base);
  r->ldtr.limit = (uint32_t)LD64(ldtr_limit);
  r->ldtr.attr = (uint16_t)(LD64(ldtr_attr) & 0xF0FF);
  r->idtr_base = LD64(idtr_base);
  r->idtr_limit = (uint32_t)LD64(idtr_limit);
  r->tr.selector = (uint16_t)LD64(tr_selector);
  r->tr.base = LD64(tr_base);
  r->tr.limit = (uint32_t)LD64(tr_limit);
  r->tr.attr = (uint16_t)(LD64(tr_attr) & 0xF0FF);
  r->rax = LD64(rax);
  r->rcx = LD64(rcx);
  r->rdx = LD64(rdx);
  r->rbx = LD64(rbx);
  r->rsp = LD64(rsp);
  r->rbp = LD64(rbp);
  r->rsi = LD64(rsi);
  r->rdi = LD64(rdi);
  r->r8 = LD64(r8);
  r->r9 = LD64(r9);
  r->r10 = LD64(r10);
  r->r11 = LD64(r11);
  r->r12 = LD64(r12);
  r->r13 = LD64(r13);
  r->r14 = LD64(r14);
  r->r15 = LD64(r15);
  r->rip = LD64(rip); /* full 64-bit RIP */
  r->rflags = LD64(rflags);
  r->dr6 = LD64(dr6);
  r->dr7 = LD64(dr7);
  r->cr4 = LD64(cr4);
  r->cr3 = LD64(cr3);
  r->cr0 = LD64(cr0);
  for (int i = 0; i < SEG_COUNT; i++) {
    size_t o = A64(seg) + (size_t)i * sizeof(struct smm_seg64);
    r->seg[i].selector = (uint16_t)ld(map + o + offsetof(struct smm_seg64, selector), 2);
    r->seg[i].base = ld(map + o + offsetof(struct smm_seg64, base), 8);
    r->seg[i].limit = (uint32_t)ld(map + o + offsetof(struct smm_seg64, limit), 4);
    r->seg[i].attr = (uint16_t)(ld(map + o + offsetof(struct smm_seg64, attr), 2) & 0xF0FF);
  }
}

/* i386 descriptor caches: ES/CS/SS at 0xFF84, DS/FS/GS at 0xFF2C */
static size_t seg32_off(int i)
{
  return i < 3 ? I32(seg_ecs) + (size_t)i * sizeof(struct smm_seg32)
               : I32(seg_dfg) + (size_t)(i - 3) * sizeof(struct smm_seg32);
}

static void write_i386(uint8_t *map, const struct cpu_regs *r, uint32_t smbase, uint32_t rev)
{
  ST32(cr0, r->cr0);
  ST32(cr3, r->cr3);
  ST32(eflags, r->rflags);
  ST32(eip, r->rip);
  ST32(edi, r->rdi);
  ST32(esi, r->rsi);
  ST32(ebp, r->rbp);
  ST32(esp, r->rsp);
  ST32(ebx, r->rbx);
  ST32(edx, r->rdx);
  ST32(ecx, r->rcx);
  ST32(eax, r->rax);
  ST32(dr6, r->dr6);
  ST32(dr7, r->dr7);
  ST32(tr_selector, r->tr.selector);
  ST32(tr_base, r->tr.base);
  ST32(tr_limit, r->tr.limit);
  ST32(tr_attr, r->tr.attr & 0xF0FF);
  ST32(ldtr_selector, r->ldtr.selector);
  ST32(ldtr_base, r->ldtr.base);
  ST32(ldtr_limit, r->ldtr.limit);
  ST32(ldtr_attr, r->ldtr.attr & 0xF0FF);
  ST32(gdtr_base, r->gdtr_base);
  ST32(gdtr_limit, r->gdtr_limit);
  ST32(idtr_base, r->idtr_base);
  ST32(idtr_limit, r->idtr_limit);
  for (int i = 0; i < SEG_COUNT; i++) {
    size_t o = seg32_off(i);
    st(map + I32(selector) + (size_t)i * 4, r->seg[i].selector, 4);
    st(map + o + offsetof(struct smm_seg32, base), r->seg[i].base, 4);
    st(map + o + offsetof(struct smm_seg32, limit), r->seg[i].limit, 4);
    st(map + o + offsetof(struct smm_seg32, attr), r->seg[i].attr & 0xF0FF, 4);
  }
  ST32(cr4, r->cr4);
  ST32(smm_revision, rev);
  ST32(smbase, smbase);
}

static void read_i386(const uint8_t *map, struct cpu_regs *r)
{
  r->cr0 = LD32(cr0);
  r->cr3 = LD32(cr3);
  r->rflags = LD32(eflags);
  r->rip = LD32(eip);
  r->rdi = LD32(edi);
  r->rsi = LD32(esi);
  r->rbp = LD32(ebp);
  r->rsp = LD32(esp);
  r->rbx = LD32(ebx);
  r->rdx = LD32(edx);
  r->rcx = LD32(ecx);
  r->rax = LD32(eax);
  r->dr6 = LD32(dr6);
  r->dr7 = LD32(dr7);
  r->tr.selector = (uint16_t)LD32(tr_selector);
  r->tr.base = LD32(tr_base);
  r->tr.limit = (uint32_t)LD32(tr_limit);
  r->tr.attr = (uint16_t)(LD32(tr_attr) & 0xF0FF);
  r->ldtr.selector = (uint16_t)LD32(ldtr_selector);
  r->ldtr.base = LD32(ldtr_base);
  r->ldtr.limit = (uint32_t)LD32(ldtr_limit);
  r->ldtr.attr = (uint16_t)(LD32(ldtr_attr) & 0xF0FF);
  r->gdtr_base = LD32(gdtr_base);
  r->gdtr_limit = (uint32_t)LD32(gdtr_limit);
  r->idtr_base = LD32(idtr_base);
  r->idtr_limit = (uint32_t)LD32(idtr_limit);
  for (int i = 0; i < SEG_COUNT; i++) {
    size_t o = seg32_off(i);
    r->seg[i].selector = (uint16_t)ld(map + I32(selector) + (size_t)i * 4, 4);
    r->seg[i].base = ld(map + o + offsetof(struct smm_seg32, base), 4);
    r->seg[i].limit = (uint32_t)ld(map + o + offsetof(struct smm_seg32, limit), 4);
    r->seg[i].attr = (uint16_t)(ld(map + o + offsetof(struct smm_seg32, attr), 4) & 0xF0FF);
  }
  r->cr4 = LD32(cr4);
}

void savestate_write(uint8_t *map, const struct cpu_regs *regs, uint32_t smbase,
                     uint32_t revision)
{
  if (savestate_layout_of(revision) == SAVESTATE_I386)
    write_i386(map, regs, smbase, revision);
  else
    write_amd64(map, regs, smbase, revision);
}

void savestate_read_layout(const uint8_t *map, enum savestate_layout layout,
                           struct cpu_regs *regs, uint32_t *smbase_out,
                           bool *relocation_honoured)
{
  uint32_t rev;
  if (layout == SAVESTATE_I386) {
    read_i386(map, regs);
    rev = (uint32_t)LD32(smm_revision);
    *smbase_out = (uint32_t)LD32(smbase);
  } else {
    read_amd64(map, regs);
    rev = (uint32_t)LD64(smm_revision);
    *smbase_out = (uint32_t)LD64(smbase);
  }
  /* the revision is read back from the (possibly guest-modified) map */
  *relocation_honoured = (rev & SMM_REVISION_SMBASE_RELOC) != 0;
}

void savestate_read(const uint8_t *map, struct cpu_regs *regs, uint32_t *smbase_out,
                    bool *relocation_honoured)
{
  savestate_read_layout(map, SAVESTATE_AMD64, regs, smbase_out, relocation_honoured);
}
