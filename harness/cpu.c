/* vCPU lifecycle: real-mode starts, INIT, SIPI, IPIs, CPUID and MSRs.
 *
 * Sources for each rule are in docs/platform-model.md ("vCPUs and the
 * local APIC"): QEMU target/i386 (do_cpu_init, do_cpu_sipi,
 * x86_cpu_pending_interrupt), KVM's latched INIT in SMM, Intel SDM vol. 3
 * 10.6 (ICR) and 10.12 (x2APIC MSRs).
 */
#include "run_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_mode.h"
#include "insn_scan.h"
#include "smmhp/memmap.h"

#define UNTIL_NEVER 0xFFFFFFFFFFFFFFF0ull

/* Trampoline page (harness-owned, see include/smmhp/memmap.h). Unicorn
 * 2.0.1 cannot set a real-mode CS base through its API in a 64-bit
 * engine, so a few guest instructions load it: a far jump for bases
 * below 1 MiB, a 16-bit protected-mode descriptor above. */
#define TR_FARJMP   (SMMHP_TRAMPOLINE_PAGE + 0x000)
#define TR_PEJMP    (SMMHP_TRAMPOLINE_PAGE + 0x010)
#define TR_FARPTR   (SMMHP_TRAMPOLINE_PAGE + 0xF00)
#define TR_GDTR     (SMMHP_TRAMPOLINE_PAGE + 0xF10)
#define TR_GDT      (SMMHP_TRAMPOLINE_PAGE + 0xF20)
/* Flat 32-bit start (IA32 firmware): its own GDT, which stays the CPU's
 * GDT until the firmware loads one, so nothing above may overwrite it. */
#define TR_PM32     (SMMHP_TRAMPOLINE_PAGE + 0x040)
#define TR_PM32_BODY (SMMHP_TRAMPOLINE_PAGE + 0x080)
#define TR_GDTR32   (SMMHP_TRAMPOLINE_PAGE + 0xF30)
#define TR_FARPTR32 (SMMHP_TRAMPOLINE_PAGE + 0xF38)
#define TR_GDT32    (SMMHP_TRAMPOLINE_PAGE + 0xF40)

static const uint8_t tr_farjmp[] = { 0x2E, 0xFF, 0x2E, 0x00, 0x1F }; /* jmp far [cs:0x1F00] */
static const uint8_t tr_pejmp[] = {
  0x2E, 0x66, 0x0F, 0x01, 0x16, 0x10, 0x1F, /* o32 lgdt [cs:0x1F10] */
  0x0F, 0x20, 0xC0,                         /* mov eax, cr0 */
  0x0C, 0x01,                               /* or al, 1 (PE) */
  0x0F, 0x22, 0xC0,                         /* mov cr0, eax */
  0x2E, 0xFF, 0x2E, 0x00, 0x1F,             /* jmp far [cs:0x1F00] */
};

static const uint8_t tr_pm32[] = {
  0x2E, 0x66, 0x0F, 0x01, 0x16, 0x30, 0x1F, /* o32 lgdt [cs:0x1F30] */
  0x0F, 0x20, 0xC0,                         /* mov eax, cr0 */
  0x0C, 0x01,                               /* or al, 1 (PE) */
  0x0F, 0x22, 0xC0,                         /* mov cr0, eax */
  0x66, 0x2E, 0xFF, 0x2E, 0x38, 0x1F,       /* jmp dword far [cs:0x1F38] */
};
static const uint8_t tr_pm32_body[] = {
  0x66, 0xB8, 0x10, 0x00,                   /* mov ax, 0x10 */
  0x8E, 0xD8, 0x8E, 0xC0, 0x8E, 0xD0,       /* mov ds/es/ss, ax */
  0x8E, 0xE0, 0x8E, 0xE8,                   /* mov fs/gs, ax */
};

/* The flat 32-bit protected-mode state OVMF IA32's SEC leaves for PEI
 * (CS 0x08 base 0 limit 4 GiB, D=1; data 0x10; no paging), reached from
 * the real-mode template through a GDT of our own; loaded into uc. */
