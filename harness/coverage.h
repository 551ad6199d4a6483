/* Firmware line coverage (docs/coverage.md).
 *
 * The firmware runs inside Unicorn, so gcov cannot see it. With coverage
 * attached, the run loop reports every executed basic block; blocks are
 * counted per firmware link address (run-time copies mapped back to their
 * templates), and at the end the DWARF line tables of the firmware ELF
 * (elfutils libdw) turn them into an lcov tracefile. One `struct coverage`
 * can collect many machines (the matrix) and several firmware images. */
#ifndef SMMHP_COVERAGE_H
#define SMMHP_COVERAGE_H

#include <stddef.h>
#include <stdint.h>

struct machine;
struct coverage;

struct coverage *coverage_new(void);
void coverage_free(struct coverage *c);

/* Count m's firmware blocks into c from now on: call after the firmware
 * is loaded and before the machine runs. Sets m->coverage. */
void coverage_attach(struct coverage *c, struct machine *m);

/* Hot path, called by the block hook for every executed block (only when
 * m->coverage is set): the block at guest address addr, size bytes. */
void coverage_block(struct machine *m, uint64_t addr, uint32_t size);

/* Write the lcov tracefile of everything c collected: TN:test (letters,
 * digits and '_' kept, others become '_'), one record per source file of
 * every firmware image seen. 0, or -1 with a message in err. */
int coverage_write(struct coverage *c, const char *path, const char *test, char *err, size_t errlen);

#endif
