#include "inject.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hotplug_ops.h"
#include "run_internal.h"

enum inject_action { INJ_DEVICE_ADD, INJ_DEVICE_DEL, INJ_SMI, INJ_INIT, INJ_POKE };

struct injection {
  const struct scenario_step *step;
  struct machine *m;
  enum inject_action action;
  uint64_t addr;
  uint32_t slot, target, cpu, hit, hits;
  uint32_t poke_addr; uint8_t poke_byte;
  bool armed, done;
  uc_hook hook[VIEW_COUNT];
};

struct injections { size_t n; struct injection *v; };

static int resolve(const struct machine *m, const char *text, uint64_t *addr)
{
  char sym[128];
  const char *plus = strchr(text, '+');
  size_t len = plus ? (size_t)(plus - text) : strlen(text);
  uint64_t off = 0;
  char *end;

  *addr = strtoull(text, &end, 0);
  if (*end == '\0')
    return 0;
  if (len >= sizeof sym)
    return -1;
  memcpy(sym, text, len);
  sym[len] = '\0';
  if (plus)
    off = strtoull(plus + 1, NULL, 0);
  const struct elfsym *s = elfimage_find(&m->fw, sym);
  if (!s && m->os_loaded)
    s = elfimage_find(&m->os, sym);
  if (!s)
    return -1;
  *addr = s->addr + off;
  return 0;
}

static void fire(struct injection *in, uint64_t addr)
{
  struct machine *m = in->m;
  struct vcpu *by = m->cur;
  char at[96];

  machine_symbolize(m, addr, at, sizeof at);
  machine_event(m, "inject action=%s line=%d cpu=%d at=%s",
                in->action == INJ_DEVICE_ADD ? "device_add" : in->action == INJ_DEVICE_DEL ? "device_del"
                : in->action == INJ_SMI ? "smi" : in->action == INJ_INIT ? "init" : "poke",
                in->step->line, by->slot, at);
  switch (in->action) {
  case INJ_DEVICE_ADD:
    machine_device_add(m, in->slot);
    break;
  case INJ_DEVICE_DEL:
    machine_device_del(m, in->slot);
    break;
  case INJ_SMI: {
    struct vcpu *t = machine_cpu_by_apic(m, in->target);
    if (t)
      machine_raise_smi(m, t, "injected");
    break;
  }
  case INJ_INIT:
    machine_send_ipi(m, NULL, 0x4500, in->target, false);
    break;
  case INJ_POKE: {
    /* A one-byte store by an OS CPU running concurrently (not modelled
     * as a vCPU): it goes through the normal view, so a store into a
     * view hole (locked 0x30000 window, closed TSEG) is dropped, as
     * views.c does; otherwise it lands and counts as OS-written. */
    uint64_t a = in->poke_addr;
    bool hole = (m->view_window_hidden && a >= 0x30000 && a < 0x50000) ||
                (m->view_tseg_hidden && a >= m->hole_tseg_base && a < m->hole_tseg_base + m->hole_tseg_size);
    if (hole || a >= m->ram_size) {
      machine_event(m, "inject_poke addr=0x%" PRIx64 " byte=0x%02x result=dropped", a, in->poke_byte);
      break;
    }
    machine_phys_write(m, a, &in->poke_byte, 1);
    m->os_written[a >> 3] |= (uint8_t)(1u << (a & 7));
    machine_event(m, "inject_poke addr=0x%" PRIx64 " byte=0x%02x result=written", a, in->poke_byte);
    break;
  }
  }
}

static bool hit(struct injection *in, uint64_t addr)
{
  struct machine *m = in->m;

  if (!in->armed || in->done || !m->cur || (in->cpu != 0xFFFFFFFFu && (uint32_t)m->cur->slot != in->cpu))
    return false;
  if (++in->hits < in->hit)
    return false;
  in->done = true;
  fire(in, addr);
  return true;
}

