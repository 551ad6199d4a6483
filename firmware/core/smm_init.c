/* SMM core initialisation on the BSP, outside SMM, in the order of
 * UefiCpuPkg/PiSmmCpuDxeSmm/PiSmmCpuDxeSmm.c PiCpuSmmEntry (edk2 2022.11). */
#include "core.h"
#include <Protocol/MpService.h>
#include <Library/BaseMemoryLib.h>
#include <Library/LocalApicLib.h>

/* SMRAM_SAVE_STATE_MAP is 0x400 bytes at SMBASE+0xFC00 (AMD64 layout). */
#define SMMHP_SAVE_STATE_SIZE  0x400u

/* PiSmmCpuDxeSmm.h paging bits (2022.11): PAGE_ATTRIBUTE_BITS = P|RW|U|A|D. */
#define PG_P      BIT0
#define PG_RW     BIT1
#define PG_U      BIT2
#define PG_A      BIT5
#define PG_D      BIT6
#define PG_PS     BIT7
#define PAGE_ATTRIBUTE_BITS  (PG_D | PG_A | PG_U | PG_RW | PG_P)
#define PAGING_1G_ADDRESS_MASK_64  0x000FFFFFC0000000ull

extern UINT64 smmhp_smm_cr3, smmhp_smm_stack_base, smmhp_smm_stack_size;

SMM_CPU_PRIVATE_DATA         mSmmCpuPrivateData;
SMM_CPU_PRIVATE_DATA         *gSmmCpuPrivate = &mSmmCpuPrivateData;
STATIC SMM_DISPATCHER_MP_SYNC_DATA  mSmmMpSyncDataStorage;
SMM_DISPATCHER_MP_SYNC_DATA  *mSmmMpSyncData = &mSmmMpSyncDataStorage;
UINTN                        mMaxNumberOfCpus = 1;
UINTN                        mNumberOfCpus    = 1;
CPU_HOT_PLUG_DATA            mCpuHotPlugData  = { .Revision = CPU_HOT_PLUG_DATA_REVISION_1 };

STATIC VOID *
SmramAllocate (UINTN Size)
{
  EFI_STATUS  Status;
  VOID        *Buffer;

  Status = gMmst->MmAllocatePool (EfiRuntimeServicesData, Size, &Buffer);
  ASSERT_EFI_ERROR (Status);
  if (EFI_ERROR (Status)) {
    CpuDeadLoop ();
  }

  ZeroMem (Buffer, Size);
  return Buffer;
}

/* MpService.c Gen4GPageTable + X64/PageTbl.c SmmInitPageTable (2022.11):
 * identity map of 4 GiB in 2 MiB pages, every entry carrying
 * mAddressEncMask (the SEV C-bit from PcdPteMemoryEncryptionAddressOrMask). */
STATIC VOID
BuildPageTables (VOID)
{
  UINT64  *Pml4;
  UINT64  *Pdpt;
  UINT64  *Pd;
  UINT64  EncMask;
  UINTN   Index;

  EncMask = PcdGet64 (PcdPteMemoryEncryptionAddressOrMask) & PAGING_1G_ADDRESS_MASK_64;
  Pml4    = (UINT64 *)(UINTN)SMMHP_SMM_PAGE_TABLES;
  Pdpt    = Pml4 + 512;
  Pd      = Pdpt + 512;
  ZeroMem (Pml4, EFI_PAGES_TO_SIZE (6));
  Pml4[0] = (UINT64)(UINTN)Pdpt | EncMask | PAGE_ATTRIBUTE_BITS;
  for (Index = 0; Index < 4; Index++) {
    Pdpt[Index] = (UINT64)(UINTN)(Pd + 512 * Index) | EncMask | PAGE_ATTRIBUTE_BITS;
  }

  for (Index = 0; Index < 4 * 512; Index++) {
    Pd[Index] = ((UINT64)Index << 21) | EncMask | PG_PS | PAGE_ATTRIBUTE_BITS;
  }

#ifdef MDE_CPU_IA32
  /* Ia32/PageTbl.c: Gen4GPageTable (TRUE), PAE paging. CR3 points at the
   * four PDPTEs, which carry only P (IA32_PAE_PDPTE_ATTRIBUTE_BITS; the
   * other low bits are reserved in PAE PDPTEs); no PML4. */
  for (Index = 0; Index < 4; Index++) {
    Pdpt[Index] = (UINT64)(UINTN)(Pd + 512 * Index) | EncMask | PG_P;
  }

  smmhp_smm_cr3 = (UINT64)(UINTN)Pdpt;
#else
  smmhp_smm_cr3 = (UINT64)(UINTN)Pml4;
#endif
}

