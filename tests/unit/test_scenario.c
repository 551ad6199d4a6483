/* Unit tests of the scenario parser and the event matcher. Error tests
 * pin the exact "FILE:LINE:COL: message" text users see. */
#define _POSIX_C_SOURCE 200809L  /* mkstemp, unlink */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "scenario.h"

#define M "machine cpus=1/4\n"
#define M_BIG (sizeof M + 3000 * 5)

static const char example[] =
  "# hot-plug one CPU\n"
  "machine cpus=1/4\n"
  "seed 7\n"
  "budget 0x1000\n"
  "\n"
  "boot\n"
  "device_add slot=1\n"
  "os cscn            # collect the insert event\n"
  "os online apic=1\n"
  "os apm value=0\n"
  "expect rsm_smbase cpu=1\n"
  "expect smi_entry cpu=1 smbase=*\n"
  "expect-not hang\n"
  "expect-verdict pass\n";

/* ---- helpers --------------------------------------------------------- */

/* Macros so that a failure names the test's line, not the helper's. */
#define parse_ok(text, s) parse_ok_at(text, s, __LINE__)
#define check_error(text, want) check_error_at(text, want, __LINE__)

static void parse_ok_at(const char *text, struct scenario *s, int line)
{
  struct scenario_error err;

  if (scenario_parse_string("t.scn", text, s, &err) != 0)
    fail_msg("line %d: unexpected parse error: %s", line, err.text);
}

static void check_error_at(const char *text, const char *want, int line)
{
  struct scenario s;
  struct scenario_error err;

  if (scenario_parse_string("t.scn", text, &s, &err) != -1)
    fail_msg("line %d: parsed, want error \"%s\"", line, want);
  if (strcmp(err.text, want) != 0)
    fail_msg("line %d: got error \"%s\", want \"%s\"", line, err.text, want);
  /* the result is empty and freeing it again is harmless */
  assert_int_equal(s.nsteps, 0);
  assert_null(s.steps);
  scenario_free(&s);
}

static struct expectation *one_expect(const char *line, struct scenario *s)
{
  char text[512];

  snprintf(text, sizeof text, M "%s\n", line);
  parse_ok(text, s);
  assert_int_equal(s->nexpect, 1);
  return &s->expect[0];
}

static bool match(const char *expect_line, const char *event)
{
  struct scenario s;
  bool r = scenario_event_matches(one_expect(expect_line, &s), event);

  scenario_free(&s);
  return r;
}

/* ---- good files -------------------------------------------------------- */

/* --cpus / --qemu / --ext-tseg-mbytes replace the machine statement's
 * values before any check, so slots are checked against the new machine;
 * errors name the machine line and the option. */
static int parse_over(const char *text, const char *cpus, const char *qemu, int tseg, struct scenario *s,
                      struct scenario_error *err)
{
  struct scenario_overrides ov = { cpus, qemu, tseg };
  return scenario_parse_string_over("t.scn", text, &ov, s, err);
}

static void test_override_machine(void **state)
{
  const char *text = "machine cpus=1/4\nboot\ndevice_add slot=999\n";
  struct scenario s;
  struct scenario_error err;

  (void)state;
  assert_int_equal(parse_over(text, NULL, NULL, -1, &s, &err), -1);
  assert_string_equal(err.text, "t.scn:3:17: slot 999 out of range 0..3 (machine has 4 possible CPUs)");
  assert_int_equal(parse_over(text, "2/1000", "9.0", 22, &s, &err), 0);
  assert_int_equal(s.machine.boot_cpus, 2);
  assert_int_equal(s.machine.possible_cpus, 1000);
  assert_int_equal(s.machine.qemu, 4);
  assert_int_equal(s.machine.ext_tseg_mbytes, 22);
  scenario_free(&s);
  assert_int_equal(parse_over(text, "1/1000", NULL, -1, &s, &err), -1);
  assert_string_equal(err.text, "t.scn:1: with the command line's machine: possible CPUs 1000 out of range 1..288 "
                                "(QEMU 7.2's q35 refuses more than 288; qemu=9.0 takes up to 4096)");
  assert_int_equal(parse_over(text, NULL, "8.0", -1, &s, &err), -1);
  assert_string_equal(err.text, "t.scn:1: --qemu: unknown QEMU '8.0' (expected 7.2|7.2.0|5.1|unplug-v1|9.0)");
  assert_int_equal(parse_over(text, "x/4", NULL, -1, &s, &err), -1);
  assert_string_equal(err.text, "t.scn:1: --cpus: bad value 'x/4' (expected BOOT/POSSIBLE, e.g. 1/288)");
  assert_int_equal(parse_over("machine cpus=1/4\nboot\n", NULL, NULL, 0, &s, &err), 0);
  assert_int_equal(s.machine.ext_tseg_mbytes, 0);
  scenario_free(&s);
}

