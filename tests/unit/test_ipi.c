/* IPI delivery, INIT/SIPI/SMI semantics, CPUID APIC IDs and the APIC_BASE
 * MSR, on a machine without firmware (the model of harness/cpu.c and
 * run.c deliver_pending, driven through machine_send_ipi / machine_run).
 *
 * Sources: platform-facts.md 1.6 ("Interrupt/INIT/SIPI semantics") and
 * §4 checklist item 5; QEMU target/i386 do_cpu_init / do_cpu_sipi /
 * x86_cpu_pending_interrupt; KVM smm.c ("Process a latched INIT or SMI");
 * Intel SDM vol. 3 10.6.1 (ICR), 10.12.9 (x2APIC ICR), 10.4.4 (APIC_BASE).
 *
 * ICR low words used here (SDM 10.6.1): delivery mode bits 10:8 (2 SMI,
 * 5 INIT, 6 SIPI), level bit 14, trigger bit 15, shorthand bits 19:18.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "run_internal.h"
#include "smmhp/memmap.h"
#include "support/machine_fixture.h"

#define CODE_ADDR    0x200000u
#define SIPI_VECTOR  0x09u            /* start-up page 0x9000 */
#define SIPI_ADDR    (SIPI_VECTOR << 12)
#define SMM_ENTRY    (SMMHP_DEFAULT_SMBASE + SMMHP_SMM_HANDLER_OFFSET) /* 0x38000 */
#define SMM_FLAG     (SMMHP_DEFAULT_SMBASE + 0x8100u)

#define ICR_SMI        0x00000200u    /* mode 010b, edge */
#define ICR_INIT       0x00004500u    /* mode 101b, level=assert */
#define ICR_INIT_LVL   0x0000C500u    /* mode 101b, assert, level-triggered */
#define ICR_INIT_DEASS 0x00008500u    /* mode 101b, de-assert, level-triggered */
#define ICR_SIPI(v)    (0x00004600u | (v))
#define SH_SELF        (1u << 18)
#define SH_ALL         (2u << 18)
#define SH_OTHERS      (3u << 18)

static const uint8_t code_hlt[] = { 0xF4 };           /* hlt */
static const uint8_t code_rsm[] = { 0x0F, 0xAA };      /* rsm */
static const uint8_t code_smm_hlt[] = { 0xF4 };            /* hlt (stay in SMM) */
/* 16-bit SMM handler at SMBASE+0x8000 (CS = 0x3000): spin until the host
 * sets the byte at SMBASE+0x8100, then RSM. */
static const uint8_t smm_spin_rsm[] = {
  0x2E, 0x80, 0x3E, 0x00, 0x81, 0x00, /* 8000: cmp byte [cs:0x8100], 0 */
  0x74, 0xF8,                         /* 8006: jz 0x8000 */
  0x0F, 0xAA,                         /* 8008: rsm */
};

static int setup_accel(void **state, enum accel accel)
{
  return fixture_setup(state, &(struct fixture_config){ .possible_cpus = 4, .seed = 1, .accel = accel });
}

static int setup_kvm(void **state) { return setup_accel(state, ACCEL_KVM); }
static int setup_tcg(void **state) { return setup_accel(state, ACCEL_TCG); }

static void plug(struct machine *m, unsigned slot)
{
  assert_int_equal(machine_cpu_plug(m, slot, false), 0);
  assert_int_equal(m->cpu[slot].state, VCPU_WAIT_SIPI);
}

/* CPU `slot` running flat code, then in SMM in the spin handler. */
static void enter_smm_spinning(struct machine *m, unsigned slot)
{
  machine_phys_write(m, CODE_ADDR, code_hlt, sizeof code_hlt);
  machine_phys_write(m, SMM_ENTRY, smm_spin_rsm, sizeof smm_spin_rsm);
  m->ram[SMM_FLAG] = 0;
  start_flat(m, slot, VIEW_NORMAL, CODE_ADDR);
  machine_send_ipi(m, &m->cpu[0], ICR_SMI, slot, false);
  assert_int_equal(machine_run(m, cpu_in_smm, (void *)(uintptr_t)slot, 100000), RUN_DONE);
  assert_true(m->cpu[slot].in_smm);
  assert_false(m->cpu[slot].smi_pending);
}

/* ---- SMI ------------------------------------------------------------------ */

/* SMI IPI to a running CPU: pending, then taken at the next instruction
 * boundary (platform-facts 1.6; QEMU x86_cpu_pending_interrupt). Entry is
 * at SMBASE+0x8000 = 0x38000 (reset SMBASE 0x30000, platform-facts 1.6). */
