/* The OS side of bringing APs up and down: the SIPI trampoline copy and
 * the INIT/SIPI IPIs sent through the xAPIC ICR, or the x2APIC ICR MSR
 * when the firmware left the BSP in x2APIC mode (docs/os-actor.md). */
#include <stdint.h>

#include "hw.h"
#include "os.h"

/* xAPIC ICR (Intel SDM vol. 3A 10.6.1). */
#define ICR_LOW            0x300u
#define ICR_HIGH           0x310u
#define ICR_BUSY           (1u << 12)  /* delivery status: send pending */
#define ICR_INIT_ASSERT    0x4500u     /* level assert, delivery mode INIT */
#define ICR_STARTUP        0x4600u     /* level assert, delivery mode start-up */
#define SIPI_VECTOR        (SMMHP_OS_SIPI_VECTOR >> 12)

/* The usual MP start-up delays (Intel MP spec B.4; Linux and edk2 use them). */
#define INIT_DELAY_US      10000u
#define SIPI_DELAY_US      200u

_Static_assert((SMMHP_OS_SIPI_VECTOR & 0xFFFu) == 0 && SIPI_VECTOR < 0x100,
               "SIPI vector is a page number below 1 MiB");

void ap_install_trampoline(struct smmhp_mailbox *mb)
{
  const uint8_t *src = os_ap_trampoline;
  volatile uint8_t *dst = (volatile uint8_t *)(uintptr_t)SMMHP_OS_SIPI_VECTOR;
  uintptr_t len = (uintptr_t)(os_ap_trampoline_end - os_ap_trampoline);
  uintptr_t patch = (uintptr_t)(os_ap_trampoline_online_base - os_ap_trampoline);

  for (uintptr_t i = 0; i < len; i++)
    dst[i] = src[i];
  *(volatile uint32_t *)(dst + patch) = (uint32_t)(uintptr_t)&mb->online[0];
}

/* IA32_APIC_BASE.EXTD and the x2APIC ICR (Intel SDM vol. 3A 10.12.1,
 * 10.12.9): one 64-bit write, destination in bits 63:32, no busy bit. */
#define MSR_APIC_BASE      0x1Bu
#define APIC_BASE_EXTD     (1ull << 10)
#define MSR_X2APIC_ICR     0x830u

static uint64_t rdmsr(uint32_t msr)
{
  uint32_t lo, hi;
  __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
  return (uint64_t)hi << 32 | lo;
}

static void wrmsr(uint32_t msr, uint64_t v)
{
  __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static int x2apic_mode(void)
{
  return (rdmsr(MSR_APIC_BASE) & APIC_BASE_EXTD) != 0;
}

static void icr_send(uint32_t apic_id, uint32_t low)
{
  /* Linux keeps the mode the firmware chose (x2apic_setup): in x2APIC
   * mode only the MSR interface exists and destinations are 32 bits. */
  if (x2apic_mode()) {
    wrmsr(MSR_X2APIC_ICR, (uint64_t)apic_id << 32 | low);
    return;
  }
  /* Wait for a previous IPI to leave, as Linux's and edk2's xAPIC code do. */
  while (mmio_read32(SMMHP_LAPIC_BASE + ICR_LOW) & ICR_BUSY)
    cpu_pause();
  mmio_write32(SMMHP_LAPIC_BASE + ICR_HIGH, apic_id << 24);
  mmio_write32(SMMHP_LAPIC_BASE + ICR_LOW, low); /* the write that sends */
}

uint32_t ap_online(struct smmhp_mailbox *mb, uint32_t apic_id)
{
  /* An 8-bit xAPIC destination cannot name it (0xFF is the broadcast):
   * Linux does not start such a CPU without x2APIC; neither do we. */
  if (!x2apic_mode() && apic_id > 0xFE) {
    svc_os_report(SMMHP_OS_EV_APIC_UNREACHABLE, apic_id);
    return SMMHP_OS_EV_APIC_UNREACHABLE;
  }
  /* Forget an earlier "online" so that only this start-up counts. */
  if (apic_id < SMMHP_MAILBOX_MAX_CPUS)
    mb->online[apic_id] = 0;

  icr_send(apic_id, ICR_INIT_ASSERT);
  svc_delay_us(INIT_DELAY_US);
  icr_send(apic_id, ICR_STARTUP | SIPI_VECTOR);
  svc_delay_us(SIPI_DELAY_US);
  icr_send(apic_id, ICR_STARTUP | SIPI_VECTOR);
  svc_delay_us(SIPI_DELAY_US);

  /* Unbounded on purpose: the harness's budget turns a CPU that never
   * starts into a hang verdict naming this loop. An APIC ID the mailbox
   * cannot hold never reports, so it hangs the same way. */
  for (;;) {
    if (apic_id < SMMHP_MAILBOX_MAX_CPUS && mb->online[apic_id] != 0)
      break;
    cpu_pause();
  }
  return 0;
}

void ap_offline(struct smmhp_mailbox *mb, uint32_t apic_id)
{
  /* Linux's CPU offline ends in play_dead: the AP idles in a cli/hlt
   * loop (hlt_play_dead), still alive, so it keeps answering SMIs until
   * it is ejected. Our online AP already idles in such a loop, so going
   * offline is the OS forgetting it. (An INIT instead would leave it in
   * wait-for-SIPI, where a broadcast SMI stays pending and the SMM
   * rendezvous waits for it.) */
  if (apic_id < SMMHP_MAILBOX_MAX_CPUS)
    mb->online[apic_id] = 0;
}