/* q35's possible-CPU limits per QEMU, and the extended-TSEG default per
 * machine type (QEMU 16 MiB, pc_compat_2_9: none). */
static void test_machine_limits(void **state)
{
  struct scenario s;

  (void)state;
  parse_ok("machine cpus=1/288\n", &s);
  assert_int_equal(s.machine.possible_cpus, 288);
  assert_int_equal(s.machine.ext_tseg_mbytes, 16);
  scenario_free(&s);
  parse_ok("machine cpus=1/4096 qemu=9.0 ext_tseg_mbytes=72\n", &s);
  assert_int_equal(s.machine.possible_cpus, 4096);
  assert_int_equal(s.machine.qemu, 4);
  assert_int_equal(s.machine.ext_tseg_mbytes, 72);
  scenario_free(&s);
  parse_ok("machine cpus=1/4 machine_type=pc-q35-2.8\n", &s);
  assert_int_equal(s.machine.ext_tseg_mbytes, 0);
  scenario_free(&s);
  parse_ok("machine cpus=1/4 machine_type=pc-q35-2.8 ext_tseg_mbytes=24\n", &s);
  assert_int_equal(s.machine.ext_tseg_mbytes, 24);
  scenario_free(&s);

  struct scenario_machine mc = { .boot_cpus = 1, .possible_cpus = 289, .apic_stride = 1 };
  char msg[256];
  assert_int_equal(scenario_check_machine(&mc, msg, sizeof msg), -1);
  mc.qemu = 4;
  assert_int_equal(scenario_check_machine(&mc, msg, sizeof msg), 0);
  mc.boot_cpus = 256;
  assert_int_equal(scenario_check_machine(&mc, msg, sizeof msg), -1);
  assert_non_null(strstr(msg, "x2APIC"));
}

static void test_example(void **state)
{
  struct scenario s;

  (void)state;
  parse_ok(example, &s);
  assert_string_equal(s.name, "t.scn");
  assert_int_equal(s.machine.boot_cpus, 1);
  assert_int_equal(s.machine.possible_cpus, 4);
  assert_true(s.machine.smm);
  assert_false(s.machine.sev);
  assert_int_equal(s.machine.accel, SCN_ACCEL_KVM);
  assert_int_equal(s.machine.line, 2);
  assert_int_equal(s.seed, 7);
  assert_true(s.seed_given);
  assert_int_equal(s.budget, 0x1000);

  assert_int_equal(s.nsteps, 5);
  assert_int_equal(s.steps[0].kind, SCN_BOOT);
  assert_int_equal(s.steps[0].line, 6);
  assert_int_equal(s.steps[1].kind, SCN_DEVICE_ADD);
  assert_int_equal(scenario_step_u64(&s.steps[1], "slot", 99), 1);
  assert_int_equal(s.steps[2].kind, SCN_OS_CSCN);
  assert_string_equal(s.steps[2].keyword, "os cscn");
  assert_int_equal(s.steps[2].line, 8);
  assert_int_equal(s.steps[3].kind, SCN_OS_ONLINE);
  assert_int_equal(scenario_step_u64(&s.steps[3], "apic", 99), 1);
  assert_int_equal(s.steps[4].kind, SCN_OS_APM);
  assert_int_equal(scenario_step_u64(&s.steps[4], "value", 99), 0);

  assert_int_equal(s.nexpect, 3);
  assert_string_equal(s.expect[0].key, "rsm_smbase");
  assert_false(s.expect[0].negate);
  assert_int_equal(s.expect[0].nmatch, 1);
  assert_string_equal(s.expect[0].match[0].field, "cpu");
  assert_int_equal(s.expect[0].match[0].type, SCN_MATCH_NUM);
  assert_int_equal(s.expect[0].match[0].num, 1);
  assert_int_equal(s.expect[1].match[1].type, SCN_MATCH_ANY);
  assert_true(s.expect[2].negate);
  assert_int_equal(s.expect[2].line, 13);
  assert_int_equal(s.verdict, SCN_VERDICT_PASS);
  assert_int_equal(s.verdict_line, 14);
  scenario_free(&s);
  scenario_free(&s);  /* idempotent */
}

