/* smmhp command line: `smmhp run SCENARIO [options]`,
 * `smmhp bench SCENARIO [--runs N]`. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cli_matrix.h"
#include "coverage.h"
#include "dev_smi_features.h"
#include "elfimage.h"
#include "gdbstub.h"
#include "machine.h"
#include "runner.h"
#include "scenario.h"
#include "scenario_machine.h"

struct options {
  const char *scenario, *log_path, *trace_path;
  const char *coverage_path; /* --coverage FILE.info */
  char fw[PATH_MAX], fw_nosmm[PATH_MAX], os[PATH_MAX];
  /* IA32 builds beside smmhp: the defaults on qemu-system-i386 */
  char fw_ia32[PATH_MAX], fw_nosmm_ia32[PATH_MAX], os_ia32[PATH_MAX];
  bool fw_given, fw_nosmm_given, os_given;
  bool arch_given, arch_ia32; /* --arch: which builds are the defaults */
  bool quiet, seed_given;
  uint64_t seed;
  unsigned runs;
  struct trace_config trace; /* groups and insn filter; .out set when opened */
  bool trace_given;
  const char *gdb;           /* --gdb [HOST]:PORT */
  bool gdb_wait;             /* --gdb-wait */
  int machine;               /* --machine: -1 as the scenario says, 0 x86_64, 1 i386 */
  const char *cpus;          /* --cpus BOOT/POSSIBLE, or NULL */
  const char *qemu;          /* --qemu VERSION (a `machine ... qemu=` name), or NULL */
  bool no_park;              /* --no-park: emulate every slice of a spinning vCPU */
  uint64_t events_keep;      /* --events-keep N: event lines kept in memory (0: default) */
  int ext_tseg_mbytes;       /* --ext-tseg-mbytes N, or -1: as the scenario says */
};

static void usage(FILE *f)
{
  fprintf(f,
          "usage: smmhp run SCENARIO [options]\n"
          "       smmhp bench SCENARIO [--runs N] [--fw ELF] [--os ELF] [--trace GROUPS]\n"
          "       smmhp matrix --release VERSION [options]   (smmhp matrix --help)\n"
          "  --seed N          scheduler seed (overrides the scenario's `seed`)\n"
          "  --fw ELF          firmware image for every scenario (default: fw/smmhp-fw.elf\n"
          "                    beside smmhp, fw/smmhp-fw-nosmm.elf for `machine ... smm=off`;\n"
          "                    on qemu-system-i386 the IA32 build's, fw-ia32/...)\n"
          "  --fw-nosmm ELF    firmware image for smm=off scenarios when --fw is not given\n"
          "  --os ELF          OS actor image (default: os/smmhp-os.elf beside smmhp, or\n"
          "                    os-ia32/smmhp-os.elf for IA32 firmware)\n"
          "  --arch A          firmware architecture of the default images: X64 (fw/, os/)\n"
          "                    or IA32 (fw-ia32/, os-ia32/: make firmware ARCH=IA32)\n"
          "  --log FILE        write the event log to FILE instead of stdout\n"
          "  --quiet           no event log, only the summary\n"
          "  --trace GROUPS    trace lines of the groups in the comma list GROUPS: cpuhp, apm\n"
          "                    (QEMU 7.2 trace-event formats), smm, ipi, fwcfg, insn (docs/tracing.md)\n"
          "  --trace-file F    write the trace to F (default stderr; bench: /dev/null);\n"
          "                    without --trace it traces cpuhp,apm\n"
          "  --trace-cpu N     insn: only vCPU N\n"
          "  --trace-range A-B insn: only linear addresses A <= addr < B\n"
          "  --coverage F      run, bench: write the firmware's line coverage as an lcov tracefile\n"
          "  --runs N          bench: repetitions (default 20)\n"
          "  --gdb :PORT       run: serve gdb on 127.0.0.1:PORT (0: any free port) (docs/gdb.md)\n"
          "  --gdb-wait        run: wait for gdb and stop before the first guest instruction\n"
          "  --machine M       platform qemu-system-M, M = x86_64 or i386 (overrides the\n"
          "                    scenario's `machine ... arch=`; i386: 32-bit save-state map)\n"
          "  --cpus B/P        B boot CPUs of P possible (overrides `machine cpus=`; P up to\n"
          "                    288, as QEMU 7.2's q35, or 4096 with --qemu 9.0)\n"
          "  --qemu V          QEMU of the scenario's `machine ... qemu=`: 7.2, 7.2.0, 5.1,\n"
          "                    unplug-v1 or 9.0 (q35 with up to 4096 possible CPUs)\n"
          "  --ext-tseg-mbytes N  MCH extended TSEG in MiB (QEMU mch.extended-tseg-mbytes;\n"
          "                    0: none); n possible CPUs need 6 MiB + 16 KiB each\n"
          "  --events-keep N   keep N event lines in memory (default 2000000); later ones\n"
          "                    are matched against the expectations as they come\n"
          "  --no-park         emulate every slice of a spinning vCPU instead of replaying\n"
          "                    a proven fixed point (same trace either way; docs/harness.md)\n"
          "exit status: 0 expectations met, 1 not met, 2 bad input, 3 internal error\n");
}

