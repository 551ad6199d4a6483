/* The HOB list DXE-phase code receives from PEI (gEfiHobListGuid in the
 * system table's configuration table). Trees from edk2-stable202508 on
 * read OVMF's platform-info GUID HOB from CpuHotplugSmm (Smbase.c, to
 * learn the MSR_IA32_FEATURE_CONTROL value the first-SMI handler must
 * program), through DxeHobLib, whose GetHobList asserts without a list.
 *
 * Ours holds the PHIT and the end marker only: with no platform-info HOB
 * the driver programs no FEATURE_CONTROL, which is what OVMF does when
 * QEMU offers no etc/msr_feature_control (PlatformInitLib
 * PlatformFeatureControl...: FeatureControl stays FALSE). docs/smm-core.md. */
#include "core.h"
#include <Pi/PiHob.h>

STATIC struct {
  EFI_HOB_HANDOFF_INFO_TABLE  Phit;
  EFI_HOB_GENERIC_HEADER      End;
} mHobList;

/* HOB_LIST_GUID (MdePkg/Include/Guid/HobList.h) */
STATIC CONST EFI_GUID  mHobListGuid = {
  0x7739f24c, 0x93d7, 0x11d4, { 0x9a, 0x3a, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d }
};

VOID
smmhp_install_hob_list (VOID)
{
  mHobList.Phit.Header.HobType   = EFI_HOB_TYPE_HANDOFF;
  mHobList.Phit.Header.HobLength = sizeof mHobList.Phit;
  mHobList.Phit.Version          = EFI_HOB_HANDOFF_TABLE_VERSION;
  mHobList.Phit.BootMode         = BOOT_WITH_FULL_CONFIGURATION;
  mHobList.Phit.EfiEndOfHobList  = (EFI_PHYSICAL_ADDRESS)(UINTN)&mHobList.End;
  mHobList.End.HobType           = EFI_HOB_TYPE_END_OF_HOB_LIST;
  mHobList.End.HobLength         = sizeof mHobList.End;
  compat_install_configuration_table (&mHobListGuid, &mHobList);
}
