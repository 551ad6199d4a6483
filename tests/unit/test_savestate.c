/* savestate: AMD64 (rev 0x00020064) and i386 (rev 0x00020000) maps.
 * Cases from platform-facts.md 1.6, checked against QEMU 7.2
 * target/i386/tcg/sysemu/smm_helper.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "savestate.h"

static uint8_t map[SAVESTATE_MAP_SIZE];

static uint64_t ld(unsigned smbase_off, unsigned n)
{
  uint64_t v = 0;
  for (unsigned i = n; i-- > 0;)
    v = v << 8 | map[SMM_MAP_OFF(smbase_off) + i];
  return v;
}

static void st(unsigned smbase_off, uint64_t v, unsigned n)
{
  for (unsigned i = 0; i < n; i++)
    map[SMM_MAP_OFF(smbase_off) + i] = (uint8_t)(v >> (8 * i));
}

static void sample(struct cpu_regs *r, bool wide)
{
  memset(r, 0, sizeof(*r));
  uint64_t hi = wide ? 0x1122334400000000ull : 0;
  r->rax = hi | 0xA0; r->rcx = hi | 0xA1; r->rdx = hi | 0xA2; r->rbx = hi | 0xA3;
  r->rsp = hi | 0xA4; r->rbp = hi | 0xA5; r->rsi = hi | 0xA6; r->rdi = hi | 0xA7;
  if (wide) {
    r->r8 = 0x808; r->r9 = 0x909; r->r10 = 0x1010; r->r11 = 0x1111;
    r->r12 = 0x1212; r->r13 = 0x1313; r->r14 = 0x1414; r->r15 = 0x1515;
    r->efer = 0xD01;
  }
  r->rip = hi | 0x7C00;
  r->rflags = 0x246;
  r->cr0 = 0x80000033; r->cr3 = hi | 0x1000; r->cr4 = 0x668;
  r->dr6 = 0xFFFF0FF0; r->dr7 = 0x400;
  for (int i = 0; i < SEG_COUNT; i++) {
    r->seg[i].selector = (uint16_t)(0x8 * (i + 1));
    r->seg[i].attr = (uint16_t)(0xC093 + i);
    r->seg[i].limit = 0xFFFFF;
    r->seg[i].base = (uint64_t)i << 12;
  }
  r->ldtr = (struct seg_reg){ 0x50, 0x0082, 0xFF, 0x5000 };
  r->tr = (struct seg_reg){ 0x58, 0x008B, 0x67, 0x6000 };
  r->gdtr_limit = 0x3F; r->gdtr_base = hi | 0x9000;
  r->idtr_limit = 0xFFF; r->idtr_base = hi | 0xA000;
}

static void assert_regs_equal(const struct cpu_regs *a, const struct cpu_regs *b)
{
  assert_memory_equal(a, b, sizeof(*a));
}

/* 1.6: "segment attr = (flags >> 8) & 0xF0FF" and its inverse. */
static void test_attr_packing(void **state)
{
  (void)state;
  assert_int_equal(savestate_attr_pack(0x00CF9B00), 0xC09B);
  assert_int_equal(savestate_attr_unpack(0xC09B), 0x00C09B00);
  assert_int_equal(savestate_attr_pack(0xFFFFFFFF), 0xF0FF);
}

/* 1.6: revision tells the layout: (rev & 0xFFFF) == 0 -> i386 map. */
static void test_layout_of(void **state)
{
  (void)state;
  assert_int_equal(savestate_layout_of(SMM_REVISION_AMD64), SAVESTATE_AMD64);
  assert_int_equal(savestate_layout_of(SMM_REVISION_I386), SAVESTATE_I386);
  assert_int_equal(savestate_revision_of(SAVESTATE_I386), 0x00020000);
}

/* 1.6: AMD64 map offsets, checked byte by byte after a write. */
static void test_amd64_offsets(void **state)
{
  (void)state;
  struct cpu_regs r;
  sample(&r, true);
  memset(map, 0xCC, sizeof(map));
  savestate_write(map, &r, 0x30000, SMM_REVISION_AMD64);
  assert_int_equal(ld(0xFEFC, 4), 0x00020064);
  assert_int_equal(ld(0xFF00, 4), 0x30000);
  assert_int_equal(ld(0xFFF8, 8), r.rax);
  assert_int_equal(ld(0xFFF0, 8), r.rcx);
  assert_int_equal(ld(0xFFE0, 8), r.rbx);
  assert_int_equal(ld(0xFFB8, 8), 0x808);  /* R8 */
  assert_int_equal(ld(0xFF80, 8), 0x1515); /* R15 */
  assert_int_equal(ld(0xFF78, 8), r.rip);
  assert_int_equal(ld(0xFF70, 4), 0x246);
  assert_int_equal(ld(0xFF58, 4), 0x80000033);
  assert_int_equal(ld(0xFF50, 8), r.cr3);
  assert_int_equal(ld(0xFF48, 4), 0x668);
  assert_int_equal(ld(0xFED0, 8), 0xD01);
  assert_int_equal(ld(0xFE10, 2), 0x10);          /* CS selector */
  assert_int_equal(ld(0xFE12, 2), 0xC094);        /* CS attr */
  assert_int_equal(ld(0xFE18, 8), 0x1000);        /* CS base */
  assert_int_equal(ld(0xFE64, 4), 0x3F);
  assert_int_equal(ld(0xFE88, 8), r.idtr_base);
  assert_int_equal(ld(0xFE90, 2), 0x58);
  /* bytes QEMU does not write are left alone */
  assert_int_equal(map[SMM_MAP_OFF(0xFC00)], 0xCC);
  assert_int_equal(map[SMM_MAP_OFF(0xFEC8)], 0xCC); /* I/O restart */
  assert_int_equal(map[SMM_MAP_OFF(0xFF74)], 0xCC); /* RFLAGS high half */
}

