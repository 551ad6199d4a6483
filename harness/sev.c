/* The SEV memory-encryption model (sev.h; rules and sources in
 * docs/sev-model.md). */
#include "sev.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "run_internal.h"
#include "smmhp/mailbox.h"
#include "smmhp/memmap.h"
#include "smmhp/ports.h"

#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define EFER_LMA (1ull << 10)
#define MSR_EFER 0xC0000080u
#define PTE_P 1ull
#define PTE_PS (1ull << 7)
#define C_BIT (1ull << HARNESS_SEV_C_BIT)
#define ADDR_MASK 0x000FFFFFFFFFF000ull
#define INITIAL_MAP_PAGE (SMMHP_DEFAULT_SMBASE + SMMHP_SMM_SAVE_STATE_OFF - 0xC00u) /* 0x3F000 */
#define MAX_READ_EVENTS 32

struct sev_model {
  uint8_t *priv;          /* bit per RAM byte: the physical byte is ciphertext */
  uint64_t key;           /* per run (seed): a VM launch's key */
  bool after_s3;          /* an S3 resume happened (R4 off) */
  unsigned read_events;
  uint64_t walk_failed;   /* R2 walks that found no mapping (shared) */
};

static uint64_t mix64(uint64_t z)
{
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

int sev_init(struct machine *m)
{
  if (!m->cfg.sev)
    return 0;
  m->sev = calloc(1, sizeof *m->sev);
  if (!m->sev || !(m->sev->priv = calloc(m->ram_size / 8, 1)))
    return -1;
  m->sev->key = mix64(m->cfg.seed ^ 0x5345565F4B455931ull); /* "SEV_KEY1" */
  return 0;
}

void sev_free(struct machine *m)
{
  if (m->sev)
    free(m->sev->priv);
  free(m->sev);
  m->sev = NULL;
}

void sev_s3_resume(struct machine *m)
{
  if (m->sev)
    m->sev->after_s3 = true;
}

/* Two 64-bit halves, four rounds of add-xor-mix with the key and the
 * block's physical address as tweak: every output byte depends on every
 * plaintext byte, the key and the address; bijective per (key, address). */
void sev_cipher_block(uint64_t key, uint64_t block_addr, const uint8_t plain[SEV_BLOCK],
                      uint8_t out[SEV_BLOCK])
{
  uint64_t x0, x1, t = mix64(key ^ (block_addr & ~(uint64_t)(SEV_BLOCK - 1)));
  memcpy(&x0, plain, 8);
  memcpy(&x1, plain + 8, 8);
  for (unsigned r = 0; r < 4; r++) {
    x0 = mix64(x0 + (x1 ^ t) + r);
    x1 = mix64(x1 ^ (x0 + key));
  }
  memcpy(out, &x0, 8);
  memcpy(out + 8, &x1, 8);
}

bool sev_byte_private(const struct machine *m, uint64_t a)
{
  return m->sev && a < m->ram_size && (m->sev->priv[a >> 3] >> (a & 7) & 1);
}

void sev_mark(struct machine *m, uint64_t addr, uint64_t len, bool private_)
{
  if (!m->sev || !len || addr >= m->ram_size)
    return;
  uint64_t end = addr + len > m->ram_size ? m->ram_size : addr + len;
  if (private_) {
    /* the block is read, merged and re-encrypted as a whole */
    addr &= ~(uint64_t)(SEV_BLOCK - 1);
    end = (end + SEV_BLOCK - 1) & ~(uint64_t)(SEV_BLOCK - 1);
  }
  uint8_t *p = m->sev->priv;
  for (uint64_t a = addr; a < end; a++) {
    if (private_)
      p[a >> 3] |= (uint8_t)(1u << (a & 7));
    else
      p[a >> 3] &= (uint8_t)~(1u << (a & 7));
  }
}

/* R2: the leaf entry for addr under CR3 (4-level or PAE); -1 when there
 * is none in RAM, else whether its C-bit is set. */
static int walk_cbit(const struct machine *m, uint64_t cr3, bool lma, uint64_t addr)
{
  int levels = lma ? 4 : 3;
  uint64_t table = lma ? cr3 & ADDR_MASK & ~C_BIT : cr3 & 0xFFFFFFE0u;
  for (int lvl = levels; lvl >= 1; lvl--) {
    unsigned shift = 12 + 9 * (unsigned)(lvl - 1);
    uint64_t idx = lvl == 3 && !lma ? (addr >> 30) & 3 : (addr >> shift) & 0x1FF;
    uint64_t ea = table + idx * 8;
    uint64_t e;
    if (ea + 8 > m->ram_size)
      return -1;
    memcpy(&e, m->ram + ea, 8);
    if (!(e & PTE_P))
      return -1;
    if (lvl == 1 || ((lvl == 2 || (lvl == 3 && lma)) && (e & PTE_PS)))
      return (e & C_BIT) != 0;
    table = e & ADDR_MASK & ~C_BIT;
  }
  return -1;
}

static bool decide_private(struct machine *m, uc_engine *uc, uint64_t addr)
{
  uint64_t cr0 = 0;
  uc_reg_read(uc, UC_X86_REG_CR0, &cr0);
  /* R4 (B9) first: it stands for a paged access our real-mode stand-in
   * cannot express */
  if ((addr & ~0xFFFull) == INITIAL_MAP_PAGE && !m->sev->after_s3 && m->phase < SMMHP_PHASE_RELOCATED &&
      !(m->cfg.core_rules & SMMHP_CORE_RULE_SEV_INITIAL_MAP_PRIVATE))
    return false;
  uc_x86_msr efer = { .rid = MSR_EFER };
  uc_reg_read(uc, UC_X86_REG_MSR, &efer);
  bool lma = (efer.value & EFER_LMA) != 0;
  if (!(cr0 & CR0_PG)) {
    if (!lma)
      return true; /* R1 */
    return (addr & ~0xFFFull) != SMMHP_FWCFG_DMA_BUFFER; /* R3 */
  }
  uint64_t cr3 = 0, cr4 = 0;
  uc_reg_read(uc, UC_X86_REG_CR3, &cr3);
  uc_reg_read(uc, UC_X86_REG_CR4, &cr4);
  if (!(cr4 & CR4_PAE))
    return true; /* 32-bit paging has no C-bit: treated as R1 (no code here uses it) */
  int c = walk_cbit(m, cr3, lma, addr);
  if (c < 0) {
    m->sev->walk_failed++;
    return false;
  }
  return c == 1;
}

void sev_guest_write(struct machine *m, struct vcpu *v, uc_engine *uc, uint64_t addr, unsigned size)
{
  (void)v;
  sev_mark(m, addr, size, decide_private(m, uc, addr));
}

static void on_alias_write(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value,
                           void *opaque)
{
  struct machine *m = opaque;
  (void)uc; (void)type; (void)value;
  /* an access whose physical address carries the C-bit is private */
  if (size > 0)
    sev_mark(m, addr & ~C_BIT, (uint64_t)size, true);
}

int sev_hook_alias(struct machine *m, uc_engine *uc, uint64_t alias_base)
{
  uc_hook h;
  return uc_hook_add(uc, &h, UC_HOOK_MEM_WRITE, on_alias_write, m, alias_base,
                     alias_base + m->ram_size - 1) != UC_ERR_OK;
}

void sev_platform_read(struct machine *m, uint64_t addr, uint8_t *buf, size_t len)
{
  uint64_t first = 0, n = 0;
  if (!m->sev)
    return;
  for (size_t i = 0; i < len; i++) {
    uint64_t a = addr + i;
    if (!sev_byte_private(m, a))
      continue;
    uint8_t plain[SEV_BLOCK], ct[SEV_BLOCK];
    uint64_t blk = a & ~(uint64_t)(SEV_BLOCK - 1);
    memcpy(plain, m->ram + blk, SEV_BLOCK);
    sev_cipher_block(m->sev->key, blk, plain, ct);
    buf[i] = ct[a - blk];
    if (!n++)
      first = a;
  }
  if (n && m->sev->read_events++ < MAX_READ_EVENTS)
    machine_event(m, "sev_private_read addr=0x%" PRIx64 " len=%zu private=%" PRIu64 " first=0x%" PRIx64,
                  addr, len, n, first);
}

void sev_platform_write(struct machine *m, uint64_t addr, size_t len)
{
  sev_mark(m, addr, len, false);
}
