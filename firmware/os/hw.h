/* Port I/O, MMIO and harness-service helpers for the OS actor.
 *
 * Every helper is one instruction of the named width: the harness sees
 * exactly the accesses the C code asks for, in program order, so a
 * scenario can inject an event between any two of them.
 */
#ifndef SMMHP_OS_HW_H
#define SMMHP_OS_HW_H

#include <stdint.h>

#include "smmhp/ports.h"

static inline void outb(uint16_t port, uint8_t v)
{
  __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void outl(uint16_t port, uint32_t v)
{
  __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void outw(uint16_t port, uint16_t v)
{
  __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline uint16_t inw(uint16_t port)
{
  uint16_t v;
  __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port) : "memory");
  return v;
}

static inline uint8_t inb(uint16_t port)
{
  uint8_t v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory");
  return v;
}

static inline uint32_t inl(uint16_t port)
{
  uint32_t v;
  __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory");
  return v;
}

static inline void mmio_write32(uintptr_t addr, uint32_t v)
{
  *(volatile uint32_t *)addr = v;
}

static inline uint32_t mmio_read32(uintptr_t addr)
{
  return *(volatile uint32_t *)addr;
}

/* pause is a scheduling point of the harness: every spin-wait uses it. */
static inline void cpu_pause(void)
{
  __asm__ volatile("pause" : : : "memory");
}

/* Harness service call: a 32-bit OUT of the request code to the service
 * port (include/smmhp/ports.h). DX must hold the port number (> 0xFF),
 * so only RBX and RCX carry arguments; RAX returns the result. Register
 * width, so the same code builds for the 32-bit OS of IA32 firmware. */
static inline uintptr_t svc_call(uint32_t code, uintptr_t rbx, uintptr_t rcx)
{
  uintptr_t rax = code;
  __asm__ volatile("outl %%eax, %%dx"
                   : "+a"(rax), "+b"(rbx), "+c"(rcx)
                   : "d"((uint16_t)SMMHP_PORT_SERVICE)
                   : "memory");
  return rax;
}

static inline void svc_delay_us(uint32_t us)
{
  svc_call(SMMHP_SVC_DELAY_US, us, 0);
}

static inline void svc_os_report(uint32_t event, uint32_t arg)
{
  svc_call(SMMHP_SVC_OS_REPORT, event, arg);
}

#endif
