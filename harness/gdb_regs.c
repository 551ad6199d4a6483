/* Registers for gdb (see gdb_regs.h). The register set follows the GDB
 * manual's "i386 Features" (org.gnu.gdb.i386.core, .sse, .segments);
 * smmhp adds org.smmhp.x86.system. X64 firmware gets the x86-64 layout,
 * IA32 firmware the i386 one (eax..gs, eip, xmm0-7), so that gdb unwinds
 * the 32-bit DWARF of an IA32 image with its own register numbers. The `rip` gdb sees is the linear
 * address of the next instruction (CS.base + RIP outside 64-bit mode),
 * so breakpoints, symbols and `x/i $pc` agree in 16/32-bit code; the
 * architectural RIP is the `ip` register. Segment-cache bases come from
 * the saved context, at the offsets cpu_mode.c calibrates. */
#include "gdb_regs.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_mode.h"

#define EFER_MSR 0xC0000080u

enum rk { RK_UC, RK_PC, RK_ZERO, RK_SEGBASE, RK_SMM, RK_SMBASE, RK_IP, RK_EFER, RK_SEL };

struct reg {
  const char *name;
  unsigned bits;
  const char *type;
  enum rk kind;
  int uc;   /* UC_X86_REG_*, or the segment for RK_SEGBASE */
  int feat; /* index into features[] */
};

static const char *const features[] = { "org.gnu.gdb.i386.core", "org.gnu.gdb.i386.sse",
                                        "org.gnu.gdb.i386.segments", "org.smmhp.x86.system" };

#define G(n, r) { n, 64, "int64", RK_UC, UC_X86_REG_##r, 0 }
#define E(n, r) { n, 32, "int32", RK_UC, UC_X86_REG_##r, 0 }
#define S(n, r) { n, 32, "int32", RK_SEL, UC_X86_REG_##r, 0 }
#define ST(i) { "st" #i, 80, "i387_ext", RK_UC, UC_X86_REG_ST##i, 0 }
#define X(i) { "xmm" #i, 128, "uint128", RK_UC, UC_X86_REG_XMM##i, 1 }
/* Shared by both layouts: flags, selectors and x87 (core), and smmhp's
 * system feature. */
#define FLAGS_SELECTORS_X87 \
  { "eflags", 32, "int32", RK_UC, UC_X86_REG_EFLAGS, 0 }, \
  S("cs", CS), S("ss", SS), S("ds", DS), S("es", ES), S("fs", FS), S("gs", GS), \
  ST(0), ST(1), ST(2), ST(3), ST(4), ST(5), ST(6), ST(7), \
  { "fctrl", 32, "int", RK_UC, UC_X86_REG_FPCW, 0 }, { "fstat", 32, "int", RK_UC, UC_X86_REG_FPSW, 0 }, \
  { "ftag", 32, "int", RK_UC, UC_X86_REG_FPTAG, 0 }, { "fiseg", 32, "int", RK_ZERO, 0, 0 }, \
  { "fioff", 32, "int", RK_ZERO, 0, 0 }, { "foseg", 32, "int", RK_ZERO, 0, 0 }, \
  { "fooff", 32, "int", RK_ZERO, 0, 0 }, { "fop", 32, "int", RK_ZERO, 0, 0 }
#define SMMHP_SYSTEM \
  { "es_base", 64, "int64", RK_SEGBASE, CPU_SEG_ES, 3 }, { "cs_base", 64, "int64", RK_SEGBASE, CPU_SEG_CS, 3 }, \
  { "ss_base", 64, "int64", RK_SEGBASE, CPU_SEG_SS, 3 }, { "ds_base", 64, "int64", RK_SEGBASE, CPU_SEG_DS, 3 }, \
  { "cr0", 64, "int64", RK_UC, UC_X86_REG_CR0, 3 }, { "cr2", 64, "int64", RK_UC, UC_X86_REG_CR2, 3 }, \
  { "cr3", 64, "int64", RK_UC, UC_X86_REG_CR3, 3 }, { "cr4", 64, "int64", RK_UC, UC_X86_REG_CR4, 3 }, \
  { "efer", 64, "int64", RK_EFER, 0, 3 }, \
  { "smm", 32, "int32", RK_SMM, 0, 3 }, { "smbase", 32, "int32", RK_SMBASE, 0, 3 }, \
  { "ip", 64, "int64", RK_IP, 0, 3 }

