#ifndef SMMHP_HANG_H
#define SMMHP_HANG_H

#include "machine.h"

/* One `hang` event per vCPU still executing (all: every present vCPU). */
void hang_report(struct machine *m, bool all);

#endif