static int parse_u64(const char *s, uint64_t *v)
{
  char *end;
  errno = 0;
  unsigned long long x = strtoull(s, &end, 0);
  if (errno || !*s || *end)
    return -1;
  *v = x;
  return 0;
}

static int parse_options(const char *cmd, int argc, char **argv, struct options *o)
{
  static const char *const with_value[] = { "--seed", "--fw", "--fw-nosmm", "--os", "--log", "--trace-file", "--runs", "--coverage",
                                            "--trace", "--trace-cpu", "--trace-range", "--gdb", "--machine",
                                            "--arch", "--cpus", "--qemu", "--events-keep", "--ext-tseg-mbytes" };
  char msg[160];

  memset(o, 0, sizeof *o);
  o->runs = 20;
  o->machine = -1;
  o->ext_tseg_mbytes = -1;
  o->trace = trace_config_none();
  image_beside_self(o->fw, sizeof o->fw, IMAGE_FW, false);
  image_beside_self(o->fw_nosmm, sizeof o->fw_nosmm, IMAGE_FW_NOSMM, false);
  image_beside_self(o->os, sizeof o->os, IMAGE_OS, false);
  image_beside_self(o->fw_ia32, sizeof o->fw_ia32, IMAGE_FW, true);
  image_beside_self(o->fw_nosmm_ia32, sizeof o->fw_nosmm_ia32, IMAGE_FW_NOSMM, true);
  image_beside_self(o->os_ia32, sizeof o->os_ia32, IMAGE_OS, true);
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    bool needs = false;
    for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++)
      needs |= !strcmp(a, with_value[k]);
    if (needs && i + 1 >= argc) {
      fprintf(stderr, "smmhp: %s: option '%s' needs a value\n", cmd, a);
      return 2;
    }
    uint64_t n;
    if (!strcmp(a, "--seed") || !strcmp(a, "--runs")) {
      if (parse_u64(argv[++i], &n) || (!strcmp(a, "--runs") && (n == 0 || n > 100000))) {
        fprintf(stderr, "smmhp: %s: %s: bad number '%s'\n", cmd, a, argv[i]);
        return 2;
      }
      if (!strcmp(a, "--seed")) {
        o->seed = n;
        o->seed_given = true;
      } else {
        o->runs = (unsigned)n;
      }
    } else if (!strcmp(a, "--fw")) {
      snprintf(o->fw, sizeof o->fw, "%s", argv[++i]);
      o->fw_given = true;
    } else if (!strcmp(a, "--fw-nosmm")) {
      snprintf(o->fw_nosmm, sizeof o->fw_nosmm, "%s", argv[++i]);
      o->fw_nosmm_given = true;
    } else if (!strcmp(a, "--os")) {
      snprintf(o->os, sizeof o->os, "%s", argv[++i]);
      o->os_given = true;
    } else if (!strcmp(a, "--log")) {
      o->log_path = argv[++i];
    } else if (!strcmp(a, "--trace-file")) {
      o->trace_path = argv[++i];
    } else if (!strcmp(a, "--coverage")) {
      o->coverage_path = argv[++i];
    } else if (!strcmp(a, "--trace")) {
      if (trace_parse_groups(argv[++i], &o->trace.groups, msg, sizeof msg)) {
        fprintf(stderr, "smmhp: %s: --trace: %s\n", cmd, msg);
        return 2;
      }
      o->trace_given = true;
    } else if (!strcmp(a, "--trace-cpu")) {
      if (parse_u64(argv[++i], &n) || n >= MACHINE_MAX_CPUS) {
        fprintf(stderr, "smmhp: %s: --trace-cpu: bad vCPU '%s'\n", cmd, argv[i]);
        return 2;
      }
      o->trace.cpu = (int)n;
    } else if (!strcmp(a, "--trace-range")) {
      if (trace_parse_range(argv[++i], &o->trace.lo, &o->trace.hi)) {
        fprintf(stderr, "smmhp: %s: --trace-range: bad range '%s' (want A-B, A < B)\n", cmd, argv[i]);
        return 2;
      }
    } else if (!strcmp(a, "--gdb")) {
      o->gdb = argv[++i];
    } else if (!strcmp(a, "--machine")) {
      if ((o->machine = machine_platform_parse(argv[++i])) < 0) {
        fprintf(stderr, "smmhp: %s: --machine: unknown platform '%s' (want x86_64 or i386)\n", cmd, argv[i]);
        return 2;
      }
    } else if (!strcmp(a, "--arch")) {
      int arch = fw_arch_parse(argv[++i]);
      if (arch < 0) {
        fprintf(stderr, "smmhp: %s: --arch: unknown firmware architecture '%s' (want X64 or IA32)\n", cmd, argv[i]);
        return 2;
      }
      o->arch_ia32 = arch == 1;
      o->arch_given = true;
    } else if (!strcmp(a, "--cpus")) {
      o->cpus = argv[++i];
    } else if (!strcmp(a, "--qemu")) {
      o->qemu = argv[++i];
    } else if (!strcmp(a, "--ext-tseg-mbytes")) {
      if (parse_u64(argv[++i], &n) || n > 4095) {
        fprintf(stderr, "smmhp: %s: --ext-tseg-mbytes: want 0..4095 (MiB; 0: no extended TSEG), not '%s'\n", cmd,
                argv[i]);
        return 2;
      }
      o->ext_tseg_mbytes = (int)n;
    } else if (!strcmp(a, "--events-keep")) {
      if (parse_u64(argv[++i], &o->events_keep) || o->events_keep == 0) {
        fprintf(stderr, "smmhp: %s: --events-keep: want a count above 0, not '%s'\n", cmd, argv[i]);
        return 2;
      }
    } else if (!strcmp(a, "--no-park")) {
      o->no_park = true;
    } else if (!strcmp(a, "--gdb-wait")) {
      o->gdb_wait = true;
    } else if (!strcmp(a, "--quiet")) {
      o->quiet = true;
    } else if (a[0] == '-') {
      fprintf(stderr, "smmhp: %s: unknown option '%s'\n", cmd, a);
      usage(stderr);
      return 2;
    } else if (!o->scenario) {
      o->scenario = a;
    } else {
      fprintf(stderr, "smmhp: %s: more than one scenario given ('%s')\n", cmd, a);
      return 2;
    }
  }
  if (!o->scenario) {
    usage(stderr);
    return 2;
  }
  if (o->gdb_wait && !o->gdb) {
    fprintf(stderr, "smmhp: %s: --gdb-wait needs --gdb :PORT\n", cmd);
    return 2;
  }
  if (o->trace_path && !o->trace_given)
    o->trace.groups = TRACE_CPUHP | TRACE_APM; /* --trace-file alone: the QEMU groups */
  return 0;
}

