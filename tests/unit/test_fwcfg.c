/* dev_fwcfg: fw_cfg IO + DMA interface. Cases from platform-facts.md 1.8,
 * checked against QEMU 7.2 hw/nvram/fw_cfg.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dev_fwcfg.h"

#define RAM_SIZE 0x10000
static uint8_t ram[RAM_SIZE];
static struct fwcfg fw;

static int ram_read(void *opaque, uint64_t addr, void *buf, uint32_t len)
{
  (void)opaque;
  if (addr > RAM_SIZE || len > RAM_SIZE - addr)
    return -1;
  memcpy(buf, ram + addr, len);
  return 0;
}

static int ram_write(void *opaque, uint64_t addr, const void *buf, uint32_t len)
{
  (void)opaque;
  if (addr > RAM_SIZE || len > RAM_SIZE - addr)
    return -1;
  memcpy(ram + addr, buf, len);
  return 0;
}

static const struct fwcfg_mem_ops mem = { ram_read, ram_write, NULL };

static int setup(void **state)
{
  (void)state;
  memset(ram, 0, sizeof(ram));
  fwcfg_init(&fw, &mem, 2, 4, NULL);
  return 0;
}

static void select_key(uint16_t key) { fwcfg_io_write(&fw, 0x510, 2, key); }
static uint8_t data_byte(void)
{
  uint32_t v;
  assert_true(fwcfg_io_read(&fw, 0x511, 1, &v));
  return (uint8_t)v;
}
static uint32_t be32(const uint8_t *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint32_t bswap32(uint32_t v)
{
  return (v >> 24) | ((v >> 8) & 0xFF00u) | ((v << 8) & 0xFF0000u) | (v << 24);
}
static void put_be32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* Guest: descriptor at desc, then OUT 0x514/0x518 as QemuFwCfgLib does
 * (SwapBytes32 of each half). Returns the control word written back. */
static uint32_t dma(uint64_t desc, uint32_t control, uint32_t length, uint64_t addr)
{
  put_be32(ram + desc, control);
  put_be32(ram + desc + 4, length);
  put_be32(ram + desc + 8, (uint32_t)(addr >> 32));
  put_be32(ram + desc + 12, (uint32_t)addr);
  fwcfg_io_write(&fw, 0x514, 4, bswap32((uint32_t)(desc >> 32)));
  fwcfg_io_write(&fw, 0x518, 4, bswap32((uint32_t)desc));
  return be32(ram + desc);
}

/* 1.8: key 0 signature "QEMU" through the data port; past the end: 0. */
static void test_signature(void **state)
{
  (void)state;
  select_key(FWCFG_SIGNATURE);
  char s[5] = { 0 };
  for (int i = 0; i < 4; i++)
    s[i] = (char)data_byte();
  assert_string_equal(s, "QEMU");
  assert_int_equal(data_byte(), 0);
  /* reset selects the signature again (fw_cfg_reset) */
  select_key(FWCFG_ID);
  fwcfg_reset(&fw);
  assert_int_equal(data_byte(), 'Q');
  /* byte reads at 0x510 read data too (combined region) */
  uint32_t v;
  fwcfg_io_read(&fw, 0x510, 1, &v);
  assert_int_equal(v, 'E');
}

/* 1.8: key 1 feature bitmap: bit0 traditional, bit1 DMA (LE u32). */
static void test_id(void **state)
{
  (void)state;
  select_key(FWCFG_ID);
  assert_int_equal(data_byte(), 0x03);
  fwcfg_init(&fw, NULL, 1, 1, NULL);
  select_key(FWCFG_ID);
  assert_int_equal(data_byte(), 0x01);
  uint32_t v;
  assert_false(fwcfg_io_read(&fw, 0x514, 4, &v)); /* no DMA ports */
}

/* FW_CFG_NB_CPUS / FW_CFG_MAX_CPUS are LE u16; NB_CPUS can change. */
static void test_cpu_counts(void **state)
{
  (void)state;
  select_key(FWCFG_NB_CPUS);
  assert_int_equal(data_byte(), 2);
  assert_int_equal(data_byte(), 0);
  select_key(FWCFG_MAX_CPUS);
  assert_int_equal(data_byte(), 4);
  fwcfg_set_nb_cpus(&fw, 0x103);
  select_key(FWCFG_NB_CPUS);
  assert_int_equal(data_byte(), 0x03);
  assert_int_equal(data_byte(), 0x01);
}

/* 1.8: directory: BE32 count, BE32 size, BE16 select, name; sorted by
 * name as fw_cfg_add_file_callback does, keys moving up on insert. */
static void test_file_directory(void **state)
{
  (void)state;
  static uint8_t a[3] = { 1, 2, 3 }, b[5], c[1];
  assert_int_equal(fwcfg_add_file(&fw, "etc/smi/supported-features", a, 3, true, NULL, NULL, NULL), 0x20);
  assert_int_equal(fwcfg_add_file(&fw, "etc/acpi/tables", b, 5, true, NULL, NULL, NULL), 0x20);
  assert_int_equal(fwcfg_add_file(&fw, "zz", c, 1, true, NULL, NULL, NULL), 0x22);
  assert_int_equal(fwcfg_add_file(&fw, "zz", c, 1, true, NULL, NULL, NULL), -1);
  assert_int_equal(fwcfg_file_key(&fw, "etc/smi/supported-features"), 0x21);

  select_key(FWCFG_FILE_DIR);
  uint8_t buf[4 + 3 * 64];
  for (size_t i = 0; i < sizeof(buf); i++)
    buf[i] = data_byte();
  assert_int_equal(be32(buf), 3);
  assert_int_equal(be32(buf + 4), 5);
  assert_int_equal(buf[8] << 8 | buf[9], 0x20);
  assert_string_equal((char *)buf + 12, "etc/acpi/tables");
  assert_int_equal(be32(buf + 68), 3);
  assert_int_equal(buf[72] << 8 | buf[73], 0x21);
  assert_string_equal((char *)buf + 76, "etc/smi/supported-features");
  /* the moved file still reads its own data */
  select_key(0x21);
  assert_int_equal(data_byte(), 1);
}

