/* The gdb stub's run-loop side (see gdbstub.h, docs/gdb.md): stops from
 * breakpoint, watchpoint and single-step hooks, resuming a slice where it
 * stopped without changing its accounting, and the scheduling points.
 * Packets are handled in gdb_cmds.c. */
#include "gdb_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gdb *gdb_open(struct machine *m, unsigned port, bool wait, char *err, size_t errlen)
{
  struct gdb *g = calloc(1, sizeof *g);
  if (!g) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  if (gdb_conn_listen(&g->c, port, err, errlen)) {
    free(g);
    return NULL;
  }
  if (gdb_regs_init(&g->scratch, m->fw.bits)) {
    snprintf(err, errlen, "cannot calibrate the register reader for this Unicorn");
    gdb_conn_close(&g->c);
    free(g);
    return NULL;
  }
  g->wait_first = wait;
  g->gsel = g->csel = -1;
  g->step_slot = -1;
  fprintf(stderr, "smmhp: gdb: listening on 127.0.0.1:%u%s\n", g->c.port,
          wait ? " (waiting for gdb before the first instruction)" : "");
  fflush(stderr);
  m->gdb = g;
  return g;
}

void gdb_finish(struct machine *m, int rc)
{
  struct gdb *g = m->gdb;
  char w[8];
  if (!g || !g->connected)
    return;
  if (g->running) {
    snprintf(w, sizeof w, "W%02x", rc & 0xFF);
    gdb_conn_send(&g->c, w);
  }
  gdb_conn_close_client(&g->c);
  g->connected = false;
}

void gdb_close(struct machine *m)
{
  struct gdb *g = m->gdb;
  if (!g)
    return;
  gdb_conn_close(&g->c);
  if (g->scratch)
    uc_close(g->scratch);
  m->gdb = NULL;
  free(g);
}

/* ---- stops from hooks ---------------------------------------------------- */

/* Stop the running vCPU before the instruction at linear address `at`
 * (the mechanism of run.c's stop_at). `counted`: the block holding it
 * was already counted by the block hook, so resuming must not count the
 * rest of it again. */
static void stop_here(struct machine *m, uc_engine *uc, uint64_t at, bool counted, const char *why)
{
  struct gdb *g = m->gdb;
  g->hit = true;
  g->hit_counted = counted;
  snprintf(g->hit_why, sizeof g->hit_why, "%s", why);
  m->stopped_by_us = true;
  m->stop_linear = at;
  uc_emu_stop(uc);
}

/* Did one of the harness's own exact-address hooks already perform the
 * instruction at addr (cpuid, rdmsr, wrmsr, rdtsc move RIP; pause asks
 * for a stop)? Stopping there would make it run twice. */
static bool emulated_already(struct machine *m, uc_engine *uc, uint64_t addr, uint64_t *now)
{
  uint64_t rip = 0;
  uc_reg_read(uc, UC_X86_REG_RIP, &rip);
  struct cpu_mode cm = vcpu_mode(m, m->cur, uc);
  *now = cm.cs_base + rip;
  /* inside a hook the engine may hold the linear pc in RIP (16-bit code
   * in a 64-bit engine, docs/harness.md) */
  if (*now != addr && rip != addr)
    return true;
  return addr + 2 <= m->ram_size && m->ram[addr] == 0xF3 && m->ram[addr + 1] == 0x90 &&
         m->stop_requested && m->cur->last_pause == addr;
}

static void bp_hook(uc_engine *uc, uint64_t addr, uint32_t size, void *opaque)
{
  struct machine *m = opaque;
  struct gdb *g = m->gdb;
  uint64_t now;
  (void)size;
  if (!g || !m->cur || g->hit || m->stopped_by_us)
    return;
  if (g->bp_skip && addr == g->resume_pc) {
    g->bp_skip = false; /* the breakpoint we stopped at: step over it once */
    return;
  }
  if (emulated_already(m, uc, addr, &now))
    return; /* documented limit: not reported */
  bool hw = false;
  for (unsigned i = 0; i < GDB_MAX_BP; i++)
    if (g->bp[i].used && g->bp[i].addr == addr && g->bp[i].type == 1)
      hw = true;
  stop_here(m, uc, addr, true, hw ? "hwbreak:;" : "swbreak:;");
}