static void test_smi_to_running_cpu_pending_then_taken(void **state)
{
  struct machine *m = machine_of(state);
  plug(m, 0);
  machine_phys_write(m, CODE_ADDR, code_hlt, sizeof code_hlt);
  machine_phys_write(m, SMM_ENTRY, code_rsm, sizeof code_rsm);
  start_flat(m, 1, VIEW_NORMAL, CODE_ADDR);
  size_t e0 = m->nevents;
  machine_send_ipi(m, &m->cpu[0], ICR_SMI, 1, false);
  assert_true(m->cpu[1].smi_pending);
  assert_false(m->cpu[1].in_smm);
  assert_false(m->cpu[0].smi_pending);
  assert_true(ev_find(m, e0, "ipi kind=smi src=0 dst=1 action=pending") >= 0);
  assert_int_equal(ev_count(m, e0, "ipi "), 1);

  assert_int_equal(machine_run(m, cpu_halted, (void *)1, 100000), RUN_DONE);
  long ent = ev_find(m, e0, "smi_entry cpu=1 apic=1 smbase=0x30000 from=0x200000 handler=0x38000");
  long rsm = ev_find(m, e0, "rsm cpu=1 apic=1 smbase=0x30000 to=0x200000 smm_mode=real");
  assert_true(ent >= 0);
  assert_true(rsm > ent);
  assert_false(m->cpu[1].smi_pending);
  assert_false(m->cpu[1].in_smm);
  assert_int_equal(m->cpu[1].smm_entries, 1);
  assert_int_equal(m->cpu[1].smbase, 0x30000);
  assert_int_equal(reg_of(m, 1, UC_X86_REG_RIP), CODE_ADDR + 1); /* after the hlt */
}

/* KVM/hardware: an SMI sent to a CPU in wait-for-SIPI stays pending (it is
 * not taken in that state); the SIPI starts the CPU and the SMI is taken
 * before its first instruction, so the interrupted RIP is the SIPI vector
 * (platform-facts 1.6 KVM path; §4 item 5 "SMI latched while in
 * wait-for-SIPI"; OVMF PostSmmPen.nasm "SMI pending while in RESET"). */
static void test_kvm_smi_in_wait_for_sipi_waits_for_sipi(void **state)
{
  struct machine *m = machine_of(state);
  plug(m, 0);
  plug(m, 1);
  size_t e0 = m->nevents;
  machine_send_ipi(m, &m->cpu[0], ICR_SMI, 1, false);
  assert_true(ev_find(m, e0, "ipi kind=smi src=0 dst=1 action=pending_wait_for_sipi") >= 0);
  assert_true(m->cpu[1].smi_pending);

  /* nobody can run: the loop delivers what it can and gives up */
  assert_int_equal(machine_run(m, NULL, NULL, 10000), RUN_STUCK);
  assert_true(m->cpu[1].smi_pending);
  assert_false(m->cpu[1].in_smm);
  assert_int_equal(m->cpu[1].state, VCPU_WAIT_SIPI);
  assert_int_equal(m->cpu[1].smm_entries, 0);
  assert_int_equal(ev_prefix(m, e0, "smi_entry"), -1);

  machine_phys_write(m, SIPI_ADDR, code_hlt, sizeof code_hlt);
  machine_phys_write(m, SMM_ENTRY, code_rsm, sizeof code_rsm);
  machine_send_ipi(m, &m->cpu[0], ICR_SIPI(SIPI_VECTOR), 1, false);
  assert_true(ev_find(m, e0, "ipi kind=sipi src=0 dst=1 action=accepted") >= 0);
  assert_true(m->cpu[1].sipi_pending);
  assert_int_equal(m->cpu[1].sipi_vector, SIPI_VECTOR);

  assert_int_equal(machine_run(m, cpu_halted, (void *)1, 100000), RUN_DONE);
  long sipi = ev_find(m, e0, "sipi_start cpu=1 apic=1 cs=0x900 smi_pending=1");
  long ent = ev_find(m, e0, "smi_entry cpu=1 apic=1 smbase=0x30000 from=0x9000 handler=0x38000");
  long rsm = ev_find(m, e0, "rsm cpu=1 apic=1 smbase=0x30000 to=0x9000 smm_mode=real");
  assert_true(sipi >= 0);
  assert_true(ent > sipi);
  assert_true(rsm > ent);
  /* the save-state RIP is the first instruction of the SIPI page: IP 0 */
  assert_int_equal(rd64(m, SMMHP_DEFAULT_SMBASE + 0xFF78), 0);
  assert_int_equal(m->cpu[1].smm_entries, 1);
  assert_false(m->cpu[1].smi_pending);
  assert_int_equal(m->cpu[1].last_pause, SIPI_ADDR); /* then it ran the hlt */
}

/* TCG: x86_cpu_pending_interrupt reports the SMI without looking at
 * wait_for_sipi, so the never-started CPU enters SMM right away with its
 * reset registers (IP 0xFFF0) saved (platform-facts 1.6 TCG path). */