/* Open the trace destination when a group is on: 0 or 2. */
static int open_trace(struct options *o, const char *fallback)
{
  if (!o->trace.groups)
    return 0;
  const char *path = o->trace_path ? o->trace_path : fallback;
  o->trace.out = path ? fopen(path, "w") : stderr;
  if (!o->trace.out) {
    fprintf(stderr, "smmhp: --trace-file: cannot write '%s': %s\n", path, strerror(errno));
    return 2;
  }
  return 0;
}

static void close_trace(struct options *o)
{
  if (o->trace.out && o->trace.out != stderr)
    fclose(o->trace.out);
  o->trace.out = NULL;
}

/* The firmware the scenario's machine boots: `smm=off` means OVMF built
 * without SMM_REQUIRE (docs/nosmm-and-sev.md), unless --fw says otherwise;
 * qemu-system-i386 boots the IA32 build unless an image is given. */
static const char *fw_for(const struct options *o, const struct scenario *s)
{
  bool ia32 = o->arch_given ? o->arch_ia32 : s->machine.i386;
  if (!o->fw_given && !s->machine.smm)
    return ia32 && !o->fw_nosmm_given ? o->fw_nosmm_ia32 : o->fw_nosmm;
  return ia32 && !o->fw_given ? o->fw_ia32 : o->fw;
}

/* The OS actor: --os, else the build of the firmware's architecture. */
static const char *os_for(const struct options *o, const char *fw)
{
  return !o->os_given && elfimage_file_bits(fw) == 32 ? o->os_ia32 : o->os;
}

