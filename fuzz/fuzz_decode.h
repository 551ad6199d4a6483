/* Fuzzer input -> scenario text (docs/fuzzing.md "Input format").
 *
 * Byte 0 picks the topology; then every 3 bytes (op, a, b) are one
 * operation. A small model of the OS's view of each slot keeps the
 * operations an honest OS would issue (online only what CSCN reported,
 * eject only what it offlined, ...), so a hang means a firmware or
 * platform bug, not a confused OS; injections are free. The text is the
 * reproducer: the header (machine, seed, budget, mutation, boot) is the
 * same for every input of a topology, so the snapshot taken after its
 * `boot` serves them all and line numbers agree with `smmhp run`. */
#ifndef SMMHP_FUZZ_DECODE_H
#define SMMHP_FUZZ_DECODE_H

#include <stddef.h>
#include <stdint.h>

#define FUZZ_TOPOLOGIES 3
#define FUZZ_MAX_OPS 16
#define FUZZ_STEP_BUDGET 3000000u /* guest instructions per operation: room for two SMM sync timeouts (AP arrival) */

struct fuzz_topology { unsigned boot, possible; };
extern const struct fuzz_topology fuzz_topologies[FUZZ_TOPOLOGIES];

/* The header of topology t: statements up to and including `boot`.
 * mutation: "call CALLEE in FUNCTION" or NULL. Returns the length. */
size_t fuzz_header(unsigned t, const char *mutation, char *out, size_t len);
/* Header plus the operations the input decodes to; *topology set. */
size_t fuzz_decode(const uint8_t *data, size_t size, const char *mutation, unsigned *topology, char *out,
                   size_t len);

#endif
