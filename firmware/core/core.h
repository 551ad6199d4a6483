/* Platform SMM core and boot code: internal interface.
 *
 * The data structures keep PiSmmCpuDxeSmm's names and shapes (edk2
 * 2022.11 UefiCpuPkg/PiSmmCpuDxeSmm/PiSmmCpuDxeSmm.h) so that the real
 * module can later replace this core. docs/smm-core.md lists every rule.
 */
#ifndef SMMHP_CORE_H
#define SMMHP_CORE_H

#include <PiSmm.h>
#include <Protocol/SmmCpuService.h>
#include <Protocol/MmCpuIo.h>
#include <CpuHotPlugData.h>
/* CPU hot-unplug (CPU_HOT_EJECT_DATA) arrived in edk2-stable202105; the
 * 2020.11 tree has no such header and its SmmCpuFeaturesLib no eject
 * data, so the core follows the tree it is built against. */
#if __has_include(<Pcd/CpuHotEjectData.h>)
#include <Pcd/CpuHotEjectData.h>
#define SMMHP_HAVE_CPU_HOT_EJECT 1
#else
#define SMMHP_HAVE_CPU_HOT_EJECT 0
#endif

#include "../compat/compat.h"
#include "../../include/smmhp/memmap.h"
#include "../../include/smmhp/ports.h"
#include "../../include/smmhp/mailbox.h"
#include "smm_core_abi.h"


/* MCH SMRAM (0x9D) D_OPEN, which Q35MchIch9.h does not name. */
#define SMMHP_MCH_SMRAM_D_OPEN  BIT6

/* PiSmmCpuDxeSmm.h (2022.11): a free ProcessorInfo / CPU_HOT_PLUG_DATA slot. */
#define INVALID_APIC_ID  0xFFFFFFFFFFFFFFFFULL

/* PiSmmCpuDxeSmm.h SMM_CPU_OPERATION (2022.11). */
typedef enum {
  SmmCpuNone,
  SmmCpuAdd,
  SmmCpuRemove,
  SmmCpuSwitchBsp
} SMM_CPU_OPERATION;

/* PiSmmCpuDxeSmm.h SMM_CPU_PRIVATE_DATA, reduced to what the core uses. */
typedef struct {
  EFI_PROCESSOR_INFORMATION  *ProcessorInfo;
  SMM_CPU_OPERATION          *Operation;
  UINTN                      *CpuSaveStateSize;
  VOID                       **CpuSaveState;
  EFI_MM_ENTRY_CONTEXT       SmmCoreEntryContext;
} SMM_CPU_PRIVATE_DATA;

/* MpService.c semaphores and SMM_DISPATCHER_MP_SYNC_DATA (2022.11). */
typedef struct {
  volatile UINT32   Run;
  volatile BOOLEAN  Present;
} SMM_CPU_DATA_BLOCK;

typedef struct {
  volatile UINT32   Counter;
  volatile BOOLEAN  InsideSmm;
  volatile BOOLEAN  AllCpusInSync;
  volatile UINT32   BspIndex;
  UINT8             EffectiveSyncMode;
  volatile BOOLEAN  AllApArrivedWithException;
  SMM_CPU_DATA_BLOCK CpuData[SMMHP_MAX_CPUS];
} SMM_DISPATCHER_MP_SYNC_DATA;

/* PcdCpuSmmSyncMode values (UefiCpuPkg.dec). */
#define SmmCpuSyncModeTradition   0
#define SmmCpuSyncModeRelaxedAp   1

extern SMM_CPU_PRIVATE_DATA         *gSmmCpuPrivate;
extern SMM_DISPATCHER_MP_SYNC_DATA  *mSmmMpSyncData;
extern UINTN                        mMaxNumberOfCpus;
extern UINTN                        mNumberOfCpus;
extern CPU_HOT_PLUG_DATA            mCpuHotPlugData;
#if SMMHP_HAVE_CPU_HOT_EJECT
extern CPU_HOT_EJECT_DATA           *mCpuHotEjectData;
#endif
extern EFI_SMM_CPU_SERVICE_PROTOCOL mSmmCpuService;
extern EFI_MM_CPU_IO_PROTOCOL       mSmmCpuIo;

