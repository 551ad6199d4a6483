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
  /* results */
  const char *verdict_name;
  int failures;
  char deciding[256];    /* keys of the expected events that occurred */
};

/* Returns the process exit status for `smmhp run`. */
int runner_execute(struct runner *r);

#endif
