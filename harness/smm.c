/* SMI entry and RSM, as QEMU's TCG SMM helpers do them for
 * qemu-system-x86_64 (platform-facts 1.6; docs/platform-model.md):
 * the save-state map (revision 0x00020064) at SMBASE+0xFC00, entry at
 * SMBASE+0x8000 in 16-bit mode with CS.base = SMBASE; RSM reloads SMBASE
 * from the map only when the revision read back has bit 17 set.
 *
 * The map is written and read as the platform sees memory: physical
 * bytes in SMRAM. Under SEV (sev.c) RSM reads ciphertext where the guest
 * wrote privately; rsm_smbase then shows the guest's value as `written`
 * and the platform's as `loaded`.
 */
#include "run_internal.h"

#include <inttypes.h>
#include <string.h>

#include "cpu_mode.h"
#include "savestate.h"
#include "smmhp/memmap.h"

#define MSR_EFER 0xC0000080u

static const struct { int id; size_t off; } gpr_map[] = {
#define R(n, f) { UC_X86_REG_##n, offsetof(struct cpu_regs, f) }
  R(RAX, rax), R(RCX, rcx), R(RDX, rdx), R(RBX, rbx), R(RSP, rsp), R(RBP, rbp),
  R(RSI, rsi), R(RDI, rdi), R(R8, r8), R(R9, r9), R(R10, r10), R(R11, r11),
  R(R12, r12), R(R13, r13), R(R14, r14), R(R15, r15), R(RIP, rip), R(RFLAGS, rflags),
#undef R
};

static void read_regs(struct machine *m, struct vcpu *v, uc_engine *uc, struct cpu_regs *r)
{
  static const int segs[SEG_COUNT] = { UC_X86_REG_ES, UC_X86_REG_CS, UC_X86_REG_SS,
                                       UC_X86_REG_DS, UC_X86_REG_FS, UC_X86_REG_GS };
  memset(r, 0, sizeof *r);
  for (size_t i = 0; i < sizeof gpr_map / sizeof gpr_map[0]; i++)
    uc_reg_read(uc, gpr_map[i].id, (uint8_t *)r + gpr_map[i].off);
  uc_reg_read(uc, UC_X86_REG_CR0, &r->cr0);
  uc_reg_read(uc, UC_X86_REG_CR3, &r->cr3);
  uc_reg_read(uc, UC_X86_REG_CR4, &r->cr4);
  uc_reg_read(uc, UC_X86_REG_DR6, &r->dr6);
  uc_reg_read(uc, UC_X86_REG_DR7, &r->dr7);
  uc_x86_msr efer = { .rid = MSR_EFER };
  uc_reg_read(uc, UC_X86_REG_MSR, &efer);
  r->efer = efer.value;
  for (int i = 0; i < SEG_COUNT; i++) {
    uint64_t sel = 0;
    uc_reg_read(uc, segs[i], &sel);
    r->seg[i].selector = (uint16_t)sel;
  }
  struct cpu_mode cm = vcpu_mode(m, v, uc);
  r->seg[SEG_CS].base = cm.cs_base;
  uc_x86_mmr g = { 0 }, idt = { 0 };
  uc_reg_read(uc, UC_X86_REG_GDTR, &g);
  uc_reg_read(uc, UC_X86_REG_IDTR, &idt);
  r->gdtr_base = g.base;
  r->gdtr_limit = g.limit;
  r->idtr_base = idt.base;
  r->idtr_limit = idt.limit;
}

static void write_gprs(uc_engine *uc, const struct cpu_regs *r, bool with_rip)
{
  for (size_t i = 0; i < sizeof gpr_map / sizeof gpr_map[0]; i++) {
    if (!with_rip && (gpr_map[i].id == UC_X86_REG_RIP || gpr_map[i].id == UC_X86_REG_RFLAGS))
      continue;
    uc_reg_write(uc, gpr_map[i].id, (const uint8_t *)r + gpr_map[i].off);
  }
}

void smm_enter(struct machine *m, struct vcpu *v)
{
  uc_engine *uc = m->uc[VIEW_SMM];
  struct cpu_regs r;
  uint8_t map[SMM_SAVE_STATE_SIZE];
  char from[96], handler[96];

  cpu_reset_ctx(m, v); /* an SMI taken in wait-for-SIPI (TCG) */
  uc_context_restore(uc, v->ctx);
  read_regs(m, v, uc, &r);
  if (trace_on(m, TRACE_SMM))
    trace_emit(m, TRACE_SMM, "smm_enter cpu=%d smbase=0x%x rip=0x%" PRIx64 " mode=%d", v->slot, v->smbase,
               r.rip, vcpu_mode(m, v, uc).bits);
  uc_context_save(uc, v->pre_smm);
  /* the bytes QEMU leaves alone keep the guest's view (not the platform's
   * ciphertext of them: docs/sev-model.md) */
  uint64_t mapaddr = (uint64_t)v->smbase + SMMHP_SMM_SAVE_STATE_OFF;
  if (mapaddr + sizeof map <= m->ram_size)
    memcpy(map, m->ram + mapaddr, sizeof map);
  else
    machine_phys_read(m, mapaddr, map, sizeof map);
  /* qemu-system-i386 writes the 32-bit map (platform-facts 1.6) */
  savestate_write(map, &r, v->smbase, m->cfg.i386 ? SMM_REVISION_I386 : SMM_REVISION_AMD64);
  machine_phys_write(m, v->smbase + SMMHP_SMM_SAVE_STATE_OFF, map, sizeof map);

  cpu_start_real(m, v, VIEW_SMM, v->smbase, SMMHP_SMM_HANDLER_OFFSET);
  write_gprs(uc, &r, false);
  uint64_t fl = 2;
  uc_reg_write(uc, UC_X86_REG_RFLAGS, &fl);
  uc_context_save(uc, v->ctx);

  v->resume_sleep = v->state == VCPU_SLEEP;
  v->was_wait_sipi = v->state == VCPU_WAIT_SIPI;
  v->state = VCPU_RUN;
  sched_touch(m, v);
  v->in_smm = true;
  v->smm_map_smbase = v->smbase;
  v->smm_entries++;
  v->smm_entries_relocated += v->relocated;
  machine_symbolize(m, r.seg[SEG_CS].base + r.rip, from, sizeof from);
  machine_symbolize(m, (uint64_t)v->smbase + SMMHP_SMM_HANDLER_OFFSET, handler, sizeof handler);
  machine_event(m, "smi_entry cpu=%d apic=%u smbase=0x%x from=%s handler=%s", v->slot, v->apic_id,
                v->smbase, from, handler);
  check_smm_entry(m, v);
}

