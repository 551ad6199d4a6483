#include "sched_set.h"

#include <stdlib.h>
#include <string.h>

int sched_set_init(struct sched_set *s, unsigned n)
{
  memset(s, 0, sizeof *s);
  s->n = n;
  s->top = 1;
  while (s->top * 2 <= n)
    s->top *= 2;
  s->tree = calloc(n + 1, sizeof *s->tree);
  s->member = calloc(n ? n : 1, 1);
  return s->tree && s->member ? 0 : -1;
}

void sched_set_free(struct sched_set *s)
{
  free(s->tree);
  free(s->member);
  memset(s, 0, sizeof *s);
}

void sched_set_clear(struct sched_set *s)
{
  memset(s->tree, 0, (s->n + 1) * sizeof *s->tree);
  memset(s->member, 0, s->n);
  s->count = 0;
}

static void update(struct sched_set *s, unsigned slot, int delta)
{
  for (unsigned i = slot + 1; i <= s->n; i += i & -i)
    s->tree[i] = (uint16_t)(s->tree[i] + delta);
}

void sched_set_add(struct sched_set *s, unsigned slot)
{
  if (slot >= s->n || s->member[slot])
    return;
  s->member[slot] = 1;
  s->count++;
  update(s, slot, 1);
}

void sched_set_remove(struct sched_set *s, unsigned slot)
{
  if (slot >= s->n || !s->member[slot])
    return;
  s->member[slot] = 0;
  s->count--;
  update(s, slot, -1);
}

bool sched_set_has(const struct sched_set *s, unsigned slot)
{
  return slot < s->n && s->member[slot];
}

/* Binary lifting: the largest prefix holding at most k members ends just
 * before the k-th member (0-based). */
unsigned sched_set_select(const struct sched_set *s, unsigned k)
{
  unsigned pos = 0;
  for (unsigned step = s->top; step; step >>= 1) {
    if (pos + step <= s->n && s->tree[pos + step] <= k) {
      pos += step;
      k -= s->tree[pos];
    }
  }
  return pos; /* 1-based index pos + 1 is the member: slot pos */
}