static void test_defaults(void **state)
{
  struct scenario s;

  (void)state;
  parse_ok("machine cpus=2/2", &s);  /* no trailing newline */
  assert_int_equal(s.machine.boot_cpus, 2);
  assert_true(s.machine.smm);
  assert_false(s.machine.sev);
  assert_int_equal(s.machine.accel, SCN_ACCEL_KVM);
  assert_int_equal(s.seed, SCENARIO_DEFAULT_SEED);
  assert_false(s.seed_given);
  assert_int_equal(s.budget, SCENARIO_DEFAULT_BUDGET);
  assert_int_equal(s.verdict, SCN_VERDICT_PASS);
  assert_int_equal(s.verdict_line, 0);
  assert_int_equal(s.nsteps, 0);
  assert_int_equal(s.nexpect, 0);
  assert_int_equal(s.nmutations, 0);
  scenario_free(&s);
}

static void test_machine_options(void **state)
{
  struct scenario s;

  (void)state;
  parse_ok("machine sev=on accel=tcg smm=off cpus=0x2/256\n", &s);
  assert_int_equal(s.machine.boot_cpus, 2);
  assert_int_equal(s.machine.possible_cpus, 256);
  assert_false(s.machine.smm);
  assert_true(s.machine.sev);
  assert_int_equal(s.machine.accel, SCN_ACCEL_TCG);
  scenario_free(&s);
}

static void test_layout_tolerance(void **state)
{
  struct scenario s;

  (void)state;
  parse_ok("\r\n  # comment\r\n\t\r\n\tmachine\tcpus=1/2   # trailing\r\n"
           "boot#no space needed\r\n   \n", &s);
  assert_int_equal(s.nsteps, 1);
  assert_int_equal(s.steps[0].line, 5);
  scenario_free(&s);
}

static void test_device_args(void **state)
{
  struct scenario s;
  const struct scenario_arg *a;

  (void)state;
  parse_ok(M "device_add slot=3\ndevice_add slot=2 apic=0x10\n"
           "device_del slot=3\nos cej0 slot=2\n", &s);
  assert_int_equal(s.nsteps, 4);
  a = scenario_step_arg(&s.steps[0], "apic");
  assert_non_null(a);
  assert_int_equal(a->num, 3);  /* APIC ID defaults to the slot */
  assert_false(a->given);
  a = scenario_step_arg(&s.steps[1], "apic");
  assert_int_equal(a->num, 0x10);
  assert_true(a->given);
  assert_int_equal(s.steps[2].kind, SCN_DEVICE_DEL);
  assert_int_equal(s.steps[3].kind, SCN_OS_CEJ0);
  assert_int_equal(scenario_step_u64(&s.steps[3], "slot", 99), 2);
  assert_null(scenario_step_arg(&s.steps[3], "nope"));
  assert_int_equal(scenario_step_u64(&s.steps[3], "nope", 42), 42);
  scenario_free(&s);
}

static void test_os_steps(void **state)
{
  struct scenario s;

  (void)state;
  parse_ok(M "boot\nos offline apic=3\nos poke addr=0x30000 byte=0xff\n"
           "os apm value=255\n", &s);
  assert_int_equal(s.nsteps, 4);
  assert_int_equal(s.steps[1].kind, SCN_OS_OFFLINE);
  assert_int_equal(scenario_step_u64(&s.steps[1], "apic", 0), 3);
  assert_int_equal(s.steps[2].kind, SCN_OS_POKE);
  assert_int_equal(scenario_step_u64(&s.steps[2], "addr", 0), 0x30000);
  assert_int_equal(scenario_step_u64(&s.steps[2], "byte", 0), 0xff);
  assert_int_equal(scenario_step_u64(&s.steps[3], "value", 0), 255);
  scenario_free(&s);
}

/* `os s3`: suspend + resume, no arguments. */
static void test_os_s3(void **state)
{
  struct scenario s;

  (void)state;
  parse_ok(M "boot\nos s3\nos apm value=0\n", &s);
  assert_int_equal(s.nsteps, 3);
  assert_int_equal(s.steps[1].kind, SCN_OS_S3);
  assert_string_equal(s.steps[1].keyword, "os s3");
  assert_int_equal(s.steps[1].line, 3);
  assert_string_equal(scenario_kind_name(SCN_OS_S3), "os s3");
  scenario_free(&s);
  check_error(M "os s3 value=1\n", "t.scn:2:7: unknown argument 'value' for 'os s3'");
}

