/* DebugLib instance: format with upstream BasePrintLib, write the bytes to
 * the QEMU debug console (port 0x402) the way OVMF's PlatformDebugLibIoPort
 * does. The level and property masks are OVMF's PCD values (AutoGen.h).
 * Variadic entry points are EFIAPI (ms_abi), as DebugLib.h declares them:
 * VA_LIST is then __builtin_ms_va_list on both sides. */
#include "compat.h"
#include <Library/BaseMemoryLib.h>
#include <Library/PrintLib.h>
#include <smmhp/ports.h>

#define DEBUG_BUFFER_SIZE  512

static VOID
debugcon_write (CONST CHAR8 *Text)
{
  for ( ; *Text != '\0'; Text++) {
    __asm__ __volatile__ ("outb %b0, %w1" : : "a" (*Text), "Nd" ((UINT16)SMMHP_PORT_DEBUGCON));
  }
}

VOID
EFIAPI
DebugVPrint (
  IN UINTN        ErrorLevel,
  IN CONST CHAR8  *Format,
  IN VA_LIST      VaListMarker
  )
{
  CHAR8  Buffer[DEBUG_BUFFER_SIZE];

  if (!DebugPrintLevelEnabled (ErrorLevel)) {
    return;
  }

  AsciiVSPrint (Buffer, sizeof Buffer, Format, VaListMarker);
  debugcon_write (Buffer);
}

VOID
EFIAPI
DebugPrint (
  IN UINTN        ErrorLevel,
  IN CONST CHAR8  *Format,
  ...
  )
{
  VA_LIST  Marker;

  VA_START (Marker, Format);
  DebugVPrint (ErrorLevel, Format, Marker);
  VA_END (Marker);
}

VOID
EFIAPI
DebugBPrint (
  IN UINTN        ErrorLevel,
  IN CONST CHAR8  *Format,
  IN BASE_LIST    BaseListMarker
  )
{
  CHAR8  Buffer[DEBUG_BUFFER_SIZE];

  if (!DebugPrintLevelEnabled (ErrorLevel)) {
    return;
  }

  AsciiBSPrint (Buffer, sizeof Buffer, Format, BaseListMarker);
  debugcon_write (Buffer);
}

/* Print "ASSERT file(line): expr", hand the same text to the harness as
 * the fatal reason, and stop (PcdDebugPropertyMask has ASSERT_DEADLOOP). */
VOID
EFIAPI
DebugAssert (
  IN CONST CHAR8  *FileName,
  IN UINTN        LineNumber,
  IN CONST CHAR8  *Description
  )
{
  static CHAR8  Buffer[DEBUG_BUFFER_SIZE];

  AsciiSPrint (
    Buffer,
    sizeof Buffer,
    "ASSERT %a(%Lu): %a\n",
    FileName,
    (UINT64)LineNumber,
    Description
    );
  debugcon_write (Buffer);
  compat_fatal (Buffer);
}

VOID *
EFIAPI
DebugClearMemory (
  OUT VOID  *Buffer,
  IN UINTN  Length
  )
{
  return SetMem (Buffer, Length, PcdGet8 (PcdDebugClearMemoryValue));
}

BOOLEAN
EFIAPI
DebugAssertEnabled (
  VOID
  )
{
  return (PcdGet8 (PcdDebugPropertyMask) & DEBUG_PROPERTY_DEBUG_ASSERT_ENABLED) != 0;
}

BOOLEAN
EFIAPI
DebugPrintEnabled (
  VOID
  )
{
  return (PcdGet8 (PcdDebugPropertyMask) & DEBUG_PROPERTY_DEBUG_PRINT_ENABLED) != 0;
}

BOOLEAN
EFIAPI
DebugCodeEnabled (
  VOID
  )
{
  return (PcdGet8 (PcdDebugPropertyMask) & DEBUG_PROPERTY_DEBUG_CODE_ENABLED) != 0;
}

BOOLEAN
EFIAPI
DebugClearMemoryEnabled (
  VOID
  )
{
  return (PcdGet8 (PcdDebugPropertyMask) & DEBUG_PROPERTY_CLEAR_MEMORY_ENABLED) != 0;
}

BOOLEAN
EFIAPI
DebugPrintLevelEnabled (
  IN CONST UINTN  ErrorLevel
  )
{
  return (ErrorLevel & PcdGet32 (PcdFixedDebugPrintErrorLevel) &
          PcdGet32 (PcdDebugPrintErrorLevel)) != 0;
}
