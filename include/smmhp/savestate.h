/* SMRAM save-state maps as QEMU TCG writes them (QEMU 7.2
 * target/i386/tcg/sysemu/smm_helper.c, do_smm_enter / helper_rsm).
 *
 * Both maps cover SMBASE+0xFC00..SMBASE+0xFFFF (0x400 bytes); QEMU
 * addresses them as smbase + 0x8000 + 0x7xxx. Field offsets below are
 * relative to SMBASE (SMM_MAP_OFF converts to an offset in the struct).
 * Only fields QEMU writes or reads are named; the rest is padding named
 * by its SMBASE-relative offset. All values are little-endian.
 */
#ifndef SMMHP_SAVESTATE_MAP_H
#define SMMHP_SAVESTATE_MAP_H

#include <stddef.h>
#include <stdint.h>

#define SMM_SAVE_STATE_OFFSET   0xFC00u /* from SMBASE */
#define SMM_SAVE_STATE_SIZE     0x0400u
#define SMM_MAP_OFF(x)          ((x) - SMM_SAVE_STATE_OFFSET)

#define SMM_REVISION_AMD64      0x00020064u /* qemu-system-x86_64 */
#define SMM_REVISION_I386       0x00020000u /* qemu-system-i386 */
#define SMM_REVISION_SMBASE_RELOC 0x00020000u /* bit 17: RSM reloads SMBASE */

/* One segment in the AMD64 map. attr = (descriptor flags >> 8) & 0xF0FF. */
struct __attribute__((packed)) smm_seg64 {
  uint16_t selector;
  uint16_t attr;
  uint32_t limit;
  uint64_t base;
};
_Static_assert(sizeof(struct smm_seg64) == 16, "smm_seg64 is 16 bytes");

/* x86_64 map, revision 0x00020064 (AMD64 layout). */
struct __attribute__((packed)) smm_map_amd64 {
  uint8_t pad_fc00[0x200];
  struct smm_seg64 seg[6];      /* 0xFE00: ES, CS, SS, DS, FS, GS */
  uint8_t pad_fe60[4];
  uint32_t gdtr_limit;          /* 0xFE64 */
  uint64_t gdtr_base;           /* 0xFE68 */
  uint16_t ldtr_selector;       /* 0xFE70 */
  uint16_t ldtr_attr;           /* 0xFE72 */
  uint32_t ldtr_limit;          /* 0xFE74 */
  uint64_t ldtr_base;           /* 0xFE78 */
  uint8_t pad_fe80[4];
  uint32_t idtr_limit;          /* 0xFE84 */
  uint64_t idtr_base;           /* 0xFE88 */
  uint16_t tr_selector;         /* 0xFE90 */
  uint16_t tr_attr;             /* 0xFE92 */
  uint32_t tr_limit;            /* 0xFE94 */
  uint64_t tr_base;             /* 0xFE98 */
  uint8_t pad_fea0[0x30];       /* I/O restart, auto-HALT: not written by TCG */
  uint64_t efer;                /* 0xFED0 */
  uint8_t pad_fed8[0x24];
  uint32_t smm_revision;        /* 0xFEFC */
  uint32_t smbase;              /* 0xFF00 */
  uint8_t pad_ff04[0x44];
  uint32_t cr4;                 /* 0xFF48 */
  uint8_t pad_ff4c[4];
  uint64_t cr3;                 /* 0xFF50 */
  uint32_t cr0;                 /* 0xFF58 */
  uint8_t pad_ff5c[4];
  uint32_t dr7;                 /* 0xFF60 */
  uint8_t pad_ff64[4];
  uint32_t dr6;                 /* 0xFF68 */
  uint8_t pad_ff6c[4];
  uint32_t rflags;              /* 0xFF70 */
  uint8_t pad_ff74[4];
  uint64_t rip;                 /* 0xFF78 */
  uint64_t r15, r14, r13, r12;  /* 0xFF80.. */
  uint64_t r11, r10, r9, r8;    /* ..0xFFB8 */
  uint64_t rdi;                 /* 0xFFC0 */
  uint64_t rsi;                 /* 0xFFC8 */
  uint64_t rbp;                 /* 0xFFD0 */
  uint64_t rsp;                 /* 0xFFD8 */
  uint64_t rbx;                 /* 0xFFE0 */
  uint64_t rdx;                 /* 0xFFE8 */
  uint64_t rcx;                 /* 0xFFF0 */
  uint64_t rax;                 /* 0xFFF8 */
};

