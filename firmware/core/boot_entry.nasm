; Reset entry points of the boot CPUs and the low-RAM code the boot path
; leaves behind before TSEG closes.
;
; The harness starts every boot CPU in flat 64-bit mode (Unicorn), with
; interrupts off and RSP = SMMHP_BOOT_STACK_TOP - 0x1000 * slot. The BSP
; (slot 0) starts at smmhp_boot_entry, the others at smmhp_ap_park.

%define SMMHP_BOOT_STACK_TOP       0x00400000   ; memmap.h
%define SMMHP_BOOT_STACK_STRIDE    0x1000       ; harness contract
%include "core.inc"
%define SMMHP_AP_PARK_LOOP         0x00004000   ; smm_core_abi.h
%define SMMHP_PORT_SERVICE         0x5A0        ; ports.h
%define SMMHP_SVC_PHASE            2
%define SMMHP_PHASE_LOCKED         4
%define SMMHP_PHASE_OS             5
%define PCI_CF8                    0xCF8
%define PCI_CFC                    0xCFC
%define MCH_CFG(r)                 (0x80000000 | ((r) & 0xFC))
%define MCH_DEFAULT_SMBASE_CTL     0x9C
%define MCH_SMRAM                  0x9D
%define MCH_ESMRAMC                0x9E
%define MCH_DEFAULT_SMBASE_LCK     0x02

%ifdef ARCH_IA32
BITS 32
%else
BITS 64
DEFAULT REL
%endif

section .text.entry progbits alloc exec nowrite align=16

global smmhp_boot_entry, smmhp_ap_park
global smmhp_lock_and_go, smmhp_lock_and_go_end
global smmhp_boot_ap_count, smmhp_boot_apic_id, smmhp_boot_apic_mode
global smmhp_nasm_boot_stack_top, smmhp_nasm_ap_park_loop
extern smmhp_boot_main

; Absolute copies for boot.c to check against the C headers.
smmhp_nasm_boot_stack_top equ SMMHP_BOOT_STACK_TOP
smmhp_nasm_ap_park_loop   equ SMMHP_AP_PARK_LOOP

smmhp_boot_entry:
    cli
    cld
%ifdef ARCH_IA32
    mov     esp, SMMHP_BOOT_STACK_TOP
%else
    mov     rsp, SMMHP_BOOT_STACK_TOP
%endif
    call    smmhp_boot_main             ; never returns
.dead:
    cli
    hlt
    jmp     .dead

; Boot AP: report the APIC ID for our slot (what MpInitLib's AP wake-up
; collects on the real platform), then park in low RAM, so that RSM after
; any later SMI returns to code that stays visible once TSEG is closed.
smmhp_ap_park:
    cli
    cld
    ; First wake-up: take the BSP's APIC mode once PEI has chosen it.
.wait_mode:
    mov     eax, [smmhp_boot_apic_mode]
    test    eax, eax
    jnz     .have_mode
    pause
    jmp     .wait_mode
.have_mode:
    TAKE_BSP_APIC_MODE
%ifdef ARCH_IA32
    mov     edi, SMMHP_BOOT_STACK_TOP
    sub     edi, esp
    shr     edi, 12                     ; slot
%else
    mov     r8, SMMHP_BOOT_STACK_TOP
    sub     r8, rsp
    shr     r8, 12                      ; slot
%endif
    ; APIC ID as BaseXApicX2ApicLib GetApicId computes it (2022.11):
    ; CPUID 0xB EDX when leaf 0xB exists and reports a level, else
    ; CPUID 1 EBX[31:24].
    xor     eax, eax
    cpuid
    cmp     eax, 0xB
    jb      .leaf1
    mov     eax, 0xB
    xor     ecx, ecx
    cpuid
    test    bx, bx
    jz      .leaf1
    mov     esi, edx
    jmp     .have_id
.leaf1:
    mov     eax, 1
    cpuid
    shr     ebx, 24
    mov     esi, ebx
.have_id:
%ifdef ARCH_IA32
    cmp     edi, SMMHP_MAX_CPUS
    jae     .park
    mov     [smmhp_boot_apic_id + edi * 4], esi
.park:
    ; cli; hlt; jmp short back to the cli
    mov     dword [SMMHP_AP_PARK_LOOP], 0xFCEBF4FA
    lock inc dword [smmhp_boot_ap_count]
    mov     eax, SMMHP_AP_PARK_LOOP
    jmp     eax
%else
    cmp     r8, SMMHP_MAX_CPUS
    jae     .park
    lea     rdx, [smmhp_boot_apic_id]
    mov     [rdx + r8 * 4], esi
.park:
    ; cli; hlt; jmp short back to the cli
    mov     dword [abs SMMHP_AP_PARK_LOOP], 0xFCEBF4FA
    lock inc dword [smmhp_boot_ap_count]
    mov     eax, SMMHP_AP_PARK_LOOP
    jmp     rax
%endif

; Copied to SMMHP_LOCK_AND_GO by boot.c and entered there (X64: SysV ABI,
;   edi = ESMRAMC value, esi = SMRAM value, edx = nonzero to lock MCH 0x9C,
;   rcx = OS entry; IA32: cdecl, the same four on the stack, the OS entry
;   as a UINT64). Position independent; touches nothing in TSEG, which
;   this code closes (OVMF SmmAccess SmramAccessLock order, 2022.11:
;   ESMRAMC.T_EN, SMRAM.D_LCK, then MCH 0x9C = LCK).
smmhp_lock_and_go:
%ifdef ARCH_IA32
    mov     edi, [esp + 4]
    mov     esi, [esp + 8]
    mov     ebp, [esp + 12]
    mov     ecx, [esp + 16]
%define GO_LOCK ebp
%define GO_ENTRY ecx
%else
    mov     r8, rcx
    mov     r9d, edx
%define GO_LOCK r9d
%define GO_ENTRY r8
%endif
    mov     dx, PCI_CF8
    mov     eax, MCH_CFG(MCH_ESMRAMC)
    out     dx, eax
    mov     dx, PCI_CFC + (MCH_ESMRAMC & 3)
    mov     eax, edi
    out     dx, al
    mov     dx, PCI_CF8
    mov     eax, MCH_CFG(MCH_SMRAM)
    out     dx, eax
    mov     dx, PCI_CFC + (MCH_SMRAM & 3)
    mov     eax, esi
    out     dx, al
    test    GO_LOCK, GO_LOCK
    jz      .reported
    mov     dx, PCI_CF8
    mov     eax, MCH_CFG(MCH_DEFAULT_SMBASE_CTL)
    out     dx, eax
    mov     dx, PCI_CFC + (MCH_DEFAULT_SMBASE_CTL & 3)
    mov     al, MCH_DEFAULT_SMBASE_LCK
    out     dx, al
.reported:
    mov     dx, SMMHP_PORT_SERVICE
    mov     ebx, SMMHP_PHASE_LOCKED
    mov     eax, SMMHP_SVC_PHASE
    out     dx, eax
    mov     ebx, SMMHP_PHASE_OS
    mov     eax, SMMHP_SVC_PHASE
    out     dx, eax
    jmp     GO_ENTRY
smmhp_lock_and_go_end:

section .data
align 4
smmhp_boot_ap_count: dd 0
smmhp_boot_apic_mode: dd 0                  ; 0 until the BSP's PEI step sets it
smmhp_boot_apic_id:  times SMMHP_MAX_CPUS dd 0xFFFFFFFF
