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
  FILE *out;             /* verdict and expectation report; NULL: silent */
};

/* Returns the process exit status for `smmhp run`. */
int runner_execute(struct runner *r);

#endif