static int enter_flat32(struct machine *m, uc_engine *uc)
{
  static const uint64_t gdt[3] = { 0, 0x00CF9B000000FFFFull, 0x00CF93000000FFFFull };
  uint16_t lim = sizeof gdt - 1;
  uint32_t base = TR_GDT32, off = TR_PM32_BODY;
  uint16_t sel = 0x08;

  memcpy(m->ram + TR_GDT32, gdt, sizeof gdt);
  memcpy(m->ram + TR_GDTR32, &lim, 2);
  memcpy(m->ram + TR_GDTR32 + 2, &base, 4);
  memcpy(m->ram + TR_FARPTR32, &off, 4);
  memcpy(m->ram + TR_FARPTR32 + 4, &sel, 2);
  memcpy(m->ram + TR_PM32, tr_pm32, sizeof tr_pm32);
  memcpy(m->ram + TR_PM32_BODY, tr_pm32_body, sizeof tr_pm32_body);
  struct vcpu *saved = m->cur;
  m->cur = NULL; /* hooks ignore the trampoline */
  uc_context_restore(uc, m->tmpl_real);
  uc_err e = uc_emu_start(uc, TR_PM32, TR_PM32_BODY + sizeof tr_pm32_body, 0, 0);
  m->cur = saved;
  return e == UC_ERR_OK ? 0 : -1;
}

/* The state boot CPUs come out of reset in, built once: flat 64-bit as
 * a fresh Unicorn engine has it for an X64 firmware image, flat 32-bit
 * protected mode for an IA32 one (ELFCLASS32). */
static int build_flat_template(struct machine *m, uc_engine *uc)
{
  if (m->fw.bits == 32) {
    if (enter_flat32(m, uc))
      return -1;
  } else {
    uc_engine *fresh;
    uc_context *flat;
    if (uc_open(UC_ARCH_X86, UC_MODE_64, &fresh) != UC_ERR_OK)
      return -1;
    uc_context_alloc(fresh, &flat);
    uc_context_save(fresh, flat);
    uc_close(fresh);
    uc_context_restore(uc, flat);
    uc_context_free(flat);
  }
  if (uc_context_alloc(uc, &m->tmpl_flat) != UC_ERR_OK)
    return -1;
  uc_context_save(uc, m->tmpl_flat);
  return 0;
}

int cpu_templates_init(struct machine *m)
{
  uc_engine *u16;

  if (uc_open(UC_ARCH_X86, UC_MODE_16, &u16) != UC_ERR_OK)
    return -1;
  if (uc_context_alloc(u16, &m->tmpl_real) != UC_ERR_OK ||
      uc_context_save(u16, m->tmpl_real) != UC_ERR_OK) {
    uc_close(u16);
    return -1;
  }
  uc_close(u16);
  memcpy(m->ram + TR_FARJMP, tr_farjmp, sizeof tr_farjmp);
  memcpy(m->ram + TR_PEJMP, tr_pejmp, sizeof tr_pejmp);
  return 0;
}

void cpu_templates_free(struct machine *m)
{
  for (size_t i = 0; i < m->nentry_tmpl; i++)
    uc_context_free(m->entry_tmpl[i].ctx);
  free(m->entry_tmpl);
  m->entry_tmpl = NULL;
  m->nentry_tmpl = 0;
  if (m->tmpl_real)
    uc_context_free(m->tmpl_real);
  m->tmpl_real = NULL;
  if (m->tmpl_flat)
    uc_context_free(m->tmpl_flat);
  m->tmpl_flat = NULL;
}

/* Mode of v's context loaded in uc (the descriptor cache is exact). */
struct cpu_mode vcpu_mode(struct machine *m, struct vcpu *v, uc_engine *uc)
{
  (void)v;
  return cpu_mode_read(uc, m->ram);
}