static void watch_hook(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value, void *opaque)
{
  struct machine *m = opaque;
  struct gdb *g = m->gdb;
  (void)uc; (void)size; (void)value;
  if (!g || !m->cur || g->watch_pending)
    return;
  for (unsigned i = 0; i < GDB_MAX_BP; i++) {
    struct gdb_bp *b = &g->bp[i];
    if (!b->used || b->type < 2 || addr + (uint64_t)size <= b->addr || addr >= b->addr + b->len)
      continue;
    bool wr = type == UC_MEM_WRITE;
    if ((b->type == 2 && !wr) || (b->type == 3 && wr))
      continue;
    /* reported at the next block boundary of this slice (or the next
     * scheduling point): the accessing instruction has completed */
    g->watch_pending = true;
    g->watch_slot = m->cur->slot;
    snprintf(g->watch_why, sizeof g->watch_why, "%s:%" PRIx64 ";",
             b->type == 2 ? "watch" : b->type == 3 ? "rwatch" : "awatch", b->addr);
    return;
  }
}

static void step_hook(uc_engine *uc, uint64_t addr, uint32_t size, void *opaque)
{
  struct machine *m = opaque;
  struct gdb *g = m->gdb;
  uint64_t now;
  (void)size;
  if (!g || !m->cur || m->cur->slot != g->step_slot || g->hit || m->stopped_by_us)
    return;
  if (!g->step_started) {
    g->step_started = true; /* the instruction being stepped */
    return;
  }
  if (emulated_already(m, uc, addr, &now)) {
    /* the harness performed it already: the step covers it too */
    if (now != addr)
      stop_here(m, uc, now, false, "");
    return; /* a pause: the slice ends at the next block; reported there */
  }
  stop_here(m, uc, addr, true, "");
}

/* Drop every translation of an engine: hooks apply to code translated
 * after them. (uc_ctl_flush_tlb, UC_CTL_TB_FLUSH, takes ~10 s in 2.0.1;
 * removing the RAM range takes microseconds.) */
static void drop_translations(struct machine *m, uc_engine *uc)
{
  uc_ctl_remove_cache(uc, 0, m->ram_size);
  if (m->cfg.sev && uc == m->uc[VIEW_SMM]) {
    uint64_t alias = 1ull << HARNESS_SEV_C_BIT; /* views.c's C-bit alias of RAM */
    uc_ctl_remove_cache(uc, alias, alias + m->ram_size);
  }
}

static bool vcpu_can_run(struct machine *m, struct vcpu *v)
{
  return !v->dead && (v->state == VCPU_RUN || (v->state == VCPU_SLEEP && v->wake_time <= m->vtime));
}

void gdb_step_arm(struct machine *m)
{
  struct gdb *g = m->gdb;
  g->step_active = true;
  g->step_started = false;
  if (g->step_hooked)
    return;
  for (int vw = 0; vw < VIEW_COUNT; vw++) {
    uc_hook_add(m->uc[vw], &g->step_h[vw], UC_HOOK_CODE, (void *)step_hook, m, 1, 0);
    drop_translations(m, m->uc[vw]);
  }
  g->step_hooked = true;
}

void gdb_step_end(struct machine *m)
{
  struct gdb *g = m->gdb;
  g->step_active = false;
  if (!g->step_hooked)
    return;
  for (int vw = 0; vw < VIEW_COUNT; vw++) {
    uc_hook_del(m->uc[vw], g->step_h[vw]);
    drop_translations(m, m->uc[vw]);
  }
  g->step_hooked = false;
}

int gdb_bp_insert(struct machine *m, int type, uint64_t addr, uint64_t len)
{
  struct gdb *g = m->gdb;
  struct gdb_bp *b = NULL;
  for (unsigned i = 0; i < GDB_MAX_BP; i++) {
    if (g->bp[i].used && g->bp[i].type == type && g->bp[i].addr == addr && g->bp[i].len == len)
      return 0;
    if (!g->bp[i].used && !b)
      b = &g->bp[i];
  }
  if (!b || len == 0)
    return -1;
  *b = (struct gdb_bp){ .used = true, .type = type, .addr = addr, .len = len };
  for (int vw = 0; vw < VIEW_COUNT; vw++) {
    uc_engine *uc = m->uc[vw];
    uc_err e;
    if (type <= 1) {
      e = uc_hook_add(uc, &b->h[vw], UC_HOOK_CODE, (void *)bp_hook, m, addr, addr);
      uc_ctl_remove_cache(uc, addr, addr + 1);
    } else {
      int t = type == 2 ? UC_HOOK_MEM_WRITE : type == 3 ? UC_HOOK_MEM_READ : UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE;
      e = uc_hook_add(uc, &b->h[vw], t, (void *)watch_hook, m, addr, addr + len - 1);
      /* Unicorn compiles the inline fast path of loads and stores only
       * while no hook of that kind exists; run.c's on_write already
       * forces stores through the hooks, loads need new translations */
      if (type != 2)
        drop_translations(m, uc);
    }
    if (e != UC_ERR_OK)
      return -1;
  }
  return 0;
}