static void test_tcg_smi_taken_in_wait_for_sipi(void **state)
{
  struct machine *m = machine_of(state);
  plug(m, 0);
  plug(m, 1);
  machine_phys_write(m, SMM_ENTRY, code_smm_hlt, sizeof code_smm_hlt);
  size_t e0 = m->nevents;
  machine_send_ipi(m, &m->cpu[0], ICR_SMI, 1, false);
  assert_true(ev_find(m, e0, "ipi kind=smi src=0 dst=1 action=pending_wait_for_sipi") >= 0);
  assert_int_equal(machine_run(m, cpu_halted, (void *)1, 100000), RUN_DONE);
  assert_true(m->cpu[1].in_smm);
  assert_false(m->cpu[1].smi_pending);
  assert_true(m->cpu[1].was_wait_sipi);
  assert_int_equal(m->cpu[1].smm_entries, 1);
  assert_true(ev_prefix(m, e0, "smi_entry cpu=1 apic=1 smbase=0x30000 from=") >= 0);
  assert_int_equal(rd64(m, SMMHP_DEFAULT_SMBASE + 0xFF78), 0xFFF0); /* reset IP */
  /* CPU 0 stays put: the SMI was for APIC ID 1 only */
  assert_int_equal(m->cpu[0].smm_entries, 0);
  assert_int_equal(m->cpu[0].state, VCPU_WAIT_SIPI);
}

/* ---- INIT ----------------------------------------------------------------- */

/* KVM: INIT is latched while in SMM (hardware: "INIT operations are
 * inhibited when the processor enters SMM"; KVM smm.c processes the
 * latched INIT on RSM). A SIPI in SMM is dropped (QEMU do_cpu_sipi
 * returns early in SMM), even with the INIT latched. After RSM the INIT
 * takes effect before any further instruction (platform-facts 1.6). */
static void test_kvm_init_latched_in_smm(void **state)
{
  struct machine *m = machine_of(state);
  plug(m, 0);
  enter_smm_spinning(m, 1);
  size_t e0 = m->nevents;
  machine_send_ipi(m, &m->cpu[0], ICR_INIT, 1, false);
  assert_true(ev_find(m, e0, "ipi kind=init src=0 dst=1 action=latched") >= 0);
  assert_true(m->cpu[1].init_pending);
  assert_true(m->cpu[1].in_smm);
  machine_send_ipi(m, &m->cpu[0], ICR_SIPI(SIPI_VECTOR), 1, false);
  assert_true(ev_find(m, e0, "ipi kind=sipi src=0 dst=1 action=dropped_in_smm") >= 0);
  assert_false(m->cpu[1].sipi_pending);

  /* the handler keeps running in SMM; the INIT stays latched */
  assert_int_equal(machine_run(m, NULL, NULL, 5000), RUN_BUDGET);
  assert_true(m->cpu[1].in_smm);
  assert_true(m->cpu[1].init_pending);
  assert_int_equal(m->cpu[1].state, VCPU_RUN);
  assert_int_equal(ev_prefix(m, e0, "init cpu=1"), -1);

  m->ram[SMM_FLAG] = 1; /* let the handler execute rsm */
  /* RSM, then the INIT before any further instruction: nobody is left
   * runnable (the loop stops before the done check could see it) */
  assert_int_equal(machine_run(m, NULL, NULL, 100000), RUN_STUCK);
  long rsm = ev_find(m, e0, "rsm cpu=1 apic=1 smbase=0x30000 to=0x200000 smm_mode=real");
  long init = ev_find(m, e0, "init cpu=1 apic=1 state=wait_for_sipi smbase=0x30000");
  assert_true(rsm >= 0);
  assert_true(init > rsm);
  assert_false(m->cpu[1].in_smm);
  assert_false(m->cpu[1].init_pending);
  assert_false(m->cpu[1].sipi_pending); /* the dropped SIPI is not replayed */
  assert_int_equal(m->cpu[1].state, VCPU_WAIT_SIPI);
}

/* TCG: CPU_INTERRUPT_INIT is processed without an SMM check; do_cpu_init
 * leaves SMM and resets interrupt_request to just the SIPI bit, so a
 * pending SMI is dropped (platform-facts 1.6 TCG path, §4 item 5 knob). */
static void test_tcg_init_resets_cpu_in_smm(void **state)
{
  struct machine *m = machine_of(state);
  plug(m, 0);
  enter_smm_spinning(m, 1);
  size_t e0 = m->nevents;
  machine_send_ipi(m, &m->cpu[0], ICR_SMI, 1, false);
  assert_true(ev_find(m, e0, "ipi kind=smi src=0 dst=1 action=latched") >= 0);
  assert_true(m->cpu[1].smi_pending);
  machine_send_ipi(m, &m->cpu[0], ICR_INIT, 1, false);
  assert_true(ev_find(m, e0, "ipi kind=init src=0 dst=1 action=reset_in_smm") >= 0);
  assert_false(m->cpu[1].in_smm);
  assert_false(m->cpu[1].smi_pending);
  /* the dropped SMI is not taken later (TCG would take one in wait-for-SIPI) */
  assert_int_equal(machine_run(m, NULL, NULL, 10000), RUN_STUCK);
  assert_true(ev_find(m, e0, "init cpu=1 apic=1 state=wait_for_sipi smbase=0x30000") >= 0);
  assert_int_equal(ev_count(m, e0, "init cpu=1 "), 1);
  assert_false(m->cpu[1].init_pending);
  assert_int_equal(m->cpu[1].state, VCPU_WAIT_SIPI);
  assert_int_equal(m->cpu[1].smm_entries, 1);
  assert_false(m->cpu[1].in_smm);
}