static const struct reg regs64[] = {
  G("rax", RAX), G("rbx", RBX), G("rcx", RCX), G("rdx", RDX), G("rsi", RSI), G("rdi", RDI),
  { "rbp", 64, "data_ptr", RK_UC, UC_X86_REG_RBP, 0 }, { "rsp", 64, "data_ptr", RK_UC, UC_X86_REG_RSP, 0 },
  G("r8", R8), G("r9", R9), G("r10", R10), G("r11", R11), G("r12", R12), G("r13", R13), G("r14", R14), G("r15", R15),
  { "rip", 64, "code_ptr", RK_PC, 0, 0 },
  FLAGS_SELECTORS_X87,
  X(0), X(1), X(2), X(3), X(4), X(5), X(6), X(7), X(8), X(9), X(10), X(11), X(12), X(13), X(14), X(15),
  { "mxcsr", 32, "int", RK_UC, UC_X86_REG_MXCSR, 1 },
  { "fs_base", 64, "int64", RK_UC, UC_X86_REG_FS_BASE, 2 }, { "gs_base", 64, "int64", RK_UC, UC_X86_REG_GS_BASE, 2 },
  SMMHP_SYSTEM,
};

/* gdb's i386 core order: eax ecx edx ebx esp ebp esi edi eip. */
static const struct reg regs32[] = {
  E("eax", EAX), E("ecx", ECX), E("edx", EDX), E("ebx", EBX),
  { "esp", 32, "data_ptr", RK_UC, UC_X86_REG_ESP, 0 }, { "ebp", 32, "data_ptr", RK_UC, UC_X86_REG_EBP, 0 },
  E("esi", ESI), E("edi", EDI),
  { "eip", 32, "code_ptr", RK_PC, 0, 0 },
  FLAGS_SELECTORS_X87,
  X(0), X(1), X(2), X(3), X(4), X(5), X(6), X(7),
  { "mxcsr", 32, "int", RK_UC, UC_X86_REG_MXCSR, 1 },
  SMMHP_SYSTEM,
};

/* The layout of this process's gdb target (gdb_regs_init). */
static const struct reg *regs = regs64;
static unsigned nregs = sizeof regs64 / sizeof regs64[0];
static const char *arch_name = "i386:x86-64";
#define NREGS nregs

static char *xml;

unsigned gdb_regs_count(void) { return NREGS; }

const char *gdb_regs_xml(const char *annex)
{
  if (strcmp(annex, "target.xml"))
    return NULL;
  if (xml)
    return xml;
  size_t cap = 16384, n = 0;
  xml = malloc(cap);
  if (!xml)
    return NULL;
  n += (size_t)snprintf(xml + n, cap - n, "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
                        "<target version=\"1.0\">\n<architecture>%s</architecture>\n", arch_name);
  int feat = -1;
  for (unsigned i = 0; i < NREGS; i++) {
    if (regs[i].feat != feat) {
      if (feat >= 0)
        n += (size_t)snprintf(xml + n, cap - n, "</feature>\n");
      feat = regs[i].feat;
      n += (size_t)snprintf(xml + n, cap - n, "<feature name=\"%s\">\n", features[feat]);
    }
    n += (size_t)snprintf(xml + n, cap - n, "  <reg name=\"%s\" bitsize=\"%u\" type=\"%s\" regnum=\"%u\"%s/>\n",
                          regs[i].name, regs[i].bits, regs[i].type, i,
                          regs[i].feat == 3 ? " group=\"system\"" : "");
  }
  snprintf(xml + n, cap - n, "</feature>\n</target>\n");
  return xml;
}

int gdb_regs_init(uc_engine **scratch, int bits)
{
  if (bits == 32) {
    regs = regs32;
    nregs = sizeof regs32 / sizeof regs32[0];
    arch_name = "i386";
  }
  if (cpu_mode_calibrate())
    return -1;
  return uc_open(UC_ARCH_X86, UC_MODE_64, scratch) == UC_ERR_OK ? 0 : -1;
}

static uint64_t seg_base(const struct vcpu *v, int s)
{
  uint64_t b;
  memcpy(&b, (const uint8_t *)v->ctx + cpu_mode_seg_cache_offset((enum cpu_seg)s) + 8, 8);
  return b;
}

/* cs_base the linear pc adds to RIP (0 in 64-bit code) */
static uint64_t pc_base(struct machine *m, uc_engine *scratch)
{
  return cpu_mode_read(scratch, m->ram).cs_base;
}

static void to_hex(const uint8_t *b, unsigned n, char *out)
{
  static const char hex[] = "0123456789abcdef";
  for (unsigned i = 0; i < n; i++) {
    out[2 * i] = hex[b[i] >> 4];
    out[2 * i + 1] = hex[b[i] & 15];
  }
  out[2 * n] = 0;
}

static int from_hex(const char *h, uint8_t *b, unsigned n)
{
  for (unsigned i = 0; i < n; i++) {
    unsigned x;
    if (sscanf(h + 2 * i, "%2x", &x) != 1)
      return -1;
    b[i] = (uint8_t)x;
  }
  return 0;
}

