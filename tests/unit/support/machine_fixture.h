/* Shared fixture of the cmocka unit tests that drive a firmware-less
 * `struct machine` directly: setup/teardown, vCPUs started in flat 64-bit
 * code, register and memory readers, run-loop predicates and searches in
 * the event list. Every helper fails the current test (cmocka assert)
 * when the machine refuses what it asks. */
#ifndef SMMHP_TESTS_MACHINE_FIXTURE_H
#define SMMHP_TESTS_MACHINE_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "run_internal.h"

/* What the tests vary; the rest is fixed: one boot CPU, SMM, budget
 * 100000, etc/smi/supported-features 7. */
struct fixture_config {
  unsigned possible_cpus;
  uint64_t seed;
  enum accel accel;
};

/* cmocka setup/teardown bodies: *state becomes the machine. A test's own
 * setup is a one-line wrapper passing its fixture_config. */
int fixture_setup(void **state, const struct fixture_config *cfg);
int fixture_teardown(void **state);
struct machine *machine_of(void **state);

/* Put vCPU `slot` (plugged first if absent) in flat 64-bit mode at rip, in
 * view vw, from a fresh UC_MODE_64 context: RSP = 0x300000 - slot*0x1000,
 * RAX/RBX/RCX zero, runnable, in SMM iff vw == VIEW_SMM. */
void start_flat(struct machine *m, unsigned slot, enum view vw, uint64_t rip);

/* machine_run predicates; arg is the slot as (void *)(uintptr_t)slot */
bool cpu_halted(struct machine *m, void *arg);
bool cpu_in_smm(struct machine *m, void *arg);

/* A saved register of vCPU `slot`, through the engine of its view. */
uint64_t reg_of(struct machine *m, unsigned slot, int reg);
uint8_t reg8(struct machine *m, unsigned slot, int reg);
void set_reg(struct machine *m, unsigned slot, int reg, uint64_t val);

/* Guest-physical reads. */
uint32_t rd32(struct machine *m, uint64_t addr);
uint64_t rd64(struct machine *m, uint64_t addr);

/* Events at or after index `from`: the first equal to line / starting
 * with prefix (-1 if none), and how many start with prefix. */
long ev_find(struct machine *m, size_t from, const char *line);
long ev_prefix(struct machine *m, size_t from, const char *prefix);
size_t ev_count(struct machine *m, size_t from, const char *prefix);

#endif
