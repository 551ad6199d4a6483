/* Firmware line coverage (harness/coverage.*, docs/coverage.md): the real
 * firmware runs scenario hotplug/basic with coverage attached, and the
 * lcov tracefile it gives is checked against the edk2 tree it was built
 * from. Skipped when the firmware has not been built (`make firmware`). */
#define _POSIX_C_SOURCE 200809L  /* mkstemp */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "coverage.h"
#include "machine.h"
#include "runner.h"
#include "scenario.h"
#include "scenario_machine.h"

#define FW "build/fw/smmhp-fw.elf"
#define OS "build/os/smmhp-os.elf"
#define TREE_FILE "build/fw/edk2-tree"
#define SCN "scenarios/hotplug/basic.scn"

/* ---- helpers --------------------------------------------------------- */

static char *slurp(const char *path)
{
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  assert_non_null(buf);
  assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

static void tree_path(char *out, size_t len)
{
  char *t = slurp(TREE_FILE);
  t[strcspn(t, "\n")] = '\0';
  snprintf(out, len, "%s", t);
  free(t);
}

/* Run the scenario `runs` times, every run counted into one coverage
 * (as the matrix does), and return the tracefile's text. */
static char *tracefile_of(unsigned runs)
{
  struct coverage *c = coverage_new();
  struct scenario s;
  struct scenario_error perr;
  char msg[512], path[] = "/tmp/smmhp-cov-XXXXXX";

  assert_non_null(c);
  memset(&s, 0, sizeof s);
  assert_int_equal(scenario_parse_file(SCN, &s, &perr), 0);
  for (unsigned i = 0; i < runs; i++) {
    struct machine *m = NULL;
    assert_int_equal(scenario_machine_new(&s, FW, OS, false, 0, &m, msg, sizeof msg), 0);
    coverage_attach(c, m);
    struct runner r = { .s = &s, .m = m, .out = NULL };
    assert_int_equal(runner_execute(&r), 0);
    scenario_machine_free(m);
  }
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  assert_int_equal(coverage_write(c, path, s.name, msg, sizeof msg), 0);
  char *text = slurp(path);
  unlink(path);
  coverage_free(c);
  scenario_free(&s);
  return text;
}

/* The record of one source file: from its SF: line to end_of_record
 * (NUL-terminated copy), or NULL. */
static char *record_of(const char *text, const char *file)
{
  char key[4200];
  snprintf(key, sizeof key, "SF:%s\n", file);
  const char *a = strstr(text, key);
  if (!a)
    return NULL;
  const char *z = strstr(a, "end_of_record");
  assert_non_null(z);
  return strndup(a, (size_t)(z - a));
}

/* Value of `KEY<suffix>` in a record, where suffix ends the line
 * ("DA:272," -> count; "LF:" -> number); -1 if absent. */
static long long value_after(const char *rec, const char *key)
{
  for (const char *p = rec; (p = strstr(p, key)); p++)
    if (p == rec || p[-1] == '\n')
      return strtoll(p + strlen(key), NULL, 10);
  return -1;
}

/* FNDA count of a function, -1 if absent. */
static long long fnda(const char *rec, const char *name)
{
  char line[256];
  for (const char *p = rec; (p = strstr(p, "\nFNDA:")); p++) {
    const char *comma = strchr(p + 6, ',');
    size_t n = strcspn(comma + 1, "\n");
    snprintf(line, sizeof line, "%.*s", (int)n, comma + 1);
    if (!strcmp(line, name))
      return strtoll(p + 6, NULL, 10);
  }
  return -1;
}

/* 1-based line of the first source line that starts (after blanks) with text. */
static int line_starting(const char *src_path, const char *text)
{
  FILE *f = fopen(src_path, "r");
  char buf[1024];
  int n = 0;
  assert_non_null(f);
  while (fgets(buf, sizeof buf, f)) {
    n++;
    if (!strncmp(buf + strspn(buf, " \t"), text, strlen(text))) {
      fclose(f);
      return n;
    }
  }
  fclose(f);
  return -1;
}

static bool have_firmware(void)
{
  return !access(FW, R_OK) && !access(OS, R_OK) && !access(TREE_FILE, R_OK);
}

/* ---- tests ------------------------------------------------------------ */

static void test_basic_hotplug_tracefile(void **state)
{
  (void)state;
  if (!have_firmware())
    skip();
  char tree[4096], file[4200];
  char *text = tracefile_of(1);
  tree_path(tree, sizeof tree);

  assert_true(!strncmp(text, "TN:", 3)); /* the scenario's name, '_' for other characters */
  assert_true(strcspn(text, "\n") < strcspn(text, "/."));
  /* the driver's files, named by their path in the tree actually used */
  snprintf(file, sizeof file, "%s/OvmfPkg/CpuHotplugSmm/CpuHotplug.c", tree);
  char *hp = record_of(text, file);
  assert_non_null(hp);
  long long lf = value_after(hp, "LF:"), lh = value_after(hp, "LH:");
  assert_true(lh > 0);
  assert_true(lf >= lh);
  assert_true(lf > lh); /* the basic scenario unplugs nothing */
  assert_true(fnda(hp, "CpuHotplugMmi") > 0);
  if (line_starting(file, "UnplugCpus (") > 0) /* edk2 2021.11+ */
    assert_int_equal(fnda(hp, "UnplugCpus"), 0);

  /* the new CPU is started by SmbaseRelocate's SendInitSipiSipi call */
  snprintf(file, sizeof file, "%s/OvmfPkg/CpuHotplugSmm/Smbase.c", tree);
  char *sb = record_of(text, file), key[32];
  assert_non_null(sb);
  int call = line_starting(file, "SendInitSipiSipi (");
  assert_true(call > 0);
  snprintf(key, sizeof key, "DA:%d,", call);
  assert_true(value_after(sb, key) > 0);
  assert_true(fnda(sb, "SmbaseRelocate") > 0);
  assert_int_equal(fnda(sb, "SmbaseReleasePostSmmPen"), 0); /* DXE-phase only */

  /* our own firmware sources are there too, by absolute path (in the
   * repository the firmware was built from) */
  const char *at = strstr(text, "/firmware/core/smm_init.c\n");
  assert_non_null(at);
  while (at > text && at[-1] != '\n')
    at--;
  assert_true(!strncmp(at, "SF:/", 4));
  snprintf(file, sizeof file, "%.*s", (int)strcspn(at + 3, "\n"), at + 3);
  char *ours = record_of(text, file);
  assert_non_null(ours);
  assert_true(value_after(ours, "LH:") > 0);
  free(ours);
  free(sb);
  free(hp);
  free(text);
}

/* Coverage accumulates over machines (the matrix): a deterministic
 * scenario run twice counts every line exactly twice as often. */
static void test_counts_accumulate_over_runs(void **state)
{
  (void)state;
  if (!have_firmware())
    skip();
  char tree[4096], file[4200];
  char *one = tracefile_of(1), *two = tracefile_of(2);
  tree_path(tree, sizeof tree);
  snprintf(file, sizeof file, "%s/OvmfPkg/CpuHotplugSmm/QemuCpuhp.c", tree);
  char *a = record_of(one, file), *b = record_of(two, file);
  assert_non_null(a);
  assert_non_null(b);
  unsigned compared = 0;
  for (const char *p = a; (p = strstr(p, "\nDA:")); p++) {
    char key[32];
    long line = strtol(p + 4, NULL, 10);
    long long n1 = strtoll(strchr(p, ',') + 1, NULL, 10);
    snprintf(key, sizeof key, "DA:%ld,", line);
    assert_int_equal(value_after(b, key), 2 * n1);
    compared++;
  }
  assert_true(compared > 10);
  assert_int_equal(value_after(a, "LH:"), value_after(b, "LH:"));
  free(a);
  free(b);
  free(one);
  free(two);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_basic_hotplug_tracefile),
    cmocka_unit_test(test_counts_accumulate_over_runs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