/* Load, into engine vw, real-mode-like state with CS.base = cs_base at IP. */
void cpu_start_real(struct machine *m, struct vcpu *v, enum view vw, uint64_t cs_base, uint16_t ip)
{
  uc_engine *uc = m->uc[vw];
  bool low = cs_base < 0x100000 && (cs_base & 0xF) == 0;

  (void)v;

  for (size_t i = 0; i < m->nentry_tmpl; i++) {
    if (m->entry_tmpl[i].cs_base == cs_base && m->entry_tmpl[i].ip == ip) {
      uc_context_restore(uc, m->entry_tmpl[i].ctx);
      return;
    }
  }
  uint16_t farptr[2] = { ip, low ? (uint16_t)(cs_base >> 4) : 0x08 };
  memcpy(m->ram + TR_FARPTR, farptr, sizeof farptr);
  if (!low) {
    /* 16-bit code descriptor, base cs_base, limit 4 GiB: what SMM entry
     * gives CS (platform-facts 1.6), reached through protected mode */
    uint64_t d = 0xFFFFull | ((cs_base & 0xFFFFFF) << 16) | (0x9Bull << 40) |
                 (0xFull << 48) | (0x8ull << 52) | ((cs_base >> 24) << 56);
    uint64_t gdt[2] = { 0, d };
    uint16_t lim = sizeof gdt - 1;
    uint32_t base = TR_GDT;
    memcpy(m->ram + TR_GDT, gdt, sizeof gdt);
    memcpy(m->ram + TR_GDTR, &lim, 2);
    memcpy(m->ram + TR_GDTR + 2, &base, 4);
  }
  struct vcpu *saved = m->cur;
  m->cur = NULL; /* hooks ignore the trampoline */
  uc_context_restore(uc, m->tmpl_real);
  uc_emu_start(uc, low ? TR_FARJMP : TR_PEJMP, cs_base + ip, 0, 0);
  m->cur = saved;
  m->entry_tmpl = realloc(m->entry_tmpl, (m->nentry_tmpl + 1) * sizeof *m->entry_tmpl);
  struct entry_tmpl *t = &m->entry_tmpl[m->nentry_tmpl++];
  t->cs_base = cs_base;
  t->ip = ip;
  uc_context_alloc(uc, &t->ctx);
  uc_context_save(uc, t->ctx);
}

static void zero_gprs(uc_engine *uc)
{
  static const int regs[] = { UC_X86_REG_RAX, UC_X86_REG_RBX, UC_X86_REG_RCX, UC_X86_REG_RDX,
                              UC_X86_REG_RSI, UC_X86_REG_RDI, UC_X86_REG_RBP, UC_X86_REG_RSP,
                              UC_X86_REG_R8, UC_X86_REG_R9, UC_X86_REG_R10, UC_X86_REG_R11,
                              UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15 };
  uint64_t zero = 0, fl = 2;
  for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++)
    uc_reg_write(uc, regs[i], &zero);
  uc_reg_write(uc, UC_X86_REG_RFLAGS, &fl);
}

/* INIT outside SMM: the CPU waits for SIPI; SMBASE is init-preserved
 * (QEMU do_cpu_init keeps it). An SMI sent before the INIT stays pending:
 * in KVM it is still an unprocessed KVM_REQ_SMI request when the INIT is
 * accepted (kvm_vcpu_reset clears arch.smi_pending, not the request),
 * which is the case B4's fix relies on (docs/platform-model.md). */
/* Start v in flat state at rip with rsp (how boot CPUs come out of
 * reset here, docs/harness.md): 64-bit for X64 firmware, 32-bit protected
 * mode for IA32 firmware, where OVMF IA32's SEC and PEI run. */
void cpu_start_flat(struct machine *m, struct vcpu *v, uint64_t rip, uint64_t rsp)
{
  uc_engine *uc = m->uc[VIEW_NORMAL];

  if (!m->tmpl_flat && build_flat_template(m, uc))
    abort(); /* the engine could not give us its own initial state */
  uc_context_restore(uc, m->tmpl_flat);
  uc_reg_write(uc, UC_X86_REG_RIP, &rip);
  uc_reg_write(uc, UC_X86_REG_RSP, &rsp);
  uc_context_save(uc, v->ctx);
  v->reset_ctx_pending = false;
  v->state = VCPU_RUN;
  sched_touch(m, v);
}

void cpu_do_init(struct machine *m, struct vcpu *v)
{
  /* The reset-state registers are built when first needed (cpu_reset_ctx):
   * INIT can arrive from a hook while another vCPU runs on the engine. */
  v->reset_ctx_pending = true;
  v->state = VCPU_WAIT_SIPI;
  sched_touch(m, v);
  machine_event(m, "init cpu=%d apic=%u state=wait_for_sipi smbase=0x%x", v->slot, v->apic_id, v->smbase);
}

/* The registers of a CPU after reset/INIT (CS F000, IP FFF0), loaded into
 * v->ctx; only outside emulation. */