/* Boot CPUs found at reset (the MpInitLib analogue, boot_mp.c). */
extern volatile UINT32  smmhp_boot_ap_count;
/* The BSP's APIC mode once PEI has chosen it (cpu_count.c): boot APs
 * wait for it and take the same mode (boot_entry.nasm). */
extern volatile UINT32  smmhp_boot_apic_mode;
extern volatile UINT32  smmhp_boot_apic_id[SMMHP_MAX_CPUS];

/* Relocation handler data (reloc.nasm reads it, relocate.c fills it). */
extern UINT8            smmhp_reloc_handler[];
extern UINT8            smmhp_reloc_handler_end[];
extern volatile UINT32  smmhp_reloc_count;
extern UINT8            smmhp_nasm_reloc_max_cpus[];
extern volatile UINT32  smmhp_reloc_apic_id[SMMHP_MAX_CPUS];
extern volatile UINT32  smmhp_reloc_smbase[SMMHP_MAX_CPUS];
extern volatile BOOLEAN smmhp_reloc_rebased[SMMHP_MAX_CPUS];

/* SMI entry stub template (smi_entry.nasm) and its patch points. */
extern UINT8  smmhp_smi_stub[];
extern UINT8  smmhp_smi_stub_end[];
extern UINT8  smmhp_smi_stub_gdtr[];
extern UINT8  smmhp_smi_stub_cpu_index[];
extern UINT64 smmhp_smm_gdt[];
extern UINT8  smmhp_smm_gdt_end[];

/* Low-RAM code (boot_entry.nasm): copied out of TSEG before it closes. */
extern UINT8  smmhp_lock_and_go[];
extern UINT8  smmhp_lock_and_go_end[];

/* chipset.c */
UINT8  smmhp_pci_read8 (UINT32 Bdf, UINT32 Reg);
VOID   smmhp_pci_write8 (UINT32 Bdf, UINT32 Reg, UINT8 Value);
UINT32 smmhp_pci_read32 (UINT32 Bdf, UINT32 Reg);
VOID   smmhp_pci_write32 (UINT32 Bdf, UINT32 Reg, UINT32 Value);
VOID   smmhp_chipset_init (VOID);
extern UINT32  smmhp_tseg_size;   /* bytes, from MCH 0x50 (InitTseg) */

/* cpu_count.c */
VOID smmhp_max_cpu_count_init (VOID);
VOID smmhp_platform_apic_mode_init (UINT32 MaxCpuCount);

/* boot_mp.c */
UINTN smmhp_collect_boot_cpus (UINT32 *ApicIds, UINTN Max);

/* smm_init.c */
VOID smmhp_smm_init (VOID);

/* relocate.c */
VOID SmmRelocateBases (VOID);

/* features.c: OVMF SmmCpuFeaturesLib / SmmCpuPlatformHookLibQemu rules. */
VOID       InitCpuHotEjectData (VOID);
VOID       smmhp_install_hob_list (VOID);
/* Close and lock SMRAM from low RAM, then jump to Entry (boot.c). */
VOID __attribute__ ((noreturn)) LockAndStartOs (UINT32 Entry);
VOID       SmmCpuFeaturesRendezvousExit (UINTN CpuIndex);
EFI_STATUS PlatformSmmBspElection (BOOLEAN *IsBsp);

/* sync_timer.c */
VOID    InitializeSmmTimer (VOID);
UINT64  StartSyncTimer (VOID);
BOOLEAN IsSyncTimerTimeout (UINT64 Timer);

/* rendezvous.c */
VOID EFIAPI smmhp_smi_rendezvous (UINTN CpuIndex);
VOID        InitializeMpSyncData (VOID);

/* cpu_service.c */
VOID SmmCpuUpdate (VOID);

/* dispatch.c: the PiSmmCore entry-point analogue run by the monarch. */
extern volatile BOOLEAN smmhp_dispatch_pending;
VOID       smmhp_smm_core_entry (EFI_MM_ENTRY_CONTEXT *Context);
EFI_STATUS smmhp_dispatch_smm_drivers (VOID);

/* Upstream entry points in the same link. */
EFI_STATUS EFIAPI CpuHotplugEntry (EFI_HANDLE ImageHandle, EFI_SYSTEM_TABLE *SystemTable);
BOOLEAN NegotiateSmiFeatures (VOID);

#endif
