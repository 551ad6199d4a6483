/* Scenarios run from a post-boot snapshot: the machine of a scenario is
 * built and booted once (its statements up to and including `boot`),
 * snapshotted, and every later scenario with the same prefix resumes
 * from the snapshot instead of booting (the fuzzer, docs/fuzzing.md).
 * A resumed run emits the same events, in the same order, with the same
 * trace hash, as `smmhp run` of the whole scenario. */
#ifndef SMMHP_SNAPSHOT_RUN_H
#define SMMHP_SNAPSHOT_RUN_H

#include <stdio.h>

#include "runner.h"
#include "scenario.h"
#include "snapshot.h"

struct booted {
  struct machine *m;
  struct snapshot *snap;
  size_t boot_steps;     /* steps of the prefix: up to and including `boot` */
  struct scenario prefix;
  size_t boot_events;    /* events emitted up to the snapshot */
  size_t pages_restored; /* by the last booted_run */
};

/* Parse `prefix_text` (machine, seed, budget, mutations, ..., boot), build
 * its machine from fw/os, run it to the end of `boot` and snapshot it.
 * 0, or the exit status of `smmhp run` for the failure (2, 3) with a
 * message in err. */
int booted_new(const char *prefix_text, const char *fw, const char *os, struct booted **out, char *err,
               size_t errlen);
/* Restore, then run the steps of s after its boot and conclude (s must
 * start with the prefix's text). Returns the exit status; r reports the
 * verdict (r->m is the booted machine until the next run). */
int booted_run(struct booted *b, struct scenario *s, FILE *out, struct runner *r);
void booted_free(struct booted *b);

#endif