#ifdef SMMHP_KNOWN_BUGS
/* The same TCG INIT, sent by a guest vCPU on the normal engine through the
 * xAPIC ICR: the sender's registers must survive (an IPI changes the
 * target only, SDM 10.6.1). Known harness bug: deliver_ipi performs the
 * INIT at once (cpu_do_init -> cpu_start_real/zero_gprs) on the engine
 * the sender is running on, zeroing the sender's RBX and R12.
 * Build with -DSMMHP_KNOWN_BUGS to run it. */
static void test_tcg_guest_init_to_smm_cpu_keeps_sender_regs(void **state)
{
  struct machine *m = machine_of(state);
  static const uint8_t code[] = {
    0xBB, 0x00, 0x00, 0xE0, 0xFE,                               /* mov ebx, 0xFEE00000 */
    0x41, 0xBC, 0x34, 0x12, 0x00, 0x00,                         /* mov r12d, 0x1234 */
    0xC7, 0x83, 0x10, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, /* mov dword [rbx+0x310], 1<<24 */
    0xC7, 0x83, 0x00, 0x03, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, /* mov dword [rbx+0x300], 0x4500 */
    0xF4,                                                       /* hlt */
  };
  plug(m, 0);
  enter_smm_spinning(m, 1);
  m->cpu[1].state = VCPU_HALTED; /* off the schedule; still in SMM */
  machine_phys_write(m, CODE_ADDR + 0x1000, code, sizeof code);
  start_flat(m, 0, VIEW_NORMAL, CODE_ADDR + 0x1000);
  size_t e0 = m->nevents;
  assert_int_equal(machine_run(m, cpu_halted, (void *)0, 100000), RUN_DONE);
  assert_true(ev_find(m, e0, "ipi kind=init src=0 dst=1 action=reset_in_smm") >= 0);
  assert_int_equal(reg_of(m, 0, UC_X86_REG_RBX), 0xFEE00000u);
  assert_int_equal(reg_of(m, 0, UC_X86_REG_R12), 0x1234);
}
#endif

/* INIT outside SMM, then SIPI: the CPU restarts at vector<<12 in real mode
 * (SDM 8.4.4 INIT-SIPI; QEMU do_cpu_init then do_cpu_sipi). The SIPI is
 * accepted while the INIT is still pending (both sent back to back). */
static void test_init_then_sipi_starts_at_vector(void **state)
{
  struct machine *m = machine_of(state);
  plug(m, 0);
  machine_phys_write(m, SIPI_ADDR, code_hlt, sizeof code_hlt);
  start_flat(m, 1, VIEW_NORMAL, CODE_ADDR + 0x100); /* zeros there: never reached */
  size_t e0 = m->nevents;
  machine_send_ipi(m, &m->cpu[0], ICR_INIT, 1, false);
  machine_send_ipi(m, &m->cpu[0], ICR_SIPI(SIPI_VECTOR), 1, false);
  assert_true(ev_find(m, e0, "ipi kind=init src=0 dst=1 action=accepted") >= 0);
  assert_true(ev_find(m, e0, "ipi kind=sipi src=0 dst=1 action=accepted") >= 0);
  assert_int_equal(machine_run(m, cpu_halted, (void *)1, 100000), RUN_DONE);
  long init = ev_find(m, e0, "init cpu=1 apic=1 state=wait_for_sipi smbase=0x30000");
  long sipi = ev_find(m, e0, "sipi_start cpu=1 apic=1 cs=0x900 smi_pending=0");
  assert_true(init >= 0);
  assert_true(sipi > init);
  assert_int_equal(m->cpu[1].last_pause, SIPI_ADDR);
  assert_int_equal(m->cpu[1].insns, 1);
}

/* INIT level de-assert (level=0, trigger=level: 0x8500) has no effect on
 * modern processors (SDM 10.6.1, "INIT Level De-assert"); a level-
 * triggered assert (0xC500) is a normal INIT. */
static void test_init_level_deassert_ignored(void **state)
{
  struct machine *m = machine_of(state);
  plug(m, 0);
  plug(m, 1);
  start_flat(m, 2, VIEW_NORMAL, CODE_ADDR);
  size_t e0 = m->nevents;
  machine_send_ipi(m, &m->cpu[0], ICR_INIT_DEASS, 2, false);
  machine_send_ipi(m, &m->cpu[0], ICR_INIT_DEASS | SH_ALL, 0, false);
  assert_int_equal(m->nevents, e0);
  for (unsigned i = 0; i < 3; i++)
    assert_false(m->cpu[i].init_pending);
  assert_int_equal(m->cpu[2].state, VCPU_RUN);

  machine_send_ipi(m, &m->cpu[0], ICR_INIT_LVL, 2, false);
  assert_true(ev_find(m, e0, "ipi kind=init src=0 dst=2 action=accepted") >= 0);
  assert_true(m->cpu[2].init_pending);
  assert_int_equal(ev_count(m, e0, "ipi "), 1);
}

