/* SMRAM visibility by phase, through the real engines (harness/views.c
 * applied by the run loop): a vCPU outside SMM reads and writes a byte of
 * TSEG and of the default-SMBASE window 0x30000-0x4FFFF while the MCH
 * registers open, close and lock them; a vCPU in SMM still sees RAM.
 *
 * Sources: platform-facts.md 1.5 (MCH 0x9C: QUERY 0xFF reads back 0x01,
 * LCK 0x02 makes 0x30000..0x4FFFF a black hole outside SMM: reads
 * all-ones, writes dropped; an alias of RAM in SMRAM space), 1.8 (SMRAM
 * 0x9D G_SMRAME bit 3, ESMRAMC 0x9E H_SMRAME bit 7, TSEG_SZ bits 2:1,
 * T_EN bit 0; TSEG ends at the top of low RAM), §4 checklist item 7;
 * QEMU hw/pci-host/q35.c mch_update_smram.
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

#define CODE_ADDR   0x200000u
#define SMM_CODE    (SMMHP_TSEG_BASE + 0x10000u)  /* SMM code must itself lie in SMRAM */
#define TSEG_BYTE   (SMMHP_TSEG_BASE + 0x100u)    /* 0x1800100 */
#define WIN_BYTE    0x38000u                      /* default SMBASE + 0x8000 */
#define MCH_DEVFN   0x00

/* 64-bit flat code: read both bytes, then store to both. */
static const uint8_t probe[] = {
  0x8A, 0x04, 0x25, 0x00, 0x01, 0x80, 0x01,       /* mov al, [0x1800100] */
  0x8A, 0x1C, 0x25, 0x00, 0x80, 0x03, 0x00,       /* mov bl, [0x38000] */
  0xC6, 0x04, 0x25, 0x00, 0x01, 0x80, 0x01, 0x5A, /* mov byte [0x1800100], 0x5A */
  0xC6, 0x04, 0x25, 0x00, 0x80, 0x03, 0x00, 0xA5, /* mov byte [0x38000], 0xA5 */
  0xF4,                                           /* hlt */
};

/* The guest closes TSEG itself through PCI config mechanism #1
 * (platform-facts 1.8) and reads TSEG with the very next instruction. */
static const uint8_t close_then_read[] = {
  0x8A, 0x1C, 0x25, 0x00, 0x01, 0x80, 0x01,       /* mov bl, [0x1800100] (open) */
  0xBA, 0xF8, 0x0C, 0x00, 0x00,                   /* mov edx, 0xCF8 */
  0xB8, 0x9C, 0x00, 0x00, 0x80,                   /* mov eax, 0x8000009C (00:00.0 reg 0x9C) */
  0xEF,                                           /* out dx, eax */
  0xBA, 0xFD, 0x0C, 0x00, 0x00,                   /* mov edx, 0xCFD (reg 0x9D) */
  0xB0, 0x0A,                                     /* mov al, 0x0A: G_SMRAME | C_BASE_SEG 010b */
  0xEE,                                           /* out dx, al */
  0xBA, 0xFE, 0x0C, 0x00, 0x00,                   /* mov edx, 0xCFE (reg 0x9E) */
  0xB0, 0x85,                                     /* mov al, 0x85: H_SMRAME | TSEG 8 MiB | T_EN */
  0xEE,                                           /* out dx, al */
  0x8A, 0x0C, 0x25, 0x00, 0x01, 0x80, 0x01,       /* mov cl, [0x1800100] (closed) */
  0xF4,                                           /* hlt */
};

static int setup(void **state)
{
  return fixture_setup(state, &(struct fixture_config){ .possible_cpus = 2, .seed = 7 });
}

/* Fresh RAM contents at both places, then run the probe on `slot`. */
static void run_probe(struct machine *m, unsigned slot, enum view vw, uint64_t at)
{
  uint8_t t = 0x11, w = 0x22;
  machine_phys_write(m, TSEG_BYTE, &t, 1);
  machine_phys_write(m, WIN_BYTE, &w, 1);
  machine_phys_write(m, at, probe, sizeof probe);
  start_flat(m, slot, vw, at);
  assert_int_equal(machine_run(m, cpu_halted, (void *)(uintptr_t)slot, 100000), RUN_DONE);
  assert_false(m->cpu[slot].dead);
}

