/* Engine facts the machine depends on (DESIGN.md, "Unicorn 2.0.1"):
 * translations are per engine and go stale when another engine or the
 * harness rewrites code; the machine invalidates them. Real-mode CS bases
 * (also above 1 MiB) are reached through the trampoline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cpu_mode.h"
#include "run_internal.h"
#include "support/machine_fixture.h"

#define CODE_ADDR 0x200000u

static const uint8_t mov_eax_1_hlt[] = { 0xB8, 0x01, 0x00, 0x00, 0x00, 0xF4 };

static uint64_t run_raw(uc_engine *uc, uint64_t at)
{
  uint64_t rax = 0;
  uc_reg_write(uc, UC_X86_REG_RAX, &rax);
  assert_int_equal(uc_emu_start(uc, at, at + 0x1000, 0, 0), UC_ERR_OK);
  uc_reg_read(uc, UC_X86_REG_RAX, &rax);
  return rax;
}

/* The Unicorn fact itself: engine A keeps running its stale translation
 * after the host rewrites the code, until the range is removed. */
static void test_stale_translation_without_invalidation(void **state)
{
  (void)state;
  static uint8_t ram[0x400000] __attribute__((aligned(4096)));
  uc_engine *a, *b;
  assert_int_equal(uc_open(UC_ARCH_X86, UC_MODE_64, &a), UC_ERR_OK);
  assert_int_equal(uc_open(UC_ARCH_X86, UC_MODE_64, &b), UC_ERR_OK);
  uc_mem_map_ptr(a, 0, sizeof ram, UC_PROT_ALL, ram);
  uc_mem_map_ptr(b, 0, sizeof ram, UC_PROT_ALL, ram);
  memcpy(ram + CODE_ADDR, mov_eax_1_hlt, sizeof mov_eax_1_hlt);
  assert_int_equal(run_raw(a, CODE_ADDR), 1);
  ram[CODE_ADDR + 1] = 2; /* the host rewrites the immediate */
  assert_int_equal(run_raw(b, CODE_ADDR), 2);
  assert_int_equal(run_raw(a, CODE_ADDR), 1); /* stale in A */
  uc_ctl_remove_cache(a, CODE_ADDR, CODE_ADDR + 0x1000);
  assert_int_equal(run_raw(a, CODE_ADDR), 2);
  uc_close(a);
  uc_close(b);
}

static int setup(void **state)
{
  return fixture_setup(state, &(struct fixture_config){ .possible_cpus = 2, .seed = 1 });
}

/* The harness writes code (e.g. a snapshot restore): the machine's own
 * invalidation makes the engine see it. */
static void test_harness_write_invalidates(void **state)
{
  struct machine *m = machine_of(state);
  machine_phys_write(m, CODE_ADDR, mov_eax_1_hlt, sizeof mov_eax_1_hlt);
  start_flat(m, 0, VIEW_NORMAL, CODE_ADDR);
  assert_int_equal(machine_run(m, cpu_halted, (void *)0, 100000), RUN_DONE);
  assert_int_equal(reg_of(m, 0, UC_X86_REG_RAX), 1);
  uint8_t two = 2;
  machine_phys_write(m, CODE_ADDR + 1, &two, 1);
  start_flat(m, 0, VIEW_NORMAL, CODE_ADDR);
  assert_int_equal(machine_run(m, cpu_halted, (void *)0, 100000), RUN_DONE);
  assert_int_equal(reg_of(m, 0, UC_X86_REG_RAX), 2);
}

/* Code written by a guest store through the SMM engine (as the pen is)
 * and then run through the normal engine. */
static void test_guest_write_in_other_engine_invalidates(void **state)
{
  struct machine *m = machine_of(state);
  /* SMM-side writer: mov byte [CODE_ADDR+1], 3 ; hlt */
  static const uint8_t writer[] = { 0xC6, 0x04, 0x25, 0x01, 0x00, 0x20, 0x00, 0x03, 0xF4 };
  machine_phys_write(m, CODE_ADDR, mov_eax_1_hlt, sizeof mov_eax_1_hlt);
  machine_phys_write(m, CODE_ADDR + 0x10000, writer, sizeof writer);
  start_flat(m, 0, VIEW_NORMAL, CODE_ADDR);
  assert_int_equal(machine_run(m, cpu_halted, (void *)0, 100000), RUN_DONE);
  assert_int_equal(reg_of(m, 0, UC_X86_REG_RAX), 1); /* translated in the normal engine */
  m->cpu[0].state = VCPU_HALTED;
  start_flat(m, 1, VIEW_SMM, CODE_ADDR + 0x10000);
  m->cpu[0].state = VCPU_HALTED;
  assert_int_equal(machine_run(m, cpu_halted, (void *)1, 100000), RUN_DONE);
  assert_int_equal(m->ram[CODE_ADDR + 1], 3);
  m->cpu[1].in_smm = false;
  m->cpu[1].state = VCPU_HALTED;
  start_flat(m, 0, VIEW_NORMAL, CODE_ADDR);
  assert_int_equal(machine_run(m, cpu_halted, (void *)0, 100000), RUN_DONE);
  assert_int_equal(reg_of(m, 0, UC_X86_REG_RAX), 3);
}

