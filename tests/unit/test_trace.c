/* --trace: group parsing, the group filter, and the exact lines of each
 * group on a firmware-less machine running a tiny guest program.
 *
 * The cpuhp and apm lines must be what QEMU 7.2 prints for the same
 * accesses (hw/acpi/trace-events "# cpu.c", hw/isa/trace-events
 * "# apm.c", with `-trace` and no pid/timestamp prefix); smm_*, ipi_*
 * and insn lines are ours (docs/tracing.md).
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

#define CODE_ADDR 0x200000u
#define SMM_ENTRY (SMMHP_DEFAULT_SMBASE + SMMHP_SMM_HANDLER_OFFSET)

/* Register-block accesses in flat 64-bit code (assembled with GNU as):
 * selector 0; GET_PENDING; read flags, data, data2; clear insert; OST
 * event 0x103 and status 0; GET_CPU_ID and read it; eject and fw-remove
 * of the boot CPU (invalid); selector 0xff then a command (invalid
 * selector); APM_STS 0x5a written and read back; nop; hlt. */
static const uint8_t prog_cpuhp_apm[] = {
  0x66, 0xba, 0xd8, 0x0c, 0x31, 0xc0, 0xef,             /* mov dx,0xcd8; xor eax,eax; out dx,eax */
  0x66, 0xba, 0xdd, 0x0c, 0xee,                         /* mov dx,0xcdd; out dx,al (GET_PENDING) */
  0x66, 0xba, 0xdc, 0x0c, 0xec,                         /* mov dx,0xcdc; in al,dx (flags) */
  0x66, 0xba, 0xe0, 0x0c, 0xed,                         /* mov dx,0xce0; in eax,dx (data) */
  0x66, 0xba, 0xd8, 0x0c, 0xed,                         /* mov dx,0xcd8; in eax,dx (data2) */
  0x66, 0xba, 0xdc, 0x0c, 0xb0, 0x02, 0xee,             /* flags <- 2: clear insert */
  0x66, 0xba, 0xdd, 0x0c, 0xb0, 0x01, 0xee,             /* cmd <- 1: OST event */
  0x66, 0xba, 0xe0, 0x0c, 0xb8, 0x03, 0x01, 0x00, 0x00, 0xef, /* data <- 0x103 */
  0x66, 0xba, 0xdd, 0x0c, 0xb0, 0x02, 0xee,             /* cmd <- 2: OST status */
  0x66, 0xba, 0xe0, 0x0c, 0x31, 0xc0, 0xef,             /* data <- 0 */
  0x66, 0xba, 0xdd, 0x0c, 0xb0, 0x03, 0xee,             /* cmd <- 3: GET_CPU_ID */
  0x66, 0xba, 0xe0, 0x0c, 0xed,                         /* in eax,dx (data) */
  0x66, 0xba, 0xd8, 0x0c, 0x31, 0xc0, 0xef,             /* selector <- 0 */
  0x66, 0xba, 0xdc, 0x0c, 0xb0, 0x08, 0xee,             /* flags <- 8: eject (boot CPU) */
  0xb0, 0x10, 0xee,                                     /* flags <- 16: fw remove (boot CPU) */
  0x66, 0xba, 0xd8, 0x0c, 0xb8, 0xff, 0x00, 0x00, 0x00, 0xef, /* selector <- 0xff */
  0x66, 0xba, 0xdd, 0x0c, 0x31, 0xc0, 0xee,             /* cmd <- 0: invalid selector */
  0xb0, 0x5a, 0xe6, 0xb3,                               /* mov al,0x5a; out 0xb3,al */
  0xe4, 0xb3,                                           /* in al,0xb3 */
  0x90, 0xf4,                                           /* nop; hlt (a hlt right after IN is not hooked) */
};