static void test_mutate(void **state)
{
  struct scenario s;

  (void)state;
  parse_ok(M "mutate call SendInitSipiSipi in SmbaseRelocate\n"
           "mutate call CpuDeadLoop in UnplugCpus\n"
           "mutate skip CpuHotplug.c:167 in CpuHotplugMmi\nboot\n", &s);
  assert_int_equal(s.nmutations, 3);
  assert_int_equal(s.mutations[0].kind, SCN_MUT_CALL);
  assert_string_equal(s.mutations[0].callee, "SendInitSipiSipi");
  assert_string_equal(s.mutations[0].function, "SmbaseRelocate");
  assert_int_equal(s.mutations[0].line, 2);
  assert_string_equal(s.mutations[1].callee, "CpuDeadLoop");
  assert_int_equal(s.mutations[2].kind, SCN_MUT_SKIP);
  assert_string_equal(s.mutations[2].file, "CpuHotplug.c");
  assert_int_equal(s.mutations[2].lineno, 167);
  assert_string_equal(s.mutations[2].function, "CpuHotplugMmi");
  assert_int_equal(s.nsteps, 1);
  scenario_free(&s);
}

static void test_expect_matchers(void **state)
{
  struct scenario s;
  struct expectation *e;

  (void)state;
  e = one_expect("expect hang cpu=0x2 at=SmbaseRelocate insn=\"rep \\\"x\\\\\" w=*", &s);
  assert_string_equal(e->key, "hang");
  assert_int_equal(e->nmatch, 4);
  assert_int_equal(e->match[0].type, SCN_MATCH_NUM);
  assert_int_equal(e->match[0].num, 2);
  assert_int_equal(e->match[1].type, SCN_MATCH_WORD);
  assert_string_equal(e->match[1].text, "SmbaseRelocate");
  assert_int_equal(e->match[2].type, SCN_MATCH_STR);
  assert_string_equal(e->match[2].text, "rep \"x\\");
  assert_int_equal(e->match[3].type, SCN_MATCH_ANY);
  assert_null(e->match[3].text);
  assert_int_equal(e->line, 2);
  scenario_free(&s);
}

static void test_verdicts(void **state)
{
  static const char *const words[] = { "pass", "hang", "violation", "refused", "unsupported" };
  static const enum scenario_verdict v[] = { SCN_VERDICT_PASS, SCN_VERDICT_HANG,
                                             SCN_VERDICT_VIOLATION,
                                             SCN_VERDICT_REFUSED, SCN_VERDICT_UNSUPPORTED };
  (void)state;
  for (size_t i = 0; i < 5; i++) {
    struct scenario s;
    char text[64];

    snprintf(text, sizeof text, M "expect-verdict %s\n", words[i]);
    parse_ok(text, &s);
    assert_int_equal(s.verdict, v[i]);
    assert_string_equal(scenario_verdict_name(s.verdict), words[i]);
    scenario_free(&s);
  }
}

static void test_kind_names(void **state)
{
  (void)state;
  assert_string_equal(scenario_kind_name(SCN_MACHINE), "machine");
  assert_string_equal(scenario_kind_name(SCN_OS_POKE), "os poke");
  assert_string_equal(scenario_kind_name(SCN_EXPECT_VERDICT), "expect-verdict");
  for (int k = 0; k < SCN_KIND_COUNT; k++)
    assert_string_not_equal(scenario_kind_name((enum scenario_kind)k), "?");
  assert_string_equal(scenario_kind_name(SCN_KIND_COUNT), "?");
}

static void write_file(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");

  assert_non_null(f);
  assert_true(fputs(text, f) >= 0);
  assert_int_equal(fclose(f), 0);
}

static void test_parse_file(void **state)
{
  char path[] = "/tmp/test_scenario_XXXXXX";
  int fd = mkstemp(path);
  struct scenario s;
  struct scenario_error err;
  char want[128];

  (void)state;
  assert_true(fd >= 0);
  close(fd);
  write_file(path, example);
  assert_int_equal(scenario_parse_file(path, &s, &err), 0);
  assert_string_equal(s.name, path);
  assert_int_equal(s.nsteps, 5);
  scenario_free(&s);

  write_file(path, "machine cpus=1/2\nbot\n");
  assert_int_equal(scenario_parse_file(path, &s, &err), -1);
  snprintf(want, sizeof want, "%s:2:1: unknown statement 'bot'", path);
  assert_string_equal(err.text, want);
  assert_int_equal(err.line, 2);
  assert_int_equal(err.column, 1);
  assert_string_equal(err.file, path);
  assert_string_equal(err.message, "unknown statement 'bot'");

  assert_int_equal(scenario_parse_file("/nonexistent/x.scn", &s, &err), -1);
  assert_string_equal(err.text, "/nonexistent/x.scn: cannot open: No such file or directory");
  assert_int_equal(err.line, 0);
  assert_int_equal(scenario_parse_file("/", &s, &err), -1);
  assert_string_equal(err.text, "/: cannot read: Is a directory");
  write_file(path, "machine cpus=1/2\n");
  {
    FILE *f = fopen(path, "ab");

    assert_non_null(f);
    fputc('\0', f);
    fclose(f);
  }
  assert_int_equal(scenario_parse_file(path, &s, &err), -1);
  snprintf(want, sizeof want, "%s: not a text file (contains a NUL byte)", path);
  assert_string_equal(err.text, want);
  unlink(path);
  /* a file larger than the first read buffer */
  {
    static char big[M_BIG];

    strcpy(big, M);
    for (int i = 0; i < 3000; i++)
      strcat(big, "boot\n");
    write_file(path, big);
    assert_int_equal(scenario_parse_file(path, &s, &err), 0);
    assert_int_equal(s.nsteps, 3000);
    assert_int_equal(s.steps[2999].line, 3001);
    scenario_free(&s);
    unlink(path);
  }
  /* err may be NULL */
  assert_int_equal(scenario_parse_file("/nonexistent/x.scn", &s, NULL), -1);
  assert_int_equal(scenario_parse_string("t.scn", "bogus\n", &s, NULL), -1);
}

