/* Guest ELF images of both classes: an x86-64 (X64 firmware) and an i386
 * (IA32 firmware, docs/ia32.md) image give the same segments and symbols;
 * other machines, truncated headers and segments outside the file are
 * refused with the file's name. The images are written here, field by
 * field, with <elf.h>'s structures. */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "elfimage.h"

#define LOAD_ADDR 0x1800000u
#define CODE_LEN  16u

static char path[] = "/tmp/smmhp-elf-XXXXXX";

/* Layout: header, one program header, code, symtab, strtab, section headers. */
struct layout {
  size_t ph, code, sym, str, sh, total;
};

static const char strtab[] = "\0smmhp_boot_entry\0smmhp_data\0";

static void put(uint8_t *buf, size_t off, const void *p, size_t n)
{
  memcpy(buf + off, p, n);
}

static size_t build(uint8_t *buf, int bits, uint16_t machine, uint64_t filesz_extra)
{
  size_t ehsz = bits == 64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
  size_t phsz = bits == 64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
  size_t symsz = bits == 64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
  size_t shsz = bits == 64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
  struct layout l;
  l.ph = ehsz;
  l.code = l.ph + phsz;
  l.sym = (l.code + CODE_LEN + 7) & ~(size_t)7;
  l.str = l.sym + 3 * symsz;
  l.sh = (l.str + sizeof strtab + 7) & ~(size_t)7;
  l.total = l.sh + 3 * shsz;
  memset(buf, 0, l.total);
  memset(buf + l.code, 0x90, CODE_LEN);
  put(buf, l.str, strtab, sizeof strtab);
  unsigned char ident[EI_NIDENT] = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3,
                                     (unsigned char)(bits == 64 ? ELFCLASS64 : ELFCLASS32), ELFDATA2LSB, EV_CURRENT };
  if (bits == 64) {
    Elf64_Ehdr eh = { .e_type = ET_EXEC, .e_machine = machine, .e_version = EV_CURRENT, .e_entry = LOAD_ADDR,
                      .e_phoff = l.ph, .e_shoff = l.sh, .e_ehsize = (uint16_t)ehsz, .e_phentsize = (uint16_t)phsz,
                      .e_phnum = 1, .e_shentsize = (uint16_t)shsz, .e_shnum = 3 };
    memcpy(eh.e_ident, ident, EI_NIDENT);
    put(buf, 0, &eh, sizeof eh);
    Elf64_Phdr ph = { .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = l.code, .p_vaddr = LOAD_ADDR,
                      .p_paddr = LOAD_ADDR, .p_filesz = CODE_LEN + filesz_extra, .p_memsz = 0x100 + filesz_extra };
    put(buf, l.ph, &ph, sizeof ph);
    Elf64_Sym s[3] = { { 0 },
                       { .st_name = 1, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC), .st_shndx = 1,
                         .st_value = LOAD_ADDR, .st_size = 8 },
                       { .st_name = 18, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT), .st_shndx = 1,
                         .st_value = LOAD_ADDR + 0x80, .st_size = 4 } };
    put(buf, l.sym, s, sizeof s);
    Elf64_Shdr sh[3] = { { 0 },
                         { .sh_type = SHT_SYMTAB, .sh_offset = l.sym, .sh_size = 3 * symsz, .sh_link = 2,
                           .sh_entsize = symsz },
                         { .sh_type = SHT_STRTAB, .sh_offset = l.str, .sh_size = sizeof strtab } };
    put(buf, l.sh, sh, sizeof sh);
  } else {
    Elf32_Ehdr eh = { .e_type = ET_EXEC, .e_machine = machine, .e_version = EV_CURRENT, .e_entry = LOAD_ADDR,
                      .e_phoff = (uint32_t)l.ph, .e_shoff = (uint32_t)l.sh, .e_ehsize = (uint16_t)ehsz,
                      .e_phentsize = (uint16_t)phsz, .e_phnum = 1, .e_shentsize = (uint16_t)shsz, .e_shnum = 3 };
    memcpy(eh.e_ident, ident, EI_NIDENT);
    put(buf, 0, &eh, sizeof eh);
    Elf32_Phdr ph = { .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = (uint32_t)l.code,
                      .p_vaddr = LOAD_ADDR, .p_paddr = LOAD_ADDR, .p_filesz = (uint32_t)(CODE_LEN + filesz_extra),
                      .p_memsz = (uint32_t)(0x100 + filesz_extra) };
    put(buf, l.ph, &ph, sizeof ph);
    Elf32_Sym s[3] = { { 0 },
                       { .st_name = 1, .st_info = ELF32_ST_INFO(STB_GLOBAL, STT_FUNC), .st_shndx = 1,
                         .st_value = LOAD_ADDR, .st_size = 8 },
                       { .st_name = 18, .st_info = ELF32_ST_INFO(STB_GLOBAL, STT_OBJECT), .st_shndx = 1,
                         .st_value = LOAD_ADDR + 0x80, .st_size = 4 } };
    put(buf, l.sym, s, sizeof s);
    Elf32_Shdr sh[3] = { { 0 },
                         { .sh_type = SHT_SYMTAB, .sh_offset = (uint32_t)l.sym, .sh_size = (uint32_t)(3 * symsz),
                           .sh_link = 2, .sh_entsize = (uint32_t)symsz },
                         { .sh_type = SHT_STRTAB, .sh_offset = (uint32_t)l.str, .sh_size = sizeof strtab } };
    put(buf, l.sh, sh, sizeof sh);
  }
  return l.total;
}

