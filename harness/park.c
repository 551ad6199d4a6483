#include "park.h"

#include <capstone/capstone.h>
#include <stdlib.h>
#include <string.h>

#include "run_internal.h"

void park_note_block(struct machine *m, uint64_t addr, uint32_t size)
{
  if (!m->park_rec)
    return;
  if (m->park_nblk == PARK_MAX_BLOCKS) {
    m->park_blk_overflow = true;
    return;
  }
  m->park_blk[m->park_nblk].addr = addr;
  m->park_blk[m->park_nblk].size = size;
  m->park_nblk++;
}

/* The 16 general registers as capstone names their parts; index 0..15 =
 * rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8..r15, the 64-bit name first. */
static const unsigned gpr_names[16][5] = {
    { X86_REG_RAX, X86_REG_EAX, X86_REG_AX, X86_REG_AL, X86_REG_AH },
    { X86_REG_RCX, X86_REG_ECX, X86_REG_CX, X86_REG_CL, X86_REG_CH },
    { X86_REG_RDX, X86_REG_EDX, X86_REG_DX, X86_REG_DL, X86_REG_DH },
    { X86_REG_RBX, X86_REG_EBX, X86_REG_BX, X86_REG_BL, X86_REG_BH },
    { X86_REG_RSP, X86_REG_ESP, X86_REG_SP, X86_REG_SPL, 0 },
    { X86_REG_RBP, X86_REG_EBP, X86_REG_BP, X86_REG_BPL, 0 },
    { X86_REG_RSI, X86_REG_ESI, X86_REG_SI, X86_REG_SIL, 0 },
    { X86_REG_RDI, X86_REG_EDI, X86_REG_DI, X86_REG_DIL, 0 },
    { X86_REG_R8, X86_REG_R8D, X86_REG_R8W, X86_REG_R8B, 0 },
    { X86_REG_R9, X86_REG_R9D, X86_REG_R9W, X86_REG_R9B, 0 },
    { X86_REG_R10, X86_REG_R10D, X86_REG_R10W, X86_REG_R10B, 0 },
    { X86_REG_R11, X86_REG_R11D, X86_REG_R11W, X86_REG_R11B, 0 },
    { X86_REG_R12, X86_REG_R12D, X86_REG_R12W, X86_REG_R12B, 0 },
    { X86_REG_R13, X86_REG_R13D, X86_REG_R13W, X86_REG_R13B, 0 },
    { X86_REG_R14, X86_REG_R14D, X86_REG_R14W, X86_REG_R14B, 0 },
    { X86_REG_R15, X86_REG_R15D, X86_REG_R15W, X86_REG_R15B, 0 },
};

static int gpr_index(unsigned r)
{
  for (int i = 0; i < 16; i++)
    for (int k = 0; k < 5; k++)
      if (gpr_names[i][k] && gpr_names[i][k] == r)
        return i;
  return -1;
}

/* Instructions that read memory no operand names (a balanced call/ret
 * pair writes and reads its return address within the loop itself). */
static bool implicit_read(unsigned id)
{
  switch (id) {
  case X86_INS_POP: case X86_INS_POPF: case X86_INS_POPFD: case X86_INS_POPFQ:
  case X86_INS_POPAW: case X86_INS_POPAL: case X86_INS_LEAVE: case X86_INS_ENTER:
  case X86_INS_LODSB: case X86_INS_LODSW: case X86_INS_LODSD: case X86_INS_LODSQ:
  case X86_INS_SCASB: case X86_INS_SCASW: case X86_INS_SCASD: case X86_INS_SCASQ:
  case X86_INS_CMPSB: case X86_INS_CMPSW: case X86_INS_CMPSD: case X86_INS_CMPSQ:
  case X86_INS_MOVSB: case X86_INS_MOVSW: case X86_INS_MOVSD: case X86_INS_MOVSQ:
  case X86_INS_OUTSB: case X86_INS_OUTSW: case X86_INS_OUTSD: case X86_INS_XLATB:
  case X86_INS_IRET: case X86_INS_IRETD: case X86_INS_IRETQ: case X86_INS_RETF:
  case X86_INS_RSM:
    return true;
  default:
    return false;
  }
}

/* A capstone handle with details for 64-bit or (IA32 firmware, its
 * 32-bit OS) flat 32-bit code. */
static csh detail_handle(unsigned bits)
{
  static csh h[2];
  static int state[2]; /* 0 not tried, 1 ready, -1 failed */
  int i = bits == 32;
  if (!state[i]) {
    state[i] = cs_open(CS_ARCH_X86, i ? CS_MODE_32 : CS_MODE_64, &h[i]) == CS_ERR_OK ? 1 : -1;
    if (state[i] > 0)
      cs_option(h[i], CS_OPT_DETAIL, CS_OPT_ON);
  }
  return state[i] > 0 ? h[i] : 0;
}

/* One loop's analysis, reusable while its code is unchanged: each read
 * operand's address formula and the code pages. The addresses follow
 * from the registers at each parking. */
