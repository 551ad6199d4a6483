/* In-memory snapshot of a machine (after `boot`, for the fuzzer) and a
 * restore that copies back only what changed since.
 *
 * Unicorn 2.0.1 has no memory snapshots (DESIGN.md), so a snapshot is our
 * own copy of guest RAM, the OS-written byte map, every vCPU context, the
 * device models, the machine's scalars (time, generator, phase, verdict
 * flags, trace hash, event count) and the memory views. The RAM write
 * hook and page_touched mark written pages in m->snap_dirty; a restore
 * copies back those pages only (plus the harness's own low pages), drops
 * the translations of the ones that held code, maps the views the
 * snapshot had (silently) and drops the events emitted since.
 * docs/fuzzing.md has the design and its costs.
 *
 * One snapshot per machine: the dirty map counts from the last take or
 * restore. Not supported (snapshot_take fails): SEV (its private-byte map
 * is not copied) and line coverage.
 */
#ifndef SMMHP_SNAPSHOT_H
#define SMMHP_SNAPSHOT_H

#include <stddef.h>

#include "machine.h"

struct snapshot;

/* NULL when the machine cannot be snapshotted (message in err). */
struct snapshot *snapshot_take(struct machine *m, char *err, size_t errlen);
/* The machine as it was at snapshot_take; returns the pages copied. */
size_t snapshot_restore(struct machine *m, const struct snapshot *s);
void snapshot_free(struct snapshot *s);

#endif
