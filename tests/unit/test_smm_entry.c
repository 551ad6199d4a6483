/* SMI entry and RSM through the real run loop (harness/smm.c), on a
 * machine without firmware: the AMD64 save-state map at SMBASE+0xFC00,
 * the 16-bit entry at SMBASE+0x8000 with CS.base = SMBASE, and RSM's
 * SMBASE reload gated by revision bit 17.
 *
 * Source for every fact: platform-facts.md 1.6 (QEMU 10.0.13
 * target/i386/tcg/system/smm_helper.c do_smm_enter / helper_rsm), §4
 * checklist item 6. Map offsets are SMBASE-relative and read here at raw
 * addresses, independent of the harness's struct layout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpu_mode.h"
#include "run_internal.h"
#include "smmhp/memmap.h"
#include "support/machine_fixture.h"

#define CODE_ADDR   0x200000u
#define SMBASE0     SMMHP_DEFAULT_SMBASE              /* 0x30000 at reset */
#define NEW_SMBASE  SMMHP_SMBASE_OF_SLOT(1)           /* 0x1DFA000, inside TSEG */

/* save-state map fields, SMBASE-relative (platform-facts 1.6, x86_64) */
#define OFF_REVISION 0xFEFCu
#define OFF_SMBASE   0xFF00u
#define OFF_RIP      0xFF78u
#define OFF_R15      0xFF80u
#define OFF_RCX      0xFFF0u
#define OFF_RAX      0xFFF8u

/* Interrupted code (64-bit, flat): halt, then after the SMI's RSM one
 * more instruction that shows execution resumed with the saved RCX. */
static const uint8_t guest_code[] = {
  0xF4,             /* 200000: hlt          <- the SMI arrives while halted here */
  0x48, 0xFF, 0xC1, /* 200001: inc rcx      <- RSM resumes here */
  0xF4,             /* 200004: hlt */
};

/* Handler that only halts (in SMM), to observe the entry state. */
static const uint8_t h_halt[] = {
  0xF4,             /* 8000: hlt */
};

/* Handler that returns at once and leaves the map alone. */
static const uint8_t h_rsm[] = {
  0x0F, 0xAA,       /* 8000: rsm */
};

/* (a) relocate: clobber EAX, write the new SMBASE into the map, RSM.
 * 16-bit real mode, CS = SMBASE>>4 (0x3000), so [cs:0xFF00] is the map's
 * SMBASE field. */
static const uint8_t h_relocate[] = {
  0x66, 0xB8, 0xEF, 0xBE, 0xAD, 0xDE,             /* 8000: mov eax, 0xDEADBEEF */
  0x66, 0x2E, 0xC7, 0x06, 0x00, 0xFF,             /* 8006: mov dword [cs:0xFF00], ... */
  0x00, 0xA0, 0xDF, 0x01,                         /*       ... 0x01DFA000 (NEW_SMBASE) */
  0x0F, 0xAA,                                     /* 8010: rsm */
};

/* (b) the same, but first clear revision bit 17 ("SMBASE relocation
 * supported"), bit 1 of the byte at +0xFEFE. */
static const uint8_t h_relocate_no_bit17[] = {
  0x2E, 0x80, 0x26, 0xFE, 0xFE, 0xFD,             /* 8000: and byte [cs:0xFEFE], 0xFD */
  0x66, 0xB8, 0xEF, 0xBE, 0xAD, 0xDE,             /* 8006: mov eax, 0xDEADBEEF */
  0x66, 0x2E, 0xC7, 0x06, 0x00, 0xFF,             /* 800C: mov dword [cs:0xFF00], ... */
  0x00, 0xA0, 0xDF, 0x01,                         /*       ... 0x01DFA000 */
  0x0F, 0xAA,                                     /* 8016: rsm */
};

/* (d) edit the saved registers: RSM must load them from the map. */
static const uint8_t h_edit_map[] = {
  0x66, 0x2E, 0xC7, 0x06, 0xF8, 0xFF,             /* 8000: mov dword [cs:0xFFF8], ... */
  0x0D, 0xF0, 0xFE, 0xCA,                         /*       ... 0xCAFEF00D (RAX bits 31:0) */
  0x66, 0x2E, 0x83, 0x06, 0x78, 0xFF, 0x03,       /* 800A: add dword [cs:0xFF78], 3 (RIP: skip inc rcx) */
  0x0F, 0xAA,                                     /* 8011: rsm */
};