static int reg_get_loaded(struct machine *m, uc_engine *sc, struct vcpu *v, unsigned n, char *out)
{
  uint8_t b[32];
  uint64_t x = 0;
  memset(b, 0, sizeof b);
  if (n >= NREGS)
    return -1;
  const struct reg *r = &regs[n];
  switch (r->kind) {
  case RK_UC:
  case RK_SEL:
    uc_reg_read(sc, r->uc, b);
    break;
  case RK_PC:
    uc_reg_read(sc, UC_X86_REG_RIP, &x);
    x += pc_base(m, sc);
    memcpy(b, &x, 8);
    break;
  case RK_IP:
    uc_reg_read(sc, UC_X86_REG_RIP, b);
    break;
  case RK_ZERO:
    break;
  case RK_SEGBASE:
    x = seg_base(v, r->uc);
    memcpy(b, &x, 8);
    break;
  case RK_SMM:
    b[0] = v->in_smm;
    break;
  case RK_SMBASE:
    memcpy(b, &v->smbase, 4);
    break;
  case RK_EFER: {
    uc_x86_msr msr = { .rid = EFER_MSR };
    uc_reg_read(sc, UC_X86_REG_MSR, &msr);
    memcpy(b, &msr.value, 8);
    break;
  }
  }
  if (r->kind == RK_SEL)
    memset(b + 2, 0, 6); /* selectors are 16 bits */
  to_hex(b, r->bits / 8, out);
  return (int)(r->bits / 4);
}

/* A vCPU never plugged has no context: its registers are unavailable
 * ("xx" bytes). */
static int unavailable(unsigned n, char *out)
{
  if (n >= NREGS)
    return -1;
  memset(out, 'x', regs[n].bits / 4);
  out[regs[n].bits / 4] = 0;
  return (int)(regs[n].bits / 4);
}

/* A CPU waiting for SIPI whose reset-state registers are not built yet
 * (cpu_reset_ctx builds them when it first runs) has none to show. */
static bool regs_known(const struct vcpu *v)
{
  return v->ctx && !v->reset_ctx_pending;
}

int gdb_reg_get(struct machine *m, uc_engine *sc, struct vcpu *v, unsigned n, char *out)
{
  if (!regs_known(v))
    return unavailable(n, out);
  uc_context_restore(sc, v->ctx);
  return reg_get_loaded(m, sc, v, n, out);
}

size_t gdb_regs_get_all(struct machine *m, uc_engine *sc, struct vcpu *v, char *out)
{
  size_t len = 0;
  if (regs_known(v))
    uc_context_restore(sc, v->ctx);
  for (unsigned i = 0; i < NREGS; i++)
    len += (size_t)(regs_known(v) ? reg_get_loaded(m, sc, v, i, out + len) : unavailable(i, out + len));
  return len;
}

static int reg_set_loaded(struct machine *m, uc_engine *sc, unsigned n, const char *hex)
{
  uint8_t b[32];
  uint64_t x;
  memset(b, 0, sizeof b);
  if (n >= NREGS || from_hex(hex, b, regs[n].bits / 8))
    return -1;
  const struct reg *r = &regs[n];
  switch (r->kind) {
  case RK_UC:
    uc_reg_write(sc, r->uc, b);
    break;
  case RK_PC:
    memcpy(&x, b, 8);
    x -= pc_base(m, sc);
    uc_reg_write(sc, UC_X86_REG_RIP, &x);
    break;
  case RK_IP:
    uc_reg_write(sc, UC_X86_REG_RIP, b);
    break;
  case RK_EFER: {
    uc_x86_msr msr = { .rid = EFER_MSR };
    memcpy(&msr.value, b, 8);
    uc_reg_write(sc, UC_X86_REG_MSR, &msr);
    break;
  }
  default:
    break; /* selectors, segment caches, SMM state: read-only */
  }
  return 0;
}

int gdb_reg_set(struct machine *m, uc_engine *sc, struct vcpu *v, unsigned n, const char *hex)
{
  if (!regs_known(v))
    return -1;
  uc_context_restore(sc, v->ctx);
  if (reg_set_loaded(m, sc, n, hex))
    return -1;
  uc_context_save(sc, v->ctx);
  return 0;
}

int gdb_regs_set_all(struct machine *m, uc_engine *sc, struct vcpu *v, const char *hex)
{
  size_t len = strlen(hex), pos = 0;
  if (!regs_known(v))
    return -1;
  uc_context_restore(sc, v->ctx);
  for (unsigned i = 0; i < NREGS && pos + regs[i].bits / 4 <= len; i++) {
    char cur[40];
    size_t w = regs[i].bits / 4;
    /* only what gdb changed: rewriting CR0, EFER... in place is not free */
    reg_get_loaded(m, sc, v, i, cur);
    if (regs[i].kind != RK_IP && strncmp(cur, hex + pos, w) && reg_set_loaded(m, sc, i, hex + pos))
      return -1;
    pos += regs[i].bits / 4;
  }
  uc_context_save(sc, v->ctx);
  return 0;
}