/* PiCpuSmmEntry: arrays sized for every possible CPU (PcdCpuHotPlugSupport
 * is TRUE in OVMF's SMM build); SmBase[i] = tile i - SMM_HANDLER_OFFSET;
 * boot CPUs get their APIC ID from MP services, the rest INVALID_APIC_ID;
 * SMRR = TSEG (FindSmramInfo). */
STATIC VOID
InitCpuData (VOID)
{
  UINT32  ApicIds[SMMHP_MAX_CPUS];
  UINT32  BspApicId;
  UINTN   Index;

  mMaxNumberOfCpus = gCompatPcds.CpuMaxLogicalProcessorNumber;
  mNumberOfCpus    = smmhp_collect_boot_cpus (ApicIds, mMaxNumberOfCpus);
  BspApicId        = GetInitialApicId ();

  gSmmCpuPrivate->SmmCoreEntryContext.NumberOfCpus = mMaxNumberOfCpus;
  gSmmCpuPrivate->ProcessorInfo    = SmramAllocate (sizeof (EFI_PROCESSOR_INFORMATION) * mMaxNumberOfCpus);
  gSmmCpuPrivate->Operation        = SmramAllocate (sizeof (SMM_CPU_OPERATION) * mMaxNumberOfCpus);
  gSmmCpuPrivate->CpuSaveStateSize = SmramAllocate (sizeof (UINTN) * mMaxNumberOfCpus);
  gSmmCpuPrivate->CpuSaveState     = SmramAllocate (sizeof (VOID *) * mMaxNumberOfCpus);
  gSmmCpuPrivate->SmmCoreEntryContext.CpuSaveStateSize = gSmmCpuPrivate->CpuSaveStateSize;
  gSmmCpuPrivate->SmmCoreEntryContext.CpuSaveState     = gSmmCpuPrivate->CpuSaveState;

  mCpuHotPlugData.ApicId      = SmramAllocate (sizeof (UINT64) * mMaxNumberOfCpus);
  mCpuHotPlugData.SmBase      = SmramAllocate (sizeof (UINTN) * mMaxNumberOfCpus);
  mCpuHotPlugData.ArrayLength = (UINT32)mMaxNumberOfCpus;
  mCpuHotPlugData.SmrrBase    = SMMHP_TSEG_BASE;
  mCpuHotPlugData.SmrrSize    = smmhp_tseg_size;

  for (Index = 0; Index < mMaxNumberOfCpus; Index++) {
    mCpuHotPlugData.SmBase[Index]           = SMMHP_SMBASE_OF_SLOT (Index);
    gSmmCpuPrivate->CpuSaveStateSize[Index] = SMMHP_SAVE_STATE_SIZE;
    gSmmCpuPrivate->CpuSaveState[Index]     =
      (VOID *)(mCpuHotPlugData.SmBase[Index] + SMMHP_SMM_SAVE_STATE_OFF);
    gSmmCpuPrivate->Operation[Index] = SmmCpuNone;

    if (Index < mNumberOfCpus) {
      EFI_PROCESSOR_INFORMATION  *Info = &gSmmCpuPrivate->ProcessorInfo[Index];

      /* MpLib.c GetProcessorInfo: enabled and healthy; BSP flagged. */
      Info->ProcessorId = ApicIds[Index];
      Info->StatusFlag  = PROCESSOR_ENABLED_BIT | PROCESSOR_HEALTH_STATUS_BIT |
                          (ApicIds[Index] == BspApicId ? PROCESSOR_AS_BSP_BIT : 0);
      GetProcessorLocationByApicId (ApicIds[Index], &Info->Location.Package,
        &Info->Location.Core, &Info->Location.Thread);
      mCpuHotPlugData.ApicId[Index] = Info->ProcessorId;
      DEBUG ((DEBUG_INFO, "CPU[%03x]  APIC ID=%04x  SMBASE=%08x  SaveState=%08x  Size=%08x\n",
              Index, ApicIds[Index], mCpuHotPlugData.SmBase[Index],
              gSmmCpuPrivate->CpuSaveState[Index], SMMHP_SAVE_STATE_SIZE));
    } else {
      gSmmCpuPrivate->ProcessorInfo[Index].ProcessorId = INVALID_APIC_ID;
      mCpuHotPlugData.ApicId[Index]                    = INVALID_APIC_ID;
    }
  }
}

