/* Scenarios resumed from a post-boot snapshot (see snapshot_run.h). */
#include "snapshot_run.h"

#include <stdlib.h>
#include <string.h>

#include "inject.h"
#include "scenario_machine.h"

int booted_new(const char *prefix_text, const char *fw, const char *os, struct booted **out, char *err,
               size_t errlen)
{
  struct booted *b = calloc(1, sizeof *b);
  struct scenario_error perr;
  int rc;

  *out = b;
  if (!b) {
    snprintf(err, errlen, "out of memory");
    return 3;
  }
  if (scenario_parse_string("prefix", prefix_text, &b->prefix, &perr)) {
    snprintf(err, errlen, "%s", perr.text);
    return 2;
  }
  while (b->boot_steps < b->prefix.nsteps && b->prefix.steps[b->boot_steps].kind != SCN_BOOT)
    b->boot_steps++;
  if (b->boot_steps++ == b->prefix.nsteps) {
    snprintf(err, errlen, "prefix: no boot statement");
    return 2;
  }
  if ((rc = scenario_machine_new(&b->prefix, fw, os, false, 0, &b->m, err, errlen)))
    return rc;
  struct runner r = { .s = &b->prefix, .m = b->m };
  rc = runner_prepare(&r);
  if (!rc)
    rc = runner_steps(&r, 0, b->boot_steps);
  runner_release(&r); /* the prefix never concludes */
  if (rc) {
    snprintf(err, errlen, "prefix: cannot apply its mutations or boot (exit %d)", rc);
    return rc;
  }
  if (r.ended || b->m->hang || b->m->fatal || b->m->violation) {
    snprintf(err, errlen, "prefix: the boot itself failed (hang/fatal/violation)");
    return 1;
  }
  b->boot_events = b->m->nevents;
  if (!(b->snap = snapshot_take(b->m, err, errlen)))
    return 3;
  return 0;
}

int booted_run(struct booted *b, struct scenario *s, FILE *out, struct runner *r)
{
  char err[256];

  b->pages_restored = snapshot_restore(b->m, b->snap);
  inject_free(b->m); /* the previous run's hooks */
  *r = (struct runner){ .s = s, .m = b->m, .out = out };
  if (inject_install(b->m, s, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return 2;
  }
  int rc = runner_steps(r, b->boot_steps, s->nsteps);
  return rc ? rc : runner_conclude(r);
}

void booted_free(struct booted *b)
{
  if (!b)
    return;
  snapshot_free(b->snap);
  scenario_machine_free(b->m);
  scenario_free(&b->prefix);
  free(b);
}
