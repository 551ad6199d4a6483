/* A GDB remote-protocol stub on the machine: one thread per vCPU,
 * all-stop, breakpoints as exact-address code hooks, watchpoints as
 * memory hooks (docs/gdb.md). The run loop calls in at scheduling points
 * and after a slice the stub stopped; without --gdb m->gdb is NULL and
 * nothing here runs. */
#ifndef SMMHP_GDBSTUB_H
#define SMMHP_GDBSTUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

struct machine;
struct vcpu;
struct gdb;

/* Listen on 127.0.0.1:port (0: a free port, printed on stderr). With
 * wait, the first scheduling point waits for gdb and stops there. */
struct gdb *gdb_open(struct machine *m, unsigned port, bool wait, char *err, size_t errlen);
/* The run is over with exit status rc: tell gdb (W packet), hang up. */
void gdb_finish(struct machine *m, int rc);
void gdb_close(struct machine *m);

/* run.c: a scheduling point (between slices): accept, Ctrl-C, report a
 * finished step; may serve gdb until it resumes. */
void gdb_sched_point(struct machine *m);
/* run.c: the scheduler picked v; a vCPU gdb steps alone instead, or NULL. */
struct vcpu *gdb_step_alone(struct machine *m, struct vcpu *v);
/* run.c: at the start of a block (block hook): true to ignore the block
 * (the resumed rest of a block already counted, or a watchpoint stop). */
bool gdb_on_block(struct machine *m, uc_engine *uc, uint64_t addr);
/* run.c: after uc_emu_start returned in v's slice: if the stub stopped
 * it, serve gdb; true to resume the slice where it stopped, at *rip. */
bool gdb_slice_stop(struct machine *m, struct vcpu *v, uc_engine *uc, uint64_t *rip);

#endif
