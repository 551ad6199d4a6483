/* `smmhp matrix`: run every case of the matrix for one firmware release
 * against that release's expectations; print the table, write JUnit XML.
 * Each case runs on a fresh machine, its event log in its own file. */
#include "cli_matrix.h"
#include "elfimage.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "coverage.h"
#include "matrix.h"
#include "runner.h"
#include "scenario.h"
#include "scenario_machine.h"

struct matrix_opts {
  const char *release, *cases, *expect, *junit, *logs;
  const char *coverage;  /* --coverage FILE.info: one tracefile for all cases */
  struct coverage *cov;
  char fw[PATH_MAX], fw_nosmm[PATH_MAX], os[PATH_MAX];
  bool fw_given, fw_nosmm_given, os_given;
  int arch_ia32; /* --arch: -1 as --machine implies, else 1 for IA32, 0 for X64 */
  int machine; /* --machine: -1 as each case says, else 1 for i386, 0 for x86_64 */
};

static void usage(FILE *f)
{
  fprintf(f, "usage: smmhp matrix --release VERSION [--cases DIR] [--expect FILE] [--junit FILE]\n"
             "                    [--logs DIR] [--fw ELF] [--fw-nosmm ELF] [--os ELF] [--coverage FILE.info]\n"
             "                    [--machine x86_64|i386] [--arch X64|IA32]\n"
             "  --machine M: every case on qemu-system-M (i386: the 32-bit save-state map)\n"
             "  defaults: --cases scenarios/matrix/cases, --expect scenarios/matrix/expect-VERSION.cfg,\n"
             "            images beside smmhp (fw/smmhp-fw.elf, fw/smmhp-fw-nosmm.elf, os/smmhp-os.elf;\n"
             "            with --machine i386 or --arch IA32 the IA32 builds' fw-ia32/..., os-ia32/...)\n"
             "  the firmware's architecture (X64 or IA32, from its ELF class) selects the\n"
             "  expectations' [case arch=A] sections\n");
}

static int parse(int argc, char **argv, struct matrix_opts *o, char *expect_buf, size_t expect_len)
{
  memset(o, 0, sizeof *o);
  o->cases = "scenarios/matrix/cases";
  o->machine = -1;
  o->arch_ia32 = -1;
  image_beside_self(o->fw, sizeof o->fw, IMAGE_FW, false);
  image_beside_self(o->fw_nosmm, sizeof o->fw_nosmm, IMAGE_FW_NOSMM, false);
  image_beside_self(o->os, sizeof o->os, IMAGE_OS, false);
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (a[0] != '-') {
      fprintf(stderr, "smmhp: matrix: unexpected argument '%s'\n", a);
      usage(stderr);
      return 2;
    }
    if (!v) {
      fprintf(stderr, "smmhp: matrix: option '%s' needs a value\n", a);
      return 2;
    }
    i++;
    if (!strcmp(a, "--release")) o->release = v;
    else if (!strcmp(a, "--cases")) o->cases = v;
    else if (!strcmp(a, "--expect")) o->expect = v;
    else if (!strcmp(a, "--junit")) o->junit = v;
    else if (!strcmp(a, "--logs")) o->logs = v;
    else if (!strcmp(a, "--coverage")) o->coverage = v;
    else if (!strcmp(a, "--fw")) snprintf(o->fw, sizeof o->fw, "%s", v), o->fw_given = true;
    else if (!strcmp(a, "--fw-nosmm")) snprintf(o->fw_nosmm, sizeof o->fw_nosmm, "%s", v), o->fw_nosmm_given = true;
    else if (!strcmp(a, "--os")) snprintf(o->os, sizeof o->os, "%s", v), o->os_given = true;
    else if (!strcmp(a, "--arch")) {
      if ((o->arch_ia32 = fw_arch_parse(v)) < 0) {
        fprintf(stderr, "smmhp: matrix: --arch: unknown firmware architecture '%s' (want X64 or IA32)\n", v);
        return 2;
      }
    } else if (!strcmp(a, "--machine")) {
      if ((o->machine = machine_platform_parse(v)) < 0) {
        fprintf(stderr, "smmhp: matrix: --machine: unknown platform '%s' (want x86_64 or i386)\n", v);
        return 2;
      }
    } else {
      fprintf(stderr, "smmhp: matrix: unknown option '%s'\n", a);
      usage(stderr);
      return 2;
    }
  }
  if (!o->release) {
    fprintf(stderr, "smmhp: matrix: --release is required (the edk2 release the firmware was built from)\n");
    usage(stderr);
    return 2;
  }
  if (!o->expect) {
    snprintf(expect_buf, expect_len, "scenarios/matrix/expect-%s.cfg", o->release);
    o->expect = expect_buf;
  }
  /* qemu-system-i386 runs only IA32 firmware (no long mode) */
  bool ia32 = o->arch_ia32 >= 0 ? o->arch_ia32 == 1 : o->machine == 1;
  if (ia32 && !o->fw_given)
    image_beside_self(o->fw, sizeof o->fw, IMAGE_FW, true);
  if (ia32 && !o->fw_nosmm_given)
    image_beside_self(o->fw_nosmm, sizeof o->fw_nosmm, IMAGE_FW_NOSMM, true);
  if (!o->os_given && elfimage_file_bits(o->fw) == 32)
    image_beside_self(o->os, sizeof o->os, IMAGE_OS, true);
  return 0;
}