static const uint64_t RAX0 = 0x1122334455667788ull, RCX0 = 5, R15_0 = 0xF0F0F0F00F0F0F0Full;

static int setup(void **state)
{
  return fixture_setup(state, &(struct fixture_config){ .possible_cpus = 2, .seed = 3 });
}

/* CPU 1 in flat 64-bit mode with known registers, halted at 0x200001
 * after running the first hlt of guest_code. */
static void cpu1_halted_in_guest(struct machine *m)
{
  machine_phys_write(m, CODE_ADDR, guest_code, sizeof guest_code);
  assert_int_equal(machine_cpu_plug(m, 0, false), 0); /* BSP, stays in wait-for-SIPI */
  assert_int_equal(machine_cpu_plug(m, 1, false), 0);
  start_flat(m, 1, VIEW_NORMAL, CODE_ADDR); /* RSP 0x2FF000 */
  set_reg(m, 1, UC_X86_REG_RAX, RAX0);
  set_reg(m, 1, UC_X86_REG_RCX, RCX0);
  set_reg(m, 1, UC_X86_REG_R15, R15_0);
  assert_int_equal(machine_run(m, cpu_halted, (void *)1, 100000), RUN_DONE);
  assert_int_equal(reg_of(m, 1, UC_X86_REG_RIP), CODE_ADDR + 1);
}

static void put_handler(struct machine *m, uint32_t smbase, const uint8_t *code, size_t len)
{
  machine_phys_write(m, (uint64_t)smbase + SMMHP_SMM_HANDLER_OFFSET, code, len);
}

/* done: CPU 1 took one more SMI and halted again (in the guest or in SMM) */
static uint64_t entries_goal;
static bool took_smi_and_halted(struct machine *m, void *arg)
{
  (void)arg;
  return m->cpu[1].smm_entries == entries_goal && m->cpu[1].state == VCPU_HALTED;
}

static void smi_and_run(struct machine *m)
{
  entries_goal = m->cpu[1].smm_entries + 1;
  machine_raise_smi(m, &m->cpu[1], "test");
  assert_true(m->cpu[1].smi_pending);
  assert_int_equal(machine_run(m, took_smi_and_halted, NULL, 100000), RUN_DONE);
  assert_false(m->cpu[1].smi_pending);
}

/* Entry: the map (revision 0x00020064 @+0xFEFC, SMBASE @+0xFF00, RIP
 * @+0xFF78 = interrupted RIP, RAX @+0xFFF8, RCX @+0xFFF0, R15 @+0xFF80),
 * and the CPU in 16-bit code at SMBASE+0x8000 with CS.base = SMBASE,
 * CS selector SMBASE>>4 (platform-facts 1.6, do_smm_enter). */
static void test_entry_map_and_mode(void **state)
{
  struct machine *m = machine_of(state);
  cpu1_halted_in_guest(m);
  put_handler(m, SMBASE0, h_halt, sizeof h_halt);
  size_t e0 = m->nevents;
  smi_and_run(m);
  assert_true(m->cpu[1].in_smm);
  assert_int_equal(m->cpu[1].smm_entries, 1);
  assert_true(ev_find(m, e0, "smi_entry cpu=1 apic=1 smbase=0x30000 from=0x200001 handler=0x38000") >= 0);

  assert_int_equal(rd32(m, SMBASE0 + OFF_REVISION), 0x00020064u);
  assert_int_equal(rd32(m, SMBASE0 + OFF_SMBASE), SMBASE0);
  assert_int_equal(rd64(m, SMBASE0 + OFF_RIP), CODE_ADDR + 1);
  assert_int_equal(rd64(m, SMBASE0 + OFF_RAX), RAX0);
  assert_int_equal(rd64(m, SMBASE0 + OFF_RCX), RCX0);
  assert_int_equal(rd64(m, SMBASE0 + OFF_R15), R15_0);

  /* the handler's first instruction (hlt at 0x38000) ran in 16-bit code */
  uc_engine *uc = m->uc[VIEW_SMM];
  uc_context_restore(uc, m->cpu[1].ctx);
  struct cpu_mode cm = cpu_mode_read(uc, m->ram);
  assert_int_equal(cm.bits, 16);
  assert_true(cm.real);
  assert_int_equal(cm.cs_base, SMBASE0);
  assert_int_equal(cm.cs_sel, SMBASE0 >> 4);
  uint64_t rip = 0, cr0 = 0;
  uc_reg_read(uc, UC_X86_REG_RIP, &rip);
  uc_reg_read(uc, UC_X86_REG_CR0, &cr0);
  assert_int_equal(rip, SMMHP_SMM_HANDLER_OFFSET + 1); /* after the hlt at 0x8000 */
  assert_int_equal(cr0 & 0x80000001u, 0);             /* PE and PG cleared */
  assert_int_equal(m->cpu[1].last_pause, SMBASE0 + SMMHP_SMM_HANDLER_OFFSET);
}

