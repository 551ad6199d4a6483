/* Machine snapshot and dirty-page restore (see snapshot.h). */
#include "snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inject.h"
#include "run_internal.h"
#include "upstream_fns.h"

#define NPAGES (m->ram_size >> 12)
#define PAGE 4096u
#define OSW_PER_PAGE (PAGE / 8) /* bytes of the OS-written bitmap per RAM page */

struct snapshot {
  struct machine m;       /* every field as it was; pointers are the live machine's */
  uint8_t *ram, *os_written;
  size_t ctx_size;
  void *ctx[MACHINE_MAX_CPUS], *pre_smm[MACHINE_MAX_CPUS];
  struct cpuhp_slot *slots;
  size_t *upfns_order, upfns_n;
};

/* Pages the harness writes directly, bypassing the write hook and
 * page_touched: the trampoline (cpu.c), the mailbox (runner.c) and the
 * platform info (s3.c). Always restored. */
static bool harness_page(uint64_t p)
{
  return p == SMMHP_TRAMPOLINE_PAGE >> 12 || (p >= SMMHP_MAILBOX_ADDR >> 12 && p < SMMHP_MAILBOX_END >> 12) ||
         p == SMMHP_PLATFORM_INFO_ADDR >> 12;
}

static void *dup_ctx(const void *c, size_t size)
{
  void *d = c ? malloc(size) : NULL;
  if (d)
    memcpy(d, c, size);
  return d;
}

struct snapshot *snapshot_take(struct machine *m, char *err, size_t errlen)
{
  if (m->sev || m->coverage || m->cur) {
    snprintf(err, errlen, "snapshot: not supported with %s", m->sev ? "sev=on" : m->coverage ? "coverage" : "a vCPU running");
    return NULL;
  }
  struct snapshot *s = calloc(1, sizeof *s);
  if (!s || !(s->ram = malloc(m->ram_size)) || !(s->os_written = malloc(m->ram_size / 8)) ||
      !(s->slots = malloc(m->cpuhp.dev_count * sizeof *s->slots)) ||
      (!m->snap_dirty && !(m->snap_dirty = calloc(NPAGES, 1)))) {
    snprintf(err, errlen, "snapshot: out of memory");
    snapshot_free(s);
    return NULL;
  }
  s->m = *m;
  memcpy(s->ram, m->ram, m->ram_size);
  memcpy(s->os_written, m->os_written, m->ram_size / 8);
  memcpy(s->slots, m->cpuhp.slots, m->cpuhp.dev_count * sizeof *s->slots);
  s->ctx_size = uc_context_size(m->uc[VIEW_NORMAL]);
  for (unsigned i = 0; i < MACHINE_MAX_CPUS; i++) {
    s->ctx[i] = dup_ctx(m->cpu[i].ctx, s->ctx_size);
    s->pre_smm[i] = dup_ctx(m->cpu[i].pre_smm, s->ctx_size);
  }
  s->upfns_n = upstream_fns_save(m->upfns, &s->upfns_order);
  memset(m->snap_dirty, 0, NPAGES);
  return s;
}

static void restore_ctx(struct machine *m, uc_context **live, const void *saved, size_t size)
{
  if (!saved)
    return; /* kept allocated: machine_cpu_plug reuses it */
  if (!*live)
    uc_context_alloc(m->uc[VIEW_NORMAL], live);
  memcpy(*live, saved, size);
}

/* The fields that describe the live process rather than the guest: the
 * buffers, engines, translation bookkeeping, sinks and the views as
 * mapped right now. Everything else comes back from the snapshot. */
