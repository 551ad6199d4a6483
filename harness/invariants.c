#include "invariants.h"

#include "smmhp/memmap.h"

const char *inv_name(enum inv_kind k)
{
  switch (k) {
  case INV_OK: return "ok";
  case INV_SMM_EXEC_OUTSIDE_SMRAM: return "smm_exec_outside_smram";
  case INV_SMM_EXEC_OS_BYTE: return "smm_exec_os_written_byte";
  case INV_SMBASE_OUTSIDE_TSEG: return "smbase_outside_tseg";
  case INV_SMBASE_NO_HANDLER: return "smbase_without_firmware_handler";
  case INV_SMBASE_SHARED: return "smbase_shared";
  case INV_SMRAM_WRITTEN_OUTSIDE_SMM: return "smram_written_outside_smm";
  }
  return "?";
}

static bool inside(uint64_t addr, uint64_t size, uint64_t base, uint64_t len)
{
  return addr >= base && size <= len && addr - base <= len - size;
}

static bool in_window(uint64_t addr, uint64_t size)
{
  return inside(addr, size, SMMHP_DEFAULT_SMBASE, SMMHP_DEFAULT_SMRAM_END - SMMHP_DEFAULT_SMBASE);
}

enum inv_kind inv_smm_fetch(const struct inv_smram *s, uint64_t addr, uint64_t size)
{
  if (inside(addr, size, s->tseg_base, s->tseg_size) || in_window(addr, size))
    return INV_OK;
  return INV_SMM_EXEC_OUTSIDE_SMRAM;
}

enum inv_kind inv_smm_fetch_os_bytes(const uint8_t *os_written, uint64_t ram_size, uint64_t addr, uint64_t size)
{
  for (uint64_t a = addr; a < addr + size && a < ram_size; a++)
    if (os_written[a >> 3] & (1u << (a & 7)))
      return INV_SMM_EXEC_OS_BYTE;
  return INV_OK;
}

enum inv_kind inv_relocated_smbase(const struct inv_smram *s, uint64_t smbase, bool handler_matches)
{
  uint64_t entry = smbase + SMMHP_SMM_HANDLER_OFFSET;
  if (!inside(entry, 0x10000 - SMMHP_SMM_HANDLER_OFFSET, s->tseg_base, s->tseg_size))
    return INV_SMBASE_OUTSIDE_TSEG;
  return handler_matches ? INV_OK : INV_SMBASE_NO_HANDLER;
}

enum inv_kind inv_smbase_unique_for(const uint64_t *smbase, const bool *relocated, size_t n, size_t k,
                                    size_t *first, size_t *second)
{
  if (k >= n || !relocated[k])
    return INV_OK;
  for (size_t o = 0; o < n; o++) {
    if (o != k && relocated[o] && smbase[o] == smbase[k]) {
      *first = o < k ? o : k;
      *second = o < k ? k : o;
      return INV_SMBASE_SHARED;
    }
  }
  return INV_OK;
}

/* The first CPU with a twin pairs with its lowest-numbered twin, which
 * comes after it: the same pair a walk over all pairs meets first. */
enum inv_kind inv_smbase_unique(const uint64_t *smbase, const bool *relocated, size_t n,
                                size_t *first, size_t *second)
{
  for (size_t k = 0; k < n; k++)
    if (inv_smbase_unique_for(smbase, relocated, n, k, first, second) != INV_OK)
      return INV_SMBASE_SHARED;
  return INV_OK;
}

enum inv_kind inv_store_outside_smm(const struct inv_smram *s, uint64_t addr, uint64_t size)
{
  if (s->tseg_closed && !(addr + size <= s->tseg_base || addr >= s->tseg_base + s->tseg_size))
    return INV_SMRAM_WRITTEN_OUTSIDE_SMM;
  if (s->window_locked && !(addr + size <= SMMHP_DEFAULT_SMBASE || addr >= SMMHP_DEFAULT_SMRAM_END))
    return INV_SMRAM_WRITTEN_OUTSIDE_SMM;
  return INV_OK;
}