int gdb_bp_remove(struct machine *m, int type, uint64_t addr, uint64_t len)
{
  struct gdb *g = m->gdb;
  for (unsigned i = 0; i < GDB_MAX_BP; i++) {
    struct gdb_bp *b = &g->bp[i];
    if (!b->used || b->type != type || b->addr != addr || (type > 1 && b->len != len))
      continue;
    for (int vw = 0; vw < VIEW_COUNT; vw++) {
      uc_hook_del(m->uc[vw], b->h[vw]);
      uc_ctl_remove_cache(m->uc[vw], addr, addr + (b->len ? b->len : 1));
    }
    b->used = false;
    return 0;
  }
  return -1;
}

void gdb_bp_remove_all(struct machine *m)
{
  struct gdb *g = m->gdb;
  for (unsigned i = 0; i < GDB_MAX_BP; i++)
    if (g->bp[i].used)
      gdb_bp_remove(m, g->bp[i].type, g->bp[i].addr, g->bp[i].len);
}

/* ---- the run loop's calls ----------------------------------------------- */

bool gdb_on_block(struct machine *m, uc_engine *uc, uint64_t addr)
{
  struct gdb *g = m->gdb;
  if (g->resume_skip) {
    g->resume_skip = false;
    if (addr == g->resume_pc)
      return true; /* the rest of a block counted before the stop */
  } else {
    g->bp_skip = false;
  }
  if (g->watch_pending && !g->hit && !m->stopped_by_us) {
    g->watch_pending = false;
    stop_here(m, uc, addr, false, g->watch_why);
    return true;
  }
  return false;
}

bool gdb_slice_stop(struct machine *m, struct vcpu *v, uc_engine *uc, uint64_t *rip)
{
  struct gdb *g = m->gdb;
  char stop[96];
  if (!g->hit)
    return false;
  g->hit = false;
  if (g->step_active)
    gdb_step_end(m); /* done, or another stop came first */
  uc_context_save(uc, v->ctx);
  snprintf(stop, sizeof stop, "T05thread:%x;%s", v->slot + 1, g->hit_why);
  g->last_slot = v->slot;
  enum gdb_resume r = gdb_serve(m, stop);
  uc_context_restore(uc, v->ctx);
  if (r == GDB_STEP)
    gdb_step_arm(m);
  if (r == GDB_STEP && g->step_alone && g->step_slot != v->slot)
    return false; /* another vCPU steps alone: this slice ends here */
  g->resume_skip = g->bp_skip = g->hit_counted;
  g->resume_pc = m->stop_linear;
  m->stopped_by_us = false;
  uc_reg_read(uc, UC_X86_REG_RIP, rip);
  return true;
}

void gdb_sched_point(struct machine *m)
{
  struct gdb *g = m->gdb;
  char stop[96];
  int slot = g->last_slot, sig = 5;
  const char *why = "";

  if (!g->connected) {
    int a = gdb_conn_accept(&g->c, g->wait_first);
    g->wait_first = false;
    if (a != 1)
      return;
    g->connected = true;
    g->running = false; /* attaching stops the machine here */
  } else if (g->watch_pending) {
    g->watch_pending = false;
    slot = g->watch_slot;
    why = g->watch_why;
  } else if (g->step_active && (g->step_started || (g->step_alone && !vcpu_can_run(m, &m->cpu[g->step_slot])))) {
    slot = g->step_slot; /* its slice ended after the instruction (or it cannot run) */
  } else if (gdb_conn_poll_intr(&g->c)) {
    sig = 2;
  } else {
    return;
  }
  if (g->step_active)
    gdb_step_end(m);
  snprintf(stop, sizeof stop, "T%02xthread:%x;%s", sig, slot + 1, why);
  g->last_slot = slot;
  if (gdb_serve(m, stop) == GDB_STEP)
    gdb_step_arm(m);
}

struct vcpu *gdb_step_alone(struct machine *m, struct vcpu *v)
{
  struct gdb *g = m->gdb;
  if (!g->step_active || !g->step_alone || g->step_slot == v->slot)
    return NULL;
  return &m->cpu[g->step_slot];
}