/* ---- errors: one per class, exact text --------------------------------- */

static void test_err_statement(void **state)
{
  (void)state;
  check_error(M "frobnicate now\n", "t.scn:2:1: unknown statement 'frobnicate'");
  check_error(M "  os dance\n",
              "t.scn:2:6: unknown 'os' action 'dance' "
              "(expected cscn|online|apm|cej0|offline|poke|s3)");
  check_error(M "os\n", "t.scn:2:1: 'os' needs an action (cscn|online|apm|cej0|offline|poke|s3)");
  check_error(M "slot=1\n", "t.scn:2:1: a statement starts with a keyword, not 'slot=1'");
  check_error(M "\"boot\"\n", "t.scn:2:1: a statement starts with a keyword, not 'boot'");
}

static void test_err_machine(void **state)
{
  (void)state;
  check_error("# c\n\nboot\nmachine cpus=1/2\n",
              "t.scn:3:1: 'boot' before 'machine' (machine must come first)");
  check_error("os cscn\n",
              "t.scn:1:1: 'os cscn' before 'machine' (machine must come first)");
  check_error(M "boot\nmachine cpus=1/4\n",
              "t.scn:3:1: duplicate 'machine' (first at line 1)");
  check_error("# only comments\n\n", "t.scn: no 'machine' statement");
  check_error("", "t.scn: no 'machine' statement");
  check_error("machine\n", "t.scn:1: missing argument 'cpus' for 'machine'");
  check_error("machine cpus=4\n",
              "t.scn:1:14: bad cpus '4' (expected BOOT/POSSIBLE, e.g. 1/4)");
  check_error("machine cpus=1/x\n",
              "t.scn:1:14: bad cpus '1/x' (expected BOOT/POSSIBLE, e.g. 1/4)");
  check_error("machine cpus=0/4\n",
              "t.scn:1:14: boot CPUs 0 out of range 1..4 (the possible CPUs)");
  check_error("machine cpus=3/2\n",
              "t.scn:1:14: boot CPUs 3 out of range 1..2 (the possible CPUs)");
  check_error("machine cpus=1/289\n",
              "t.scn:1: possible CPUs 289 out of range 1..288 (QEMU 7.2's q35 refuses more than 288; "
              "qemu=9.0 takes up to 4096)");
  check_error("machine cpus=1/4097 qemu=9.0\n",
              "t.scn:1:14: possible CPUs 4097 out of range 1..4096 (q35's limit since QEMU 9.0)");
  check_error("machine cpus=1/4 ext_tseg_mbytes=4096\n",
              "t.scn:1:34: ext_tseg_mbytes 4096 out of range 0..4095");
  check_error("machine cpus=1/2 smm=maybe\n",
              "t.scn:1:22: bad value 'maybe' for 'smm' (expected on|off)");
  check_error("machine cpus=1/2 accel=hvf\n",
              "t.scn:1:24: bad value 'hvf' for 'accel' (expected kvm|tcg)");
  check_error("machine cpus=1/2 cpus=1/2\n", "t.scn:1:18: duplicate argument 'cpus'");
}

