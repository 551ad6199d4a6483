/* MMI handler registration and dispatch, with the semantics of PiSmmCore's
 * SmiHandlerRegister / SmiHandlerUnRegister / SmiManage
 * (MdeModulePkg/Core/PiSmmCore/Smi.c, edk2-stable202211 and later; PI 1.7
 * vol. 4, MmiManage):
 *  - handlers of one type run in registration order;
 *  - HandlerType NULL (root handlers): every handler runs; the result is
 *    EFI_SUCCESS if any returned EFI_SUCCESS or
 *    EFI_WARN_INTERRUPT_SOURCE_QUIESCED, else the last handler's status
 *    (so EFI_WARN_INTERRUPT_SOURCE_PENDING when all were pending), and
 *    EFI_NOT_FOUND when none is registered;
 *  - a non-NULL type stops at the first EFI_SUCCESS or
 *    EFI_INTERRUPT_PENDING and returns it; an unknown type is
 *    EFI_NOT_FOUND;
 *  - any other status is a firmware bug: ASSERT, as PiSmmCore does.
 * The dispatch handle passed to a handler is its registration handle.
 * Unlike the 2022.11 list walk, a handler may unregister itself (or
 * another) while dispatching: the slot is skipped, and reused later. */
#include "compat_internal.h"
#include <Library/BaseMemoryLib.h>

#define MAX_MMI_HANDLERS  32

typedef struct {
  BOOLEAN                       Active;
  BOOLEAN                       Root;
  EFI_GUID                      Type;
  EFI_MM_HANDLER_ENTRY_POINT    Handler;
} MMI_HANDLER;

static MMI_HANDLER  mHandlers[MAX_MMI_HANDLERS];
static UINTN        mHandlerCount;
static UINTN        mDispatchDepth;

/* Drop unregistered slots, keeping the order, when nobody is iterating. */
static VOID
compact_handlers (VOID)
{
  UINTN  From;
  UINTN  To;

  if (mDispatchDepth != 0) {
    return;
  }

  for (From = 0, To = 0; From < mHandlerCount; From++) {
    if (mHandlers[From].Active) {
      mHandlers[To++] = mHandlers[From];
    }
  }

  mHandlerCount = To;
}

static BOOLEAN
handler_matches (CONST MMI_HANDLER *Entry, CONST EFI_GUID *HandlerType)
{
  if (!Entry->Active) {
    return FALSE;
  }

  if (HandlerType == NULL) {
    return Entry->Root;
  }

  return !Entry->Root && CompareGuid (&Entry->Type, HandlerType);
}

EFI_STATUS
EFIAPI
compat_mmi_register (
  IN  EFI_MM_HANDLER_ENTRY_POINT  Handler,
  IN  CONST EFI_GUID              *HandlerType  OPTIONAL,
  OUT EFI_HANDLE                  *DispatchHandle
  )
{
  MMI_HANDLER  *Entry;

  if ((Handler == NULL) || (DispatchHandle == NULL)) {
    return EFI_INVALID_PARAMETER;
  }

  if (mHandlerCount == MAX_MMI_HANDLERS) {
    compact_handlers ();
  }

  if (mHandlerCount == MAX_MMI_HANDLERS) {
    return EFI_OUT_OF_RESOURCES;
  }

  Entry          = &mHandlers[mHandlerCount++];
  Entry->Active  = TRUE;
  Entry->Root    = (HandlerType == NULL);
  Entry->Handler = Handler;
  if (HandlerType != NULL) {
    CopyGuid (&Entry->Type, HandlerType);
  } else {
    ZeroMem (&Entry->Type, sizeof Entry->Type);
  }

  *DispatchHandle = (EFI_HANDLE)Entry;
  return EFI_SUCCESS;
}

EFI_STATUS
EFIAPI
compat_mmi_unregister (
  IN EFI_HANDLE  DispatchHandle
  )
{
  UINTN  Index;

  for (Index = 0; Index < mHandlerCount; Index++) {
    if (((EFI_HANDLE)&mHandlers[Index] == DispatchHandle) && mHandlers[Index].Active) {
      mHandlers[Index].Active = FALSE;
      compact_handlers ();
      return EFI_SUCCESS;
    }
  }

  return EFI_INVALID_PARAMETER;
}

EFI_STATUS
EFIAPI
compat_mmi_manage (
  IN     CONST EFI_GUID  *HandlerType,
  IN     CONST VOID      *Context         OPTIONAL,
  IN OUT VOID            *CommBuffer      OPTIONAL,
  IN OUT UINTN           *CommBufferSize  OPTIONAL
  )
{
  EFI_STATUS  Status;
  BOOLEAN     Success;
  BOOLEAN     Stopped;
  UINTN       Index;

  Status  = EFI_NOT_FOUND;
  Success = FALSE;
  Stopped = FALSE;
  mDispatchDepth++;
  for (Index = 0; Index < mHandlerCount; Index++) {
    if (!handler_matches (&mHandlers[Index], HandlerType)) {
      continue;
    }

    Status = mHandlers[Index].Handler (
                                (EFI_HANDLE)&mHandlers[Index],
                                Context,
                                CommBuffer,
                                CommBufferSize
                                );
    if ((Status == EFI_SUCCESS) || (Status == EFI_INTERRUPT_PENDING)) {
      if (HandlerType != NULL) {
        Stopped = TRUE;
        break;
      }

      Success = Success || (Status == EFI_SUCCESS);
    } else if (Status == EFI_WARN_INTERRUPT_SOURCE_QUIESCED) {
      Success = TRUE;
    } else if (Status != EFI_WARN_INTERRUPT_SOURCE_PENDING) {
      ASSERT (FALSE); /* PiSmmCore: "Unexpected status code returned." */
    }
  }

  mDispatchDepth--;
  compact_handlers ();
  if (Success && !Stopped) {
    Status = EFI_SUCCESS;
  }

  return Status;
}

EFI_STATUS
compat_mmi_manage_root (VOID)
{
  return compat_mmi_manage (NULL, NULL, NULL, NULL);
}
