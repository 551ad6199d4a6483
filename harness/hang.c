/* Hang reports: when a step exhausts its instruction budget, name every
 * vCPU that is still running, the loop it is in (symbol+offset and the
 * instruction, disassembled), and the memory it polls. */
#include "hang.h"

#include <capstone/capstone.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cpu_mode.h"
#include "insn_scan.h"
#include "run_internal.h"

/* First memory operand of the loop's instructions from `lin` on: the
 * address the spin waits on. */
static bool waited_address(uc_engine *uc, const uint8_t *ram, uint64_t ram_size, uint64_t lin, uint64_t cs_base, int bits,
                           uint64_t rip, uint64_t *addr)
{
  csh h;
  cs_insn *insn = NULL;
  bool found = false;
  cs_mode mode = bits == 16 ? CS_MODE_16 : bits == 32 ? CS_MODE_32 : CS_MODE_64;

  if (lin + 64 > ram_size || cs_open(CS_ARCH_X86, mode, &h) != CS_ERR_OK)
    return false;
  cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
  size_t n = cs_disasm(h, ram + lin, 64, lin, 12, &insn);
  for (size_t i = 0; i < n && !found; i++) {
    const cs_x86 *x = &insn[i].detail->x86;
    for (unsigned k = 0; k < x->op_count; k++) {
      if (x->operands[k].type != X86_OP_MEM || insn[i].id == X86_INS_LEA)
        continue;
      const x86_op_mem *mm = &x->operands[k].mem;
      uint64_t ea = (uint64_t)mm->disp;
      if (mm->base == X86_REG_RIP)
        ea += rip + (insn[i].address - lin) + insn[i].size;
      else if (mm->base != X86_REG_INVALID)
        ea += cpu_reg_by_capstone(uc, mm->base);
      if (mm->index != X86_REG_INVALID)
        ea += cpu_reg_by_capstone(uc, mm->index) * (uint64_t)mm->scale;
      if (bits == 16 && mm->segment == X86_REG_CS)
        ea = cs_base + (ea & 0xFFFF);
      else if (bits == 16)
        ea &= 0xFFFFFFFF; /* flat data segments (base 0) in SMM and our code */
      *addr = ea;
      found = true;
      break;
    }
  }
  cs_free(insn, n);
  cs_close(&h);
  return found;
}

static const char *state_name(enum vcpu_state s)
{
  switch (s) {
  case VCPU_ABSENT: return "absent";
  case VCPU_WAIT_SIPI: return "wait_for_sipi";
  case VCPU_RUN: return "run";
  case VCPU_HALTED: return "halted";
  case VCPU_SLEEP: return "sleep";
  }
  return "?";
}

void hang_report(struct machine *m, bool all)
{
  for (unsigned i = 0; i < m->ncpus; i++) {
    struct vcpu *v = &m->cpu[i];
    if (v->state == VCPU_ABSENT)
      continue;
    if (!all && v->state != VCPU_RUN && v->state != VCPU_SLEEP)
      continue;
    uc_engine *uc = m->uc[v->in_smm ? VIEW_SMM : VIEW_NORMAL];
    uint64_t rip = 0, waits = 0;
    char sym[128], insn[96] = "?";
    cpu_reset_ctx(m, v);
    uc_context_restore(uc, v->ctx);
    uc_reg_read(uc, UC_X86_REG_RIP, &rip);
    struct cpu_mode cm = vcpu_mode(m, v, uc);
    uint64_t lin = cm.cs_base + rip;
    /* where it is now (the loop), and the pause or hlt it last executed
     * (the loop's signature; CpuPause() is a function of its own) */
    uint64_t spin = v->last_pause ? v->last_pause : lin;
    char spinsym[128];
    /* stopped inside a leaf pause helper (BaseLib's CpuPause is
     * "pause; ret"): the loop is in its caller, at the return address */
    const struct elfsym *fs = m->fw_loaded ? elfimage_lookup(&m->fw, lin) : NULL;
    static const uint8_t pause_ret[] = { 0xF3, 0x90, 0xC3 };
    if (cm.bits >= 32 && fs && fs == elfimage_lookup(&m->fw, spin) && lin - fs->addr < 8 &&
        fs->addr + sizeof pause_ret <= m->ram_size && !memcmp(m->ram + fs->addr, pause_ret, sizeof pause_ret)) {
      uint64_t rsp = 0, ret = 0;
      unsigned width = cm.bits / 8; /* a 32-bit return address in IA32 firmware */
      uc_reg_read(uc, UC_X86_REG_RSP, &rsp);
      if (cm.bits == 32)
        rsp = (uint32_t)rsp; /* flat stack segment */
      if (rsp + width <= m->ram_size) {
        memcpy(&ret, m->ram + rsp, width);
        if (ret < m->ram_size) {
          lin = ret;
          rip = ret;
        }
      }
    }
    machine_symbolize(m, lin, sym, sizeof sym);
    machine_symbolize(m, spin, spinsym, sizeof spinsym);
    if (spin + 16 <= m->ram_size)
      insn_disasm_one(m->ram + spin, 16, spin, cm.bits, insn, sizeof insn, NULL);
    bool w = waited_address(uc, m->ram, m->ram_size, lin, cm.cs_base, cm.bits, rip, &waits);
    char wsym[128] = "";
    if (w)
      machine_symbolize(m, waits, wsym, sizeof wsym);
    machine_event(m, "hang cpu=%d apic=%u state=%s smm=%d at=%s spin=%s insn=\"%s\" waits=%s", v->slot,
                  v->apic_id, state_name(v->state), v->in_smm, sym, spinsym, insn, w ? wsym : "unknown");
  }
}