static void test_err_arguments(void **state)
{
  (void)state;
  check_error(M "device_add slto=1\n",
              "t.scn:2:12: unknown argument 'slto' for 'device_add'");
  check_error(M "device_add apic=1\n", "t.scn:2: missing argument 'slot' for 'device_add'");
  check_error(M "os poke addr=0x1000\n", "t.scn:2: missing argument 'byte' for 'os poke'");
  check_error(M "seed\n", "t.scn:2: missing value for 'seed' (usage: seed N)");
  check_error(M "mutate call Foo\n",
              "t.scn:2: missing function for 'mutate call' (usage: mutate call CALLEE in FUNCTION)");
  check_error(M "mutate skip CpuHotplug.c in Foo\n",
              "t.scn:2:13: bad source location 'CpuHotplug.c' for 'location' (want FILE:LINE)");
  check_error(M "mutate skip CpuHotplug.c:0 in Foo\n",
              "t.scn:2:13: bad source location 'CpuHotplug.c:0' for 'location' (want FILE:LINE)");
  check_error(M "expect\n",
              "t.scn:2: missing key for 'expect' (usage: expect EVENTKEY [field=value ...])");
  check_error(M "boot now\n", "t.scn:2:6: unexpected word 'now' (usage: boot)");
  check_error(M "seed 1 2\n", "t.scn:2:8: unexpected word '2' (usage: seed N)");
  check_error(M "mutate call Foo on Bar\n",
              "t.scn:2:17: expected 'in', got 'on' (usage: mutate call CALLEE in FUNCTION)");
  check_error(M "mutate call 1Foo in Bar\n",
              "t.scn:2:13: bad symbol name '1Foo' for 'callee'");
  check_error(M "expect 9lives\n", "t.scn:2:8: bad event key '9lives' for 'key'");
  check_error(M "device_add slot=1 slot=2\n", "t.scn:2:19: duplicate argument 'slot'");
  check_error(M "expect hang cpu=1 cpu=2\n", "t.scn:2:19: duplicate field 'cpu'");
  check_error(M "expect hang 9x=1\n", "t.scn:2:13: bad field name '9x'");
  check_error(M "expect cpu=1 hang\n", "t.scn:2:14: word 'hang' after name=value arguments");
  check_error(M "device_add slot=\n", "t.scn:2:12: missing value for 'slot'");
  check_error(M "device_add =1\n", "t.scn:2:12: missing argument name before '='");
  check_error(M "device_add slot=\"1\"\n", "t.scn:2:17: 'slot' takes no quoted string");
  check_error(M "device_add slot=1=2\n", "t.scn:2:18: unexpected '=' in a value");
}

static void test_err_numbers(void **state)
{
  (void)state;
  check_error(M "device_add slot=x1\n", "t.scn:2:17: bad number 'x1' for 'slot'");
  check_error(M "os apm value=0x\n", "t.scn:2:14: bad number '0x' for 'value'");
  check_error(M "os apm value=-1\n", "t.scn:2:14: bad number '-1' for 'value'");
  check_error(M "os apm value=256\n", "t.scn:2:14: value 256 out of range 0..255");
  check_error(M "os poke addr=0x100000000 byte=1\n",
              "t.scn:2:14: addr 4294967296 out of range 0..4294967295");
  /* the OS actor's xAPIC ICR: 8-bit IDs, 0xFF is broadcast */
  check_error(M "os online apic=0x1000\n", "t.scn:2:16: apic 4096 out of range 0..4095");
  check_error(M "device_add slot=1 apic=0xffffffff\n",
              "t.scn:2:24: apic 4294967295 out of range 0..4294967294");
  check_error(M "budget 0\n", "t.scn:2:8: value 0 out of range 1..18446744073709551615");
  check_error(M "seed 18446744073709551616\n",
              "t.scn:2:6: number '18446744073709551616' too large for 'value'");
  check_error(M "device_add slot=4\n",
              "t.scn:2:17: slot 4 out of range 0..3 (machine has 4 possible CPUs)");
  check_error(M "os cej0 slot=9\n",
              "t.scn:2:14: slot 9 out of range 0..3 (machine has 4 possible CPUs)");
  check_error(M "expect x n=0x10000000000000000\n",
              "t.scn:2:12: number '0x10000000000000000' too large for 'n'");
}

static void test_err_once(void **state)
{
  (void)state;
  check_error(M "seed 1\nseed 2\n", "t.scn:3:1: duplicate 'seed' (first at line 2)");
  check_error(M "budget 5\nboot\nbudget 6\n",
              "t.scn:4:1: duplicate 'budget' (first at line 2)");
  check_error(M "expect-verdict pass\nexpect-verdict hang\n",
              "t.scn:3:1: duplicate 'expect-verdict' (first at line 2)");
  check_error(M "expect-verdict maybe\n",
              "t.scn:2:16: bad value 'maybe' for 'verdict' (expected pass|hang|violation|refused|unsupported)");
  check_error(M "boot\nmutate call A in B\n",
              "t.scn:3:1: 'mutate' after the first step (line 2): mutations apply "
              "when the firmware is loaded");
}