static const char *const want_cpuhp[] = {
  "cpuhp_acpi_write_idx set active cpu idx: 0x0",
  "cpuhp_acpi_write_cmd idx[0x0] cmd: 0x0",
  "cpuhp_acpi_cpu_has_events idx[0x1] inserting: 1, removing: 0",
  "cpuhp_acpi_read_flags idx[0x1] flags: 0x3",
  "cpuhp_acpi_read_cmd_data idx[0x1] data: 0x1",
  "cpuhp_acpi_read_cmd_data2 idx[0x1] data: 0x0",
  "cpuhp_acpi_clear_inserting_evt idx[0x1]",
  "cpuhp_acpi_write_cmd idx[0x1] cmd: 0x1",
  "cpuhp_acpi_write_ost_ev idx[0x1] OST EVENT: 0x103",
  "cpuhp_acpi_write_cmd idx[0x1] cmd: 0x2",
  "cpuhp_acpi_write_ost_status idx[0x1] OST STATUS: 0x0",
  "cpuhp_acpi_write_cmd idx[0x1] cmd: 0x3",
  "cpuhp_acpi_read_cmd_data idx[0x1] data: 0x1",
  "cpuhp_acpi_write_idx set active cpu idx: 0x0",
  "cpuhp_acpi_ejecting_invalid_cpu 0x0",
  "cpuhp_acpi_fw_remove_invalid_cpu 0x0",
  "cpuhp_acpi_write_idx set active cpu idx: 0xff",
  "cpuhp_acpi_invalid_idx_selected 0xff",
};
static const char *const want_apm[] = {
  "apm_io_write write addr=0x1 val=0x5a",
  "apm_io_read read addr=0x1 val=0x5a",
};

/* A machine tracing `groups` into a memory stream. */
struct traced {
  struct machine m;
  char *buf;
  size_t len;
  FILE *out;
};

static struct traced *traced_new(unsigned groups, int cpu, uint64_t lo, uint64_t hi)
{
  struct traced *t = calloc(1, sizeof *t);
  assert_non_null(t);
  t->out = open_memstream(&t->buf, &t->len);
  assert_non_null(t->out);
  struct machine_config cfg = { .boot_cpus = 1, .possible_cpus = 4, .smm = true, .seed = 1,
                                .accel = ACCEL_KVM, .budget = 100000, .smi_host_features = 7,
                                .trace = { .groups = groups, .out = t->out, .cpu = cpu, .lo = lo, .hi = hi } };
  assert_int_equal(machine_init(&t->m, &cfg), 0);
  return t;
}

static void traced_free(struct traced *t)
{
  machine_free(&t->m);
  fclose(t->out);
  free(t->buf);
  free(t);
}

/* The trace so far must be exactly these lines, in order. */
static void expect_lines(struct traced *t, const char *const *want, size_t n)
{
  char exp[4096] = "";
  fflush(t->out);
  for (size_t i = 0; i < n; i++) {
    strcat(exp, want[i]);
    strcat(exp, "\n");
  }
  assert_string_equal(t->len ? t->buf : "", exp);
}

/* The cpuhp/apm program with CPU 1 hot-plugged in modern mode. */
static void run_cpuhp_apm(struct machine *m)
{
  cpuhp_write(&m->cpuhp, 0, 1, 0); /* legacy -> modern (QEMU traces nothing) */
  assert_int_equal(machine_cpu_plug(m, 1, true), 0);
  machine_phys_write(m, CODE_ADDR, prog_cpuhp_apm, sizeof prog_cpuhp_apm);
  start_flat(m, 0, VIEW_NORMAL, CODE_ADDR);
  assert_int_equal(machine_run(m, cpu_halted, (void *)(uintptr_t)0, 100000), RUN_DONE);
}

static void test_cpuhp_apm_lines_are_qemu_lines(void **state)
{
  (void)state;
  struct traced *t = traced_new(TRACE_CPUHP | TRACE_APM, -1, 0, UINT64_MAX);
  const char *want[sizeof want_cpuhp / sizeof *want_cpuhp + 2];
  size_t n = 0;
  for (size_t i = 0; i < sizeof want_cpuhp / sizeof *want_cpuhp; i++)
    want[n++] = want_cpuhp[i];
  want[n++] = want_apm[0];
  want[n++] = want_apm[1];
  run_cpuhp_apm(&t->m);
  expect_lines(t, want, n);
  traced_free(t);
}

static void test_disabled_group_prints_nothing(void **state)
{
  (void)state;
  struct traced *t = traced_new(TRACE_APM, -1, 0, UINT64_MAX);
  run_cpuhp_apm(&t->m);
  expect_lines(t, want_apm, 2);
  assert_null(t->m.tinsn); /* no insn group: no per-instruction hook */
  traced_free(t);
}