void cpu_reset_ctx(struct machine *m, struct vcpu *v)
{
  /* a CPU started otherwise since (SIPI, power-on, a test) has its ctx */
  if (!v->reset_ctx_pending || v->state != VCPU_WAIT_SIPI)
    return;
  cpu_start_real(m, v, VIEW_NORMAL, 0xF0000, 0xFFF0);
  zero_gprs(m->uc[VIEW_NORMAL]);
  uc_context_save(m->uc[VIEW_NORMAL], v->ctx);
  v->reset_ctx_pending = false;
}

void cpu_do_sipi(struct machine *m, struct vcpu *v)
{
  v->reset_ctx_pending = false;
  cpu_start_real(m, v, VIEW_NORMAL, (uint64_t)v->sipi_vector << 12, 0);
  zero_gprs(m->uc[VIEW_NORMAL]);
  uc_context_save(m->uc[VIEW_NORMAL], v->ctx);
  v->state = VCPU_RUN;
  sched_touch(m, v);
  machine_event(m, "sipi_start cpu=%d apic=%u cs=0x%x smi_pending=%d", v->slot, v->apic_id,
                (unsigned)v->sipi_vector << 8, v->smi_pending);
}

struct vcpu *machine_cpu_by_apic(struct machine *m, uint32_t apic_id)
{
  for (unsigned i = 0; i < m->ncpus; i++)
    if (m->cpu[i].state != VCPU_ABSENT && m->cpu[i].apic_id == apic_id)
      return &m->cpu[i];
  return NULL;
}

void machine_raise_smi(struct machine *m, struct vcpu *v, const char *why)
{
  if (v->state == VCPU_ABSENT)
    return;
  v->smi_pending = true;
  sched_touch(m, v);
  machine_event(m, "smi_raised cpu=%d why=%s in_smm=%d", v->slot, why, v->in_smm);
  if (v == m->cur)
    m->stop_requested = true; /* taken at the next instruction boundary */
}

static const char *ipi_name(unsigned mode)
{
  switch (mode) {
  case 2: return "smi";
  case 4: return "nmi";
  case 5: return "init";
  case 6: return "sipi";
  default: return "fixed";
  }
}

/* The trace's three-way outcome of an action of deliver_ipi. */
static const char *ipi_result(const char *action)
{
  if (!strcmp(action, "latched"))
    return "latched";
  if (!strncmp(action, "pending", 7) || !strcmp(action, "accepted") || !strcmp(action, "reset_in_smm"))
    return "delivered";
  return "dropped";
}

static void deliver_ipi(struct machine *m, struct vcpu *src, struct vcpu *t, unsigned mode, uint8_t vector)
{
  const char *action = "ignored";

  switch (mode) {
  case 2: /* SMI: pending until the CPU can take it */
    t->smi_pending = true;
    sched_touch(m, t);
    action = t->in_smm ? "latched" : t->state == VCPU_WAIT_SIPI ? "pending_wait_for_sipi" : "pending";
    break;
  case 5: /* INIT */
    if (t->in_smm && m->cfg.accel == ACCEL_KVM) {
      t->init_pending = true; /* KVM/hardware: latched until RSM */
      sched_touch(m, t);
      action = "latched";
    } else if (t->in_smm) {
      /* QEMU TCG: INIT is not held off in SMM; do_cpu_init leaves SMM and
       * drops a pending SMI (platform-facts 1.6). The reset itself happens
       * at t's next boundary: the sender may be running on the engine. */
      t->in_smm = false;
      t->smi_pending = false;
      t->init_pending = true;
      sched_touch(m, t);
      action = "reset_in_smm";
    } else {
      t->init_pending = true;
      sched_touch(m, t);
      action = "accepted";
    }
    break;
  case 6: /* SIPI: only a CPU waiting for one, and never in SMM */
    if (t->in_smm) {
      action = "dropped_in_smm";
    } else if (t->state == VCPU_WAIT_SIPI || t->init_pending) {
      t->sipi_pending = true;
      sched_touch(m, t);
      t->sipi_vector = vector;
      action = "accepted";
    } else {
      action = "ignored_not_waiting";
    }
    break;
  default:
    action = "unsupported";
    break;
  }
  machine_event(m, "ipi kind=%s src=%u dst=%u action=%s", ipi_name(mode), src ? src->apic_id : 0,
                t->apic_id, action);
  trace_emit(m, TRACE_IPI, "ipi_deliver kind=%s src=0x%x dst=0x%x vector=0x%02x result=%s", ipi_name(mode),
             src ? src->apic_id : 0, t->apic_id, vector, ipi_result(action));
  if (t == m->cur)
    m->stop_requested = true;
}