static void test_err_lexical(void **state)
{
  (void)state;
  check_error(M "expect hang insn=\"pause\n", "t.scn:2:18: unterminated string");
  check_error(M "expect hang insn=\"a\\n\"\n",
              "t.scn:2:20: bad escape in string (only \\\" and \\\\)");
  check_error(M "expect hang insn=\"a\"b\n",
              "t.scn:2:21: expected a space after the closing quote");
  check_error(M "expect hang in\"sn\n", "t.scn:2:15: unexpected '\"' inside a word");
  check_error(M "expect hang x=a\"b\"\n", "t.scn:2:16: unexpected '\"' inside a word");
  check_error(M "boot \x01\n", "t.scn:2:6: invalid character 0x01");
  check_error(M "bot\r", "t.scn:2:1: unknown statement 'bot'");  /* CR at EOF */
  /* the comment starts outside quotes only */
  {
    struct scenario s;

    parse_ok(M "expect hang insn=\"a # b\" # real comment\n", &s);
    assert_string_equal(s.expect[0].match[0].text, "a # b");
    scenario_free(&s);
  }
}

/* Deterministic garbage: the parser must answer 0 or -1, never crash
 * (run under -fsanitize=address,undefined to make this meaningful). */
static void test_garbage(void **state)
{
  static const char *const bits[] = {
    "machine", "cpus=1/4", "os", "cej0", "slot=", "=", "\"", "\\", "#", " ",
    "\t", "\n", "\r", "expect", "x=*", "0x", "99999999999999999999", "/", "apic=1",
    "mutate", "call", "in", "expect-verdict", "hang", "boot", "device_add", "\x7f",
  };
  uint32_t rng = 12345;

  (void)state;
  for (int round = 0; round < 3000; round++) {
    char text[256] = "";
    struct scenario s;
    struct scenario_error err;
    int n = 1 + round % 24;

    if (round % 2)  /* half the inputs get past the machine line */
      strcpy(text, M);
    for (int i = 0; i < n; i++) {
      rng = rng * 1103515245u + 12345u;
      strncat(text, bits[(rng >> 16) % (sizeof bits / sizeof bits[0])],
              sizeof text - strlen(text) - 1);
    }
    if (scenario_parse_string("t.scn", text, &s, &err) == 0) {
      struct expectation *e = s.nexpect ? &s.expect[0] : NULL;

      if (e)
        (void)scenario_event_matches(e, text);
    } else {
      assert_memory_equal(err.text, "t.scn", 5);
    }
    scenario_free(&s);
  }
}

/* ---- matcher ------------------------------------------------------------- */

static void test_match_key(void **state)
{
  (void)state;
  assert_true(match("expect boot_done", "boot_done"));
  assert_true(match("expect boot_done", "  boot_done cpu=0"));
  assert_false(match("expect boot_done", "boot_done_early"));
  assert_false(match("expect rsm_smbase", "rsm"));
  assert_false(match("expect rsm_smbase", ""));
}

static void test_match_numbers(void **state)
{
  (void)state;
  assert_true(match("expect rsm_smbase cpu=1", "rsm_smbase cpu=1 written=0x7ff9a000"));
  assert_true(match("expect rsm_smbase cpu=1", "rsm_smbase written=0x7ff9a000 cpu=0x1"));
  assert_true(match("expect rsm_smbase cpu=0x10", "rsm_smbase cpu=16"));
  assert_false(match("expect rsm_smbase cpu=1", "rsm_smbase cpu=2"));
  assert_false(match("expect rsm_smbase cpu=1", "rsm_smbase cpu=one"));
  assert_false(match("expect rsm_smbase cpu=1", "rsm_smbase"));
  assert_false(match("expect rsm_smbase cpu=1", "rsm_smbase cpux=1"));
  assert_true(match("expect rsm_smbase cpu=1 written=0x7ff9a000",
                    "rsm_smbase cpu=1 written=0x7FF9A000 loaded=0x30000"));
  assert_false(match("expect rsm_smbase cpu=1 written=0x7ff9a000",
                     "rsm_smbase cpu=1 written=0x30000"));
}