/* Parse the scenario and check the firmware images exist: 0 or exit 2. */
static int load_scenario(const struct options *o, struct scenario *s)
{
  struct scenario_error err;

  struct scenario_overrides ov = { o->cpus, o->qemu, o->ext_tseg_mbytes };
  if (scenario_parse_file_over(o->scenario, &ov, s, &err)) {
    fprintf(stderr, "%s\n", err.text);
    return 2;
  }
  if (o->machine >= 0)
    s->machine.i386 = o->machine == 1;
  const char *fw = fw_for(o, s), *os = os_for(o, fw);
  if (access(fw, R_OK) || access(os, R_OK)) {
    fprintf(stderr, "smmhp: missing firmware image: %s (build it with `make firmware%s`, or pass --fw/--os)\n",
            access(fw, R_OK) ? fw : os, elfimage_file_bits(fw) == 32 || s->machine.i386 ? " ARCH=IA32" : "");
    return 2;
  }
  return 0;
}

/* A machine for one run of the scenario: 0, 2 (bad image) or 3. */
static int make_machine(const struct options *o, const struct scenario *s, struct machine **out)
{
  char msg[512];
  const char *fw = fw_for(o, s);
  int rc = scenario_machine_new_traced(s, fw, os_for(o, fw), o->seed_given, o->seed, &o->trace, out, msg,
                                       sizeof msg);
  if (rc)
    fprintf(stderr, "smmhp: %s\n", msg);
  else {
    (*out)->cfg.no_park = o->no_park;
    if (o->events_keep)
      (*out)->events_keep = o->events_keep;
  }
  return rc;
}

/* --gdb [localhost|127.0.0.1]:PORT: the stub on m (gdbstub.h): 0 or 2. */
static int open_gdb(const struct options *o, struct machine *m)
{
  const char *colon = strrchr(o->gdb, ':');
  const char *port = colon ? colon + 1 : o->gdb;
  size_t hl = colon ? (size_t)(colon - o->gdb) : 0;
  uint64_t n;
  char err[256];

  if ((hl && strncmp(o->gdb, "localhost", hl) && strncmp(o->gdb, "127.0.0.1", hl)) || parse_u64(port, &n) ||
      n > 65535) {
    fprintf(stderr, "smmhp: run: --gdb: want :PORT (loopback only), not '%s'\n", o->gdb);
    return 2;
  }
  if (!gdb_open(m, (unsigned)n, o->gdb_wait, err, sizeof err)) {
    fprintf(stderr, "smmhp: run: --gdb: %s\n", err);
    return 2;
  }
  return 0;
}

