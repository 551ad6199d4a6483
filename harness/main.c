/* smmhp command line: `smmhp run SCENARIO [options]`. */
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dev_smi_features.h"
#include "machine.h"
#include "runner.h"
#include "scenario.h"

static void usage(FILE *f)
{
  fprintf(f,
          "usage: smmhp run SCENARIO [options]\n"
          "  --seed N          scheduler seed (overrides the scenario's `seed`)\n"
          "  --fw ELF          firmware image (default: fw/smmhp-fw.elf beside smmhp)\n"
          "  --os ELF          OS actor image (default: os/smmhp-os.elf beside smmhp)\n"
          "  --log FILE        write the event log to FILE instead of stdout\n"
          "  --quiet           no event log, only the summary\n"
          "  --trace-file F    write QEMU-format trace lines (cpuhp_*, apm_*) to F\n"
          "exit status: 0 expectations met, 1 not met, 2 bad input, 3 internal error\n");
}

static void log_line(void *ctx, const char *line)
{
  fprintf((FILE *)ctx, "%s\n", line);
}

static void default_path(char *out, size_t len, const char *rel)
{
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) {
    snprintf(out, len, "build/%s", rel);
    return;
  }
  self[n] = '\0';
  snprintf(out, len, "%s/%s", dirname(self), rel);
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

static int cmd_run(int argc, char **argv)
{
  const char *scn_path = NULL, *log_path = NULL, *trace_path = NULL;
  char fw[PATH_MAX], os[PATH_MAX];
  bool quiet = false, seed_given = false;
  uint64_t seed = 0;

  default_path(fw, sizeof fw, "fw/smmhp-fw.elf");
  default_path(os, sizeof os, "os/smmhp-os.elf");
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    bool has_val = i + 1 < argc;
    if (!strcmp(a, "--seed") && has_val) {
      if (parse_u64(argv[++i], &seed)) {
        fprintf(stderr, "smmhp: --seed: not a number: '%s'\n", argv[i]);
        return 2;
      }
      seed_given = true;
    } else if (!strcmp(a, "--fw") && has_val) {
      snprintf(fw, sizeof fw, "%s", argv[++i]);
    } else if (!strcmp(a, "--os") && has_val) {
      snprintf(os, sizeof os, "%s", argv[++i]);
    } else if (!strcmp(a, "--log") && has_val) {
      log_path = argv[++i];
    } else if (!strcmp(a, "--trace-file") && has_val) {
      trace_path = argv[++i];
    } else if (!strcmp(a, "--quiet")) {
      quiet = true;
    } else if (a[0] == '-') {
      fprintf(stderr, "smmhp: run: unknown option '%s'%s\n", a,
              (!strcmp(a, "--seed") || !strcmp(a, "--fw") || !strcmp(a, "--os") || !strcmp(a, "--log") ||
               !strcmp(a, "--trace-file")) ? " (needs a value)" : "");
      usage(stderr);
      return 2;
    } else if (!scn_path) {
      scn_path = a;
    } else {
      fprintf(stderr, "smmhp: run: more than one scenario given ('%s')\n", a);
      return 2;
    }
  }
  if (!scn_path) {
    usage(stderr);
    return 2;
  }

  struct scenario s;
  struct scenario_error err;
  if (scenario_parse_file(scn_path, &s, &err)) {
    fprintf(stderr, "%s\n", err.text);
    scenario_free(&s);
    return 2;
  }
  if (access(fw, R_OK) || access(os, R_OK)) {
    fprintf(stderr, "smmhp: missing firmware image: %s (build it with `make firmware`, or pass --fw/--os)\n",
            access(fw, R_OK) ? fw : os);
    scenario_free(&s);
    return 2;
  }

  struct machine_config cfg = {
    .boot_cpus = s.machine.boot_cpus,
    .possible_cpus = s.machine.possible_cpus,
    .smm = s.machine.smm,
    .accel = s.machine.accel == SCN_ACCEL_TCG ? ACCEL_TCG : ACCEL_KVM,
    .sev = s.machine.sev,
    .seed = seed_given ? seed : s.seed,
    .budget = s.budget,
    .smi_host_features = SMI_F_ALL,
  };
  FILE *logf = NULL, *tracef = NULL;
  struct machine *m = calloc(1, sizeof *m);
  int rc = 3;
  char msg[512];

  if (!m || machine_init(m, &cfg)) {
    fprintf(stderr, "smmhp: internal error: cannot set up the machine\n");
    goto out;
  }
  if (!quiet) {
    logf = log_path ? fopen(log_path, "w") : stdout;
    if (!logf) {
      fprintf(stderr, "smmhp: --log: cannot write '%s': %s\n", log_path, strerror(errno));
      rc = 2;
      goto out;
    }
    m->log = log_line;
    m->log_ctx = logf;
  }
  if (trace_path) {
    tracef = fopen(trace_path, "w");
    if (!tracef) {
      fprintf(stderr, "smmhp: --trace-file: cannot write '%s': %s\n", trace_path, strerror(errno));
      rc = 2;
      goto out;
    }
    m->trace_out = tracef;
  }
  if (machine_load_firmware(m, fw, os, msg, sizeof msg)) {
    fprintf(stderr, "smmhp: %s\n", msg);
    rc = 2;
    goto out;
  }
  printf("scenario %s seed %" PRIu64 "\n", s.name, cfg.seed);
  struct runner r = { .s = &s, .m = m };
  rc = runner_execute(&r);
out:
  if (logf && logf != stdout)
    fclose(logf);
  if (tracef)
    fclose(tracef);
  if (m)
    machine_free(m);
  free(m);
  scenario_free(&s);
  return rc;
}

int main(int argc, char **argv)
{
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc >= 2 && !strcmp(argv[1], "run"))
    return cmd_run(argc - 2, argv + 2);
  if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))) {
    usage(stdout);
    return 0;
  }
  if (argc >= 2)
    fprintf(stderr, "smmhp: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return 2;
}