/* Which upstream functions the case executed: the hot-plug driver's and
 * the SMI negotiation's by name, upstream library functions counted. */
static void collect_upstream(struct matrix_case *mc, const struct machine *m)
{
  static const char key[] = "upstream_function name=";
  size_t len = 0, total = 0, libs = 0;
  char names[sizeof mc->upstream] = "";

  for (size_t i = 0; i < m->nevents; i++) {
    if (strncmp(m->events[i], key, sizeof key - 1))
      continue;
    const char *name = m->events[i] + sizeof key - 1;
    const char *file = strstr(name, " file=");
    size_t n = strcspn(name, " ");
    total++;
    if (!file || (!strstr(file, "CpuHotplugSmm/") && !strstr(file, "SmmControl2Dxe/"))) {
      libs++;
      continue;
    }
    if (len + n + 8 < sizeof names)
      len += (size_t)snprintf(names + len, sizeof names - len, "%s%.*s", len ? "," : "", (int)n, name);
  }
  if (names[0])
    snprintf(mc->upstream, sizeof mc->upstream, "%zu functions: %s (+%zu library functions)", total, names,
             libs);
  else
    snprintf(mc->upstream, sizeof mc->upstream, "no upstream SMM code (platform only; %zu upstream library functions)",
             libs);
}

/* Run one case; its result goes into mc. */
static void run_case(const struct matrix_opts *o, struct matrix *mx, struct matrix_case *mc, const char *logdir)
{
  struct scenario s;
  struct scenario_error perr;
  char msg[512], path[PATH_MAX];

  mc->exit_code = 2;
  mc->verdict = NULL;
  if (scenario_parse_string(mc->name, mc->text, &s, &perr)) {
    const char *file;
    int line;
    matrix_error_location(mx, mc, perr.line, &file, &line);
    fprintf(stderr, "%s:%d: %s\n", file, line, perr.message);
    scenario_free(&s);
    return;
  }
  if (o->machine >= 0)
    s.machine.i386 = o->machine == 1;
  mc->expected = scenario_verdict_name(s.verdict);
  const char *fw = s.machine.smm ? o->fw : o->fw_nosmm;
  struct machine *m = NULL;
  double t0 = cpu_seconds();
  int rc = scenario_machine_new(&s, fw, o->os, false, 0, &m, msg, sizeof msg);
  if (rc) {
    fprintf(stderr, "smmhp: matrix: %s: %s\n", mc->name, msg);
    mc->exit_code = rc;
  } else {
    snprintf(path, sizeof path, "%s/%s.log", logdir, mc->name);
    for (char *p = path + strlen(logdir) + 1; *p; p++)
      if (*p == '/')
        *p = '-';
    if (o->cov)
      coverage_attach(o->cov, m);
    FILE *log = fopen(path, "w");
    m->log = log ? log_line_to_file : NULL;
    m->log_ctx = log;
    struct runner r = { .s = &s, .m = m, .out = log };
    mc->exit_code = runner_execute(&r);
    mc->verdict = r.verdict_name;
    snprintf(mc->deciding, sizeof mc->deciding, "%s", r.deciding);
    collect_upstream(mc, m);
    if (log)
      fclose(log);
  }
  mc->seconds = cpu_seconds() - t0;
  mc->passed = mc->exit_code == 0;
  scenario_machine_free(m);
  scenario_free(&s);
}