/* The paging mode SMM code runs in when it executes RSM (the engine of
 * the SMM view still holds its registers): real (the first-SMI handler),
 * prot32, paged32, pae32 (IA32 PiSmmCpuDxeSmm) or long (X64). */
static const char *smm_code_mode(struct machine *m)
{
  uc_engine *uc = m->uc[VIEW_SMM];
  uint64_t cr0 = 0, cr4 = 0;
  uc_x86_msr efer = { .rid = MSR_EFER };

  uc_reg_read(uc, UC_X86_REG_CR0, &cr0);
  uc_reg_read(uc, UC_X86_REG_CR4, &cr4);
  uc_reg_read(uc, UC_X86_REG_MSR, &efer);
  if (!(cr0 & 1))
    return "real";
  if (efer.value & (1u << 10))
    return "long";
  if (!(cr0 & (1u << 31)))
    return "prot32";
  return cr4 & (1u << 5) ? "pae32" : "paged32";
}

void smm_rsm(struct machine *m, struct vcpu *v)
{
  const char *smm_mode = smm_code_mode(m);
  uc_engine *uc = m->uc[VIEW_NORMAL];
  struct cpu_regs r, pre;
  uint8_t map[SMM_SAVE_STATE_SIZE];
  uint32_t smbase_field = 0;
  bool honoured = false;
  char to[96];

  uint64_t mapaddr = (uint64_t)v->smbase + SMMHP_SMM_SAVE_STATE_OFF;
  uint32_t written = 0;
  enum savestate_layout layout = m->cfg.i386 ? SAVESTATE_I386 : SAVESTATE_AMD64;
  machine_phys_read(m, mapaddr, map, sizeof map);
  /* the 32-bit map lacks R8-R15 and EFER: they keep their pre-SMM values */
  uc_context_restore(uc, v->pre_smm);
  read_regs(m, v, uc, &r);
  savestate_read_layout(map, layout, &r, &smbase_field, &honoured);
  written = smbase_field;
  if (m->sev && mapaddr + sizeof map <= m->ram_size) {
    /* what the guest wrote: its own (plaintext) view of the map */
    struct cpu_regs gr = r;
    bool gh;
    savestate_read_layout(m->ram + mapaddr, layout, &gr, &written, &gh);
  }
  uint32_t old = v->smbase;
  if (smbase_field != v->smm_map_smbase || written != v->smm_map_smbase) {
    /* only guest code writes the map after entry: this is firmware's doing */
    machine_event(m, "rsm_smbase cpu=%d apic=%u written=0x%x loaded=0x%x honoured=%d", v->slot,
                  v->apic_id, written, honoured ? smbase_field : old, honoured);
  }
  if (honoured && smbase_field != old) {
    v->smbase = smbase_field;
    v->relocated = true;
  }

  uc_context_restore(uc, v->pre_smm);
  read_regs(m, v, uc, &pre);
  if (r.cr0 != pre.cr0 || r.efer != pre.efer || r.cr4 != pre.cr4)
    machine_event(m, "rsm_mode_change_ignored cpu=%d cr0=0x%" PRIx64 " efer=0x%" PRIx64, v->slot,
                  r.cr0, r.efer);
  write_gprs(uc, &r, true);
  if (r.cr3 != pre.cr3)
    uc_reg_write(uc, UC_X86_REG_CR3, &r.cr3);
  uc_context_save(uc, v->ctx);
  v->in_smm = false;
  if (v->was_wait_sipi)
    /* TCG: QEMU keeps apic->wait_for_sipi; the CPU would run the reset
     * vector (firmware flash we do not model) and still accept a SIPI */
    v->state = VCPU_WAIT_SIPI;
  else if (v->resume_sleep && v->wake_time > m->vtime)
    v->state = VCPU_SLEEP;
  else
    v->state = VCPU_RUN;
  sched_touch(m, v);
  if (trace_on(m, TRACE_SMM))
    trace_emit(m, TRACE_SMM, "smm_rsm cpu=%d smbase=0x%x rip=0x%" PRIx64 " mode=%d", v->slot, v->smbase,
               r.rip, vcpu_mode(m, v, uc).bits);
  machine_symbolize(m, pre.seg[SEG_CS].base + r.rip, to, sizeof to);
  machine_event(m, "rsm cpu=%d apic=%u smbase=0x%x to=%s smm_mode=%s", v->slot, v->apic_id, v->smbase, to,
                smm_mode);
  if (v->smbase != old)
    check_relocation(m, v);
}
