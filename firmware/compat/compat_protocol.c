/* The MM protocol database: the SMM core installs the protocols the
 * platform provides (EFI_MM_CPU_IO, EFI_SMM_CPU_SERVICE, ...), drivers find
 * them through gMmst->MmLocateProtocol. One interface per GUID, no handles:
 * nothing under test needs more. */
#include "compat_internal.h"
#include <Library/BaseMemoryLib.h>

#define MAX_PROTOCOLS  16

typedef struct {
  EFI_GUID    Guid;
  VOID        *Interface;
} PROTOCOL_ENTRY;

static PROTOCOL_ENTRY  mProtocols[MAX_PROTOCOLS];
static UINTN           mProtocolCount;

static PROTOCOL_ENTRY *
find_protocol (CONST EFI_GUID *Guid)
{
  UINTN  Index;

  for (Index = 0; Index < mProtocolCount; Index++) {
    if (CompareGuid (&mProtocols[Index].Guid, Guid)) {
      return &mProtocols[Index];
    }
  }

  return NULL;
}

EFI_STATUS
compat_mm_install_protocol (CONST EFI_GUID *Guid, VOID *Interface)
{
  if ((Guid == NULL) || (find_protocol (Guid) != NULL)) {
    return EFI_INVALID_PARAMETER;
  }

  if (mProtocolCount == MAX_PROTOCOLS) {
    return EFI_OUT_OF_RESOURCES;
  }

  CopyGuid (&mProtocols[mProtocolCount].Guid, Guid);
  mProtocols[mProtocolCount].Interface = Interface;
  mProtocolCount++;
  return EFI_SUCCESS;
}

EFI_STATUS
EFIAPI
compat_mm_locate_protocol (
  IN  EFI_GUID  *Protocol,
  IN  VOID      *Registration OPTIONAL,
  OUT VOID      **Interface
  )
{
  PROTOCOL_ENTRY  *Entry;

  (VOID)Registration;
  if ((Interface == NULL) || (Protocol == NULL)) {
    return EFI_INVALID_PARAMETER;
  }

  Entry = find_protocol (Protocol);
  if (Entry == NULL) {
    *Interface = NULL;
    return EFI_NOT_FOUND;
  }

  *Interface = Entry->Interface;
  return EFI_SUCCESS;
}
