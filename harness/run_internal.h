/* Internal interfaces between the machine's parts (run loop, vCPU
 * lifecycle, SMM entry/RSM, I/O, views, invariants). Not for tests. */
#ifndef SMMHP_RUN_INTERNAL_H
#define SMMHP_RUN_INTERNAL_H

#include "cpu_mode.h"
#include "machine.h"

/* run.c */
int run_install_hooks(struct machine *m, enum view vw);
void run_slice(struct machine *m, struct vcpu *v, unsigned blocks);
/* Parking replays slices, so it is off while anything watches single
 * instructions or stores (gdb, coverage, insn trace, injections, SEV). */
bool parking_on(struct machine *m);
void run_free_hooks(struct machine *m);
void page_touched(struct machine *m, uint64_t page);
/* Drop the block cache: every block is scanned again (snapshot restore). */
void run_forget_blocks(struct machine *m);

/* sched.c */
uint64_t machine_rng(struct machine *m);
/* v's state or pending events changed (which also ends its parking,
 * park.h). Only v's own membership in the
 * scheduler's sets needs a look when v is the vCPU of the current slice
 * (its own HLT, RSM, sleep, self-IPI); anything else rescans every vCPU. */
static inline void sched_touch(struct machine *m, struct vcpu *v)
{
  v->parked = false; /* an event for it: its recorded slice no longer applies */
  if (v == m->slice_cpu)
    m->sched_self_dirty = true;
  else
    m->sched_dirty = true;
}

/* cpu.c */
/* SEV C-bit position CPUID 0x8000001F EBX[5:0] reports (docs/nosmm-and-sev.md). */
#define HARNESS_SEV_C_BIT 39
struct cpu_mode vcpu_mode(struct machine *m, struct vcpu *v, uc_engine *uc);
void cpuid_emulate(struct machine *m, struct vcpu *v, uint32_t leaf, uint32_t sub, uint64_t out[4]);
bool msr_read(struct machine *m, struct vcpu *v, uint32_t msr, uint64_t *val);
bool msr_write(struct machine *m, struct vcpu *v, uint32_t msr, uint64_t val);
void cpu_do_init(struct machine *m, struct vcpu *v);
void cpu_do_sipi(struct machine *m, struct vcpu *v);
void cpu_reset_ctx(struct machine *m, struct vcpu *v);
void cpu_start_real(struct machine *m, struct vcpu *v, enum view vw, uint64_t cs_base, uint16_t ip);
void cpu_start_flat(struct machine *m, struct vcpu *v, uint64_t rip, uint64_t rsp);
int cpu_templates_init(struct machine *m);
void cpu_templates_free(struct machine *m);
void report_fault(struct machine *m, struct vcpu *v);

/* smm.c */
void smm_enter(struct machine *m, struct vcpu *v);
void smm_rsm(struct machine *m, struct vcpu *v);

/* io.c */
uint32_t io_read(struct machine *m, struct vcpu *v, uint16_t port, unsigned size);
void io_write(struct machine *m, struct vcpu *v, uint16_t port, unsigned size, uint32_t val);
int lapic_map(struct machine *m, enum view vw);

/* views.c */
int views_init(struct machine *m);
void views_apply(struct machine *m);
bool addr_in_smram(struct machine *m, uint64_t addr);
bool smram_window_locked(struct machine *m);
bool tseg_closed(struct machine *m);

/* s3.c: S3 suspend + immediate wake (a system reset, RAM kept) */
int s3_machine_init(struct machine *m);   /* fw_cfg etc/system-states */
void s3_platform_info(struct machine *m); /* os_resume_entry for the firmware */
int s3_cycle(struct machine *m, char *err, size_t errlen);

/* checks.c: invariants evaluated on the live machine */
void check_smm_fetch(struct machine *m, struct vcpu *v, uint64_t addr, uint32_t size);
void check_smram_write(struct machine *m, struct vcpu *v, uint64_t addr, unsigned size);
void check_relocation(struct machine *m, struct vcpu *v);
void check_smm_entry(struct machine *m, struct vcpu *v);

#endif