static int cmd_run(int argc, char **argv)
{
  struct options o;
  struct scenario s;
  struct machine *m = NULL;
  FILE *logf = NULL;
  int rc = parse_options("run", argc, argv, &o);

  if (rc)
    return rc;
  memset(&s, 0, sizeof s);
  if ((rc = load_scenario(&o, &s)) || (rc = open_trace(&o, NULL)) || (rc = make_machine(&o, &s, &m)))
    goto out;
  if (!o.quiet) {
    logf = o.log_path ? fopen(o.log_path, "w") : stdout;
    if (!logf) {
      fprintf(stderr, "smmhp: --log: cannot write '%s': %s\n", o.log_path, strerror(errno));
      rc = 2;
      goto out;
    }
    m->log = log_line_to_file;
    m->log_ctx = logf;
  }
  if (o.gdb && (rc = open_gdb(&o, m)))
    goto out;
  printf("scenario %s seed %" PRIu64 "\n", s.name, m->cfg.seed);
  struct coverage *cov = o.coverage_path ? coverage_new() : NULL;
  if (cov)
    coverage_attach(cov, m);
  struct runner r = { .s = &s, .m = m, .out = stdout };
  rc = runner_execute(&r);
  gdb_finish(m, rc);
  char cerr[512];
  if (cov && coverage_write(cov, o.coverage_path, s.name, cerr, sizeof cerr)) {
    fprintf(stderr, "smmhp: %s\n", cerr);
    rc = rc ? rc : 3;
  }
  coverage_free(cov);
out:
  if (logf && logf != stdout)
    fclose(logf);
  if (m)
    gdb_close(m);
  scenario_machine_free(m);
  close_trace(&o);
  scenario_free(&s);
  return rc;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* CPU time of whole runs (machine set-up, firmware load and the scenario),
 * repeated, with the median reported: numbers for `make bench`. */
static int cmd_bench(int argc, char **argv)
{
  struct options o;
  struct scenario s;
  int rc = parse_options("bench", argc, argv, &o);

  if (rc)
    return rc;
  memset(&s, 0, sizeof s);
  if ((rc = load_scenario(&o, &s)) || (rc = open_trace(&o, "/dev/null"))) {
    scenario_free(&s);
    return rc;
  }
  double *t = calloc(o.runs, sizeof *t), *w = calloc(o.runs, sizeof *w);
  if (!t || !w) {
    fprintf(stderr, "smmhp: bench: out of memory\n");
    rc = 3;
  }
  uint64_t retired = 0, switches = 0, hash = 0, smm_entries = 0, relocated = 0, parked = 0;
  for (unsigned i = 0; i < o.runs && !rc; i++) {
    struct machine *m = NULL;
    double t0 = cpu_seconds(), w0 = clock_seconds(CLOCK_MONOTONIC);
    rc = make_machine(&o, &s, &m);
    /* --coverage: record and write the tracefile each run, as `run` does */
    struct coverage *cov = !rc && o.coverage_path ? coverage_new() : NULL;
    if (cov)
      coverage_attach(cov, m);
    if (!rc) {
      struct runner r = { .s = &s, .m = m, .out = NULL };
      char cerr[256];
      if (runner_execute(&r)) {
        fprintf(stderr, "smmhp: bench: %s does not pass; fix it before timing it\n", s.name);
        rc = 1;
      }
      if (cov && coverage_write(cov, o.coverage_path, s.name, cerr, sizeof cerr)) {
        fprintf(stderr, "smmhp: bench: %s\n", cerr);
        rc = 2;
      }
      retired = m->retired;
      switches = m->nswitches;
      parked = m->parked_slices;
      smm_entries = relocated = 0;
      for (unsigned c = 0; c < m->ncpus; c++) {
        smm_entries += m->cpu[c].smm_entries;
        relocated += m->cpu[c].relocated;
      }
      if (i && hash != m->trace_hash) {
        fprintf(stderr, "smmhp: bench: trace hash differs between runs (not deterministic)\n");
        rc = 3;
      }
      hash = m->trace_hash;
    }
    scenario_machine_free(m);
    coverage_free(cov);
    t[i] = cpu_seconds() - t0;
    w[i] = clock_seconds(CLOCK_MONOTONIC) - w0;
  }
  if (!rc) {
    qsort(t, o.runs, sizeof *t, cmp_double);
    qsort(w, o.runs, sizeof *w, cmp_double);
    double med = t[o.runs / 2];
    printf("bench %s runs=%u trace=0x%x\n", s.name, o.runs, o.trace.groups);
    printf("  cpu-time-ms   median %.2f  min %.2f  max %.2f\n", med * 1e3, t[0] * 1e3, t[o.runs - 1] * 1e3);
    printf("  wall-time-ms  median %.2f\n", w[o.runs / 2] * 1e3);
    printf("  guest-insns   %" PRIu64 " per run, %.1f M/s of CPU time\n", retired, retired / med / 1e6);
    printf("  switches      %" PRIu64 " per run, %.0f ns each (CPU time / switches)\n", switches,
           med * 1e9 / (double)(switches ? switches : 1));
    printf("  parked        %" PRIu64 " of those slices replayed for parked vCPUs (%.1f%%)\n", parked,
           100.0 * (double)parked / (double)(switches ? switches : 1));
    printf("  ns-per-insn   %.1f (CPU time / guest instructions)\n", med * 1e9 / (double)(retired ? retired : 1));
    printf("  smm-entries   %" PRIu64 " per run, %.0f ns each (CPU time / SMM entries)\n", smm_entries,
           med * 1e9 / (double)(smm_entries ? smm_entries : 1));
    printf("  relocated     %" PRIu64 " CPUs, %.3f ms each (CPU time / relocated CPUs)\n", relocated,
           med * 1e3 / (double)(relocated ? relocated : 1));
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("  peak-rss-mib  %.1f\n", ru.ru_maxrss / 1024.0);
  }
  free(t);
  free(w);
  close_trace(&o);
  scenario_free(&s);
  return rc;
}

int main(int argc, char **argv)
{
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc >= 2 && !strcmp(argv[1], "run"))
    return cmd_run(argc - 2, argv + 2);
  if (argc >= 2 && !strcmp(argv[1], "bench"))
    return cmd_bench(argc - 2, argv + 2);
  if (argc >= 2 && !strcmp(argv[1], "matrix"))
    return cmd_matrix(argc - 2, argv + 2);
  if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))) {
    usage(stdout);
    return 0;
  }
  if (argc >= 2)
    fprintf(stderr, "smmhp: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return 2;
}