/* (a) The guest writes a new SMBASE into the map; the revision has bit 17,
 * so RSM loads it. RSM restores RIP and the GPRs from the map: EAX
 * clobbered by the handler comes back, execution resumes at 0x200001
 * (platform-facts 1.6, helper_rsm). The next SMI uses the new SMBASE. */
static void test_rsm_relocates_with_bit17(void **state)
{
  struct machine *m = machine_of(state);
  cpu1_halted_in_guest(m);
  put_handler(m, SMBASE0, h_relocate, sizeof h_relocate);
  size_t e0 = m->nevents;
  smi_and_run(m);
  assert_false(m->cpu[1].in_smm);
  assert_int_equal(m->cpu[1].smbase, NEW_SMBASE);
  assert_true(m->cpu[1].relocated);
  long rs = ev_find(m, e0, "rsm_smbase cpu=1 apic=1 written=0x1dfa000 loaded=0x1dfa000 honoured=1");
  long rsm = ev_find(m, e0, "rsm cpu=1 apic=1 smbase=0x1dfa000 to=0x200001 smm_mode=real");
  assert_true(rs >= 0);
  assert_true(rsm > rs);
  assert_int_equal(reg_of(m, 1, UC_X86_REG_RIP), CODE_ADDR + 5); /* inc rcx; hlt ran */
  assert_int_equal(reg_of(m, 1, UC_X86_REG_RAX), RAX0);
  assert_int_equal(reg_of(m, 1, UC_X86_REG_RCX), RCX0 + 1);
  assert_int_equal(reg_of(m, 1, UC_X86_REG_R15), R15_0);
  assert_int_equal(ev_prefix(m, e0, "violation"), -1); /* the new SMBASE lies in TSEG */

  /* the next SMI enters at the relocated SMBASE and writes its map there */
  put_handler(m, NEW_SMBASE, h_halt, sizeof h_halt);
  size_t e1 = m->nevents;
  smi_and_run(m);
  assert_true(m->cpu[1].in_smm);
  assert_true(ev_find(m, e1, "smi_entry cpu=1 apic=1 smbase=0x1dfa000 from=0x200005 handler=0x1e02000") >= 0);
  assert_int_equal(rd32(m, NEW_SMBASE + OFF_SMBASE), NEW_SMBASE);
  assert_int_equal(rd64(m, NEW_SMBASE + OFF_RIP), CODE_ADDR + 5);
  struct cpu_mode cm;
  uc_context_restore(m->uc[VIEW_SMM], m->cpu[1].ctx);
  cm = cpu_mode_read(m->uc[VIEW_SMM], m->ram);
  assert_int_equal(cm.bits, 16);
  assert_int_equal(cm.cs_base, NEW_SMBASE); /* above 1 MiB: CS.base, not sel<<4 */
}

/* (b) Revision bit 17 cleared in the map before RSM: helper_rsm reads the
 * revision back from the map and does not load SMBASE (platform-facts
 * 1.6). Registers are still restored. */