static void keep_live(struct machine *m, const struct machine *live)
{
  m->ram = live->ram;
  memcpy(m->uc, live->uc, sizeof m->uc);
  m->view_tseg_hidden = live->view_tseg_hidden;
  m->view_window_hidden = live->view_window_hidden;
  m->hole_tseg_base = live->hole_tseg_base;
  m->hole_tseg_size = live->hole_tseg_size;
  for (unsigned i = 0; i < MACHINE_MAX_CPUS; i++) {
    m->cpu[i].ctx = live->cpu[i].ctx;
    m->cpu[i].pre_smm = live->cpu[i].pre_smm;
    m->cpu[i].park_ctx = live->cpu[i].park_ctx;
  }
  m->park_cache = live->park_cache;
  /* the scheduler's sets (rebuilt by the next machine_run's scan) */
  m->sched_run = live->sched_run;
  m->sched_busy = live->sched_busy;
  m->cpuhp.slots = live->cpuhp.slots;
  m->fw = live->fw;
  m->os = live->os;
  m->fw_loaded = live->fw_loaded;
  m->os_loaded = live->os_loaded;
  m->upfns = live->upfns;
  m->sev = live->sev;
  m->coverage = live->coverage;
  m->ev = live->ev;
  m->trace = live->trace;
  m->trace_out = live->trace_out;
  m->tinsn = live->tinsn;
  m->log = live->log;
  m->log_ctx = live->log_ctx;
  m->events = live->events;
  m->events_cap = live->events_cap;
  m->event_watch = live->event_watch;
  m->event_watch_ctx = live->event_watch_ctx;
  m->page_gen = live->page_gen;
  m->code_page = live->code_page;
  memcpy(m->seen_gen, live->seen_gen, sizeof m->seen_gen);
  memcpy(m->hooks, live->hooks, sizeof m->hooks);
  memcpy(m->dirty_mark, live->dirty_mark, sizeof m->dirty_mark);
  memcpy(m->dirty_list, live->dirty_list, sizeof m->dirty_list);
  memcpy(m->ndirty, live->ndirty, sizeof m->ndirty);
  m->tmpl_real = live->tmpl_real;
  m->entry_tmpl = live->entry_tmpl;
  m->nentry_tmpl = live->nentry_tmpl;
  m->bcache = live->bcache;
  m->os_written = live->os_written;
  m->snap_dirty = live->snap_dirty;
  m->injections = live->injections;
}

/* Map the normal view as the snapshot had it, without events: views_apply
 * maps what the chipset says, so it is shown the snapshot's mapping for
 * the call, with the event sink silenced. */
static void views_as_mapped(struct machine *m, const struct machine *snap)
{
  struct chipset_views real = m->chipset.views;
  uint64_t hash = m->trace_hash;
  size_t nev = m->nevents;
  void (*log)(void *, const char *) = m->log;

  m->chipset.views.tseg_closed = snap->view_tseg_hidden;
  m->chipset.views.tseg_base = (uint32_t)snap->hole_tseg_base;
  m->chipset.views.tseg_size = snap->view_tseg_hidden ? (uint32_t)snap->hole_tseg_size : 0;
  m->chipset.views.smbase_locked = snap->view_window_hidden;
  m->log = NULL;
  views_apply(m);
  for (size_t i = nev; i < m->nevents; i++)
    free(m->events[i]);
  m->nevents = nev;
  m->trace_hash = hash;
  m->log = log;
  m->chipset.views = real;
}

size_t snapshot_restore(struct machine *m, const struct snapshot *s)
{
  static struct machine live; /* large: not on the stack */
  size_t copied = 0;

  /* RAM and the OS-written map, page by page; translations of code pages
   * are dropped in both engines (page_touched -> flush_dirty) */
  for (uint64_t p = 0; p < NPAGES; p++) {
    if (!m->snap_dirty[p] && !harness_page(p))
      continue;
    memcpy(m->ram + p * PAGE, s->ram + p * PAGE, PAGE);
    memcpy(m->os_written + p * OSW_PER_PAGE, s->os_written + p * OSW_PER_PAGE, OSW_PER_PAGE);
    if (m->code_page[p])
      page_touched(m, p);
    copied++;
  }
  memset(m->snap_dirty, 0, NPAGES);

  /* events emitted since the snapshot */
  for (size_t i = s->m.nevents; i < m->nevents; i++)
    free(m->events[i]);

  live = *m;
  *m = s->m;
  keep_live(m, &live);
  for (unsigned i = 0; i < MACHINE_MAX_CPUS; i++) {
    restore_ctx(m, &m->cpu[i].ctx, s->ctx[i], s->ctx_size);
    restore_ctx(m, &m->cpu[i].pre_smm, s->pre_smm[i], s->ctx_size);
    m->cpu[i].parked = false; /* the memory its fixed point saw is gone */
  }
  m->wgen = live.wgen + 1;
  m->sched_dirty = true;
  memcpy(m->cpuhp.slots, s->slots, m->cpuhp.dev_count * sizeof *s->slots);
  views_as_mapped(m, &s->m);
  if (m->upfns) {
    /* blocks cached since would not be noted again */
    upstream_fns_restore(m->upfns, s->upfns_order, s->upfns_n);
    run_forget_blocks(m);
  }
  return copied;
}

void snapshot_free(struct snapshot *s)
{
  if (!s)
    return;
  for (unsigned i = 0; i < MACHINE_MAX_CPUS; i++) {
    free(s->ctx[i]);
    free(s->pre_smm[i]);
  }
  free(s->ram);
  free(s->os_written);
  free(s->slots);
  free(s->upfns_order);
  free(s);
}
