/* The matrix's expectations file: qualified sections ([case machine=M],
 * [case arch=A], both) replace the case's own section on platform M /
 * with firmware of architecture A only, the most specific one winning,
 * and malformed qualifiers are errors naming the file and line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "matrix.h"

static char dir[] = "/tmp/smmhp-matrix-XXXXXX";
static char cases[512], expect[512];
static struct matrix mx;

static void write_file(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static int setup(void **state)
{
  (void)state;
  char path[600];
  if (!mkdtemp(dir))
    return -1;
  snprintf(cases, sizeof cases, "%s/cases", dir);
  snprintf(expect, sizeof expect, "%s/expect.cfg", dir);
  if (mkdir(cases, 0777))
    return -1;
  snprintf(path, sizeof path, "%s/plug-sev.scn", cases);
  write_file(path, "machine cpus=1/2 smm=on\nboot\n");
  return 0;
}

static int teardown(void **state)
{
  (void)state;
  char cmd[700];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd) == 0 ? 0 : -1;
}

static const char two_platforms[] = "[plug/sev]\n"
                                    "reason: base reason\n"
                                    "expect-verdict violation\n"
                                    "\n"
                                    "[plug/sev machine=i386]\n"
                                    "reason: i386 reason\n"
                                    "expect-verdict hang\n";

static void test_base_section_on_x86_64(void **state)
{
  (void)state;
  char err[512] = "";
  write_file(expect, two_platforms);
  assert_int_equal(matrix_load(&mx, cases, expect, "r", "x86_64", "x64", err, sizeof err), 0);
  assert_int_equal(mx.ncases, 1);
  assert_string_equal(mx.c[0].reason, "base reason");
  assert_string_equal(mx.label, "r");
  assert_non_null(strstr(mx.c[0].text, "expect-verdict violation"));
  assert_null(strstr(mx.c[0].text, "expect-verdict hang"));
  matrix_free(&mx);
}

static void test_override_replaces_on_i386(void **state)
{
  (void)state;
  char err[512] = "";
  write_file(expect, two_platforms);
  assert_int_equal(matrix_load(&mx, cases, expect, "r", "i386", "x64", err, sizeof err), 0);
  assert_int_equal(mx.ncases, 1);
  assert_string_equal(mx.c[0].reason, "i386 reason");
  assert_string_equal(mx.label, "r-i386");
  assert_non_null(strstr(mx.c[0].text, "machine cpus=1/2 smm=on"));
  assert_non_null(strstr(mx.c[0].text, "expect-verdict hang"));
  assert_null(strstr(mx.c[0].text, "expect-verdict violation"));
  /* parse errors still map to the expectations file's own lines */
  const char *file;
  int line;
  int composed = 1;
  for (const char *p = mx.c[0].text; *p && strncmp(p, "expect-verdict hang", 19); p++)
    composed += *p == '\n';
  matrix_error_location(&mx, &mx.c[0], composed, &file, &line);
  assert_string_equal(file, expect);
  assert_int_equal(line, 7);
  matrix_free(&mx);
}

static const char three_ways[] = "[plug/sev]\n"
                                 "reason: base\n"
                                 "[plug/sev arch=ia32]\n"
                                 "reason: ia32\n"
                                 "[plug/sev machine=i386]\n"
                                 "reason: i386\n";

static const char *reason_for(const char *text, const char *platform, const char *arch, const char *label)
{
  static char reason[256];
  char err[512] = "";
  write_file(expect, text);
  assert_int_equal(matrix_load(&mx, cases, expect, "r", platform, arch, err, sizeof err), 0);
  assert_string_equal(mx.label, label);
  snprintf(reason, sizeof reason, "%s", mx.c[0].reason);
  matrix_free(&mx);
  return reason;
}

/* An arch section outranks a machine section whatever their order; a
 * section naming both outranks either. */
static void test_arch_sections(void **state)
{
  (void)state;
  assert_string_equal(reason_for(three_ways, "x86_64", "x64", "r"), "base");
  assert_string_equal(reason_for(three_ways, "x86_64", "ia32", "r-ia32"), "ia32");
  assert_string_equal(reason_for(three_ways, "i386", "x64", "r-i386"), "i386");
  assert_string_equal(reason_for(three_ways, "i386", "ia32", "r-i386-ia32"), "ia32");
  static const char both[] = "[plug/sev]\nreason: base\n[plug/sev machine=i386 arch=ia32]\nreason: both\n"
                             "[plug/sev arch=ia32]\nreason: ia32\n";
  assert_string_equal(reason_for(both, "i386", "ia32", "r-i386-ia32"), "both");
  assert_string_equal(reason_for(both, "x86_64", "ia32", "r-ia32"), "ia32");
  assert_string_equal(reason_for(both, "i386", "x64", "r-i386"), "base");
}

static void expect_error(const char *text, const char *needle)
{
  char err[512] = "";
  write_file(expect, text);
  assert_int_equal(matrix_load(&mx, cases, expect, "r", "i386", "x64", err, sizeof err), -1);
  if (!strstr(err, needle))
    fail_msg("error '%s' lacks '%s'", err, needle);
  matrix_free(&mx);
}

static void test_bad_qualifiers(void **state)
{
  (void)state;
  expect_error("[plug/sev]\nexpect-verdict pass\n[plug/sev machine=arm]\n", "expect.cfg:3: bad section qualifier");
  expect_error("[plug/sev]\nexpect-verdict pass\n[plug/sev cpu=1]\n", "expect.cfg:3: bad section qualifier");
  expect_error("[plug/sev machine=i386]\nexpect-verdict hang\n[plug/sev]\n", "expect.cfg:1: [plug/sev machine=i386] before");
  expect_error("[plug/sev]\n[plug/sev]\n", "expect.cfg:2: case 'plug/sev' listed twice");
  expect_error("[plug/sev]\n[plug/sev machine=i386]\n[plug/sev machine=i386]\n",
               "expect.cfg:3: [plug/sev machine=i386] listed twice");
  expect_error("[plug/sev]\nexpect-verdict pass\n[plug/sev arch=arm64]\n", "expect.cfg:3: bad section qualifier");
  expect_error("[plug/sev]\nexpect-verdict pass\n[plug/sev arch=x64 arch=ia32]\n",
               "expect.cfg:3: bad section qualifier 'arch=x64 arch=ia32'");
  expect_error("[plug/sev]\n[plug/sev machine=i386 arch=x64]\n[plug/sev arch=x64 machine=i386]\n",
               "expect.cfg:3: [plug/sev arch=x64 machine=i386] listed twice");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_base_section_on_x86_64),
    cmocka_unit_test(test_override_replaces_on_i386),
    cmocka_unit_test(test_arch_sections),
    cmocka_unit_test(test_bad_qualifiers),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