static void test_rsm_ignores_smbase_without_bit17(void **state)
{
  struct machine *m = machine_of(state);
  cpu1_halted_in_guest(m);
  put_handler(m, SMBASE0, h_relocate_no_bit17, sizeof h_relocate_no_bit17);
  size_t e0 = m->nevents;
  smi_and_run(m);
  assert_int_equal(rd32(m, SMBASE0 + OFF_REVISION), 0x00000064u); /* what the guest left */
  assert_false(m->cpu[1].in_smm);
  assert_int_equal(m->cpu[1].smbase, SMBASE0);
  assert_false(m->cpu[1].relocated);
  assert_true(ev_find(m, e0, "rsm_smbase cpu=1 apic=1 written=0x1dfa000 loaded=0x30000 honoured=0") >= 0);
  assert_true(ev_find(m, e0, "rsm cpu=1 apic=1 smbase=0x30000 to=0x200001 smm_mode=real") >= 0);
  assert_int_equal(reg_of(m, 1, UC_X86_REG_RAX), RAX0);
  assert_int_equal(reg_of(m, 1, UC_X86_REG_RCX), RCX0 + 1);

  /* the next SMI still enters at 0x30000, and the revision is rewritten */
  put_handler(m, SMBASE0, h_halt, sizeof h_halt);
  size_t e1 = m->nevents;
  smi_and_run(m);
  assert_true(ev_find(m, e1, "smi_entry cpu=1 apic=1 smbase=0x30000 from=0x200005 handler=0x38000") >= 0);
  assert_int_equal(rd32(m, SMBASE0 + OFF_REVISION), 0x00020064u);
}

/* (c) Only RSM with a guest-written map changes SMBASE: an SMI whose
 * handler leaves the map alone keeps it, twice over, and RSM reports no
 * rsm_smbase (platform-facts 1.6: SMBASE is reloaded from the map, which
 * still holds the value do_smm_enter stored). */
static void test_smbase_unchanged_without_guest_write(void **state)
{
  struct machine *m = machine_of(state);
  cpu1_halted_in_guest(m);
  put_handler(m, SMBASE0, h_rsm, sizeof h_rsm);
  size_t e0 = m->nevents;
  smi_and_run(m);
  assert_int_equal(m->cpu[1].smbase, SMBASE0);
  assert_false(m->cpu[1].in_smm);
  assert_true(ev_find(m, e0, "smi_entry cpu=1 apic=1 smbase=0x30000 from=0x200001 handler=0x38000") >= 0);
  assert_true(ev_find(m, e0, "rsm cpu=1 apic=1 smbase=0x30000 to=0x200001 smm_mode=real") >= 0);
  /* a second SMI at the final hlt */
  smi_and_run(m);
  assert_int_equal(m->cpu[1].smm_entries, 2);
  assert_int_equal(m->cpu[1].smbase, SMBASE0);
  assert_false(m->cpu[1].relocated);
  assert_int_equal(ev_prefix(m, e0, "rsm_smbase"), -1);
  assert_int_equal(rd32(m, SMBASE0 + OFF_SMBASE), SMBASE0);
  assert_int_equal(rd64(m, SMBASE0 + OFF_RIP), CODE_ADDR + 5);
  assert_int_equal(reg_of(m, 1, UC_X86_REG_RCX), RCX0 + 1);
}

/* (d) RSM loads RIP and the GPRs from the map as the handler left it,
 * with no checks (platform-facts 1.6 "RSM restores everything listed above
 * from the map ... No checks of the restored values"): the edited RAX low
 * half comes back and RIP+3 skips the inc rcx. */
static void test_rsm_restores_from_edited_map(void **state)
{
  struct machine *m = machine_of(state);
  cpu1_halted_in_guest(m);
  put_handler(m, SMBASE0, h_edit_map, sizeof h_edit_map);
  size_t e0 = m->nevents;
  smi_and_run(m);
  assert_false(m->cpu[1].in_smm);
  assert_true(ev_find(m, e0, "rsm cpu=1 apic=1 smbase=0x30000 to=0x200004 smm_mode=real") >= 0);
  assert_int_equal(reg_of(m, 1, UC_X86_REG_RAX), 0x11223344CAFEF00Dull);
  assert_int_equal(reg_of(m, 1, UC_X86_REG_RCX), RCX0); /* inc rcx skipped */
  assert_int_equal(reg_of(m, 1, UC_X86_REG_RIP), CODE_ADDR + 5);
  assert_int_equal(m->cpu[1].smbase, SMBASE0);
  assert_int_equal(ev_prefix(m, e0, "rsm_smbase"), -1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, fixture_teardown)
  const struct CMUnitTest tests[] = {
    T(test_entry_map_and_mode),
    T(test_rsm_relocates_with_bit17),
    T(test_rsm_ignores_smbase_without_bit17),
    T(test_smbase_unchanged_without_guest_write),
    T(test_rsm_restores_from_edited_map),
  };
  return cmocka_run_group_tests_name("smm_entry", tests, NULL, NULL);
}
