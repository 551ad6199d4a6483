/* Snapshot and restore (harness/snapshot.c, snapshot_run.c): a run
 * resumed from a post-boot snapshot equals a fresh run of the whole
 * scenario, trace hash and verdict included, however many runs (and
 * which other scenarios) came before it on the same machine. Needs the
 * real firmware (build/fw/smmhp-fw.elf); skipped without it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner.h"
#include "scenario_machine.h"
#include "snapshot_run.h"

#define FW "build/fw/smmhp-fw.elf"
#define OS "build/os/smmhp-os.elf"

struct outcome { uint64_t hash, retired; const char *verdict; size_t nevents; };

static bool have_firmware(void)
{
  return access(FW, R_OK) == 0 && access(OS, R_OK) == 0;
}

static char *join(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b);
  char *t = malloc(la + lb + 1);
  memcpy(t, a, la);
  memcpy(t + la, b, lb + 1);
  return t;
}

static struct outcome fresh(const char *text)
{
  struct scenario s;
  struct scenario_error perr;
  struct machine *m = NULL;
  char err[256];
  assert_int_equal(scenario_parse_string("fresh", text, &s, &perr), 0);
  assert_int_equal(scenario_machine_new(&s, FW, OS, false, 0, &m, err, sizeof err), 0);
  struct runner r = { .s = &s, .m = m };
  runner_execute(&r);
  struct outcome o = { m->trace_hash, m->retired, r.verdict_name, m->nevents };
  scenario_machine_free(m);
  scenario_free(&s);
  return o;
}

static struct outcome resumed(struct booted *b, const char *text)
{
  struct scenario s;
  struct scenario_error perr;
  struct runner r;
  assert_int_equal(scenario_parse_string("fresh", text, &s, &perr), 0);
  booted_run(b, &s, NULL, &r);
  struct outcome o = { b->m->trace_hash, b->m->retired, r.verdict_name, b->m->nevents };
  if (getenv("SNAP_DEBUG")) {
    static int k;
    char path[64];
    fprintf(stderr, "pages restored %zu\n", b->pages_restored);
    snprintf(path, sizeof path, "/tmp/snapdbg.%d", k++);
    FILE *f = fopen(path, "w");
    for (size_t i = 0; f && i < b->m->nevents; i++)
      fprintf(f, "%s\n", b->m->events[i]);
    if (f)
      fclose(f);
  }
  scenario_free(&s);
  return o;
}

static void assert_same(struct outcome a, struct outcome b)
{
  if (getenv("SNAP_DEBUG"))
    fprintf(stderr, "compare %016llx/%llu/%zu %016llx/%llu/%zu\n", (unsigned long long)a.hash,
            (unsigned long long)a.retired, a.nevents, (unsigned long long)b.hash, (unsigned long long)b.retired,
            b.nevents);
  assert_int_equal(a.hash, b.hash);
  assert_int_equal(a.retired, b.retired);
  assert_int_equal(a.nevents, b.nevents);
  assert_string_equal(a.verdict, b.verdict);
}

/* prefix: the statements up to boot, shared by every run */
static void check_topology(const char *prefix, const char *rest_a, const char *rest_b, const char *verdict_a)
{
  struct booted *b = NULL;
  char err[256];
  char *a = join(prefix, rest_a), *bb = join(prefix, rest_b);

  assert_int_equal(booted_new(prefix, FW, OS, &b, err, sizeof err), 0);
  struct outcome r1 = resumed(b, a);
  assert_string_equal(r1.verdict, verdict_a);
  struct outcome r2 = resumed(b, a);
  assert_same(r1, r2);
  struct outcome other = resumed(b, bb); /* dirties other pages, other views */
  struct outcome r3 = resumed(b, a);
  assert_same(r1, r3);
  assert_true(b->pages_restored > 3);
  assert_same(r1, fresh(a));
  assert_same(other, fresh(bb));
  booted_free(b);
  free(a);
  free(bb);
}

static void test_restored_equals_fresh_hotplug(void **state)
{
  (void)state;
  if (!have_firmware())
    skip();
  check_topology("machine cpus=1/4 smm=on\nbudget 3000000\nboot\n",
                 "device_add slot=1\nos cscn\nos online apic=1\nos apm value=0\n",
                 "device_add slot=1\nos cscn\nos online apic=1\ndevice_del slot=1\nos cscn\n"
                 "os offline apic=1\nos cej0 slot=1\n",
                 "pass");
}

/* an injection hooked after the code was translated, a reseed, 2 boot CPUs */
static void test_restored_equals_fresh_inject_reseed(void **state)
{
  (void)state;
  if (!have_firmware())
    skip();
  check_topology("machine cpus=2/4 smm=on\nseed 7\nbudget 3000000\nboot\n",
                 "reseed 12345\ndevice_add slot=2\ninject device_add slot=3 at=os_cscn_smi_done cpu=0\nos cscn\n"
                 "os online apic=2\nos online apic=3\nos apm value=0\n",
                 "inject smi target=1 at=SmbaseRelocate\ndevice_add slot=3\nos cscn\n",
                 "pass");
}

/* the planted bug (B4 pre-fix): a hang verdict restores like a pass */
static void test_restored_equals_fresh_hang(void **state)
{
  (void)state;
  if (!have_firmware())
    skip();
  check_topology("machine cpus=1/4 smm=on\nbudget 1000000\nmutate call SendSmiIpi in SmbaseRelocate\nboot\n",
                 "device_add slot=1\ninject device_add slot=2 at=os_cscn_smi_done cpu=0\nos cscn\n",
                 "device_add slot=1\nos cscn\nos online apic=1\n", "hang");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_restored_equals_fresh_hotplug),
    cmocka_unit_test(test_restored_equals_fresh_inject_reseed),
    cmocka_unit_test(test_restored_equals_fresh_hang),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
