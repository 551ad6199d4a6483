/* The scheduler's rank-select set (harness/sched_set.c) against a plain
 * array model: the k-th member in slot order must be the one a walk over
 * every slot finds, for any sequence of adds and removes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "sched_set.h"

static unsigned model_select(const uint8_t *in, unsigned n, unsigned k)
{
  for (unsigned i = 0; i < n; i++)
    if (in[i] && k-- == 0)
      return i;
  return n;
}

static void check_against_model(unsigned n, uint64_t seed)
{
  struct sched_set s;
  uint8_t in[4096] = { 0 };
  unsigned count = 0;

  assert_int_equal(sched_set_init(&s, n), 0);
  for (unsigned step = 0; step < 20000; step++) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    unsigned slot = (unsigned)(seed >> 33) % n;
    if ((seed >> 20) & 1) {
      count += !in[slot];
      in[slot] = 1;
      sched_set_add(&s, slot);
    } else {
      count -= in[slot];
      in[slot] = 0;
      sched_set_remove(&s, slot);
    }
    assert_int_equal(s.count, count);
    assert_int_equal(sched_set_has(&s, slot), in[slot]);
    if (count) {
      unsigned k = (unsigned)(seed >> 40) % count;
      assert_int_equal(sched_set_select(&s, k), model_select(in, n, k));
    }
    if (step % 5000 == 4999) {
      sched_set_clear(&s);
      for (unsigned i = 0; i < n; i++)
        in[i] = 0;
      count = 0;
      assert_int_equal(s.count, 0);
    }
  }
  sched_set_free(&s);
}

static void test_sizes(void **state)
{
  (void)state;
  /* powers of two, their neighbours, one slot, q35's limits */
  const unsigned sizes[] = { 1, 2, 3, 7, 8, 9, 64, 255, 256, 288, 1000, 4095, 4096 };
  for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    check_against_model(sizes[i], 0x5EED + i);
}

static void test_select_every_member(void **state)
{
  struct sched_set s;

  (void)state;
  assert_int_equal(sched_set_init(&s, 4096), 0);
  for (unsigned i = 0; i < 4096; i += 3)
    sched_set_add(&s, i);
  sched_set_add(&s, 0); /* twice: no effect */
  assert_int_equal(s.count, 1366);
  for (unsigned k = 0; k < s.count; k++)
    assert_int_equal(sched_set_select(&s, k), 3 * k);
  sched_set_remove(&s, 1); /* not a member: no effect */
  assert_int_equal(s.count, 1366);
  sched_set_free(&s);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_sizes),
    cmocka_unit_test(test_select_every_member),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
