/* The harness service port (include/smmhp/ports.h): a 32-bit OUT of the
 * request code to SMMHP_PORT_SERVICE, argument in RBX (and RCX), result
 * in RAX; a 32-bit caller (IA32 build) gets the high half in RCX. RDX carries the port number itself, so it holds no
 * argument. */
#ifndef SMMHP_COMPAT_SVC_H
#define SMMHP_COMPAT_SVC_H

#include <smmhp/ports.h>

static inline UINT64
compat_svc (UINT32 Code, UINTN Rbx, UINTN Rcx)
{
  UINTN  Rax = Code;

#ifdef MDE_CPU_IA32
  __asm__ __volatile__ (
    "outl %%eax, %%dx"
    : "+a" (Rax), "+c" (Rcx)
    : "d" ((UINT16)SMMHP_PORT_SERVICE), "b" (Rbx)
    : "memory"
    );
  return ((UINT64)Rcx << 32) | Rax;
#else
  __asm__ __volatile__ (
    "outl %%eax, %%dx"
    : "+a" (Rax)
    : "d" ((UINT16)SMMHP_PORT_SERVICE), "b" (Rbx), "c" (Rcx)
    : "memory"
    );
  return Rax;
#endif
}

#endif