struct park_operand {
  uint16_t base, index;                /* full-width GPRs as capstone names them, or X86_REG_INVALID */
  uint8_t scale, size;
  uint64_t disp;                       /* RIP-relative: the absolute address */
};

struct park_template {
  bool valid, ok;
  uint8_t bits;                        /* the code's mode: 64, or 32 (flat) */
  unsigned nblk;
  uint64_t blk_addr[PARK_MAX_BLOCKS];
  uint32_t blk_size[PARK_MAX_BLOCKS];
  unsigned nop;
  struct park_operand op[PARK_MAX_WATCH];
  unsigned npages;
  uint64_t page[PARK_MAX_PAGES];
  uint32_t page_gen[PARK_MAX_PAGES];
};

#define PARK_CACHE 256
struct park_cache {
  struct park_template t[PARK_CACHE];
};

static bool note_page(struct machine *m, struct park_template *t, uint64_t p)
{
  for (unsigned k = 0; k < t->npages; k++)
    if (t->page[k] == p)
      return true;
  if (t->npages == PARK_MAX_PAGES)
    return false;
  t->page[t->npages] = p;
  t->page_gen[t->npages++] = m->page_gen[p];
  return true;
}

/* A full-width general register the loop does not write: 64-bit in
 * 64-bit code, 32-bit in 32-bit code (narrower address registers are
 * left out: their address wraps, ours would not). */
static bool invariant_reg(unsigned r, uint32_t written, unsigned bits)
{
  int g = gpr_index(r);
  return g >= 0 && gpr_names[g][bits == 32] == r && !(written >> g & 1);
}

/* Every read operand based on RIP or on registers no instruction of the
 * loop writes, no FS/GS override, no instruction that reads memory no
 * operand names. */
static bool operand_ok(const cs_x86_op *op, uint32_t written, unsigned bits)
{
  const x86_op_mem *mm = &op->mem;
  if (mm->segment != X86_REG_INVALID && mm->segment != X86_REG_DS && mm->segment != X86_REG_SS &&
      mm->segment != X86_REG_ES)
    return false;
  if (mm->base != X86_REG_RIP && mm->base != X86_REG_INVALID && !invariant_reg(mm->base, written, bits))
    return false;
  if (mm->index != X86_REG_INVALID && !invariant_reg(mm->index, written, bits))
    return false;
  return op->size > 0 && op->size <= sizeof ((struct park_watch *)0)->bytes;
}

static bool analyse(struct machine *m, struct park_template *t)
{
  csh h = detail_handle(t->bits);
  uint32_t written = 0;
  cs_insn *in[PARK_MAX_BLOCKS] = { 0 };
  size_t n[PARK_MAX_BLOCKS] = { 0 };
  bool ok = h != 0;

  t->nop = 0;
  t->npages = 0;
  for (unsigned b = 0; ok && b < t->nblk; b++) {
    uint64_t a = t->blk_addr[b], sz = t->blk_size[b];
    if (a + sz > m->ram_size)
      ok = false;
    for (uint64_t p = a >> 12; ok && p <= (a + sz - 1) >> 12; p++)
      ok = note_page(m, t, p);
    if (ok)
      n[b] = cs_disasm(h, m->ram + a, sz, a, 0, &in[b]);
    for (size_t i = 0; ok && i < n[b]; i++) {
      cs_regs rr, rw;
      uint8_t nr = 0, nw = 0;
      ok = !implicit_read(in[b][i].id) && cs_regs_access(h, &in[b][i], rr, &nr, rw, &nw) == CS_ERR_OK;
      for (unsigned k = 0; ok && k < nw; k++) {
        int g = gpr_index(rw[k]);
        if (g >= 0)
          written |= 1u << g;
      }
    }
  }
  for (unsigned b = 0; ok && b < t->nblk; b++) {
    for (size_t i = 0; ok && i < n[b]; i++) {
      const cs_x86 *x = &in[b][i].detail->x86;
      for (unsigned k = 0; ok && k < x->op_count; k++) {
        const cs_x86_op *op = &x->operands[k];
        if (op->type != X86_OP_MEM || in[b][i].id == X86_INS_LEA || in[b][i].id == X86_INS_NOP ||
            !(op->access & CS_AC_READ))
          continue; /* the fixed-point slice showed its stores change nothing */
        ok = operand_ok(op, written, t->bits) && t->nop < PARK_MAX_WATCH;
        if (ok)
          t->op[t->nop++] = (struct park_operand){
            .base = op->mem.base == X86_REG_RIP ? X86_REG_INVALID : (uint16_t)op->mem.base,
            .index = (uint16_t)op->mem.index, .scale = (uint8_t)op->mem.scale, .size = op->size,
            .disp = (uint64_t)op->mem.disp +
                    (op->mem.base == X86_REG_RIP ? in[b][i].address + in[b][i].size : 0),
          };
      }
    }
  }
  for (unsigned b = 0; b < t->nblk; b++)
    if (in[b])
      cs_free(in[b], n[b]);
  return ok;
}

