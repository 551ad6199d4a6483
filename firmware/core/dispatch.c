/* The MM core's per-SMI entry, run by the SMM monarch from BSPHandler, and
 * the boot-side trigger that gets the SMM drivers' entry points run in
 * SMM. Rules from MdeModulePkg/Core/PiSmmCore/PiSmmCore.c SmmEntryPoint
 * (edk2 2022.11): publish the entry context in the MM services table,
 * run the requested dispatch (PiSmmIpl's communication), then the root
 * MMI handlers. Our dispatch is a flag plus an APM command instead of a
 * communication buffer; the "dispatcher" knows one driver. */
#include "core.h"
#include <Library/IoLib.h>
#include <IndustryStandard/Q35MchIch9.h>

volatile BOOLEAN     smmhp_dispatch_pending;
STATIC EFI_STATUS    mDispatchStatus;
/* Any non-NULL handle: CpuHotplugSmm does not use its ImageHandle. */
STATIC UINTN         mImageHandle = 1;

VOID
smmhp_smm_core_entry (EFI_MM_ENTRY_CONTEXT *Context)
{
  EFI_STATUS  Status;

  gMmst->CurrentlyExecutingCpu = Context->CurrentlyExecutingCpu;
  gMmst->NumberOfCpus          = Context->NumberOfCpus;
  gMmst->CpuSaveStateSize      = Context->CpuSaveStateSize;
  gMmst->CpuSaveState          = Context->CpuSaveState;

  if (smmhp_dispatch_pending) {
    smmhp_install_hob_list (); /* newer trees' HobLib needs it */
    /* EFI_UNSUPPORTED is a legitimate "not loaded" (no SMRAM at default
     * SMBASE, or a single possible CPU). */
    mDispatchStatus = CpuHotplugEntry ((EFI_HANDLE)&mImageHandle, compat_system_table ());
    DEBUG ((DEBUG_INFO, "smmhp: CpuHotplugEntry: %r\n", mDispatchStatus));
    MemoryFence ();
    smmhp_dispatch_pending = FALSE;
  }

  Status = compat_mmi_manage_root ();
  DEBUG ((DEBUG_VERBOSE, "smmhp: root MMI dispatch: %r\n", Status));
  (VOID)Status;
}

/* OvmfPkg/SmmControl2Dxe/SmmControl2Dxe.c SmmControl2DxeTrigger (2022.11):
 * data byte to APM_STS (0xB3), then the command to APM_CNT (0xB2), which
 * raises the (broadcast) SMI. We return once the monarch ran the entry
 * points. */
EFI_STATUS
smmhp_dispatch_smm_drivers (VOID)
{
  smmhp_dispatch_pending = TRUE;
  MemoryFence ();
  IoWrite8 (ICH9_APM_STS, 0);
  IoWrite8 (ICH9_APM_CNT, SMMHP_APM_CMD_DISPATCH);
  while (smmhp_dispatch_pending) {
    CpuPause ();
  }

  return mDispatchStatus;
}
