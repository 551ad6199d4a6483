/* The SEV memory-encryption model (harness/sev.c, docs/sev-model.md)
 * through the real engines: a vCPU's stores decide private or shared,
 * the platform (machine_phys_read/write, as RSM and fw_cfg DMA use them)
 * sees ciphertext for private bytes.
 *
 * Sources: AMD APM vol. 2 15.34 (with paging off every access is
 * private; with paging on the C-bit of the mapping decides); OvmfPkg
 * bounces fw_cfg DMA through shared pages (our SMMHP_FWCFG_DMA_BUFFER).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "run_internal.h"
#include "sev.h"
#include "smmhp/memmap.h"
#include "support/machine_fixture.h"

#define REAL_CODE 0x1000u   /* CS = 0x100, IP = 0 */
#define DATA      0x2000u
#define VALUE     0x12345678u

/* 16-bit: mov dword [0x2000], 0x12345678; hlt */
static const uint8_t real_store[] = { 0x66, 0xC7, 0x06, 0x00, 0x20, 0x78, 0x56, 0x34, 0x12, 0xF4 };
/* 64-bit: mov dword [SMMHP_FWCFG_DMA_BUFFER], 0x12345678; hlt */
static const uint8_t flat_store_dma[] = { 0xC7, 0x04, 0x25, 0x00, 0x00, 0x40, 0x00,
                                          0x78, 0x56, 0x34, 0x12, 0xF4 };

static int setup_sev(void **state, bool sev)
{
  struct machine *m = calloc(1, sizeof *m);
  struct machine_config cfg = { .boot_cpus = 1, .possible_cpus = 2, .smm = true, .sev = sev,
                                .seed = 1, .budget = 100000, .smi_host_features = 7 };
  assert_non_null(m);
  assert_int_equal(machine_init(m, &cfg), 0);
  *state = m;
  return 0;
}
static int setup_on(void **state) { return setup_sev(state, true); }
static int setup_off(void **state) { return setup_sev(state, false); }

static void run_real_store(struct machine *m)
{
  struct vcpu *v = &m->cpu[0];
  if (v->state == VCPU_ABSENT)
    assert_int_equal(machine_cpu_plug(m, 0, false), 0);
  memcpy(m->ram + REAL_CODE, real_store, sizeof real_store);
  machine_code_written(m, REAL_CODE, sizeof real_store);
  cpu_start_real(m, v, VIEW_NORMAL, REAL_CODE, 0);
  uc_context_save(m->uc[VIEW_NORMAL], v->ctx);
  v->state = VCPU_RUN;
  v->in_smm = false;
  assert_int_equal(machine_run(m, cpu_halted, (void *)(uintptr_t)0, 1000), RUN_DONE);
}

static uint32_t guest32(struct machine *m, uint64_t addr)
{
  uint32_t x;
  memcpy(&x, m->ram + addr, sizeof x); /* RAM holds the guest's view */
  return x;
}

static uint32_t platform32(struct machine *m, uint64_t addr)
{
  uint32_t x;
  machine_phys_read(m, addr, &x, sizeof x);
  return x;
}

/* R1: paging off -> private; the platform reads ciphertext. */
static void private_write_paging_off(void **state)
{
  struct machine *m = machine_of(state);
  run_real_store(m);
  assert_int_equal(guest32(m, DATA), VALUE);
  assert_true(sev_byte_private(m, DATA));
  assert_true(sev_byte_private(m, DATA + 15));     /* the whole 16-byte block */
  assert_false(sev_byte_private(m, DATA + 16));
  assert_int_not_equal(platform32(m, DATA), VALUE);
  /* deterministic and address-dependent */
  assert_int_equal(platform32(m, DATA), platform32(m, DATA));
  uint8_t blk[SEV_BLOCK], a[SEV_BLOCK], b[SEV_BLOCK];
  memcpy(blk, m->ram + DATA, SEV_BLOCK);
  sev_cipher_block(1, DATA, blk, a);
  sev_cipher_block(1, DATA + SEV_BLOCK, blk, b);
  assert_memory_not_equal(a, b, SEV_BLOCK);
}

/* R3: flat long mode storing into the fw_cfg DMA bounce page -> shared. */
static void shared_write_platform_equal(void **state)
{
  struct machine *m = machine_of(state);
  memcpy(m->ram + 0x200000, flat_store_dma, sizeof flat_store_dma);
  start_flat(m, 0, VIEW_NORMAL, 0x200000);
  assert_int_equal(machine_run(m, cpu_halted, (void *)(uintptr_t)0, 1000), RUN_DONE);
  assert_false(sev_byte_private(m, SMMHP_FWCFG_DMA_BUFFER));
  assert_int_equal(platform32(m, SMMHP_FWCFG_DMA_BUFFER), VALUE);
}

/* A platform write makes the bytes plaintext; a private guest store
 * makes them ciphertext again. */
static void platform_write_then_private(void **state)
{
  struct machine *m = machine_of(state);
  uint32_t plain = 0xCAFEF00Du;
  machine_phys_write(m, DATA, &plain, sizeof plain);
  assert_false(sev_byte_private(m, DATA));
  assert_int_equal(platform32(m, DATA), plain);
  run_real_store(m);
  assert_true(sev_byte_private(m, DATA));
  assert_int_equal(guest32(m, DATA), VALUE);
  assert_int_not_equal(platform32(m, DATA), VALUE);
}

/* sev=off: no model, the platform sees what the guest wrote. */
static void sev_off_no_effect(void **state)
{
  struct machine *m = machine_of(state);
  assert_null(m->sev);
  run_real_store(m);
  assert_false(sev_byte_private(m, DATA));
  assert_int_equal(platform32(m, DATA), VALUE);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(private_write_paging_off, setup_on, fixture_teardown),
    cmocka_unit_test_setup_teardown(shared_write_platform_equal, setup_on, fixture_teardown),
    cmocka_unit_test_setup_teardown(platform_write_then_private, setup_on, fixture_teardown),
    cmocka_unit_test_setup_teardown(sev_off_no_effect, setup_off, fixture_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