static void test_smm_and_ipi_lines(void **state)
{
  (void)state;
  static const uint8_t hlt[] = { 0xF4 }, rsm[] = { 0x0F, 0xAA };
  struct traced *t = traced_new(TRACE_SMM | TRACE_IPI, -1, 0, UINT64_MAX);
  struct machine *m = &t->m;
  machine_phys_write(m, CODE_ADDR, hlt, sizeof hlt);
  machine_phys_write(m, SMM_ENTRY, rsm, sizeof rsm);
  start_flat(m, 0, VIEW_NORMAL, CODE_ADDR);
  machine_send_ipi(m, &m->cpu[0], 0x00040200u, 0, false); /* SMI to self */
  assert_int_equal(machine_run(m, cpu_halted, (void *)(uintptr_t)0, 100000), RUN_DONE);
  static const char *const want[] = {
    "ipi_deliver kind=smi src=0x0 dst=0x0 vector=0x00 result=delivered",
    "smm_enter cpu=0 smbase=0x30000 rip=0x200000 mode=64",
    "smm_rsm cpu=0 smbase=0x30000 rip=0x200000 mode=64",
  };
  expect_lines(t, want, 3);
  traced_free(t);
}

static void test_insn_lines_filtered_by_cpu_and_range(void **state)
{
  (void)state;
  static const uint8_t prog[] = { 0x90, 0x31, 0xC0, 0x90, 0xF4 }; /* nop; xor eax,eax; nop; hlt */
  struct traced *t = traced_new(TRACE_INSN, 1, CODE_ADDR, CODE_ADDR + 2); /* the first two */
  struct machine *m = &t->m;
  machine_phys_write(m, CODE_ADDR, prog, sizeof prog);
  start_flat(m, 0, VIEW_NORMAL, CODE_ADDR);
  start_flat(m, 1, VIEW_NORMAL, CODE_ADDR);
  assert_int_equal(machine_run(m, cpu_halted, (void *)(uintptr_t)0, 100000), RUN_DONE);
  assert_int_equal(machine_run(m, cpu_halted, (void *)(uintptr_t)1, 100000), RUN_DONE);
  static const char *const want[] = {
    "insn cpu=1 0x200000 0x200000: nop",
    "insn cpu=1 0x200001 0x200001: xor eax, eax",
  };
  expect_lines(t, want, 2);
  traced_free(t);
}

static void test_parse_groups(void **state)
{
  (void)state;
  unsigned g;
  char err[160];
  assert_int_equal(trace_parse_groups("cpuhp,apm,smm,ipi,fwcfg,insn", &g, err, sizeof err), 0);
  assert_int_equal(g, TRACE_CPUHP | TRACE_APM | TRACE_SMM | TRACE_IPI | TRACE_FWCFG | TRACE_INSN);
  assert_int_equal(trace_parse_groups("apm", &g, err, sizeof err), 0);
  assert_int_equal(g, TRACE_APM);
  assert_int_equal(trace_parse_groups("cpuhp,bogus", &g, err, sizeof err), -1);
  assert_non_null(strstr(err, "'bogus'"));
  assert_int_equal(trace_parse_groups("", &g, err, sizeof err), -1);
  assert_int_equal(trace_parse_groups("apm,", &g, err, sizeof err), -1);
}

static void test_parse_range(void **state)
{
  (void)state;
  uint64_t lo, hi;
  assert_int_equal(trace_parse_range("0x1000-0x2000", &lo, &hi), 0);
  assert_int_equal(lo, 0x1000);
  assert_int_equal(hi, 0x1FFF);
  assert_int_equal(trace_parse_range("0x2000-0x1000", &lo, &hi), -1);
  assert_int_equal(trace_parse_range("0x1000", &lo, &hi), -1);
  assert_int_equal(trace_parse_range("0x1000-", &lo, &hi), -1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_cpuhp_apm_lines_are_qemu_lines),
    cmocka_unit_test(test_disabled_group_prints_nothing),
    cmocka_unit_test(test_smm_and_ipi_lines),
    cmocka_unit_test(test_insn_lines_filtered_by_cpu_and_range),
    cmocka_unit_test(test_parse_groups),
    cmocka_unit_test(test_parse_range),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