/* The calibrated offsets hold each segment's cache: a 16-bit engine with
 * distinct selectors shows selector and selector << 4 at every offset,
 * and the four offsets are distinct. */
static void test_segment_cache_offsets(void **state)
{
  (void)state;
  static const int ucr[CPU_SEG_N] = { UC_X86_REG_ES, UC_X86_REG_CS, UC_X86_REG_SS, UC_X86_REG_DS };
  static const uint16_t sel[CPU_SEG_N] = { 0x0a0a, 0x0b0b, 0x0c0c, 0x0d0d };
  uc_engine *u;
  uc_context *c;
  assert_int_equal(uc_open(UC_ARCH_X86, UC_MODE_16, &u), UC_ERR_OK);
  for (int s = 0; s < CPU_SEG_N; s++)
    uc_reg_write(u, ucr[s], &sel[s]);
  assert_int_equal(uc_context_alloc(u, &c), UC_ERR_OK);
  uc_context_save(u, c);
  for (int s = 0; s < CPU_SEG_N; s++) {
    long off = cpu_mode_seg_cache_offset((enum cpu_seg)s);
    assert_true(off >= 0);
    for (int t = 0; t < s; t++)
      assert_int_not_equal(off, cpu_mode_seg_cache_offset((enum cpu_seg)t));
    uint32_t v;
    uint64_t base;
    memcpy(&v, (const uint8_t *)c + off, 4);
    memcpy(&base, (const uint8_t *)c + off + 8, 8);
    assert_int_equal(v, sel[s]);
    assert_int_equal(base, (uint64_t)sel[s] << 4);
  }
  uc_context_free(c);
  uc_close(u);
}

/* CS.base above 1 MiB in 16-bit code (an SMI entry at a relocated
 * SMBASE): reached through the trampoline; CS-relative data works. */
static void test_real_mode_cs_base_above_1mib(void **state)
{
  struct machine *m = machine_of(state);
  const uint64_t smbase = 0x1DF8000;
  /* mov eax,cr0 ; and al,0xfe ; mov cr0,eax ; mov bx,[cs:0x8100] ; hlt */
  static const uint8_t stub[] = { 0x0F, 0x20, 0xC0, 0x24, 0xFE, 0x0F, 0x22, 0xC0,
                                  0x2E, 0x8B, 0x1E, 0x00, 0x81, 0xF4 };
  machine_phys_write(m, smbase + 0x8000, stub, sizeof stub);
  m->ram[smbase + 0x8100] = 0x34;
  m->ram[smbase + 0x8101] = 0x12;
  struct vcpu *v = &m->cpu[0];
  assert_int_equal(machine_cpu_plug(m, 0, false), 0);
  cpu_start_real(m, v, VIEW_SMM, smbase, 0x8000);
  uc_context_save(m->uc[VIEW_SMM], v->ctx);
  struct cpu_mode cm = cpu_mode_read(m->uc[VIEW_SMM], m->ram);
  assert_int_equal(cm.bits, 16);
  assert_int_equal(cm.cs_base, smbase);
  v->state = VCPU_RUN;
  v->in_smm = true;
  assert_int_equal(machine_run(m, cpu_halted, (void *)0, 100000), RUN_DONE);
  uint64_t bx = 0, cr0 = 0;
  uc_context_restore(m->uc[VIEW_SMM], v->ctx);
  uc_reg_read(m->uc[VIEW_SMM], UC_X86_REG_RBX, &bx);
  uc_reg_read(m->uc[VIEW_SMM], UC_X86_REG_CR0, &cr0);
  assert_int_equal(bx & 0xFFFF, 0x1234);
  assert_int_equal(cr0 & 1, 0); /* real mode again */
}

/* Below 1 MiB (the default SMBASE, SIPI vectors): true real mode. */
static void test_real_mode_cs_base_below_1mib(void **state)
{
  struct machine *m = machine_of(state);
  struct vcpu *v = &m->cpu[0];
  assert_int_equal(machine_cpu_plug(m, 0, false), 0);
  cpu_start_real(m, v, VIEW_SMM, 0x30000, 0x8000);
  struct cpu_mode cm = cpu_mode_read(m->uc[VIEW_SMM], m->ram);
  assert_true(cm.real);
  assert_int_equal(cm.cs_sel, 0x3000);
  assert_int_equal(cm.cs_base, 0x30000);
  uint64_t rip = 0;
  uc_reg_read(m->uc[VIEW_SMM], UC_X86_REG_RIP, &rip);
  assert_int_equal(rip, 0x8000);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_stale_translation_without_invalidation),
    cmocka_unit_test(test_segment_cache_offsets),
    cmocka_unit_test_setup_teardown(test_harness_write_invalidates, setup, fixture_teardown),
    cmocka_unit_test_setup_teardown(test_guest_write_in_other_engine_invalidates, setup, fixture_teardown),
    cmocka_unit_test_setup_teardown(test_real_mode_cs_base_above_1mib, setup, fixture_teardown),
    cmocka_unit_test_setup_teardown(test_real_mode_cs_base_below_1mib, setup, fixture_teardown),
  };
  return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
