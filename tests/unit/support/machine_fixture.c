#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "machine_fixture.h"

int fixture_setup(void **state, const struct fixture_config *fc)
{
  struct machine *m = calloc(1, sizeof *m);
  struct machine_config cfg = { .boot_cpus = 1, .possible_cpus = fc->possible_cpus, .smm = true,
                                .seed = fc->seed, .accel = fc->accel, .budget = 100000,
                                .smi_host_features = 7 };
  assert_non_null(m);
  assert_int_equal(machine_init(m, &cfg), 0);
  *state = m;
  return 0;
}

int fixture_teardown(void **state)
{
  struct machine *m = *state;
  machine_free(m);
  free(m);
  return 0;
}

struct machine *machine_of(void **state) { return *state; }

void start_flat(struct machine *m, unsigned slot, enum view vw, uint64_t rip)
{
  struct vcpu *v = &m->cpu[slot];
  uc_engine *fresh, *uc = m->uc[vw];
  uc_context *c;
  if (v->state == VCPU_ABSENT)
    assert_int_equal(machine_cpu_plug(m, slot, false), 0);
  assert_int_equal(uc_open(UC_ARCH_X86, UC_MODE_64, &fresh), UC_ERR_OK);
  uc_context_alloc(fresh, &c);
  uc_context_save(fresh, c);
  uc_close(fresh);
  uc_context_restore(uc, c);
  uc_context_free(c);
  uint64_t rsp = 0x300000 - slot * 0x1000, zero = 0;
  uc_reg_write(uc, UC_X86_REG_RIP, &rip);
  uc_reg_write(uc, UC_X86_REG_RSP, &rsp);
  uc_reg_write(uc, UC_X86_REG_RAX, &zero);
  uc_reg_write(uc, UC_X86_REG_RBX, &zero);
  uc_reg_write(uc, UC_X86_REG_RCX, &zero);
  uc_context_save(uc, v->ctx);
  v->state = VCPU_RUN;
  v->in_smm = vw == VIEW_SMM;
}

bool cpu_halted(struct machine *m, void *arg)
{
  return m->cpu[(uintptr_t)arg].state == VCPU_HALTED;
}

bool cpu_in_smm(struct machine *m, void *arg)
{
  return m->cpu[(uintptr_t)arg].in_smm;
}

static uc_engine *engine_of(struct machine *m, unsigned slot)
{
  return m->uc[m->cpu[slot].in_smm ? VIEW_SMM : VIEW_NORMAL];
}

uint64_t reg_of(struct machine *m, unsigned slot, int reg)
{
  uint64_t val = 0;
  uc_engine *uc = engine_of(m, slot);
  uc_context_restore(uc, m->cpu[slot].ctx);
  uc_reg_read(uc, reg, &val);
  return val;
}

uint8_t reg8(struct machine *m, unsigned slot, int reg)
{
  return (uint8_t)reg_of(m, slot, reg);
}

void set_reg(struct machine *m, unsigned slot, int reg, uint64_t val)
{
  uc_engine *uc = engine_of(m, slot);
  uc_context_restore(uc, m->cpu[slot].ctx);
  uc_reg_write(uc, reg, &val);
  uc_context_save(uc, m->cpu[slot].ctx);
}

uint32_t rd32(struct machine *m, uint64_t addr)
{
  uint32_t v;
  machine_phys_read(m, addr, &v, sizeof v);
  return v;
}

uint64_t rd64(struct machine *m, uint64_t addr)
{
  uint64_t v;
  machine_phys_read(m, addr, &v, sizeof v);
  return v;
}

long ev_find(struct machine *m, size_t from, const char *line)
{
  for (size_t i = from; i < m->nevents; i++)
    if (strcmp(m->events[i], line) == 0)
      return (long)i;
  return -1;
}

long ev_prefix(struct machine *m, size_t from, const char *prefix)
{
  for (size_t i = from; i < m->nevents; i++)
    if (strncmp(m->events[i], prefix, strlen(prefix)) == 0)
      return (long)i;
  return -1;
}

size_t ev_count(struct machine *m, size_t from, const char *prefix)
{
  size_t n = 0;
  for (size_t i = from; i < m->nevents; i++)
    if (strncmp(m->events[i], prefix, strlen(prefix)) == 0)
      n++;
  return n;
}
