/* A set of vCPU slots with O(log n) insert, remove and "k-th smallest
 * member": the scheduler picks the k-th runnable vCPU in slot order (k
 * from the seed) without walking every vCPU of a machine with thousands
 * of them. A Fenwick tree of 0/1 counts plus a membership map. */
#ifndef SMMHP_SCHED_SET_H
#define SMMHP_SCHED_SET_H

#include <stdbool.h>
#include <stdint.h>

struct sched_set {
  unsigned n;          /* slots 0..n-1 */
  unsigned top;        /* highest power of two <= n */
  unsigned count;      /* members */
  uint16_t *tree;      /* Fenwick tree, 1-based, n + 1 entries */
  uint8_t *member;
};

int sched_set_init(struct sched_set *s, unsigned n);
void sched_set_free(struct sched_set *s);
void sched_set_clear(struct sched_set *s);
void sched_set_add(struct sched_set *s, unsigned slot);
void sched_set_remove(struct sched_set *s, unsigned slot);
bool sched_set_has(const struct sched_set *s, unsigned slot);
/* The slot of the k-th member in ascending order, k < count. */
unsigned sched_set_select(const struct sched_set *s, unsigned k);

#endif
