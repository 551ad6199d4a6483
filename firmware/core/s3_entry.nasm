; S3 resume: the BSP's entry after the platform reset that ends S3, and
; the AP start-up code of the resume path.
;
; smmhp_s3_resume_entry: the harness starts the BSP here in flat 64-bit
; mode (as at power-on) instead of the reset vector; OVMF tells the two
; boot modes apart by CMOS 0xF = 0xFE, which QEMU's RTC writes on suspend
; (docs/s3.md, deviations).
;
; smmhp_s3_ap_start: copied to the S3 startup vector (a reserved page
; below 1 MiB, s3_resume.c) and entered by INIT-SIPI-SIPI in real mode.
; It stands for UefiCpuPkg/PiSmmCpuDxeSmm/CpuS3.c (edk2 2022.11)
; PrepareApStartupVector + InitializeAp: the AP goes to long mode on the
; SMM page tables, counts itself in (mNumberToFinish), waits for the BSP
; to finish SMBASE relocation (mInitApsAfterSmmBaseReloc), counts itself
; out and parks in the hlt loop of the same page (TransferApToSafeState). Long mode matters:
; the relocation handler's return hook (reloc.nasm) is 64-bit code.

%define SMMHP_BOOT_STACK_TOP   0x00400000   ; memmap.h
%define SEL_CODE32             0x08         ; smi_entry.nasm GDT
%define SEL_DATA               0x10
%define SEL_CODE64             0x18
%define CR0_PE                 0x00000001
%define CR0_MP                 0x00000002
%define CR0_NE                 0x00000020
%define CR0_PG                 0x80000000
%define CR4_PAE                0x00000020
%define MSR_EFER               0xC0000080
%define EFER_LME               0x00000100
%include "core.inc"

extern smmhp_s3_resume_main, smmhp_boot_apic_mode
extern smmhp_smm_gdt, smmhp_smm_gdt_end, smmhp_smm_cr3

global smmhp_s3_resume_entry
global smmhp_s3_ap_start, smmhp_s3_ap_start_end, smmhp_s3_ap_hlt_loop, smmhp_s3_ap_park
global smmhp_s3_ap_to_finish, smmhp_s3_ap_release, smmhp_s3_ap_stack_next

section .text

%ifdef ARCH_IA32
BITS 32
smmhp_s3_resume_entry:
    cli
    cld
    mov     esp, SMMHP_BOOT_STACK_TOP
%else
BITS 64
DEFAULT REL
smmhp_s3_resume_entry:
    cli
    cld
    mov     rsp, SMMHP_BOOT_STACK_TOP
%endif
    call    smmhp_s3_resume_main        ; never returns
.dead:
    cli
    hlt
    jmp     .dead

; Real mode, CS = vector page, IP = 0; only CS-relative data.
BITS 16
smmhp_s3_ap_start:
    cli
    o32 lgdt [cs:smmhp_s3_ap_gdtr - smmhp_s3_ap_start]
    mov     eax, cr0
    or      eax, CR0_PE
    mov     cr0, eax
    jmp     dword SEL_CODE32:smmhp_s3_ap_entry32
    align   4, db 0
smmhp_s3_ap_gdtr:
    dw      0x1F                        ; four descriptors
    dd      smmhp_smm_gdt
; The safe place of TransferApToSafeState (upstream mApHltLoopCode): the
; AP arrives in 32-bit protected mode without paging (the page tables are
; in TSEG, which closes), reports that it left TSEG, then halts here in
; the reserved page for good; an SMI's RSM comes back to this loop.
BITS 32
smmhp_s3_ap_hlt_loop:
    lock dec dword [smmhp_s3_ap_to_finish]
.halt:
    cli
    hlt
    jmp     .halt
smmhp_s3_ap_start_end:

BITS 32
smmhp_s3_ap_entry32:
    mov     ax, SEL_DATA
    mov     ds, ax
    mov     es, ax
    mov     fs, ax
    mov     gs, ax
    mov     ss, ax
%ifdef ARCH_IA32
    ; IA32 PEI runs flat without paging: no mode switch beyond this.
    mov     eax, [smmhp_boot_apic_mode]
    TAKE_BSP_APIC_MODE
    mov     eax, 1
    lock xadd [smmhp_s3_ap_stack_next], eax
    inc     eax
    shl     eax, 12
    mov     esp, SMMHP_BOOT_STACK_TOP
    sub     esp, eax
    lock dec dword [smmhp_s3_ap_to_finish]
.wait:
    pause
    cmp     byte [smmhp_s3_ap_release], 0
    je      .wait
    mov     esi, [smmhp_s3_ap_park]     ; the hlt loop's copy
    jmp     esi
%else
    mov     eax, cr4
    or      eax, CR4_PAE
    mov     cr4, eax
    mov     eax, [dword smmhp_smm_cr3]
    mov     cr3, eax
    mov     ecx, MSR_EFER
    mov     eax, EFER_LME
    xor     edx, edx
    wrmsr
    mov     eax, cr0
    or      eax, CR0_PG | CR0_NE | CR0_MP | CR0_PE
    mov     cr0, eax
    jmp     SEL_CODE64:smmhp_s3_ap_entry64

BITS 64
smmhp_s3_ap_entry64:
    ; The BSP's APIC mode, as at boot.
    mov     eax, [smmhp_boot_apic_mode]
    TAKE_BSP_APIC_MODE
    ; A stack of its own below the BSP's (upstream: one per AP in the
    ; exchange info); the relocation return hook pushes on it.
    mov     eax, 1
    lock xadd [smmhp_s3_ap_stack_next], eax
    inc     eax
    shl     rax, 12
    mov     rsp, SMMHP_BOOT_STACK_TOP
    sub     rsp, rax
    lock dec dword [smmhp_s3_ap_to_finish]
.wait:
    pause
    cmp     byte [smmhp_s3_ap_release], 0
    je      .wait
    ; TransferApToSafeState (PiSmmCpuDxeSmm X64/MpFuncs): leave long mode
    ; while TSEG is still open (the BSP waits for every AP to check in
    ; from the reserved page): 32-bit code segment, paging off, LME off.
    mov     esi, [smmhp_s3_ap_park]     ; the hlt loop's copy
    push    SEL_CODE32
    lea     rcx, [rel .compat32]
    push    rcx
    o64 retf
BITS 32
.compat32:
    mov     eax, cr0
    and     eax, ~CR0_PG
    mov     cr0, eax
    mov     ecx, MSR_EFER
    rdmsr
    and     eax, ~EFER_LME
    wrmsr
    jmp     esi
%endif

section .data
align 8
smmhp_s3_ap_park:       dq 0
smmhp_s3_ap_to_finish:  dd 0
smmhp_s3_ap_stack_next: dd 0
smmhp_s3_ap_release:    db 0
