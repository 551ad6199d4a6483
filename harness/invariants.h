/* Security invariants of SMM CPU hot-plug (DESIGN.md "Checks and
 * verdicts"), as pure functions over a small description of the platform
 * state, so that each can be unit-tested with a violating state. The
 * machine evaluates them on every run (harness/checks.c). */
#ifndef SMMHP_INVARIANTS_H
#define SMMHP_INVARIANTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct inv_smram {
  uint64_t tseg_base, tseg_size;  /* TSEG as the platform configures it */
  bool tseg_closed;               /* black hole outside SMM */
  bool window_locked;             /* 0x30000-0x4FFFF is SMRAM */
};

enum inv_kind {
  INV_OK = 0,
  INV_SMM_EXEC_OUTSIDE_SMRAM,     /* a CPU in SMM fetched code outside SMRAM */
  INV_SMM_EXEC_OS_BYTE,           /* a CPU in SMM executed a byte the OS wrote */
  INV_SMBASE_OUTSIDE_TSEG,        /* a relocated CPU's SMBASE (entry..map) is not in TSEG */
  INV_SMBASE_NO_HANDLER,          /* ... and no firmware handler at SMBASE+0x8000 */
  INV_SMBASE_SHARED,              /* two relocated CPUs share an SMBASE */
  INV_SMRAM_WRITTEN_OUTSIDE_SMM,  /* an SMRAM byte changed from outside SMM */
};

const char *inv_name(enum inv_kind k);

/* Code fetch in SMM of [addr, addr+size). Before the window is locked it
 * is plain RAM where boot-time relocation legitimately runs, so it is
 * allowed then (phase-aware). */
enum inv_kind inv_smm_fetch(const struct inv_smram *s, uint64_t addr, uint64_t size);

/* os_written: bitmap over guest RAM, one bit per byte last written by
 * the OS outside SMM. */
enum inv_kind inv_smm_fetch_os_bytes(const uint8_t *os_written, uint64_t ram_size, uint64_t addr, uint64_t size);

/* A relocated CPU: its entry point and save-state map must lie in TSEG,
 * and the handler there must be the firmware's (handler_matches). */
enum inv_kind inv_relocated_smbase(const struct inv_smram *s, uint64_t smbase, bool handler_matches);

/* Relocated SMBASEs of all CPUs; returns INV_SMBASE_SHARED and the two
 * indices if any pair is equal. */
enum inv_kind inv_smbase_unique(const uint64_t *smbase, const bool *relocated, size_t n,
                                size_t *first, size_t *second);
/* The same for the pairs CPU k is in: after CPU k alone was relocated,
 * O(n) instead of O(n^2); the pair found is the one inv_smbase_unique
 * reports when no other pair is equal. */
enum inv_kind inv_smbase_unique_for(const uint64_t *smbase, const bool *relocated, size_t n, size_t k,
                                    size_t *first, size_t *second);

/* A store from outside SMM that reached RAM (was not dropped). */
enum inv_kind inv_store_outside_smm(const struct inv_smram *s, uint64_t addr, uint64_t size);

#endif
