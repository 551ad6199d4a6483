/* What a parked vCPU's spin loop reads (docs/harness.md, "Parking").
 *
 * A parked vCPU's recorded slice is a fixed point: the same registers at
 * both ends while nothing observable changed. Replaying it stays exact
 * while the loop would read the same values. Without knowing what it
 * reads, any change anywhere (m->wgen) ends the parking. When every
 * memory read of the loop has an address fixed by registers the loop
 * does not change, the parking instead holds while those bytes, the
 * loop's code and the memory views stay the same; an event for the vCPU
 * itself ends it (sched_touch). A fixed-point loop does no port, MSR or
 * rdtsc access (each moves wgen during its own slice), so device state
 * cannot matter to it.
 */
#ifndef SMMHP_PARK_H
#define SMMHP_PARK_H

#include <stdbool.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

struct machine;
struct vcpu;

#define PARK_MAX_BLOCKS 16
#define PARK_MAX_WATCH 8
#define PARK_MAX_PAGES 4

struct park_watch {
  uint64_t addr;
  uint8_t size;
  uint8_t bytes[16];
};

struct park_reads {
  int nwatch;                          /* -1: reads not known, rely on wgen */
  struct park_watch watch[PARK_MAX_WATCH];
  unsigned npages;
  uint64_t page[PARK_MAX_PAGES];       /* code pages of the loop ... */
  uint32_t page_gen[PARK_MAX_PAGES];   /* ... and their write generations */
  bool tseg_closed, smbase_locked;     /* the memory views it read through */
  uint32_t tseg_base, tseg_size;
};

/* During a slice that may become a fixed point: the blocks it ran. */
void park_note_block(struct machine *m, uint64_t addr, uint32_t size);
/* Right after a fixed-point slice, with its registers still in uc. */
void park_learn_reads(struct machine *m, struct vcpu *v, uc_engine *uc);
/* Would a slice of parked v repeat the recorded one? */
bool park_still_holds(struct machine *m, const struct vcpu *v);
void park_free(struct machine *m);

#endif
