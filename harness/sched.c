/* The scheduler: which vCPU runs next and for how long (seeded), event
 * delivery at slice boundaries, and the replay of parked vCPUs' slices.
 * docs/harness.md, "The run loop" and "Parking spinning vCPUs".
 */
#include "run_internal.h"
#include "sched_set.h"

#include <stdint.h>
#include <stdio.h>

#include "gdbstub.h"
#include "hotplug_ops.h"

static uint64_t rng_next(struct machine *m)
{
  /* splitmix64: a stable, seedable stream */
  uint64_t z = (m->rng += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* Deliver what is pending for v at an instruction boundary (before it runs). */
static void deliver_pending(struct machine *m, struct vcpu *v)
{
  if (v->state == VCPU_ABSENT)
    return;
  if (v->init_pending && !v->in_smm) {
    v->init_pending = false;
    cpu_do_init(m, v);
  }
  if (v->sipi_pending) {
    v->sipi_pending = false;
    if (v->state == VCPU_WAIT_SIPI && !v->in_smm)
      cpu_do_sipi(m, v);
  }
  if (v->smi_pending && !v->in_smm && !v->dead) {
    bool ok = v->state == VCPU_RUN || v->state == VCPU_HALTED || v->state == VCPU_SLEEP ||
              (v->state == VCPU_WAIT_SIPI && m->cfg.accel == ACCEL_TCG);
    if (ok) {
      v->smi_pending = false;
      smm_enter(m, v);
    }
  }
}

static bool runnable(struct machine *m, struct vcpu *v)
{
  if (v->dead)
    return false;
  if (v->state == VCPU_SLEEP && v->wake_time <= m->vtime)
    v->state = VCPU_RUN;
  return v->state == VCPU_RUN;
}

static void note_step(struct machine *m, struct vcpu *v)
{
  m->nswitches++;
  m->step_hash = (m->step_hash ^ (uint64_t)(v->slot + 1)) * 0x100000001B3ull;
  if (m->step_order_len + 6 < sizeof m->step_order) {
    m->step_order_len += (unsigned)snprintf(m->step_order + m->step_order_len,
                                            sizeof m->step_order - m->step_order_len, "%s%d",
                                            m->step_order_len ? "," : "", v->slot);
    m->step_order_entries++;
  }
}

/* The runnable vCPUs (m->sched_run) and those among them whose last
 * slice did not end in a pause loop (m->sched_busy), both in slot order.
 * A full scan delivers pending events to every vCPU: O(CPUs), so it only
 * happens when something changed another vCPU's state or pending events
 * (every such place calls sched_touch, which sets m->sched_dirty) or a
 * sleeper's time came. A change to the vCPU of the current slice only
 * (its HLT, RSM, sleep, an SMI or IPI to itself) needs that vCPU alone
 * looked at again: no other vCPU's pending events became deliverable.
 * Between those, only the vCPU that ran changes, and only its `spinning`
 * flag. The picks are those of a scan per slice: the k-th member in slot
 * order. */
static void sched_place(struct machine *m, struct vcpu *v, uint64_t *next_wake)
{
  unsigned i = (unsigned)v->slot;

  deliver_pending(m, v);
  if (runnable(m, v)) {
    sched_set_add(&m->sched_run, i);
    if (v->spinning)
      sched_set_remove(&m->sched_busy, i);
    else
      sched_set_add(&m->sched_busy, i);
  } else {
    sched_set_remove(&m->sched_run, i);
    sched_set_remove(&m->sched_busy, i);
    if (v->state == VCPU_SLEEP && !v->dead && v->wake_time < *next_wake)
      *next_wake = v->wake_time;
  }
}

static void sched_scan(struct machine *m, uint64_t *next_wake)
{
  m->sched_dirty = m->sched_self_dirty = false;
  m->wgen++; /* events change what a parked vCPU would see */
  sched_set_clear(&m->sched_run);
  sched_set_clear(&m->sched_busy);
  *next_wake = UINT64_MAX;
  for (unsigned i = 0; i < m->ncpus; i++)
    sched_place(m, &m->cpu[i], next_wake);
}

/* Every runnable vCPU spins: they all get a turn (or, before a sleeper's
 * delay is skipped, none is marked spinning any more). */
static void sched_clear_spinning(struct machine *m, bool all_turn)
{
  for (unsigned k = 0, n = m->sched_run.count; k < n; k++) {
    unsigned slot = sched_set_select(&m->sched_run, k);
    m->cpu[slot].spinning = false;
    if (all_turn)
      sched_set_add(&m->sched_busy, slot);
  }
}

enum run_result machine_run(struct machine *m, run_until_fn done, void *arg, uint64_t budget)
{
  uint64_t next_wake = UINT64_MAX;

  m->sched_dirty = true;
  m->budget_end = m->retired + budget;
  for (;;) {
    if (m->gdb)
      m->sched_dirty = true; /* the stub may change anything between slices */
    if (m->fatal)
      return RUN_FATAL;
    if (done && done(m, arg))
      return RUN_DONE;
    if (m->retired >= m->budget_end)
      return RUN_BUDGET;
    if (m->deferred_countdown)
      machine_deferred_tick(m);
    if (m->sched_dirty || m->vtime >= next_wake) {
      sched_scan(m, &next_wake);
    } else if (m->sched_self_dirty) {
      m->sched_self_dirty = false;
      m->wgen++;
      sched_place(m, m->slice_cpu, &next_wake);
    }
    /* A vCPU whose last slice ended in a pause loop waits for another
     * one: prefer those that make progress (as pause-loop exiting lets a
     * hypervisor do), still chosen by the seed. */
    unsigned n = m->sched_busy.count;
    if (!n && m->sched_run.count && next_wake != UINT64_MAX) {
      /* every runnable vCPU spins and one sleeps: they can only be
       * waiting for the sleeper, so its delay passes at once */
      m->vtime = next_wake;
      sched_clear_spinning(m, false);
      continue;
    }
    if (!n) {
      sched_clear_spinning(m, true);
      n = m->sched_busy.count;
    }
    if (n == 0) {
      if (next_wake != UINT64_MAX) {
        m->vtime = next_wake; /* nobody can run: virtual time jumps */
        continue;
      }
      return RUN_STUCK;
    }
    if (m->gdb)
      gdb_sched_point(m);
    uint64_t rng_before = m->rng;
    struct vcpu *v = &m->cpu[sched_set_select(&m->sched_busy, (unsigned)(rng_next(m) % n))];
    unsigned blocks = 1 + (unsigned)(rng_next(m) % m->max_slice);
    struct vcpu *gv = m->gdb ? gdb_step_alone(m, v) : NULL;
    if (gv) {
      m->rng = rng_before; /* gdb steps gv alone, outside the schedule */
      m->slice_cpu = gv;
      run_slice(m, gv, 1);
      continue;
    }
    note_step(m, v);
    m->slice_cpu = v;
    if (v->parked && blocks >= v->park_blocks && m->retired + v->park_insns < m->budget_end &&
        parking_on(m) && park_still_holds(m, v)) {
      /* parked: the slice would repeat the recorded iteration exactly */
      m->parked_slices++;
      v->park_gen = m->wgen; /* it is the recorded state again: the next check is quick */
      m->retired += v->park_insns;
      m->vtime += v->park_vtime;
      v->insns += v->park_insns;
      v->pauses++;
      v->spinning = v->paused_last = true;
    } else {
      run_slice(m, v, blocks);
    }
    m->last_slice_cpu = v;
    /* still runnable (else its change set sched_dirty): busy or spinning */
    if (v->spinning)
      sched_set_remove(&m->sched_busy, (unsigned)v->slot);
    else
      sched_set_add(&m->sched_busy, (unsigned)v->slot);
  }
}

/* The scheduler's stream, for seeded platform events (hotplug_ops.c). */
uint64_t machine_rng(struct machine *m)
{
  return rng_next(m);
}
