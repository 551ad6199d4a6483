/* Each invariant fed a violating state, and a state that holds
 * (DESIGN.md "Checks and verdicts"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "invariants.h"
#include "smmhp/memmap.h"

static const struct inv_smram closed = {
  .tseg_base = SMMHP_TSEG_BASE, .tseg_size = SMMHP_TSEG_SIZE, .tseg_closed = true, .window_locked = true,
};

static void test_smm_fetch_inside_smram_holds(void **state)
{
  (void)state;
  assert_int_equal(inv_smm_fetch(&closed, SMMHP_TSEG_BASE + 0x1000, 32), INV_OK);
  assert_int_equal(inv_smm_fetch(&closed, 0x38000, 16), INV_OK);
}

static void test_smm_fetch_outside_smram_violates(void **state)
{
  (void)state;
  /* the post-SMM pen page is normal RAM: executing it in SMM is a breach */
  assert_int_equal(inv_smm_fetch(&closed, 0x9F000, 8), INV_SMM_EXEC_OUTSIDE_SMRAM);
  /* a block straddling the end of TSEG */
  assert_int_equal(inv_smm_fetch(&closed, SMMHP_TSEG_BASE + SMMHP_TSEG_SIZE - 4, 8), INV_SMM_EXEC_OUTSIDE_SMRAM);
}

static void test_smm_fetch_window_before_lock_is_allowed(void **state)
{
  (void)state;
  /* boot-time relocation runs at 0x38000 before the window is locked */
  struct inv_smram open = closed;
  open.window_locked = false;
  open.tseg_closed = false;
  assert_int_equal(inv_smm_fetch(&open, 0x38000, 16), INV_OK);
}

static void test_os_written_byte_in_smm_violates(void **state)
{
  (void)state;
  uint8_t *bits = calloc((SMMHP_TSEG_BASE + SMMHP_TSEG_SIZE) / 8, 1);
  assert_int_equal(inv_smm_fetch_os_bytes(bits, SMMHP_TSEG_BASE + SMMHP_TSEG_SIZE, 0x38000, 16), INV_OK);
  uint64_t a = 0x38007;
  bits[a >> 3] |= 1u << (a & 7);
  assert_int_equal(inv_smm_fetch_os_bytes(bits, SMMHP_TSEG_BASE + SMMHP_TSEG_SIZE, 0x38000, 16), INV_SMM_EXEC_OS_BYTE);
  assert_int_equal(inv_smm_fetch_os_bytes(bits, SMMHP_TSEG_BASE + SMMHP_TSEG_SIZE, 0x38008, 16), INV_OK);
  free(bits);
}

static void test_relocated_smbase_outside_tseg_violates(void **state)
{
  (void)state;
  assert_int_equal(inv_relocated_smbase(&closed, SMMHP_SMBASE_OF_SLOT(1), true), INV_OK);
  /* an SMBASE left in OS RAM (e.g. 0x30000 after the window... or 0x90000) */
  assert_int_equal(inv_relocated_smbase(&closed, 0x90000, true), INV_SMBASE_OUTSIDE_TSEG);
  /* entry inside TSEG but its save-state map past the end */
  assert_int_equal(inv_relocated_smbase(&closed, SMMHP_TSEG_BASE + SMMHP_TSEG_SIZE - 0x9000, true),
                   INV_SMBASE_OUTSIDE_TSEG);
}

static void test_relocated_smbase_without_handler_violates(void **state)
{
  (void)state;
  assert_int_equal(inv_relocated_smbase(&closed, SMMHP_SMBASE_OF_SLOT(2), false), INV_SMBASE_NO_HANDLER);
}

static void test_two_cpus_one_smbase_violates(void **state)
{
  (void)state;
  uint64_t sb[3] = { SMMHP_SMBASE_OF_SLOT(0), SMMHP_SMBASE_OF_SLOT(1), SMMHP_SMBASE_OF_SLOT(1) };
  bool rel[3] = { true, true, true };
  size_t a = 0, b = 0;
  assert_int_equal(inv_smbase_unique(sb, rel, 3, &a, &b), INV_SMBASE_SHARED);
  assert_int_equal(a, 1);
  assert_int_equal(b, 2);
  /* CPUs not yet relocated all sit at 0x30000: not a violation */
  uint64_t reset[3] = { 0x30000, 0x30000, SMMHP_SMBASE_OF_SLOT(0) };
  bool rel2[3] = { false, false, true };
  assert_int_equal(inv_smbase_unique(reset, rel2, 3, &a, &b), INV_OK);
  /* the pairs of one CPU: the run checks the CPU just relocated */
  a = b = 9;
  assert_int_equal(inv_smbase_unique_for(sb, rel, 3, 2, &a, &b), INV_SMBASE_SHARED);
  assert_int_equal(a, 1);
  assert_int_equal(b, 2);
  assert_int_equal(inv_smbase_unique_for(sb, rel, 3, 1, &a, &b), INV_SMBASE_SHARED);
  assert_int_equal(a, 1);
  assert_int_equal(b, 2);
  assert_int_equal(inv_smbase_unique_for(sb, rel, 3, 0, &a, &b), INV_OK);
  assert_int_equal(inv_smbase_unique_for(reset, rel2, 3, 0, &a, &b), INV_OK); /* not relocated */
  assert_int_equal(inv_smbase_unique_for(sb, rel, 3, 3, &a, &b), INV_OK);     /* no such CPU */
}

static void test_store_into_smram_outside_smm_violates(void **state)
{
  (void)state;
  assert_int_equal(inv_store_outside_smm(&closed, SMMHP_TSEG_BASE + 8, 4), INV_SMRAM_WRITTEN_OUTSIDE_SMM);
  assert_int_equal(inv_store_outside_smm(&closed, 0x3FFFE, 4), INV_SMRAM_WRITTEN_OUTSIDE_SMM);
  assert_int_equal(inv_store_outside_smm(&closed, 0x9F000, 4), INV_OK);
  /* before closing and locking the same stores are ordinary RAM writes */
  struct inv_smram open = { .tseg_base = SMMHP_TSEG_BASE, .tseg_size = SMMHP_TSEG_SIZE };
  assert_int_equal(inv_store_outside_smm(&open, SMMHP_TSEG_BASE + 8, 4), INV_OK);
  assert_int_equal(inv_store_outside_smm(&open, 0x38000, 4), INV_OK);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_smm_fetch_inside_smram_holds),
    cmocka_unit_test(test_smm_fetch_outside_smram_violates),
    cmocka_unit_test(test_smm_fetch_window_before_lock_is_allowed),
    cmocka_unit_test(test_os_written_byte_in_smm_violates),
    cmocka_unit_test(test_relocated_smbase_outside_tseg_violates),
    cmocka_unit_test(test_relocated_smbase_without_handler_violates),
    cmocka_unit_test(test_two_cpus_one_smbase_violates),
    cmocka_unit_test(test_store_into_smram_outside_smm_violates),
  };
  return cmocka_run_group_tests_name("invariants", tests, NULL, NULL);
}