/* SMBASE is in the init-preserved state (platform-facts 1.6: "INIT keeps
 * it"), and under KVM a pending SMI survives INIT (KVM keeps smi_pending;
 * the harness comment on cpu_do_init). After SIPI the SMI enters at the
 * preserved SMBASE. */
static void test_init_keeps_smbase_and_pending_smi(void **state)
{
  struct machine *m = machine_of(state);
  const uint32_t smbase = SMMHP_SMBASE_OF_SLOT(1); /* 0x1DFA000, in TSEG */
  plug(m, 0);
  machine_phys_write(m, CODE_ADDR, code_hlt, sizeof code_hlt);
  start_flat(m, 1, VIEW_NORMAL, CODE_ADDR);
  m->cpu[1].smbase = smbase; /* as a relocation by RSM would leave it */
  size_t e0 = m->nevents;
  machine_send_ipi(m, &m->cpu[0], ICR_SMI, 1, false);
  machine_send_ipi(m, &m->cpu[0], ICR_INIT, 1, false);
  assert_true(m->cpu[1].smi_pending);
  assert_true(m->cpu[1].init_pending);
  assert_int_equal(machine_run(m, NULL, NULL, 10000), RUN_STUCK);
  assert_true(ev_find(m, e0, "init cpu=1 apic=1 state=wait_for_sipi smbase=0x1dfa000") >= 0);
  assert_int_equal(m->cpu[1].state, VCPU_WAIT_SIPI);
  assert_int_equal(m->cpu[1].smbase, smbase);
  assert_true(m->cpu[1].smi_pending);
  assert_false(m->cpu[1].in_smm);
  assert_int_equal(m->cpu[1].smm_entries, 0);

  machine_phys_write(m, SIPI_ADDR, code_hlt, sizeof code_hlt);
  machine_phys_write(m, (uint64_t)smbase + SMMHP_SMM_HANDLER_OFFSET, code_rsm, sizeof code_rsm);
  machine_send_ipi(m, &m->cpu[0], ICR_SIPI(SIPI_VECTOR), 1, false);
  assert_int_equal(machine_run(m, cpu_halted, (void *)1, 100000), RUN_DONE);
  assert_true(ev_find(m, e0, "smi_entry cpu=1 apic=1 smbase=0x1dfa000 from=0x9000 handler=0x1e02000") >= 0);
  assert_int_equal(m->cpu[1].smbase, smbase);
  assert_int_equal(m->cpu[1].smm_entries, 1);
}

/* ---- SIPI ----------------------------------------------------------------- */

/* SIPI is ignored in SMM (QEMU do_cpu_sipi returns early in SMM;
 * platform-facts 1.6, §4 item 5 "SIPI dropped in SMM"). */
static void test_sipi_dropped_in_smm(void **state)
{
  struct machine *m = machine_of(state);
  plug(m, 0);
  enter_smm_spinning(m, 1);
  size_t e0 = m->nevents;
  machine_send_ipi(m, &m->cpu[0], ICR_SIPI(SIPI_VECTOR), 1, false);
  assert_true(ev_find(m, e0, "ipi kind=sipi src=0 dst=1 action=dropped_in_smm") >= 0);
  assert_false(m->cpu[1].sipi_pending);
  assert_true(m->cpu[1].in_smm);
  m->ram[SMM_FLAG] = 1;
  assert_int_equal(machine_run(m, cpu_halted, (void *)1, 100000), RUN_DONE);
  assert_int_equal(ev_prefix(m, e0, "sipi_start"), -1);
  assert_int_equal(m->cpu[1].last_pause, CODE_ADDR); /* resumed its own code */
}

/* SIPI is ignored unless the APIC is in wait_for_sipi (QEMU do_cpu_sipi,
 * SDM 10.6.1 "Start-Up"). */
static void test_sipi_to_running_cpu_ignored(void **state)
{
  struct machine *m = machine_of(state);
  plug(m, 0);
  start_flat(m, 1, VIEW_NORMAL, CODE_ADDR);
  size_t e0 = m->nevents;
  machine_send_ipi(m, &m->cpu[0], ICR_SIPI(SIPI_VECTOR), 1, false);
  assert_true(ev_find(m, e0, "ipi kind=sipi src=0 dst=1 action=ignored_not_waiting") >= 0);
  assert_false(m->cpu[1].sipi_pending);
  assert_int_equal(m->cpu[1].state, VCPU_RUN);
}

/* ---- destinations (SDM 10.6.1 shorthand, 10.6.2.1 physical mode) -------- */

static void plug_all4(struct machine *m)
{
  for (unsigned i = 0; i < 4; i++)
    plug(m, i);
}

static unsigned pending_mask(struct machine *m)
{
  unsigned mask = 0;
  for (unsigned i = 0; i < m->ncpus; i++) {
    if (m->cpu[i].smi_pending)
      mask |= 1u << i;
    m->cpu[i].smi_pending = false;
  }
  return mask;
}

/* Shorthand 01 self, 10 all including self, 11 all excluding self: the
 * destination field is ignored (SDM 10.6.1). */
