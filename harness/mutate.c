#include "mutate.h"

#include <capstone/capstone.h>
#include <stdio.h>
#include <string.h>

int mutate_call(const struct elfimage *img, uint8_t *ram, uint64_t ram_size, const char *callee,
                const char *function, uint64_t *at, size_t max_at, char *err, size_t errlen)
{
  const struct elfsym *fn = elfimage_find(img, function), *target = elfimage_find(img, callee);
  csh h;
  cs_insn *insn = NULL;
  int count = 0;

  if (!fn || !fn->is_func || !fn->size) {
    snprintf(err, errlen, "mutation: no function '%s' in %s", function, img->path);
    return -1;
  }
  if (!target) {
    snprintf(err, errlen, "mutation: no symbol '%s' in %s", callee, img->path);
    return -1;
  }
  if (fn->addr + fn->size > ram_size) {
    snprintf(err, errlen, "mutation: '%s' lies outside guest RAM", function);
    return -1;
  }
  if (cs_open(CS_ARCH_X86, img->bits == 32 ? CS_MODE_32 : CS_MODE_64, &h) != CS_ERR_OK) { /* IA32 images: 32-bit code */
    snprintf(err, errlen, "mutation: capstone unavailable");
    return -1;
  }
  cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
  size_t n = cs_disasm(h, ram + fn->addr, fn->size, fn->addr, 0, &insn);
  for (size_t i = 0; i < n; i++) {
    const cs_x86 *x = &insn[i].detail->x86;
    if (insn[i].id != X86_INS_CALL || x->op_count != 1 || x->operands[0].type != X86_OP_IMM ||
        (uint64_t)x->operands[0].imm != target->addr)
      continue;
    memset(ram + insn[i].address, 0x90, insn[i].size); /* nop */
    if ((size_t)count < max_at)
      at[count] = insn[i].address;
    count++;
  }
  cs_free(insn, n);
  cs_close(&h);
  if (!count) {
    snprintf(err, errlen, "mutation: no call to '%s' inside '%s'", callee, function);
    return -1;
  }
  return count;
}
