/* Events injected at an exact guest instruction: `inject ACTION at=ADDR`
 * steps (docs/scenario-language.md). The hooks go in before any code is
 * translated (at load); the runner arms each one when the scenario reaches
 * its step, and the event happens before that instruction executes, on
 * the hit-th execution by the given vCPU (any by default). */
#ifndef SMMHP_INJECT_H
#define SMMHP_INJECT_H

#include <stddef.h>

#include "machine.h"
#include "scenario.h"

/* Resolve and hook every inject step; -1 with "FILE:LINE: message". */
int inject_install(struct machine *m, const struct scenario *s, char *err, size_t errlen);
/* The scenario reached this inject step. */
void inject_arm(struct machine *m, const struct scenario_step *st);
void inject_free(struct machine *m);
/* The scenario has injections (they fire at instructions: no parking). */
bool inject_present(const struct machine *m);
/* The harness stops the engine at addr: fire the injections due there
 * first (run.c, the stop after an IN/OUT; see inject.c). */
void inject_before_stop(struct machine *m, uint64_t addr);

#endif