void machine_send_ipi(struct machine *m, struct vcpu *src, uint32_t icr_low, uint32_t dest, bool x2apic)
{
  unsigned mode = (icr_low >> 8) & 7, shorthand = (icr_low >> 18) & 3;
  bool assert = (icr_low >> 14) & 1, level_trig = (icr_low >> 15) & 1;
  uint32_t bcast = x2apic ? 0xFFFFFFFFu : 0xFFu;

  if (mode == 5 && !assert && level_trig)
    return; /* INIT level de-assert: no effect on modern CPUs (SDM 10.6.1) */
  for (unsigned i = 0; i < m->ncpus; i++) {
    struct vcpu *t = &m->cpu[i];
    if (t->state == VCPU_ABSENT)
      continue;
    bool hit = false;
    switch (shorthand) {
    case 0: hit = dest == bcast || t->apic_id == dest; break;
    case 1: hit = t == src; break;
    case 2: hit = true; break;
    case 3: hit = t != src; break;
    }
    if (hit)
      deliver_ipi(m, src, t, mode, (uint8_t)icr_low);
  }
}

/* ---- CPUID and MSRs ------------------------------------------------------ */

void cpuid_emulate(struct machine *m, struct vcpu *v, uint32_t leaf, uint32_t sub, uint64_t r[4])
{
  r[0] = r[1] = r[2] = r[3] = 0;
  switch (leaf) {
  case 0:
    r[0] = 0xB;
    if (m->cfg.sev) { r[1] = 0x68747541; r[3] = 0x69746E65; r[2] = 0x444D4163; } /* AuthenticAMD */
    else { r[1] = 0x756E6547; r[3] = 0x49656E69; r[2] = 0x6C65746E; }           /* GenuineIntel */
    break;
  case 1:
    r[0] = 0x000806F8;
    r[1] = ((uint64_t)(v->apic_id & 0xFF) << 24) | (1u << 16) | (8u << 8);
    r[2] = (1u << 21) | (1u << 31); /* x2APIC, hypervisor */
    r[3] = 0x078BFBFF;              /* FPU..SSE2 incl. APIC, MSR, PAE */
    break;
  case 0xB: /* x2APIC topology: one thread per core, one core per package */
    r[3] = v->apic_id;
    if (sub == 0) { r[0] = 0; r[1] = 1; r[2] = (1u << 8) | sub; }
    else if (sub == 1) { r[0] = 0; r[1] = 1; r[2] = (2u << 8) | sub; }
    else { r[2] = sub; }
    break;
  case 0x80000000:
    r[0] = m->cfg.sev ? 0x8000001F : 0x80000008;
    break;
  case 0x80000001:
    /* LM, NX, SYSCALL; qemu-system-i386's CPU models have no LM */
    r[3] = (m->cfg.i386 ? 0 : (1u << 29)) | (1u << 20) | (1u << 11);
    break;
  case 0x80000008:
    r[0] = 0x3028; /* 40 physical, 48 virtual address bits (Unicorn's) */
    break;
  case 0x8000001F:
    if (m->cfg.sev) { r[0] = 1u << 1; r[1] = HARNESS_SEV_C_BIT; } /* SEV; C-bit (docs: deviation) */
    break;
  default:
    break;
  }
}

#define MSR_APIC_BASE       0x1Bu
#define MSR_FEATURE_CONTROL 0x3Au
#define MSR_X2APIC_ID       0x802u
#define MSR_X2APIC_VERSION  0x803u
#define MSR_X2APIC_ICR      0x830u
#define MSR_SEV_STATUS      0xC0010131u
#define MSR_EFER            0xC0000080u