static void write_image(int bits, uint16_t machine, uint64_t filesz_extra, size_t truncate_to)
{
  static uint8_t buf[4096];
  size_t n = build(buf, bits, machine, filesz_extra);
  if (truncate_to)
    n = truncate_to;
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(buf, 1, n, f), n);
  fclose(f);
}

static int setup(void **state)
{
  (void)state;
  int fd = mkstemp(path);
  if (fd < 0)
    return -1;
  close(fd);
  return 0;
}

static int teardown(void **state)
{
  (void)state;
  return unlink(path);
}

static void check_image(int bits, uint16_t machine)
{
  struct elfimage img;
  char err[256] = "";
  static uint8_t ram[LOAD_ADDR + 0x1000];

  write_image(bits, machine, 0, 0);
  assert_int_equal(elfimage_file_bits(path), bits);
  assert_int_equal(elfimage_open(&img, path, err, sizeof err), 0);
  assert_int_equal(img.bits, bits);
  assert_int_equal(img.entry, LOAD_ADDR);
  assert_int_equal(img.nsegs, 1);
  assert_int_equal(img.segs[0].paddr, LOAD_ADDR);
  assert_int_equal(img.segs[0].filesz, CODE_LEN);
  assert_int_equal(img.segs[0].memsz, 0x100);
  assert_true(img.segs[0].exec);
  const struct elfsym *e = elfimage_find(&img, "smmhp_boot_entry");
  assert_non_null(e);
  assert_int_equal(e->addr, LOAD_ADDR);
  assert_true(e->is_func);
  const struct elfsym *d = elfimage_find(&img, "smmhp_data");
  assert_non_null(d);
  assert_int_equal(d->addr, LOAD_ADDR + 0x80);
  assert_false(d->is_func);
  assert_ptr_equal(elfimage_lookup(&img, LOAD_ADDR + 4), e);
  memset(ram + LOAD_ADDR, 0xCC, 0x100);
  assert_int_equal(elfimage_load(&img, ram, sizeof ram, err, sizeof err), 0);
  assert_int_equal(ram[LOAD_ADDR], 0x90);
  assert_int_equal(ram[LOAD_ADDR + CODE_LEN], 0); /* bss cleared */
  elfimage_free(&img);
}

static void test_elf64_x86_64(void **state)
{
  (void)state;
  check_image(64, EM_X86_64);
}

static void test_elf32_i386(void **state)
{
  (void)state;
  check_image(32, EM_386);
}

static void expect_refused(const char *needle)
{
  struct elfimage img;
  char err[256] = "";
  assert_int_equal(elfimage_open(&img, path, err, sizeof err), -1);
  if (!strstr(err, needle) || !strstr(err, path))
    fail_msg("error '%s' lacks '%s' or the path", err, needle);
  elfimage_free(&img);
}

static void test_refusals(void **state)
{
  (void)state;
  write_image(32, EM_X86_64, 0, 0); /* ELFCLASS32 with an x86-64 machine */
  assert_int_equal(elfimage_file_bits(path), 0);
  expect_refused("not an x86-64 or i386 ELF image");
  write_image(64, EM_386, 0, 0);
  expect_refused("not an x86-64 or i386 ELF image");
  write_image(32, EM_386, 0, sizeof(Elf32_Ehdr) + 4); /* program header cut off */
  expect_refused("truncated ELF headers");
  write_image(32, EM_386, 0x10000, 0); /* filesz beyond the file */
  expect_refused("segment outside the file");
  write_image(64, EM_X86_64, 0, 10);
  expect_refused("not an ELF image");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_elf64_x86_64),
    cmocka_unit_test(test_elf32_i386),
    cmocka_unit_test(test_refusals),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