static void close_tseg(struct machine *m)
{
  chipset_pci_write(&m->chipset, MCH_DEVFN, MCH_SMRAM, 1, MCH_SMRAM_G_SMRAME | MCH_SMRAM_DEFAULT);
  chipset_pci_write(&m->chipset, MCH_DEVFN, MCH_ESMRAMC, 1,
                    MCH_ESMRAMC_H_SMRAME | MCH_ESMRAMC_TSEG_8MB | MCH_ESMRAMC_T_EN);
}

static void lock_window(struct machine *m)
{
  chipset_pci_write(&m->chipset, MCH_DEVFN, MCH_F_SMBASE, 1, MCH_F_SMBASE_QUERY);
  assert_int_equal(chipset_pci_read(&m->chipset, MCH_DEVFN, MCH_F_SMBASE, 1), MCH_F_SMBASE_IN_RAM);
  chipset_pci_write(&m->chipset, MCH_DEVFN, MCH_F_SMBASE, 1, MCH_F_SMBASE_LCK);
  assert_int_equal(chipset_pci_read(&m->chipset, MCH_DEVFN, MCH_F_SMBASE, 1), MCH_F_SMBASE_LCK);
}

/* Before anything is closed or locked both ranges are ordinary RAM
 * (platform-facts 1.5 "Before locking the range is ordinary RAM"; TSEG
 * open while T_EN is clear, 1.8). */
static void test_open_reads_ram_writes_land(void **state)
{
  struct machine *m = machine_of(state);
  size_t e0 = m->nevents;
  run_probe(m, 0, VIEW_NORMAL, CODE_ADDR);
  assert_int_equal(reg8(m, 0, UC_X86_REG_AL), 0x11);
  assert_int_equal(reg8(m, 0, UC_X86_REG_BL), 0x22);
  assert_int_equal(m->ram[TSEG_BYTE], 0x5A);
  assert_int_equal(m->ram[WIN_BYTE], 0xA5);
  assert_int_equal(ev_count(m, e0, "smram_write_dropped"), 0);
  assert_int_equal(ev_count(m, e0, "view_change"), 0);
  assert_int_equal(ev_count(m, e0, "violation"), 0);
}

/* TSEG closed (T_EN && G_SMRAME, H_SMRAME set): outside SMM TSEG reads
 * all-ones and drops writes; the window is still RAM (platform-facts 1.8,
 * q35 mch_update_smram). Dropped writes are not violations. */
static void test_tseg_closed_is_black_hole(void **state)
{
  struct machine *m = machine_of(state);
  run_probe(m, 0, VIEW_NORMAL, CODE_ADDR); /* translate the probe while open */
  close_tseg(m);
  size_t e0 = m->nevents;
  run_probe(m, 0, VIEW_NORMAL, CODE_ADDR);
  assert_int_equal(reg8(m, 0, UC_X86_REG_AL), 0xFF);
  assert_int_equal(reg8(m, 0, UC_X86_REG_BL), 0x22);
  assert_int_equal(m->ram[TSEG_BYTE], 0x11);  /* dropped */
  assert_int_equal(m->ram[WIN_BYTE], 0xA5);   /* landed */
  assert_true(ev_find(m, e0, "view_change tseg=closed base=0x1800000 size=0x800000") >= 0);
  assert_true(ev_find(m, e0, "smram_write_dropped cpu=0 addr=0x1800100 size=1") >= 0);
  assert_int_equal(ev_count(m, e0, "smram_write_dropped"), 1);
  assert_int_equal(ev_count(m, e0, "violation"), 0);
  assert_false(m->violation);
}

/* 0x9C QUERY then LCK: the window becomes a black hole outside SMM too
 * (platform-facts 1.5); with TSEG closed both reads give 0xFF and both
 * writes are dropped, without a violation. */
static void test_window_locked_is_black_hole(void **state)
{
  struct machine *m = machine_of(state);
  close_tseg(m);
  run_probe(m, 0, VIEW_NORMAL, CODE_ADDR);
  assert_int_equal(reg8(m, 0, UC_X86_REG_BL), 0x22); /* not locked yet: RAM */
  lock_window(m);
  size_t e0 = m->nevents;
  run_probe(m, 0, VIEW_NORMAL, CODE_ADDR);
  assert_int_equal(reg8(m, 0, UC_X86_REG_AL), 0xFF);
  assert_int_equal(reg8(m, 0, UC_X86_REG_BL), 0xFF);
  assert_int_equal(m->ram[TSEG_BYTE], 0x11);
  assert_int_equal(m->ram[WIN_BYTE], 0x22);
  assert_true(ev_find(m, e0, "view_change default_smbase_window=locked") >= 0);
  assert_true(ev_find(m, e0, "smram_write_dropped cpu=0 addr=0x1800100 size=1") >= 0);
  assert_true(ev_find(m, e0, "smram_write_dropped cpu=0 addr=0x38000 size=1") >= 0);
  assert_int_equal(ev_count(m, e0, "violation"), 0);
  assert_false(m->violation);
}

