/* The four routines GCC may emit calls to even when freestanding (struct
 * copies and zeroing): string instructions, so the compiler cannot turn
 * them back into calls to themselves. */
#include <Base.h>

void *memcpy (void *Dest, const void *Src, UINTN Count);
void *memmove (void *Dest, const void *Src, UINTN Count);
void *memset (void *Dest, int Value, UINTN Count);
int   memcmp (const void *Left, const void *Right, UINTN Count);

void *
memcpy (void *Dest, const void *Src, UINTN Count)
{
  void  *D = Dest;

  __asm__ __volatile__ ("rep movsb" : "+D" (D), "+S" (Src), "+c" (Count) : : "memory");
  return Dest;
}

void *
memmove (void *Dest, const void *Src, UINTN Count)
{
  UINT8        *D = Dest;
  const UINT8  *S = Src;

  if ((D <= S) || (D >= S + Count)) {
    return memcpy (Dest, Src, Count);
  }

  D += Count - 1;
  S += Count - 1;
  __asm__ __volatile__ ("std; rep movsb; cld" : "+D" (D), "+S" (S), "+c" (Count) : : "memory");
  return Dest;
}

void *
memset (void *Dest, int Value, UINTN Count)
{
  void  *D = Dest;

  __asm__ __volatile__ ("rep stosb" : "+D" (D), "+c" (Count) : "a" (Value) : "memory");
  return Dest;
}

int
memcmp (const void *Left, const void *Right, UINTN Count)
{
  const UINT8  *L = Left;
  const UINT8  *R = Right;

  for ( ; Count != 0; Count--, L++, R++) {
    if (*L != *R) {
      return (int)*L - (int)*R;
    }
  }

  return 0;
}
