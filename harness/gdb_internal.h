/* Shared state of the gdb stub's files (gdbstub.c: run loop and hooks;
 * gdb_cmds.c: packets). */
#ifndef SMMHP_GDB_INTERNAL_H
#define SMMHP_GDB_INTERNAL_H

#include "gdb_conn.h"
#include "gdb_regs.h"
#include "gdbstub.h"
#include "run_internal.h"

#define GDB_MAX_BP 64

/* type as in Z packets: 0 software, 1 hardware breakpoint, 2 write,
 * 3 read, 4 access watchpoint */
struct gdb_bp { bool used; int type; uint64_t addr, len; uc_hook h[VIEW_COUNT]; };

enum gdb_resume { GDB_CONT, GDB_STEP, GDB_DETACHED };

struct gdb {
  struct gdb_conn c;
  uc_engine *scratch;     /* reads saved contexts (gdb_regs.c) */
  bool wait_first;        /* --gdb-wait: block at the first scheduling point */
  bool connected;
  bool running;           /* gdb waits for a stop reply */
  int gsel, csel;         /* Hg / Hc vCPU slot, -1: the stopped one */
  int last_slot;          /* vCPU of the last stop */
  char last_stop[96];     /* for '?' */
  struct gdb_bp bp[GDB_MAX_BP];
  /* a stop a hook asked for inside a slice */
  bool hit, hit_counted;
  char hit_why[48];
  /* a watchpoint access, reported at the next block or scheduling point */
  bool watch_pending;
  int watch_slot;
  char watch_why[48];
  /* resuming inside a slice at resume_pc */
  bool resume_skip, bp_skip;
  uint64_t resume_pc;
  /* single step of step_slot; alone: the other vCPUs stay stopped */
  int step_slot;
  bool step_active, step_alone, step_started, step_hooked;
  uc_hook step_h[VIEW_COUNT];
  char in[GDB_PACKET_MAX], out[GDB_PACKET_MAX];
};

/* gdb_cmds.c: send the stop reply if gdb waits for one, then serve
 * packets until gdb resumes the machine. */
enum gdb_resume gdb_serve(struct machine *m, const char *stop);

/* gdbstub.c */
void gdb_step_arm(struct machine *m);
void gdb_step_end(struct machine *m);
int gdb_bp_insert(struct machine *m, int type, uint64_t addr, uint64_t len);
int gdb_bp_remove(struct machine *m, int type, uint64_t addr, uint64_t len);
void gdb_bp_remove_all(struct machine *m);

#endif