static void test_shorthands(void **state)
{
  struct machine *m = machine_of(state);
  plug_all4(m);
  struct vcpu *src = &m->cpu[1];
  machine_send_ipi(m, src, ICR_SMI | SH_SELF, 3, false);
  assert_int_equal(pending_mask(m), 0x2);
  machine_send_ipi(m, src, ICR_SMI | SH_ALL, 3, false);
  assert_int_equal(pending_mask(m), 0xF);
  size_t e0 = m->nevents;
  machine_send_ipi(m, src, ICR_SMI | SH_OTHERS, 1, false);
  assert_int_equal(pending_mask(m), 0xD);
  assert_int_equal(ev_count(m, e0, "ipi kind=smi src=1 "), 3);
  assert_int_equal(ev_prefix(m, e0, "ipi kind=smi src=1 dst=1 "), -1);
}

/* Physical destination: xAPIC broadcast is 0xFF (8-bit destination),
 * x2APIC broadcast is 0xFFFFFFFF (SDM 10.12.9: 0xFF is an ordinary APIC
 * ID in x2APIC mode). */
static void test_broadcast_xapic_vs_x2apic(void **state)
{
  struct machine *m = machine_of(state);
  plug_all4(m);
  machine_send_ipi(m, &m->cpu[0], ICR_SMI, 0xFF, false);
  assert_int_equal(pending_mask(m), 0xF);
  size_t e0 = m->nevents;
  machine_send_ipi(m, &m->cpu[0], ICR_SMI, 0xFF, true);
  assert_int_equal(pending_mask(m), 0x0);
  assert_int_equal(m->nevents, e0);
  machine_send_ipi(m, &m->cpu[0], ICR_SMI, 0xFFFFFFFFu, true);
  assert_int_equal(pending_mask(m), 0xF);
  /* x2APIC: the upper destination bits count; 0x102 is not APIC ID 2 */
  machine_send_ipi(m, &m->cpu[0], ICR_SMI, 0x102, true);
  assert_int_equal(pending_mask(m), 0x0);
}

static void test_physical_destination_matches_apic_id(void **state)
{
  struct machine *m = machine_of(state);
  plug_all4(m);
  size_t e0 = m->nevents;
  machine_send_ipi(m, &m->cpu[0], ICR_SMI, 2, false);
  assert_int_equal(pending_mask(m), 0x4);
  assert_int_equal(ev_count(m, e0, "ipi "), 1);
  assert_true(ev_find(m, e0, "ipi kind=smi src=0 dst=2 action=pending_wait_for_sipi") >= 0);
  machine_send_ipi(m, &m->cpu[3], ICR_INIT, 0, true);
  assert_true(m->cpu[0].init_pending);
  assert_false(m->cpu[1].init_pending || m->cpu[2].init_pending || m->cpu[3].init_pending);
  assert_true(ev_find(m, e0, "ipi kind=init src=3 dst=0 action=accepted") >= 0);
}

/* A slot with no CPU (not plugged) receives nothing, not even broadcasts
 * (QEMU: no CPU object, no APIC). */
static void test_ipi_to_absent_slot_does_nothing(void **state)
{
  struct machine *m = machine_of(state);
  plug(m, 0);
  plug(m, 1);
  size_t e0 = m->nevents;
  machine_send_ipi(m, &m->cpu[0], ICR_SMI, 3, false);
  machine_send_ipi(m, &m->cpu[0], ICR_INIT, 3, false);
  machine_send_ipi(m, &m->cpu[0], ICR_SIPI(SIPI_VECTOR), 3, false);
  assert_int_equal(m->nevents, e0);
  assert_false(m->cpu[3].smi_pending || m->cpu[3].init_pending || m->cpu[3].sipi_pending);
  assert_int_equal(m->cpu[3].state, VCPU_ABSENT);
  machine_send_ipi(m, &m->cpu[0], ICR_SMI, 0xFF, false);
  assert_int_equal(pending_mask(m), 0x3);
  assert_int_equal(ev_count(m, e0, "ipi "), 2);
  machine_raise_smi(m, &m->cpu[2], "test");
  assert_false(m->cpu[2].smi_pending);
  /* nothing runs, nothing enters SMM */
  assert_int_equal(machine_run(m, NULL, NULL, 1000), RUN_STUCK);
  assert_int_equal(m->cpu[3].state, VCPU_ABSENT);
}

/* The guest's xAPIC MMIO path: ICR high bits 31:24 are the destination,
 * the write to ICR low sends (SDM 10.6.1); the ID register reads
 * APIC ID << 24 (SDM 10.4.6). */
