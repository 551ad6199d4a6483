/* OS actor internals: what each file provides to the command loop. */
#ifndef SMMHP_OS_OS_H
#define SMMHP_OS_OS_H

#include <stdint.h>

#include "smmhp/mailbox.h"
#include "smmhp/memmap.h"

#define OS_MAILBOX ((struct smmhp_mailbox *)(uintptr_t)SMMHP_MAILBOX_ADDR)

/* acpi_cpuhp.c: the AML methods of QEMU's \_SB.CPUS device. */
uint32_t acpi_cscn(struct smmhp_mailbox *mb);
void acpi_cej0(struct smmhp_mailbox *mb, uint32_t uid);
void acpi_cost(uint32_t uid, uint32_t event, uint32_t status);
uint32_t acpi_csta(uint32_t uid);

/* ap.c: the SIPI trampoline and the OS side of onlining/offlining. */
void ap_install_trampoline(struct smmhp_mailbox *mb);
/* 0, or SMMHP_OS_EV_APIC_UNREACHABLE when the ID needs x2APIC mode. */
uint32_t ap_online(struct smmhp_mailbox *mb, uint32_t apic_id);
void ap_offline(struct smmhp_mailbox *mb, uint32_t apic_id);

/* main.c: the mailbox command loop (never returns). */
void os_loop(struct smmhp_mailbox *mb) __attribute__((noreturn));

/* s3.c: suspend to S3 (never returns; the command completes after
 * resume, from os_resume in resume.nasm). */
void os_s3_suspend(struct smmhp_mailbox *mb) __attribute__((noreturn));

/* ap_trampoline.nasm: 16-bit code copied to SMMHP_OS_SIPI_VECTOR. */
extern const uint8_t os_ap_trampoline[];
extern const uint8_t os_ap_trampoline_online_base[]; /* dword patched at install */
extern const uint8_t os_ap_trampoline_end[];

#endif
