/* Fuzzer input decoding (see fuzz_decode.h). */
#include "fuzz_decode.h"

#include <stdarg.h>
#include <stdio.h>

const struct fuzz_topology fuzz_topologies[FUZZ_TOPOLOGIES] = { { 1, 4 }, { 2, 4 }, { 3, 8 } };

/* Where an injection may land: the CSCN SMI upcall (before and after its
 * OUT to 0xB2), the firmware's relocation and scan paths, the OS AP's
 * first instruction online. */
static const char *const inject_at[8] = {
  "os_cscn_smi_out", "os_cscn_smi_done", "SmbaseRelocate", "SendInitSipiSipi",
  "QemuCpuhpCollectApicIds", "CpuHotplugMmi", "EjectCpu", "ap_online",
};

/* The OS's view of a slot. TAINTED: touched by an injection whose timing
 * the OS cannot know; no OS operation names it again. */
enum slot_state { S_ABSENT, S_ADDED, S_PRESENT, S_ONLINE, S_REMOVING, S_REMOVE_SEEN, S_OFFLINE, S_TAINTED };

enum op {
  OP_DEVICE_ADD, OP_CSCN, OP_ONLINE, OP_DEVICE_DEL, OP_OFFLINE, OP_CEJ0, OP_APM,
  OP_INJ_ADD, OP_INJ_SMI, OP_INJ_INIT, OP_RESEED, OP_INJ_DEL, OP_COUNT
};

struct out { char *p; size_t len, used; };

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(o->p + o->used, o->used < o->len ? o->len - o->used : 0, fmt, ap);
  va_end(ap);
  if (n > 0)
    o->used += (size_t)n;
  if (o->used >= o->len && o->len)
    o->used = o->len - 1;
}

size_t fuzz_header(unsigned t, const char *mutation, char *buf, size_t len)
{
  struct out o = { buf, len, 0 };
  const struct fuzz_topology *tp = &fuzz_topologies[t % FUZZ_TOPOLOGIES];
  put(&o, "# smmhp fuzz input, topology %u (docs/fuzzing.md)\n", t % FUZZ_TOPOLOGIES);
  put(&o, "machine cpus=%u/%u smm=on\nseed 1\nbudget %u\n", tp->boot, tp->possible, FUZZ_STEP_BUDGET);
  if (mutation)
    put(&o, "mutate %s\n", mutation);
  else
    put(&o, "# no mutation\n");
  put(&o, "boot\n");
  return o.used;
}

size_t fuzz_decode(const uint8_t *data, size_t size, const char *mutation, unsigned *topology, char *buf,
                   size_t len)
{
  unsigned t = size ? data[0] % FUZZ_TOPOLOGIES : 0;
  const struct fuzz_topology *tp = &fuzz_topologies[t];
  enum slot_state st[16];
  struct out o = { buf, len, fuzz_header(t, mutation, buf, len) };

  *topology = t;
  for (unsigned i = 0; i < tp->possible; i++)
    st[i] = i < tp->boot ? S_ONLINE : S_ABSENT;
  for (size_t k = 1, nops = 0; k + 3 <= size && nops < FUZZ_MAX_OPS; k += 3, nops++) {
    unsigned op = data[k] % OP_COUNT, a = data[k + 1], b = data[k + 2];
    unsigned slot = a % tp->possible, hot = 1 + a % (tp->possible - 1); /* any slot / not the BSP */
    const char *at = inject_at[b % 8];
    switch (op) {
    case OP_DEVICE_ADD:
      if (st[hot] == S_ABSENT) {
        put(&o, "device_add slot=%u\n", hot);
        st[hot] = S_ADDED;
      }
      break;
    case OP_CSCN:
      put(&o, "os cscn\n");
      for (unsigned i = 0; i < tp->possible; i++)
        st[i] = st[i] == S_ADDED ? S_PRESENT : st[i] == S_REMOVING ? S_REMOVE_SEEN : st[i];
      break;
    case OP_ONLINE:
      if (st[hot] == S_PRESENT) {
        put(&o, "os online apic=%u\n", hot);
        st[hot] = S_ONLINE;
      }
      break;
    case OP_DEVICE_DEL:
      if (st[hot] == S_ONLINE) {
        put(&o, "device_del slot=%u\n", hot);
        st[hot] = S_REMOVING;
      }
      break;
    case OP_OFFLINE:
      if (st[hot] == S_REMOVE_SEEN) {
        put(&o, "os offline apic=%u\n", hot);
        st[hot] = S_OFFLINE;
      }
      break;
    case OP_CEJ0:
      if (st[hot] == S_OFFLINE) {
        put(&o, "os cej0 slot=%u\n", hot);
        st[hot] = S_ABSENT;
      }
      break;
    case OP_APM:
      put(&o, "os apm value=%u\n", b & 1 ? 4u : 0u);
      break;
    case OP_INJ_ADD:
      if (st[hot] == S_ABSENT) {
        put(&o, "inject device_add slot=%u at=%s\n", hot, at);
        st[hot] = S_TAINTED;
      }
      break;
    case OP_INJ_DEL:
      if (st[hot] == S_ONLINE) {
        put(&o, "inject device_del slot=%u at=%s\n", hot, at);
        st[hot] = S_TAINTED;
      }
      break;
    case OP_INJ_SMI:
      /* not issued: an SMI to one CPU waits out the SMM rendezvous
       * timeout (IsSyncTimerTimeout), longer than FUZZ_STEP_BUDGET, so
       * it would be reported as a hang (docs/fuzzing.md) */
      (void)slot;
      break;
    case OP_INJ_INIT:
      if (st[hot] == S_ABSENT || st[hot] == S_ADDED || st[hot] == S_PRESENT) {
        put(&o, "inject init target=%u at=%s\n", hot, at);
        st[hot] = S_TAINTED;
      }
      break;
    case OP_RESEED:
      put(&o, "reseed %u\n", a | b << 8);
      break;
    }
  }
  return o.used;
}