bool msr_read(struct machine *m, struct vcpu *v, uint32_t msr, uint64_t *val)
{
  *val = 0;
  switch (msr) {
  case MSR_APIC_BASE:
    *val = SMMHP_LAPIC_BASE | (1u << 11) | ((uint64_t)v->x2apic << 10) | ((uint64_t)v->bsp << 8);
    return true;
  case MSR_FEATURE_CONTROL:
    *val = v->feature_control;
    return true;
  case MSR_X2APIC_ID:
    *val = v->apic_id;
    return true;
  case MSR_X2APIC_VERSION:
    *val = 0x00050014;
    return true;
  case MSR_SEV_STATUS:
    *val = m->cfg.sev ? 1 : 0;
    return true;
  case MSR_EFER:
    return false;
  default:
    return true; /* reads as 0, as Unicorn 2.0.1 does for unknown MSRs */
  }
}

bool msr_write(struct machine *m, struct vcpu *v, uint32_t msr, uint64_t val)
{
  switch (msr) {
  case MSR_APIC_BASE: {
    bool x2 = (val >> 10) & 1 && (val >> 11) & 1;
    if (x2 != v->x2apic)
      machine_event(m, "apic_mode cpu=%d x2apic=%d", v->slot, x2);
    v->x2apic = x2;
    return true;
  }
  case MSR_FEATURE_CONTROL:
    v->feature_control = val;
    machine_event(m, "wrmsr cpu=%d msr=0x3a value=0x%" PRIx64, v->slot, val);
    return true;
  case MSR_X2APIC_ICR:
    if (v->x2apic)
      machine_send_ipi(m, v, (uint32_t)val, (uint32_t)(val >> 32), true);
    return true;
  case MSR_EFER:
    return false;
  default:
    return true;
  }
}

int machine_cpu_plug(struct machine *m, unsigned slot, bool hotplug)
{
  struct vcpu *v = &m->cpu[slot];

  if (slot >= m->ncpus || v->state != VCPU_ABSENT)
    return -1;
  uc_context *ctx = v->ctx, *pre = v->pre_smm; /* reused across plugs */
  uc_context *park = v->park_ctx;
  memset(&v->smi_pending, 0, sizeof *v - offsetof(struct vcpu, smi_pending));
  v->ctx = ctx;
  v->pre_smm = pre;
  v->park_ctx = park;
  v->in_smm = false;
  v->relocated = false;
  v->dead = false;
  v->smbase = SMMHP_DEFAULT_SMBASE;
  v->bsp = slot == 0;
  v->x2apic = false;
  if (!v->ctx)
    uc_context_alloc(m->uc[VIEW_NORMAL], &v->ctx);
  if (!v->pre_smm)
    uc_context_alloc(m->uc[VIEW_NORMAL], &v->pre_smm);
  cpu_do_init(m, v); /* power-on: wait for SIPI (the BSP is started by boot) */
  cpuhp_plug(&m->cpuhp, slot, hotplug);
  return 0;
}

void machine_cpu_unplug(struct machine *m, unsigned slot)
{
  struct vcpu *v = &m->cpu[slot];

  if (slot >= m->ncpus || v->state == VCPU_ABSENT)
    return;
  v->state = VCPU_ABSENT;
  sched_touch(m, v);
  v->in_smm = false;
  machine_event(m, "cpu_destroyed cpu=%u apic=%u", slot, v->apic_id);
  cpuhp_unplug(&m->cpuhp, slot);
}

void report_fault(struct machine *m, struct vcpu *v)
{
  uc_engine *uc = m->uc[v->in_smm ? VIEW_SMM : VIEW_NORMAL];
  uint64_t rip = 0;
  char sym[128], insn[96] = "?";

  uc_context_restore(uc, v->ctx);
  uc_reg_read(uc, UC_X86_REG_RIP, &rip);
  struct cpu_mode cm = vcpu_mode(m, v, uc);
  uint64_t lin = cm.cs_base + rip;
  machine_symbolize(m, lin, sym, sizeof sym);
  if (lin + 16 <= m->ram_size)
    insn_disasm_one(m->ram + lin, 16, lin, cm.bits, insn, sizeof insn, NULL);
  m->faulted = true;
  machine_event(m, "cpu_fault cpu=%d at=%s addr=0x%" PRIx64 " insn=\"%s\" smm=%d reason=\"%s\"",
                v->slot, sym, lin, insn, v->in_smm, v->fault_msg);
}