#define SMM_A64_AT(field, off) \
  _Static_assert(offsetof(struct smm_map_amd64, field) == SMM_MAP_OFF(off), #field " at " #off)
_Static_assert(sizeof(struct smm_map_amd64) == SMM_SAVE_STATE_SIZE, "AMD64 map is 0x400 bytes");
SMM_A64_AT(seg[0], 0xFE00);
SMM_A64_AT(seg[1], 0xFE10);
SMM_A64_AT(seg[2], 0xFE20);
SMM_A64_AT(seg[3], 0xFE30);
SMM_A64_AT(seg[4], 0xFE40);
SMM_A64_AT(seg[5], 0xFE50);
SMM_A64_AT(gdtr_limit, 0xFE64);
SMM_A64_AT(gdtr_base, 0xFE68);
SMM_A64_AT(ldtr_selector, 0xFE70);
SMM_A64_AT(ldtr_attr, 0xFE72);
SMM_A64_AT(ldtr_limit, 0xFE74);
SMM_A64_AT(ldtr_base, 0xFE78);
SMM_A64_AT(idtr_limit, 0xFE84);
SMM_A64_AT(idtr_base, 0xFE88);
SMM_A64_AT(tr_selector, 0xFE90);
SMM_A64_AT(tr_attr, 0xFE92);
SMM_A64_AT(tr_limit, 0xFE94);
SMM_A64_AT(tr_base, 0xFE98);
SMM_A64_AT(efer, 0xFED0);
SMM_A64_AT(smm_revision, 0xFEFC);
SMM_A64_AT(smbase, 0xFF00);
SMM_A64_AT(cr4, 0xFF48);
SMM_A64_AT(cr3, 0xFF50);
SMM_A64_AT(cr0, 0xFF58);
SMM_A64_AT(dr7, 0xFF60);
SMM_A64_AT(dr6, 0xFF68);
SMM_A64_AT(rflags, 0xFF70);
SMM_A64_AT(rip, 0xFF78);
SMM_A64_AT(r15, 0xFF80);
SMM_A64_AT(r14, 0xFF88);
SMM_A64_AT(r13, 0xFF90);
SMM_A64_AT(r12, 0xFF98);
SMM_A64_AT(r11, 0xFFA0);
SMM_A64_AT(r10, 0xFFA8);
SMM_A64_AT(r9, 0xFFB0);
SMM_A64_AT(r8, 0xFFB8);
SMM_A64_AT(rdi, 0xFFC0);
SMM_A64_AT(rsi, 0xFFC8);
SMM_A64_AT(rbp, 0xFFD0);
SMM_A64_AT(rsp, 0xFFD8);
SMM_A64_AT(rbx, 0xFFE0);
SMM_A64_AT(rdx, 0xFFE8);
SMM_A64_AT(rcx, 0xFFF0);
SMM_A64_AT(rax, 0xFFF8);

/* Descriptor cache of one segment in the i386 map. */
struct __attribute__((packed)) smm_seg32 {
  uint32_t attr;
  uint32_t limit;
  uint32_t base;
};
_Static_assert(sizeof(struct smm_seg32) == 12, "smm_seg32 is 12 bytes");

/* i386 map, revision 0x00020000 (Intel 32-bit layout). */
struct __attribute__((packed)) smm_map_i386 {
  uint8_t pad_fc00[0x2F8];
  uint32_t smbase;              /* 0xFEF8 */
  uint32_t smm_revision;        /* 0xFEFC */
  uint8_t pad_ff00[0x14];
  uint32_t cr4;                 /* 0xFF14 */
  uint8_t pad_ff18[0x14];
  struct smm_seg32 seg_dfg[3];  /* 0xFF2C: DS, FS, GS */
  uint8_t pad_ff50[4];
  uint32_t idtr_limit;          /* 0xFF54 */
  uint32_t idtr_base;           /* 0xFF58 */
  uint32_t tr_attr;             /* 0xFF5C */
  uint32_t tr_limit;            /* 0xFF60 */
  uint32_t tr_base;             /* 0xFF64 */
  uint8_t pad_ff68[8];
  uint32_t gdtr_limit;          /* 0xFF70 */
  uint32_t gdtr_base;           /* 0xFF74 */
  uint32_t ldtr_attr;           /* 0xFF78 */
  uint32_t ldtr_limit;          /* 0xFF7C */
  uint32_t ldtr_base;           /* 0xFF80 */
  struct smm_seg32 seg_ecs[3];  /* 0xFF84: ES, CS, SS */
  uint32_t selector[6];         /* 0xFFA8: ES, CS, SS, DS, FS, GS */
  uint32_t ldtr_selector;       /* 0xFFC0 */
  uint32_t tr_selector;         /* 0xFFC4 */
  uint32_t dr7;                 /* 0xFFC8 */
  uint32_t dr6;                 /* 0xFFCC */
  uint32_t eax;                 /* 0xFFD0 */
  uint32_t ecx;                 /* 0xFFD4 */
  uint32_t edx;                 /* 0xFFD8 */
  uint32_t ebx;                 /* 0xFFDC */
  uint32_t esp;                 /* 0xFFE0 */
  uint32_t ebp;                 /* 0xFFE4 */
  uint32_t esi;                 /* 0xFFE8 */
  uint32_t edi;                 /* 0xFFEC */
  uint32_t eip;                 /* 0xFFF0 */
  uint32_t eflags;              /* 0xFFF4 */
  uint32_t cr3;                 /* 0xFFF8 */
  uint32_t cr0;                 /* 0xFFFC */
};

#define SMM_I386_AT(field, off) \
  _Static_assert(offsetof(struct smm_map_i386, field) == SMM_MAP_OFF(off), #field " at " #off)
_Static_assert(sizeof(struct smm_map_i386) == SMM_SAVE_STATE_SIZE, "i386 map is 0x400 bytes");
SMM_I386_AT(smbase, 0xFEF8);
SMM_I386_AT(smm_revision, 0xFEFC);
SMM_I386_AT(cr4, 0xFF14);
SMM_I386_AT(seg_dfg[0], 0xFF2C);
SMM_I386_AT(seg_dfg[1], 0xFF38);
SMM_I386_AT(seg_dfg[2], 0xFF44);
SMM_I386_AT(idtr_limit, 0xFF54);
SMM_I386_AT(idtr_base, 0xFF58);
SMM_I386_AT(tr_attr, 0xFF5C);
SMM_I386_AT(tr_limit, 0xFF60);
SMM_I386_AT(tr_base, 0xFF64);
SMM_I386_AT(gdtr_limit, 0xFF70);
SMM_I386_AT(gdtr_base, 0xFF74);
SMM_I386_AT(ldtr_attr, 0xFF78);
SMM_I386_AT(ldtr_limit, 0xFF7C);
SMM_I386_AT(ldtr_base, 0xFF80);
SMM_I386_AT(seg_ecs[0], 0xFF84);
SMM_I386_AT(seg_ecs[1], 0xFF90);
SMM_I386_AT(seg_ecs[2], 0xFF9C);
SMM_I386_AT(selector, 0xFFA8);
SMM_I386_AT(ldtr_selector, 0xFFC0);
SMM_I386_AT(tr_selector, 0xFFC4);
SMM_I386_AT(dr7, 0xFFC8);
SMM_I386_AT(dr6, 0xFFCC);
SMM_I386_AT(eax, 0xFFD0);
SMM_I386_AT(ecx, 0xFFD4);
SMM_I386_AT(edx, 0xFFD8);
SMM_I386_AT(ebx, 0xFFDC);
SMM_I386_AT(esp, 0xFFE0);
SMM_I386_AT(ebp, 0xFFE4);
SMM_I386_AT(esi, 0xFFE8);
SMM_I386_AT(edi, 0xFFEC);
SMM_I386_AT(eip, 0xFFF0);
SMM_I386_AT(eflags, 0xFFF4);
SMM_I386_AT(cr3, 0xFFF8);
SMM_I386_AT(cr0, 0xFFFC);

#endif