static void mkdirs(const char *path)
{
  char buf[PATH_MAX];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; *p; p++) {
    if (*p == '/') {
      *p = '\0';
      mkdir(buf, 0777);
      *p = '/';
    }
  }
  mkdir(buf, 0777);
}

int cmd_matrix(int argc, char **argv)
{
  struct matrix_opts o;
  char expect_buf[PATH_MAX], err[768], logdir[PATH_MAX];
  static struct matrix mx;
  int rc = parse(argc, argv, &o, expect_buf, sizeof expect_buf);

  if (rc)
    return rc;
  /* the firmware's architecture picks the [case arch=A] sections */
  int bits = elfimage_file_bits(o.fw);
  if (!bits) {
    fprintf(stderr, "smmhp: matrix: %s: missing or not an x86-64/i386 firmware image (build it with `make firmware`)\n",
            o.fw);
    return 2;
  }
  if (machine_fw_fits_platform(o.machine == 1, bits, o.fw, err, sizeof err)) {
    fprintf(stderr, "smmhp: matrix: %s\n", err);
    return 2;
  }
  if (matrix_load(&mx, o.cases, o.expect, o.release, machine_platform_name(o.machine == 1), bits == 32 ? "ia32" : "x64",
                  err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    matrix_free(&mx);
    return 2;
  }
  if (access(o.os, R_OK)) {
    fprintf(stderr, "smmhp: matrix: missing OS actor image %s (build it with `make firmware`)\n", o.os);
    matrix_free(&mx);
    return 2;
  }
  snprintf(logdir, sizeof logdir, "%s", o.logs ? o.logs : "build/matrix-logs");
  if (!o.logs) {
    size_t n = strlen(logdir);
    snprintf(logdir + n, sizeof logdir - n, "/%s", o.release);
  }
  mkdirs(logdir);
  printf("matrix: edk2 %s, %s firmware, %zu cases, expectations %s, logs %s%s%s\n", o.release,
         bits == 32 ? "IA32" : "X64", mx.ncases, o.expect, logdir,
         o.machine < 0 ? "" : ", platform qemu-system-", o.machine < 0 ? "" : machine_platform_name(o.machine == 1));
  o.cov = o.coverage ? coverage_new() : NULL;
  for (size_t i = 0; i < mx.ncases; i++)
    run_case(&o, &mx, &mx.c[i], logdir);
  matrix_print_table(&mx, stdout);
  rc = 0;
  for (size_t i = 0; i < mx.ncases; i++)
    if (!mx.c[i].passed)
      rc = mx.c[i].exit_code == 2 ? 2 : (rc == 2 ? 2 : 1);
  if (o.junit && matrix_write_junit(&mx, o.junit)) {
    fprintf(stderr, "smmhp: matrix: cannot write %s: %s\n", o.junit, strerror(errno));
    rc = rc ? rc : 3;
  }
  if (o.cov && coverage_write(o.cov, o.coverage, "matrix", err, sizeof err)) {
    fprintf(stderr, "smmhp: matrix: %s\n", err);
    rc = rc ? rc : 3;
  }
  coverage_free(o.cov);
  matrix_free(&mx);
  return rc;
}