/* 1.6: round trip through the AMD64 map. */
static void test_amd64_round_trip(void **state)
{
  (void)state;
  struct cpu_regs r, back;
  sample(&r, true);
  savestate_write(map, &r, 0x7FF9A000, SMM_REVISION_AMD64);
  memset(&back, 0xEE, sizeof(back));
  uint32_t smbase = 0;
  bool honoured = false;
  savestate_read(map, &back, &smbase, &honoured);
  assert_regs_equal(&r, &back);
  assert_int_equal(smbase, 0x7FF9A000);
  assert_true(honoured);
}

/* 1.6: RSM reloads SMBASE only if the revision read back has bit 17. */
static void test_bit17_rule(void **state)
{
  (void)state;
  struct cpu_regs r;
  sample(&r, true);
  savestate_write(map, &r, 0x30000, SMM_REVISION_AMD64);
  st(0xFF00, 0x7FF9A000, 4); /* the first-SMI handler's write */
  uint32_t smbase;
  bool honoured;
  savestate_read(map, &r, &smbase, &honoured);
  assert_true(honoured);
  assert_int_equal(smbase, 0x7FF9A000);
  /* guest clears bit 17 of the revision: SMBASE not reloaded */
  st(0xFEFC, 0x00000064, 4);
  savestate_read(map, &r, &smbase, &honoured);
  assert_false(honoured);
}

/* 1.6: 32-bit fields (RFLAGS, CR0, CR4, DR6, DR7) keep 32 bits. */
static void test_amd64_truncation(void **state)
{
  (void)state;
  struct cpu_regs r, back;
  sample(&r, true);
  r.rflags = 0xFFFFFFFF00000202ull;
  savestate_write(map, &r, 0x30000, SMM_REVISION_AMD64);
  uint32_t smbase;
  bool honoured;
  savestate_read(map, &back, &smbase, &honoured);
  assert_int_equal(back.rflags, 0x202);
}

/* 1.6: i386 map: SMBASE at 0xFEF8, revision 0x00020000, 32-bit fields. */
static void test_i386(void **state)
{
  (void)state;
  struct cpu_regs r, back;
  sample(&r, false);
  memset(map, 0, sizeof(map));
  savestate_write(map, &r, 0x30000, SMM_REVISION_I386);
  assert_int_equal(ld(0xFEFC, 4), 0x00020000);
  assert_int_equal(ld(0xFEF8, 4), 0x30000);
  assert_int_equal(ld(0xFF00, 4), 0);         /* not the AMD64 slot */
  assert_int_equal(ld(0xFFFC, 4), r.cr0);
  assert_int_equal(ld(0xFFF0, 4), 0x7C00);    /* EIP */
  assert_int_equal(ld(0xFFD0, 4), 0xA0);      /* EAX */
  assert_int_equal(ld(0xFFEC, 4), 0xA7);      /* EDI */
  assert_int_equal(ld(0xFFAC, 4), 0x10);      /* CS selector */
  assert_int_equal(ld(0xFF90 + 8, 4), 0x1000); /* CS base */
  assert_int_equal(ld(0xFF2C, 4), 0xC096);    /* DS attr */
  assert_int_equal(ld(0xFF14, 4), 0x668);     /* CR4 */
  memset(&back, 0, sizeof(back));
  uint32_t smbase;
  bool honoured;
  st(0xFEF8, 0x50000, 4);
  savestate_read_layout(map, SAVESTATE_I386, &back, &smbase, &honoured);
  assert_true(honoured); /* bit 17 is set in 0x00020000 too */
  assert_int_equal(smbase, 0x50000);
  assert_regs_equal(&r, &back);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_attr_packing),
    cmocka_unit_test(test_layout_of),
    cmocka_unit_test(test_amd64_offsets),
    cmocka_unit_test(test_amd64_round_trip),
    cmocka_unit_test(test_bit17_rule),
    cmocka_unit_test(test_amd64_truncation),
    cmocka_unit_test(test_i386),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
