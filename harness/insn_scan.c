#include "insn_scan.h"

#include <capstone/capstone.h>
#include <stdio.h>
#include <string.h>

static csh handle_for(int mode)
{
  static csh h[3];
  static int ready[3];
  int i = mode == 16 ? 0 : mode == 32 ? 1 : 2;

  if (!ready[i]) {
    cs_mode cm = mode == 16 ? CS_MODE_16 : mode == 32 ? CS_MODE_32 : CS_MODE_64;
    if (cs_open(CS_ARCH_X86, cm, &h[i]) != CS_ERR_OK)
      return 0;
    ready[i] = 1;
  }
  return h[i];
}

static enum special_kind classify(const cs_insn *in)
{
  /* capstone decodes F3 90 as "rep nop" outside 64-bit mode */
  if (in->size == 2 && in->bytes[0] == 0xF3 && in->bytes[1] == 0x90)
    return SP_PAUSE;
  switch (in->id) {
  case X86_INS_CPUID: return SP_CPUID;
  case X86_INS_RDMSR: return SP_RDMSR;
  case X86_INS_WRMSR: return SP_WRMSR;
  case X86_INS_RDTSC: return SP_RDTSC;
  case X86_INS_PAUSE: return SP_PAUSE;
  case X86_INS_HLT: return SP_HLT;
  case X86_INS_RSM: return SP_RSM;
  case X86_INS_IN: case X86_INS_OUT:
  case X86_INS_INSB: case X86_INS_INSW: case X86_INS_INSD:
  case X86_INS_OUTSB: case X86_INS_OUTSW: case X86_INS_OUTSD:
    return SP_AFTER_IO;
  default: return 0;
  }
}

int insn_scan_block(const uint8_t *code, size_t len, uint64_t addr, int mode, struct scan_result *out)
{
  csh h = handle_for(mode);
  cs_insn *insn = NULL;
  size_t n;

  memset(out, 0, sizeof *out);
  if (!h)
    return -1;
  n = cs_disasm(h, code, len, addr, 0, &insn);
  for (size_t i = 0; i < n; i++) {
    enum special_kind k = classify(&insn[i]);
    if (k && out->nspecial < sizeof out->sp / sizeof out->sp[0]) {
      uint64_t at = k == SP_AFTER_IO ? insn[i].address + insn[i].size : insn[i].address;
      out->sp[out->nspecial++] = (struct special){ at, k };
    }
  }
  out->ninsn = (unsigned)n;
  cs_free(insn, n);
  return 0;
}

int insn_disasm_one(const uint8_t *code, size_t len, uint64_t addr, int mode, char *buf, size_t buflen, unsigned *insn_len)
{
  csh h = handle_for(mode);
  cs_insn *insn = NULL;
  size_t n = h ? cs_disasm(h, code, len, addr, 1, &insn) : 0;

  if (!n) {
    snprintf(buf, buflen, "(bad)");
    if (insn_len)
      *insn_len = 0;
    return -1;
  }
  snprintf(buf, buflen, "%s%s%s", insn->mnemonic, insn->op_str[0] ? " " : "", insn->op_str);
  if (insn_len)
    *insn_len = insn->size;
  cs_free(insn, n);
  return 0;
}

unsigned insn_count_until(const uint8_t *code, size_t len, uint64_t addr, uint64_t stop, int mode)
{
  csh h = handle_for(mode);
  cs_insn *insn = NULL;
  unsigned count = 0;
  size_t n = h ? cs_disasm(h, code, len, addr, 0, &insn) : 0;

  for (size_t i = 0; i < n && insn[i].address < stop; i++)
    count++;
  cs_free(insn, n);
  return count;
}
