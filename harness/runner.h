#ifndef SMMHP_RUNNER_H
#define SMMHP_RUNNER_H

#include <stdbool.h>
#include <stdio.h>

#include "machine.h"
#include "scenario.h"

struct runner {
  struct scenario *s;
  struct machine *m;
  bool internal_error;
  bool bad_input;        /* with internal_error: the scenario asked the impossible (exit 2) */
  FILE *out;             /* verdict and expectation report; NULL: silent */
  bool ended;            /* a step hung, aborted or was refused: no further steps */
  /* results */
  const char *verdict_name;
  int failures;
  char deciding[256];    /* keys of the expected events that occurred */
  /* expectations met by events past the machine's events_keep */
  bool *late_hit;
  char **late_line;      /* the first such line, for an expect-not report */
};

/* Returns the process exit status for `smmhp run`. */
int runner_execute(struct runner *r);

/* runner_execute in parts (a snapshot restore resumes after `boot`,
 * snapshot_run.h): mutations and injection hooks (0 or 2); steps
 * [from, to) (0, or 2/3 on an internal error; r->ended when one failed);
 * settle, final events, verdict and report (the exit status). */
int runner_prepare(struct runner *r);
int runner_steps(struct runner *r, size_t from, size_t to);
int runner_conclude(struct runner *r);
/* What runner_steps set up (the late-event watch), for a runner that
 * stops without runner_conclude (a snapshot prefix); conclude does it. */
void runner_release(struct runner *r);

#endif