static void test_xapic_mmio_icr_sends_ipi(void **state)
{
  struct machine *m = machine_of(state);
  static const uint8_t code[] = {
    0xBB, 0x00, 0x00, 0xE0, 0xFE,                               /* mov ebx, 0xFEE00000 */
    0x8B, 0x43, 0x20,                                           /* mov eax, [rbx+0x20] (ID) */
    0xC7, 0x83, 0x10, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, /* mov dword [rbx+0x310], 0x02000000 */
    0xC7, 0x83, 0x00, 0x03, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, /* mov dword [rbx+0x300], 0x4500 */
    0xF4,                                                       /* hlt */
  };
  plug_all4(m);
  machine_phys_write(m, CODE_ADDR, code, sizeof code);
  start_flat(m, 1, VIEW_NORMAL, CODE_ADDR);
  size_t e0 = m->nevents;
  assert_int_equal(machine_run(m, cpu_halted, (void *)1, 100000), RUN_DONE);
  assert_int_equal(reg_of(m, 1, UC_X86_REG_RAX), 1u << 24);
  assert_true(ev_find(m, e0, "ipi kind=init src=1 dst=2 action=accepted") >= 0);
  assert_int_equal(ev_count(m, e0, "ipi "), 1);
  assert_int_equal(m->cpu[1].icr_high, 0x02000000u);
}

/* ---- CPUID and MSRs --------------------------------------------------------- */

/* CPUID.1:EBX[31:24] is the initial APIC ID, CPUID.0BH:EDX the x2APIC ID
 * (SDM vol. 2 CPUID; QEMU cpu_x86_cpuid leaf 1 / 0xB), per vCPU, through
 * the engine's CPUID interception. */
static void test_cpuid_apic_id_per_vcpu(void **state)
{
  struct machine *m = machine_of(state);
  static const uint8_t code[] = {
    0xB8, 0x01, 0x00, 0x00, 0x00, /* mov eax, 1 */
    0x0F, 0xA2,                   /* cpuid */
    0x89, 0xDE,                   /* mov esi, ebx */
    0xB8, 0x0B, 0x00, 0x00, 0x00, /* mov eax, 0xB */
    0x31, 0xC9,                   /* xor ecx, ecx */
    0x0F, 0xA2,                   /* cpuid */
    0xF4,                         /* hlt */
  };
  machine_phys_write(m, CODE_ADDR, code, sizeof code);
  for (unsigned i = 0; i < 4; i++) {
    start_flat(m, i, VIEW_NORMAL, CODE_ADDR);
    assert_int_equal(machine_run(m, cpu_halted, (void *)(uintptr_t)i, 100000), RUN_DONE);
    assert_int_equal((reg_of(m, i, UC_X86_REG_RSI) >> 24) & 0xFF, i);
    assert_int_equal(reg_of(m, i, UC_X86_REG_RDX), i);
  }
  /* the same through the model directly, with an APIC ID that is not the slot */
  uint64_t r[4];
  m->cpu[3].apic_id = 0x25;
  cpuid_emulate(m, &m->cpu[3], 1, 0, r);
  assert_int_equal(r[1] >> 24, 0x25);
  cpuid_emulate(m, &m->cpu[3], 0xB, 1, r);
  assert_int_equal(r[3], 0x25);
}

/* IA32_APIC_BASE (0x1B): base 0xFEE00000, bit 11 EN, bit 8 BSP only on the
 * boot CPU (QEMU: CPU index 0), bit 10 EXTD after the guest writes
 * EXTD|EN (SDM 10.4.4, 10.12.1). */
static void test_apic_base_msr(void **state)
{
  struct machine *m = machine_of(state);
  static const uint8_t code[] = {
    0xB9, 0x1B, 0x00, 0x00, 0x00, /* mov ecx, 0x1B */
    0x0F, 0x32,                   /* rdmsr */
    0x89, 0xC6,                   /* mov esi, eax */
    0xB8, 0x00, 0x0C, 0xE0, 0xFE, /* mov eax, 0xFEE00C00 (base|EN|EXTD) */
    0x31, 0xD2,                   /* xor edx, edx */
    0x0F, 0x30,                   /* wrmsr */
    0x0F, 0x32,                   /* rdmsr */
    0x89, 0xC7,                   /* mov edi, eax */
    0xF4,                         /* hlt */
  };
  machine_phys_write(m, CODE_ADDR, code, sizeof code);
  size_t e0 = m->nevents;
  for (unsigned i = 0; i < 2; i++) {
    start_flat(m, i, VIEW_NORMAL, CODE_ADDR);
    assert_false(m->cpu[i].x2apic);
    assert_int_equal(machine_run(m, cpu_halted, (void *)(uintptr_t)i, 100000), RUN_DONE);
    assert_true(m->cpu[i].x2apic);
  }
  assert_int_equal(reg_of(m, 0, UC_X86_REG_RSI), 0xFEE00900u); /* BSP */
  assert_int_equal(reg_of(m, 0, UC_X86_REG_RDI), 0xFEE00D00u);
  assert_int_equal(reg_of(m, 1, UC_X86_REG_RSI), 0xFEE00800u); /* AP */
  assert_int_equal(reg_of(m, 1, UC_X86_REG_RDI), 0xFEE00C00u);
  assert_true(ev_find(m, e0, "apic_mode cpu=0 x2apic=1") >= 0);
  assert_true(ev_find(m, e0, "apic_mode cpu=1 x2apic=1") >= 0);

  /* model level: bit 8 for slot 0 only, also for a hot-plugged slot 3 */
  uint64_t val = 0;
  plug(m, 3);
  assert_true(msr_read(m, &m->cpu[3], 0x1B, &val));
  assert_int_equal(val, 0xFEE00800u);
  assert_true(msr_write(m, &m->cpu[3], 0x1B, 0xFEE00400u)); /* EXTD without EN: not x2APIC */
  assert_true(msr_read(m, &m->cpu[3], 0x1B, &val));
  assert_int_equal(val & (1u << 10), 0);
}

