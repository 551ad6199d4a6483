/* UefiLib's EfiGetSystemConfigurationTable (DxeHobLib finds the HOB list
 * with it), over the system table of compat_bs.c; the rest of UefiLib is
 * not needed by anything under test. */
#include "compat.h"
#include <Library/BaseMemoryLib.h>
#include <Library/UefiLib.h>

EFI_STATUS
EFIAPI
EfiGetSystemConfigurationTable (
  IN  EFI_GUID  *TableGuid,
  OUT VOID      **Table
  )
{
  EFI_SYSTEM_TABLE  *SystemTable;
  UINTN             Index;

  SystemTable = compat_system_table ();
  *Table      = NULL;
  for (Index = 0; Index < SystemTable->NumberOfTableEntries; Index++) {
    if (CompareGuid (TableGuid, &SystemTable->ConfigurationTable[Index].VendorGuid)) {
      *Table = SystemTable->ConfigurationTable[Index].VendorTable;
      return EFI_SUCCESS;
    }
  }

  return EFI_NOT_FOUND;
}
