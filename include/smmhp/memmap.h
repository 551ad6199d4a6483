/* Guest physical memory map of the simulated q35 machine.
 *
 * Shared by the harness (which maps and loads it) and by the guest-side
 * code in firmware/ (which is linked against it). Every address here is
 * an identity mapping: virtual = physical for all guest code we run.
 * docs/memory-map.md explains each choice and its source.
 */
#ifndef SMMHP_MEMMAP_H
#define SMMHP_MEMMAP_H

/* Guest RAM: one host buffer, shared by every engine. Its size is
 * SMMHP_TSEG_BASE + the TSEG size, so that TSEG (at the top of low RAM,
 * as q35 places it) always starts at the firmware's link address:
 * 32 MiB without extended TSEG, 40 MiB with QEMU's default 16 MiB. */

/* Low RAM (below 1 MiB). */
#define SMMHP_TRAMPOLINE_PAGE     0x00001000u /* harness-owned: SMI-entry CS-base trampoline */
#define SMMHP_PLATFORM_INFO_ADDR  0x00003000u /* harness -> firmware boot parameters */
#define SMMHP_OS_SIPI_VECTOR      0x00008000u /* OS AP start-up trampoline (SIPI vector 0x08) */
#define SMMHP_OS_STACKS           0x00010000u /* OS stacks, SMMHP_OS_STACK_SIZE per CPU slot */
#define SMMHP_OS_STACK_SIZE       0x00001000u
#define SMMHP_OS_STACKS_END       0x00050000u
#define SMMHP_DEFAULT_SMBASE      0x00030000u /* reset SMBASE; window 0x30000-0x4FFFF (MCH 0x9C) */
#define SMMHP_DEFAULT_SMRAM_END   0x00050000u
#define SMMHP_MAILBOX_ADDR        0x00050000u /* scenario -> OS actor mailbox (struct smmhp_mailbox) */
#define SMMHP_MAILBOX_END         0x00060000u
#define SMMHP_LOWMEM_FREE_BASE    0x00080000u /* free pages handed out by BootServices->AllocatePages */
#define SMMHP_LOWMEM_FREE_END     0x000A0000u /* highest free page: 0x9F000, as real OVMF gets */

/* OS actor image (ours, freestanding) and the boot firmware stack. */
#define SMMHP_OS_IMAGE_BASE       0x00100000u
#define SMMHP_BOOT_STACK_TOP      0x00400000u
#define SMMHP_FWCFG_DMA_BUFFER    0x00400000u /* shared (unencrypted) bounce page for fw_cfg DMA */

/* TSEG at the top of low RAM. Its size is what the boot code reads from
 * MCH 0x50 (extended TSEG, QEMU's mch.extended-tseg-mbytes), or 8 MiB
 * (ESMRAMC TSEG_SZ = 8 MiB) when the machine has no extended TSEG. */
#define SMMHP_TSEG_BASE           0x01800000u
#define SMMHP_TSEG_SIZE           0x00800000u                        /* without extended TSEG */
#define SMMHP_FW_IMAGE_BASE       SMMHP_TSEG_BASE                    /* firmware ELF link address */
#define SMMHP_FW_IMAGE_MAX        0x00200000u
#define SMMHP_SMM_PAGE_TABLES     (SMMHP_TSEG_BASE + 0x00200000u)    /* 6 pages: 4 GiB identity, 2 MiB pages */
#define SMMHP_SMM_POOL_BASE       (SMMHP_TSEG_BASE + 0x00210000u)    /* MmAllocatePool heap */
#define SMMHP_SMM_POOL_END        (SMMHP_TSEG_BASE + 0x00600000u)
#define SMMHP_SMBASE_TILES        (SMMHP_TSEG_BASE + 0x00600000u)    /* entry point of CPU slot 0 */
#define SMMHP_SMBASE_TILE_SIZE    0x00002000u                        /* as PiSmmCpuDxeSmm tiles them */
#define SMMHP_SMBASE_OF_SLOT(i)   (SMMHP_SMBASE_TILES + (i) * SMMHP_SMBASE_TILE_SIZE - 0x8000u)
/* Per-CPU SMM stacks follow the tiles of all n possible CPUs and the
 * save-state maps of the top three (slot i's map ends at tile i + 0x8000). */
#define SMMHP_SMM_STACK_SIZE      0x00002000u
#define SMMHP_SMM_STACKS_FOR(n)   (SMMHP_SMBASE_TILES + (n) * SMMHP_SMBASE_TILE_SIZE + 0x8000u)
#define SMMHP_TSEG_NEEDED(n)      (SMMHP_SMM_STACKS_FOR(n) + (n) * SMMHP_SMM_STACK_SIZE - SMMHP_TSEG_BASE)
#define SMMHP_MAX_CPUS            4096u                              /* q35's limit since QEMU 9.0 */

/* SMRAM save-state map and handler entry, relative to SMBASE. */
#define SMMHP_SMM_HANDLER_OFFSET  0x8000u
#define SMMHP_SMM_SAVE_STATE_OFF  0xFC00u

/* Local APIC MMIO (xAPIC mode). */
#define SMMHP_LAPIC_BASE          0xFEE00000u
#define SMMHP_LAPIC_SIZE          0x00001000u

#endif
