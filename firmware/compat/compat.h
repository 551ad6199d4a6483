/* Interface between the platform SMM core / boot code (firmware/core/)
 * and the edk2 compatibility layer (firmware/compat/).
 *
 * The compatibility layer is what the platform supplies to upstream edk2
 * code: PCD storage, the MM services table and its protocol database, the
 * boot-services page allocator, DebugLib, TimerLib, fw_cfg access. The
 * SMM core uses these entry points to fill it in.
 *
 * Include after the edk2 headers (PiSmm.h / PiDxe.h).
 */
#ifndef SMMHP_COMPAT_H
#define SMMHP_COMPAT_H

#include <Uefi.h>
#include <Pi/PiMmCis.h>

/* Run-time PCD values (dynamic PCDs of the real platform). */
struct compat_pcds {
  UINT64  CpuHotPlugDataAddress;        /* PcdCpuHotPlugDataAddress */
  UINT64  CpuHotEjectDataAddress;       /* PcdCpuHotEjectDataAddress */
  BOOLEAN Q35SmramAtDefaultSmbase;      /* PcdQ35SmramAtDefaultSmbase */
  UINT64  CpuSmmApSyncTimeout;          /* PcdCpuSmmApSyncTimeout (us) */
  UINT64  CpuSmmApSyncTimeout2;         /* PcdCpuSmmApSyncTimeout2 (us) */
  UINT8   CpuSmmSyncMode;               /* PcdCpuSmmSyncMode */
  UINT32  CpuMaxLogicalProcessorNumber; /* PcdCpuMaxLogicalProcessorNumber */
  UINT32  CpuBootLogicalProcessorNumber;/* PcdCpuBootLogicalProcessorNumber */
};
extern struct compat_pcds gCompatPcds;

/* MM services table handed to SMM drivers (gMmst). */
extern EFI_MM_SYSTEM_TABLE *gMmst;

/* Install a protocol interface in the MM protocol database, so that
 * gMmst->MmLocateProtocol finds it. */
EFI_STATUS compat_mm_install_protocol (CONST EFI_GUID *Guid, VOID *Interface);

/* Dispatch the root MMI handlers (those registered with a NULL
 * HandlerType), as PiSmmCore's MmiManage(NULL, ...) does; returns the
 * aggregated status of MmiManage. */
EFI_STATUS compat_mmi_manage_root (VOID);

/* The EFI system table handed to DXE_SMM_DRIVER entry points; only
 * BootServices->AllocatePages/FreePages are functional (low-RAM pages
 * from SMMHP_LOWMEM_FREE_BASE..END, AllocateMaxAddress honoured). */
EFI_SYSTEM_TABLE *compat_system_table (VOID);

/* Tell the harness a boot milestone (enum smmhp_phase). */
VOID compat_report_phase (UINTN Phase);

/* Sleep for the given virtual time (TimerLib goes through this too). */
VOID compat_delay_us (UINT64 MicroSeconds);

/* ---- added by the compatibility layer (beyond the first interface) ---- */

/* Report an unrecoverable firmware error (SMMHP_SVC_FATAL with the reason)
 * and stop this CPU in CpuDeadLoop. */
VOID compat_fatal (CONST CHAR8 *Reason) __attribute__ ((noreturn));
VOID compat_unsupported (CONST CHAR8 *Reason) __attribute__ ((noreturn));

/* Virtual time in nanoseconds since machine reset (SMMHP_SVC_CLOCK_NS):
 * TimerLib's performance counter (1 GHz). */
UINT64 compat_clock_ns (VOID);

/* The SEV status MSR (0xC0010131) as OVMF's reset vector reads it: 0 when
 * CPUID 0x8000001F does not report SEV. Bit 0 SEV, 1 SEV-ES, 2 SEV-SNP. */
UINT64 compat_sev_status (VOID);

/* Values PlatformPei would have stored in PcdConfidentialComputingGuestAttr
 * and PcdPteMemoryEncryptionAddressOrMask (the C-bit), derived from
 * compat_sev_status() and CPUID 0x8000001F. */
UINT64 compat_pcd_cc_guest_attr (VOID);
/* Under SEV: make the fw_cfg DMA bounce page shared, as IoMmuDxe's Map
 * does for QemuFwCfgLib (compat_sev.c). */
VOID compat_sev_share_dma_page (VOID);
UINT64 compat_pcd_pte_enc_mask (VOID);

/* SMRAM pool (SMMHP_SMM_POOL_BASE..END) behind gMmst->MmAllocatePool and
 * MemoryAllocationLib; NULL when exhausted. Zeroed when Zero is TRUE. */
VOID *compat_pool_alloc (UINTN Size, BOOLEAN Zero);
VOID  compat_pool_free (VOID *Buffer);

/* Add a (GUID, table) pair to the EFI system table's configuration table
 * (EfiGetSystemConfigurationTable finds it): e.g. gEfiHobListGuid -> the
 * HOB list, which DxeHobLib reads (CpuHotplugSmm reads the OVMF platform
 * info HOB there in 2026 trees). */
EFI_STATUS compat_install_configuration_table (CONST EFI_GUID *Guid, VOID *Table);

#endif
