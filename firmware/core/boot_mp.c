/* Boot CPU discovery: what MpInitLib does for PiSmmCpuDxeSmm through
 * EFI_MP_SERVICES_PROTOCOL (UefiCpuPkg/Library/MpInitLib/MpLib.c, edk2
 * 2022.11), reduced to the APIC IDs. */
#include "core.h"
#include <Library/LocalApicLib.h>

/* Rule (MpLib.c CollectProcessorCount with PcdCpuBootLogicalProcessorNumber
 * nonzero): wait for exactly BootCount - 1 APs, without timeout. Our APs
 * report from smmhp_ap_park (boot_entry.nasm) instead of the SIPI wake-up.
 * Rule (MpLib.c SortApicId): processor numbers follow ascending APIC ID.
 * Returns the number of CPUs written to ApicIds. */
UINTN
smmhp_collect_boot_cpus (UINT32 *ApicIds, UINTN Max)
{
  UINTN   Boot;
  UINTN   Count;
  UINTN   Slot;
  UINTN   Index;
  UINT32  Id;

  Boot = gCompatPcds.CpuBootLogicalProcessorNumber;
  ASSERT (Boot >= 1 && Boot <= Max);
  while (smmhp_boot_ap_count < Boot - 1) {
    CpuPause ();
  }

  /* The BSP's own slot is 0 (harness contract). */
  smmhp_boot_apic_id[0] = GetInitialApicId ();

  Count = 0;
  for (Slot = 0; Slot < SMMHP_MAX_CPUS && Count < Boot; Slot++) {
    Id = smmhp_boot_apic_id[Slot];
    if (Id == MAX_UINT32) {
      continue;
    }

    /* Insertion sort by APIC ID. */
    for (Index = Count; Index > 0 && ApicIds[Index - 1] > Id; Index--) {
      ApicIds[Index] = ApicIds[Index - 1];
    }

    ApicIds[Index] = Id;
    Count++;
  }

  ASSERT (Count == Boot);
  return Count;
}