/* The analysis of the noted blocks, once per loop and code version. */
static const struct park_template *template_for(struct machine *m, unsigned bits)
{
  uint64_t key = 0xCBF29CE484222325ull ^ bits;
  for (unsigned b = 0; b < m->park_nblk; b++)
    key = (key ^ m->park_blk[b].addr ^ ((uint64_t)m->park_blk[b].size << 48)) * 0x100000001B3ull;
  if (!m->park_cache && !(m->park_cache = calloc(1, sizeof *m->park_cache)))
    return NULL;
  struct park_template *t = &m->park_cache->t[(key >> 24) % PARK_CACHE];
  bool same = t->valid && t->nblk == m->park_nblk && t->bits == bits;
  for (unsigned b = 0; same && b < t->nblk; b++)
    same = t->blk_addr[b] == m->park_blk[b].addr && t->blk_size[b] == m->park_blk[b].size;
  for (unsigned k = 0; same && k < t->npages; k++)
    same = m->page_gen[t->page[k]] == t->page_gen[k];
  if (!same) {
    t->valid = true;
    t->bits = (uint8_t)bits;
    t->nblk = m->park_nblk;
    for (unsigned b = 0; b < t->nblk; b++) {
      t->blk_addr[b] = m->park_blk[b].addr;
      t->blk_size[b] = m->park_blk[b].size;
    }
    t->ok = analyse(m, t);
  }
  return t;
}

static bool learn(struct machine *m, struct park_reads *pr, uc_engine *uc, unsigned bits)
{
  const struct park_template *t;

  if (m->park_blk_overflow || m->park_nblk == 0 || !(t = template_for(m, bits)) || !t->ok)
    return false;
  pr->npages = t->npages;
  memcpy(pr->page, t->page, sizeof pr->page);
  memcpy(pr->page_gen, t->page_gen, sizeof pr->page_gen);
  pr->nwatch = 0;
  for (unsigned k = 0; k < t->nop; k++) {
    const struct park_operand *o = &t->op[k];
    uint64_t ea = o->disp + cpu_reg_by_capstone(uc, o->base) + cpu_reg_by_capstone(uc, o->index) * o->scale;
    if (bits == 32)
      ea = (uint32_t)ea; /* 32-bit address arithmetic wraps */
    if (ea >= m->ram_size || ea + o->size > m->ram_size)
      return false; /* MMIO or outside RAM: state we cannot compare */
    struct park_watch *w = &pr->watch[pr->nwatch++];
    w->addr = ea;
    w->size = o->size;
    memcpy(w->bytes, m->ram + ea, o->size);
  }
  return true;
}

/* 32-bit code whose CS, DS, SS and ES bases are 0 (the IA32 firmware's
 * and its OS's flat segments): operand addresses are linear addresses. */
static bool flat32(const struct vcpu *v, struct cpu_mode cm)
{
  static const enum cpu_seg segs[] = { CPU_SEG_DS, CPU_SEG_SS, CPU_SEG_ES };
  if (cm.cs_base)
    return false;
  for (size_t i = 0; i < sizeof segs / sizeof segs[0]; i++) {
    uint64_t base;
    long off = cpu_mode_seg_cache_offset(segs[i]);
    if (off < 0)
      return false;
    memcpy(&base, (const uint8_t *)v->ctx + off + 8, 8);
    if (base)
      return false;
  }
  return true;
}

void park_learn_reads(struct machine *m, struct vcpu *v, uc_engine *uc)
{
  struct park_reads *pr = &v->park_reads;
  const struct chipset_views *cv = chipset_views(&m->chipset);

  pr->tseg_closed = cv->tseg_closed;
  pr->smbase_locked = cv->smbase_locked;
  pr->tseg_base = cv->tseg_base;
  pr->tseg_size = cv->tseg_size;
  struct cpu_mode cm = vcpu_mode(m, v, uc);
  if ((cm.bits != 64 && !(cm.bits == 32 && flat32(v, cm))) || !learn(m, pr, uc, cm.bits))
    pr->nwatch = -1;
}

bool park_still_holds(struct machine *m, const struct vcpu *v)
{
  const struct park_reads *pr = &v->park_reads;
  const struct chipset_views *cv;

  if (v->park_gen == m->wgen)
    return true; /* nothing at all changed */
  if (pr->nwatch < 0)
    return false;
  cv = chipset_views(&m->chipset);
  if (cv->tseg_closed != pr->tseg_closed || cv->smbase_locked != pr->smbase_locked ||
      cv->tseg_base != pr->tseg_base || cv->tseg_size != pr->tseg_size)
    return false; /* what its addresses map to may differ */
  for (unsigned k = 0; k < pr->npages; k++)
    if (m->page_gen[pr->page[k]] != pr->page_gen[k])
      return false; /* its code was written */
  for (int k = 0; k < pr->nwatch; k++)
    if (memcmp(m->ram + pr->watch[k].addr, pr->watch[k].bytes, pr->watch[k].size))
      return false;
  return true;
}

void park_free(struct machine *m)
{
  free(m->park_cache);
  m->park_cache = NULL;
}