/* MpService.c InitializeMpServiceData -> SmramSaveState.c InstallSmiHandler
 * (2022.11): the entry stub goes into the tile of every possible CPU,
 * patched with that CPU's index, the GDT and (for us) nothing else. */
STATIC VOID
InstallSmiHandlers (VOID)
{
  UINTN   StubSize;
  UINTN   Index;
  UINT8   *Tile;
  UINT16  GdtLimit;
  UINT32  GdtBase;

  StubSize = (UINTN)(smmhp_smi_stub_end - smmhp_smi_stub);
  GdtLimit = (UINT16)(smmhp_smm_gdt_end - (UINT8 *)smmhp_smm_gdt - 1);
  GdtBase  = (UINT32)(UINTN)smmhp_smm_gdt;
  /* The stub must not reach into the next tiles' save-state maps. */
  ASSERT (StubSize <= (SMMHP_SMM_SAVE_STATE_OFF - SMMHP_SMM_HANDLER_OFFSET) % SMMHP_SMBASE_TILE_SIZE);

  for (Index = 0; Index < mMaxNumberOfCpus; Index++) {
    Tile = (UINT8 *)(mCpuHotPlugData.SmBase[Index] + SMMHP_SMM_HANDLER_OFFSET);
    CopyMem (Tile, smmhp_smi_stub, StubSize);
    CopyMem (Tile + (smmhp_smi_stub_gdtr - smmhp_smi_stub), &GdtLimit, sizeof GdtLimit);
    CopyMem (Tile + (smmhp_smi_stub_gdtr - smmhp_smi_stub) + 2, &GdtBase, sizeof GdtBase);
    *(UINT32 *)(Tile + (smmhp_smi_stub_cpu_index - smmhp_smi_stub)) = (UINT32)Index;
  }
}

STATIC VOID
InstallProtocols (VOID)
{
  EFI_STATUS  Status;

  /* CpuService.c InitializeSmmCpuServices (2022.11). */
  Status = compat_mm_install_protocol (&gEfiSmmCpuServiceProtocolGuid, &mSmmCpuService);
  ASSERT_EFI_ERROR (Status);
  /* MdeModulePkg/Universal/CpuIo2Smm (loaded before CpuHotplugSmm in OVMF). */
  Status = compat_mm_install_protocol (&gEfiMmCpuIoProtocolGuid, &mSmmCpuIo);
  ASSERT_EFI_ERROR (Status);
}

/* PiCpuSmmEntry allocates the tiles and the SMM stacks of every possible
 * CPU from SMRAM and stops (ASSERT, then a dead loop) when TSEG cannot
 * hold them; our layout fixes where they go (memmap.h). */
STATIC VOID
CheckSmramFits (UINTN MaxCpus)
{
  UINT64  Needed;

  Needed = SMMHP_TSEG_NEEDED ((UINT64)MaxCpus);
  if (Needed > smmhp_tseg_size) {
    DEBUG ((DEBUG_ERROR, "smmhp: out of SMRAM: %u possible CPUs need a TSEG of %u MiB, it has %u MiB\n",
            (UINT32)MaxCpus, (UINT32)((Needed + 0xFFFFF) >> 20), smmhp_tseg_size >> 20));
    ASSERT (FALSE);
    CpuDeadLoop ();
  }
}

VOID
smmhp_smm_init (VOID)
{
  CheckSmramFits (gCompatPcds.CpuMaxLogicalProcessorNumber);
  InitCpuData ();
  smmhp_smm_stack_base = SMMHP_SMM_STACKS_FOR (mMaxNumberOfCpus);
  smmhp_smm_stack_size = SMMHP_SMM_STACK_SIZE;
  BuildPageTables ();

  SmmRelocateBases ();
  InitCpuHotEjectData ();   /* SmmCpuFeaturesSmmRelocationComplete */
  InitializeSmmTimer ();
  InitializeMpSyncData ();
  InstallSmiHandlers ();

  /* PiCpuSmmEntry: expose CPU_HOT_PLUG_DATA (PcdCpuHotPlugSupport). */
  gCompatPcds.CpuHotPlugDataAddress = (UINT64)(UINTN)&mCpuHotPlugData;
  InstallProtocols ();
}