/* Keys beyond the file slots select nothing: reads give 0. */
static void test_invalid_key(void **state)
{
  (void)state;
  select_key(0x3FFF);
  assert_int_equal(fw.cur_entry, FWCFG_INVALID);
  assert_int_equal(data_byte(), 0);
  /* data-port writes are ignored (write support removed in QEMU 2.4) */
  select_key(FWCFG_SIGNATURE);
  fwcfg_io_write(&fw, 0x511, 1, 'X');
  assert_int_equal(data_byte(), 'Q');
}

/* 1.8: DMA read with select; control cleared; read past end zero-fills. */
static void test_dma_select_read(void **state)
{
  (void)state;
  memset(ram + 0x2000, 0xAA, 16);
  uint32_t ctl = dma(0x1000, (uint32_t)FWCFG_SIGNATURE << 16 | FWCFG_DMA_SELECT | FWCFG_DMA_READ, 6, 0x2000);
  assert_int_equal(ctl, 0);
  assert_memory_equal(ram + 0x2000, "QEMU\0\0", 6);
  assert_int_equal(ram[0x2006], 0xAA);
  /* DMA address resets after each transfer */
  assert_int_equal(fw.dma_addr, 0);
}

/* 1.8: skip advances the offset, then a read continues from there. */
static void test_dma_skip(void **state)
{
  (void)state;
  select_key(FWCFG_SIGNATURE);
  assert_int_equal(dma(0x1000, FWCFG_DMA_SKIP, 2, 0x2000), 0);
  assert_int_equal(ram[0x2000], 0); /* nothing written */
  assert_int_equal(dma(0x1000, FWCFG_DMA_READ, 2, 0x2000), 0);
  assert_memory_equal(ram + 0x2000, "MU", 2);
  /* control 0: nothing happens, control cleared */
  assert_int_equal(dma(0x1000, 0, 100, 0x2000), 0);
}

static int writes, last_off, last_len;
static void on_write(void *opaque, uint32_t off, uint32_t len)
{
  (void)opaque;
  writes++;
  last_off = (int)off;
  last_len = (int)len;
}

/* 1.8: DMA write: only to writable items, never past the end. */
static void test_dma_write(void **state)
{
  (void)state;
  static uint8_t ro[8], rw[8];
  int kro = fwcfg_add_file(&fw, "a-ro", ro, 8, true, NULL, NULL, NULL);
  int krw = fwcfg_add_file(&fw, "b-rw", rw, 8, false, NULL, on_write, NULL);
  memcpy(ram + 0x3000, "\x07\0\0\0\0\0\0\0\x55", 9);

  uint32_t ctl = dma(0x1000, (uint32_t)kro << 16 | FWCFG_DMA_SELECT | FWCFG_DMA_WRITE, 8, 0x3000);
  assert_int_equal(ctl, FWCFG_DMA_ERROR);
  assert_int_equal(ro[0], 0);

  writes = 0;
  ctl = dma(0x1000, (uint32_t)krw << 16 | FWCFG_DMA_SELECT | FWCFG_DMA_WRITE, 8, 0x3000);
  assert_int_equal(ctl, 0);
  assert_int_equal(rw[0], 7);
  assert_int_equal(writes, 1);
  assert_int_equal(last_off, 0);
  assert_int_equal(last_len, 8);

  /* past the end: error, and the partial chunk is not written */
  memset(rw, 0, 8);
  ctl = dma(0x1000, (uint32_t)krw << 16 | FWCFG_DMA_SELECT | FWCFG_DMA_WRITE, 9, 0x3000);
  assert_int_equal(ctl, FWCFG_DMA_ERROR);
  assert_int_equal(rw[0], 0);
}

/* DMA to memory that cannot be accessed sets the error bit. */
static void test_dma_bad_address(void **state)
{
  (void)state;
  uint32_t ctl = dma(0x1000, (uint32_t)FWCFG_SIGNATURE << 16 | FWCFG_DMA_SELECT | FWCFG_DMA_READ,
                     4, 0x100000000ull);
  assert_int_equal(ctl, FWCFG_DMA_ERROR);
}

/* The DMA register reads back "QEMU CFG" (big-endian signature). */
static void test_dma_signature(void **state)
{
  (void)state;
  uint32_t v;
  fwcfg_io_read(&fw, 0x514, 4, &v);
  assert_memory_equal(&v, "QEMU", 4); /* little-endian host */
  fwcfg_io_read(&fw, 0x518, 4, &v);
  assert_memory_equal(&v, " CFG", 4);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup(fn, setup)
    T(test_signature),
    T(test_id),
    T(test_cpu_counts),
    T(test_file_directory),
    T(test_invalid_key),
    T(test_dma_select_read),
    T(test_dma_skip),
    T(test_dma_write),
    T(test_dma_bad_address),
    T(test_dma_signature),
#undef T
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