/* Unicorn calls no further hook of an instruction once one stopped the
 * engine, and hooks run in the order they were added, which a snapshot
 * restore changes (the IN/OUT hook at an address can then come first). */
void inject_before_stop(struct machine *m, uint64_t addr)
{
  struct injections *ij = m->injections;
  for (size_t i = 0; ij && i < ij->n; i++)
    if (ij->v[i].addr == addr)
      hit(&ij->v[i], addr);
}

static void on_hit(uc_engine *uc, uint64_t addr, uint32_t size, void *opaque)
{
  struct injection *in = opaque;
  struct machine *m = in->m;
  (void)size;

  if (!hit(in, addr))
    return;
  /* the event lands between the previous instruction and this one */
  m->stopped_by_us = true;
  m->stop_linear = addr;
  uc_emu_stop(uc);
}

int inject_install(struct machine *m, const struct scenario *s, char *err, size_t errlen)
{
  struct injections *ij = calloc(1, sizeof *ij);
  size_t n = 0;

  if (!ij)
    return -1;
  for (size_t i = 0; i < s->nsteps; i++)
    n += s->steps[i].kind == SCN_INJECT;
  ij->v = calloc(n ? n : 1, sizeof *ij->v);
  m->injections = ij;
  for (size_t i = 0; i < s->nsteps; i++) {
    const struct scenario_step *st = &s->steps[i];
    if (st->kind != SCN_INJECT)
      continue;
    struct injection *in = &ij->v[ij->n++];
    const struct scenario_arg *at = scenario_step_arg(st, "at");
    in->step = st;
    in->m = m;
    in->action = (enum inject_action)scenario_step_u64(st, "action", 0);
    in->slot = (uint32_t)scenario_step_u64(st, "slot", 0);
    in->target = (uint32_t)scenario_step_u64(st, "target", 0);
    in->cpu = (uint32_t)scenario_step_u64(st, "cpu", 0xFFFFFFFFu);
    in->hit = (uint32_t)scenario_step_u64(st, "hit", 1);
    in->poke_addr = (uint32_t)scenario_step_u64(st, "addr", 0);
    in->poke_byte = (uint8_t)scenario_step_u64(st, "byte", 0);
    if (!at || resolve(m, at->str, &in->addr)) {
      snprintf(err, errlen, "%s:%d: inject: no code address '%s' in the firmware or OS image", s->name, st->line,
               at ? at->str : "?");
      return -1;
    }
    if ((in->action == INJ_DEVICE_ADD || in->action == INJ_DEVICE_DEL) && in->slot >= m->ncpus) {
      snprintf(err, errlen, "%s:%d: inject: slot %u out of range 0..%u", s->name, st->line, in->slot, m->ncpus - 1);
      return -1;
    }
    for (int vw = 0; vw < VIEW_COUNT; vw++) {
      uc_hook_add(m->uc[vw], &in->hook[vw], UC_HOOK_CODE, on_hit, in, in->addr, in->addr);
      /* after a snapshot restore the code may already be translated */
      uc_ctl_remove_cache(m->uc[vw], in->addr, in->addr + 1);
    }
  }
  return 0;
}

void inject_arm(struct machine *m, const struct scenario_step *st)
{
  struct injections *ij = m->injections;
  for (size_t i = 0; ij && i < ij->n; i++)
    if (ij->v[i].step == st)
      ij->v[i].armed = true;
}

bool inject_present(const struct machine *m)
{
  return m->injections && m->injections->n > 0;
}

void inject_free(struct machine *m)
{
  struct injections *ij = m->injections;
  for (size_t i = 0; ij && i < ij->n; i++)
    for (int vw = 0; vw < VIEW_COUNT; vw++)
      if (ij->v[i].hook[vw] && m->uc[vw])
        uc_hook_del(m->uc[vw], ij->v[i].hook[vw]);
  if (ij)
    free(ij->v);
  free(ij);
  m->injections = NULL;
}