static void test_match_any_and_words(void **state)
{
  (void)state;
  assert_true(match("expect smi_entry cpu=1 smbase=*", "smi_entry cpu=1 smbase=0x7ff9a000"));
  assert_false(match("expect smi_entry cpu=1 smbase=*", "smi_entry cpu=1"));
  assert_true(match("expect hang at=SmbaseRelocate", "hang cpu=0 at=SmbaseRelocate+0x4f"));
  assert_true(match("expect hang at=SmbaseRelocate", "hang cpu=0 at=SmbaseRelocate"));
  assert_false(match("expect hang at=SmbaseRelocate", "hang at=SmbaseRelocateX+0x4"));
  assert_false(match("expect hang at=Smbase", "hang at=SmbaseRelocate+0x4"));
  assert_true(match("expect hang at=SmbaseRelocate+0x4f", "hang at=SmbaseRelocate+0x4f"));
  assert_false(match("expect hang at=SmbaseRelocate+0x4f", "hang at=SmbaseRelocate+0x4f0"));
  assert_true(match("expect violation kind=smram_write", "violation kind=smram_write addr=0x1"));
}

static void test_match_quoted(void **state)
{
  (void)state;
  assert_true(match("expect hang insn=\"pause\"", "hang cpu=1 insn=\"pause\" waits=0x1000"));
  assert_true(match("expect hang insn=\"pause\"", "hang insn=pause"));
  assert_true(match("expect hang insn=pause", "hang insn=\"pause\""));
  assert_true(match("expect hang insn=\"rep movsb\" waits=0x1000",
                    "hang insn=\"rep movsb\" waits=0x1000"));
  assert_false(match("expect hang insn=\"rep\"", "hang insn=\"rep movsb\""));
  /* a quoted value's spaces do not split it into fields */
  assert_false(match("expect hang waits=*", "hang insn=\"x waits=1\""));
  assert_true(match("expect hang why=\"a \\\"b\\\"\"", "hang why=\"a \\\"b\\\"\""));
  /* bare words without '=' and unterminated quotes do not confuse it */
  assert_true(match("expect note cpu=3", "note free text \"with x=1\" cpu=3"));
  assert_false(match("expect note cpu=3", "note why=\"unterminated cpu=3"));
}

static void test_match_wildcards(void **state)
{
  (void)state;
  assert_true(match("expect debug msg=\"*hot-added APIC ID*\"",
                    "debug cpu=0 msg=\"CpuHotplugMmi: hot-added APIC ID 0x00000001, SMBASE 0x1dfa000\""));
  assert_false(match("expect debug msg=\"*hot-added APIC ID*\"", "debug msg=\"hot-removed\""));
  assert_true(match("expect debug msg=\"a*c*e\"", "debug msg=abcde"));
  assert_true(match("expect debug msg=\"a*\"", "debug msg=a"));
  assert_false(match("expect debug msg=\"a*c\"", "debug msg=abcd"));
  assert_true(match("expect debug msg=\"*a*a\"", "debug msg=xaaxa"));
  assert_true(match("expect hang at=Smbase*", "hang at=SmbaseRelocate+0x4"));
  assert_false(match("expect hang at=Smbase*x", "hang at=SmbaseRelocate+0x4"));
  assert_true(match("expect hang at=*Relocate", "hang at=SmbaseRelocate"));
}

static void test_match_null(void **state)
{
  struct scenario s;

  (void)state;
  assert_false(scenario_event_matches(NULL, "x"));
  assert_false(scenario_event_matches(one_expect("expect x", &s), NULL));
  scenario_free(&s);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_example),
    cmocka_unit_test(test_machine_limits),
    cmocka_unit_test(test_override_machine),
    cmocka_unit_test(test_os_s3),
    cmocka_unit_test(test_defaults),
    cmocka_unit_test(test_machine_options),
    cmocka_unit_test(test_layout_tolerance),
    cmocka_unit_test(test_device_args),
    cmocka_unit_test(test_os_steps),
    cmocka_unit_test(test_mutate),
    cmocka_unit_test(test_expect_matchers),
    cmocka_unit_test(test_verdicts),
    cmocka_unit_test(test_kind_names),
    cmocka_unit_test(test_parse_file),
    cmocka_unit_test(test_err_statement),
    cmocka_unit_test(test_err_machine),
    cmocka_unit_test(test_err_arguments),
    cmocka_unit_test(test_err_numbers),
    cmocka_unit_test(test_err_once),
    cmocka_unit_test(test_err_lexical),
    cmocka_unit_test(test_garbage),
    cmocka_unit_test(test_match_key),
    cmocka_unit_test(test_match_numbers),
    cmocka_unit_test(test_match_any_and_words),
    cmocka_unit_test(test_match_quoted),
    cmocka_unit_test(test_match_wildcards),
    cmocka_unit_test(test_match_null),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