/* Locking the window alone (TSEG open): only the window is a hole. */
static void test_window_locked_tseg_open(void **state)
{
  struct machine *m = machine_of(state);
  lock_window(m);
  size_t e0 = m->nevents;
  run_probe(m, 0, VIEW_NORMAL, CODE_ADDR);
  assert_int_equal(reg8(m, 0, UC_X86_REG_AL), 0x11);
  assert_int_equal(reg8(m, 0, UC_X86_REG_BL), 0xFF);
  assert_int_equal(m->ram[TSEG_BYTE], 0x5A);
  assert_int_equal(m->ram[WIN_BYTE], 0x22);
  assert_true(ev_find(m, e0, "smram_write_dropped cpu=0 addr=0x38000 size=1") >= 0);
  assert_int_equal(ev_count(m, e0, "smram_write_dropped"), 1);
  assert_int_equal(ev_count(m, e0, "violation"), 0);
}

/* In SMM the SMRAM address space maps TSEG and the window to RAM
 * (platform-facts 1.5 "in the SMRAM address space an alias to the
 * underlying RAM"): an SMM vCPU reads the RAM bytes and its stores land,
 * while a vCPU outside SMM still sees the holes. */
static void test_smm_vcpu_sees_ram(void **state)
{
  struct machine *m = machine_of(state);
  close_tseg(m);
  lock_window(m);
  run_probe(m, 0, VIEW_NORMAL, CODE_ADDR); /* applies the views to the normal engine */
  assert_int_equal(reg8(m, 0, UC_X86_REG_AL), 0xFF);
  size_t e0 = m->nevents;
  run_probe(m, 1, VIEW_SMM, SMM_CODE);
  assert_int_equal(reg8(m, 1, UC_X86_REG_AL), 0x11);
  assert_int_equal(reg8(m, 1, UC_X86_REG_BL), 0x22);
  assert_int_equal(m->ram[TSEG_BYTE], 0x5A);
  assert_int_equal(m->ram[WIN_BYTE], 0xA5);
  assert_int_equal(ev_count(m, e0, "smram_write_dropped"), 0);
  assert_int_equal(ev_count(m, e0, "violation"), 0);
  /* and the normal vCPU, run again, still reads all-ones */
  m->cpu[1].state = VCPU_HALTED;
  run_probe(m, 0, VIEW_NORMAL, CODE_ADDR);
  assert_int_equal(reg8(m, 0, UC_X86_REG_AL), 0xFF);
  assert_int_equal(reg8(m, 0, UC_X86_REG_BL), 0xFF);
}

/* A guest config write that closes TSEG takes effect at the next
 * instruction of the same vCPU (QEMU updates the memory regions inside the
 * config write): the read right after the OUT sees the hole. */
static void test_guest_close_applies_at_next_instruction(void **state)
{
  struct machine *m = machine_of(state);
  uint8_t t = 0x11;
  machine_phys_write(m, TSEG_BYTE, &t, 1);
  machine_phys_write(m, CODE_ADDR, close_then_read, sizeof close_then_read);
  start_flat(m, 0, VIEW_NORMAL, CODE_ADDR);
  size_t e0 = m->nevents;
  assert_int_equal(machine_run(m, cpu_halted, (void *)0, 100000), RUN_DONE);
  /* 0x85 written; SM_CACHE|SM_L1|SM_L2 (0x38, q35.h ESMRAMC default) are read-only */
  assert_int_equal(chipset_pci_read(&m->chipset, MCH_DEVFN, MCH_ESMRAMC, 1), 0xBD);
  assert_int_equal(reg8(m, 0, UC_X86_REG_BL), 0x11);
  assert_int_equal(reg8(m, 0, UC_X86_REG_CL), 0xFF);
  assert_true(ev_find(m, e0, "view_change tseg=closed base=0x1800000 size=0x800000") >= 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, fixture_teardown)
  const struct CMUnitTest tests[] = {
    T(test_open_reads_ram_writes_land),
    T(test_tseg_closed_is_black_hole),
    T(test_window_locked_is_black_hole),
    T(test_window_locked_tseg_open),
    T(test_smm_vcpu_sees_ram),
    T(test_guest_close_applies_at_next_instruction),
  };
  return cmocka_run_group_tests_name("views", tests, NULL, NULL);
}
