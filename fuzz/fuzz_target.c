/* The smmhp fuzz target: LLVMFuzzerTestOneInput (libFuzzer, AFL++ with
 * its libFuzzer driver, OSS-Fuzz) and the standalone driver (fuzz_main.c).
 *
 * Each execution decodes the input into a scenario (fuzz_decode.c),
 * restores the post-boot snapshot of its topology (one per topology,
 * taken on first use, harness/snapshot_run.h) and runs the operations.
 * Any violation, hang, firmware_fatal or cpu_fault is a failure: the
 * scenario is written as a reproducer for `smmhp run` and the process
 * aborts, which the fuzzer reports as a crash.
 *
 * Environment:
 *   SMMHP_FUZZ_FW, SMMHP_FUZZ_OS  images (default ../fw/smmhp-fw.elf and
 *                                 ../os/smmhp-os.elf beside the binary)
 *   SMMHP_FUZZ_MUTATION           "call CALLEE in FUNCTION": a planted bug,
 *                                 applied before boot (fuzz-smoke)
 *   SMMHP_FUZZ_REPRO              reproducer path (default smmhp-repro.scn)
 *   SMMHP_FUZZ_NO_ABORT           report failures, exit(1) instead of abort
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_decode.h"
#include "fuzz_target.h"
#include "scenario_machine.h"
#include "snapshot_run.h"

#define TEXT_MAX 8192

static struct booted *booted[FUZZ_TOPOLOGIES];
static char fw[4096], os[4096];
static const char *mutation;
static unsigned long long executions;

#ifdef SMMHP_LIBFUZZER
/* Guest-side feedback for libFuzzer: pairs of consecutive events (digits
 * dropped, so values do not count as new behaviour) as extra counters. */
__attribute__((used, section("__libfuzzer_extra_counters"))) static uint8_t event_edges[1 << 14];

static void feedback(const struct machine *m, size_t from)
{
  uint32_t prev = 0;
  for (size_t i = from; i < m->nevents; i++) {
    uint32_t h = 2166136261u;
    for (const char *p = m->events[i]; *p; p++)
      if (*p < '0' || *p > '9')
        h = (h ^ (uint8_t)*p) * 16777619u;
    uint32_t idx = (h ^ (prev >> 1)) & (sizeof event_edges - 1);
    if (event_edges[idx] < 255)
      event_edges[idx]++;
    prev = h;
  }
}
#else
static void feedback(const struct machine *m, size_t from) { (void)m; (void)from; }
#endif

unsigned long long fuzz_executions(void) { return executions; }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc; (void)argv;
  const char *e;
  if ((e = getenv("SMMHP_FUZZ_FW")))
    snprintf(fw, sizeof fw, "%s", e);
  else
    path_beside_self(fw, sizeof fw, "../fw/smmhp-fw.elf");
  if ((e = getenv("SMMHP_FUZZ_OS")))
    snprintf(os, sizeof os, "%s", e);
  else
    path_beside_self(os, sizeof os, "../os/smmhp-os.elf");
  mutation = getenv("SMMHP_FUZZ_MUTATION");
  if (mutation && !*mutation)
    mutation = NULL;
  return 0;
}

static struct booted *topology(unsigned t)
{
  if (!booted[t]) {
    char head[1024], err[512];
    fuzz_header(t, mutation, head, sizeof head);
    if (booted_new(head, fw, os, &booted[t], err, sizeof err)) {
      fprintf(stderr, "smmhp-fuzz: topology %u: %s\n", t, err);
      exit(2);
    }
  }
  return booted[t];
}

/* The first event that decided the failure, as an `expect` line. */
static const char *failure_event(const struct machine *m, size_t from)
{
  static const char *const keys[] = { "violation ", "hang ", "cpu_fault ", "firmware_fatal ", "step_aborted " };
  for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
    for (size_t i = from; i < m->nevents; i++)
      if (!strncmp(m->events[i], keys[k], strlen(keys[k])))
        return m->events[i];
  return NULL;
}

static void write_reproducer(const char *text, const struct machine *m, size_t from, const char *verdict)
{
  const char *path = getenv("SMMHP_FUZZ_REPRO") ? getenv("SMMHP_FUZZ_REPRO") : "smmhp-repro.scn";
  const char *ev = failure_event(m, from);
  char expect[1024] = "";
  struct scenario chk;
  struct scenario_error perr;

  if (ev) {
    /* keep it if the parser takes it back (quoted fields are free text) */
    char *probe = malloc(strlen(text) + 2048);
    snprintf(expect, sizeof expect, "expect %s\n", ev);
    sprintf(probe, "%s%sexpect-verdict %s\n", text, expect, verdict);
    if (scenario_parse_string("probe", probe, &chk, &perr))
      expect[0] = '\0';
    scenario_free(&chk);
    free(probe);
  }
  FILE *f = fopen(path, "w");
  if (!f) {
    perror(path);
    return;
  }
  fprintf(f, "%s", text);
  fprintf(f, "# found by smmhp-fuzz after %llu executions: replay with `smmhp run %s`\n", executions, path);
  fprintf(f, "%sexpect-verdict %s\n", expect, verdict);
  fclose(f);
  fprintf(stderr, "smmhp-fuzz: %s after %llu executions; reproducer: %s\n", verdict, executions, path);
  if (ev)
    fprintf(stderr, "smmhp-fuzz: %s\n", ev);
}

int fuzz_run_one(const uint8_t *data, size_t size, bool *failed)
{
  static char text[TEXT_MAX];
  struct scenario s;
  struct scenario_error perr;
  struct runner r;
  unsigned t;

  executions++;
  fuzz_decode(data, size, mutation, &t, text, sizeof text);
  if (getenv("SMMHP_FUZZ_PRINT"))
    fputs(text, stderr);
  struct booted *b = topology(t);
  if (scenario_parse_string("fuzz", text, &s, &perr)) {
    fprintf(stderr, "smmhp-fuzz: decoder produced a bad scenario: %s\n%s", perr.text, text);
    abort(); /* a bug of the decoder */
  }
  int rc = booted_run(b, &s, NULL, &r);
  struct machine *m = b->m;
  if (rc >= 2) {
    fprintf(stderr, "smmhp-fuzz: the scenario cannot run (exit %d):\n%s", rc, text);
    exit(2);
  }
  *failed = m->violation || m->hang || m->fatal || m->faulted;
  feedback(m, b->boot_events);
  if (*failed)
    write_reproducer(text, m, b->boot_events, m->violation ? "violation" : "hang");
  scenario_free(&s);
  return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  bool failed;
  fuzz_run_one(data, size, &failed);
  if (failed) {
    if (getenv("SMMHP_FUZZ_NO_ABORT"))
      exit(1);
    abort();
  }
  return 0;
}