/* x2APIC ICR (MSR 0x830): one 64-bit write, destination in bits 63:32
 * (SDM 10.12.9). */
static void test_x2apic_icr_msr_sends_ipi(void **state)
{
  struct machine *m = machine_of(state);
  plug_all4(m);
  m->cpu[0].x2apic = true;
  size_t e0 = m->nevents;
  assert_true(msr_write(m, &m->cpu[0], 0x830, ((uint64_t)3 << 32) | ICR_SMI));
  assert_int_equal(pending_mask(m), 0x8);
  assert_true(ev_find(m, e0, "ipi kind=smi src=0 dst=3 action=pending_wait_for_sipi") >= 0);
  m->cpu[0].x2apic = false; /* xAPIC mode: the MSR does not send */
  assert_true(msr_write(m, &m->cpu[0], 0x830, ((uint64_t)3 << 32) | ICR_SMI));
  assert_int_equal(pending_mask(m), 0x0);
}

/* APIC IDs above 255 (x2APIC topologies): an x2APIC ICR write reaches
 * ID 300 by its full 32-bit destination, while an xAPIC ICR carries only
 * bits 31:24 (SDM 10.6.1), so ID 300 cannot be named there: destination
 * 0x2C reaches the CPU whose ID is 44 (= 300 & 0xFF), not ID 300. CPUID
 * leaf 0xB reports the 32-bit ID, leaf 1 only its low 8 bits (SDM vol. 2
 * CPUID; QEMU cpu_x86_cpuid). */
static void test_apic_ids_above_255(void **state)
{
  struct machine *m = machine_of(state);
  static const uint8_t code[] = {
    0xBB, 0x00, 0x00, 0xE0, 0xFE,                               /* mov ebx, 0xFEE00000 */
    0xC7, 0x83, 0x10, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2C, /* mov dword [rbx+0x310], 0x2C000000 */
    0xC7, 0x83, 0x00, 0x03, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, /* mov dword [rbx+0x300], 0x200 (SMI) */
    0xF4,                                                       /* hlt */
  };
  uint64_t r[4];
  plug_all4(m);
  m->cpu[2].apic_id = 300;
  m->cpu[3].apic_id = 44;
  m->cpu[0].x2apic = true;
  size_t e0 = m->nevents;
  assert_true(msr_write(m, &m->cpu[0], 0x830, ((uint64_t)300 << 32) | ICR_SMI));
  assert_int_equal(pending_mask(m), 0x4);
  assert_true(ev_find(m, e0, "ipi kind=smi src=0 dst=300 action=pending_wait_for_sipi") >= 0);
  m->cpu[2].smi_pending = false;

  machine_phys_write(m, CODE_ADDR, code, sizeof code);
  start_flat(m, 1, VIEW_NORMAL, CODE_ADDR);
  assert_int_equal(machine_run(m, cpu_halted, (void *)1, 100000), RUN_DONE);
  assert_int_equal(pending_mask(m), 0x8);

  cpuid_emulate(m, &m->cpu[2], 0xB, 0, r);
  assert_int_equal(r[3], 300);
  cpuid_emulate(m, &m->cpu[2], 1, 0, r);
  assert_int_equal(r[1] >> 24, 300 & 0xFF);
}

int main(void)
{
#define K(fn) cmocka_unit_test_setup_teardown(fn, setup_kvm, fixture_teardown)
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_tcg, fixture_teardown)
  const struct CMUnitTest tests[] = {
    K(test_smi_to_running_cpu_pending_then_taken),
    K(test_kvm_smi_in_wait_for_sipi_waits_for_sipi),
    T(test_tcg_smi_taken_in_wait_for_sipi),
    K(test_kvm_init_latched_in_smm),
    T(test_tcg_init_resets_cpu_in_smm),
#ifdef SMMHP_KNOWN_BUGS
    T(test_tcg_guest_init_to_smm_cpu_keeps_sender_regs),
#endif
    K(test_init_then_sipi_starts_at_vector),
    K(test_init_level_deassert_ignored),
    K(test_init_keeps_smbase_and_pending_smi),
    K(test_sipi_dropped_in_smm),
    K(test_sipi_to_running_cpu_ignored),
    K(test_shorthands),
    K(test_broadcast_xapic_vs_x2apic),
    K(test_physical_destination_matches_apic_id),
    K(test_ipi_to_absent_slot_does_nothing),
    K(test_xapic_mmio_icr_sends_ipi),
    K(test_cpuid_apic_id_per_vcpu),
    K(test_apic_base_msr),
    K(test_x2apic_icr_msr_sends_ipi),
    K(test_apic_ids_above_255),
  };
  return cmocka_run_group_tests_name("ipi", tests, NULL, NULL);
}
