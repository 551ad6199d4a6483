; SMI entry: the per-CPU stub copied to SMBASE+0x8000 of every possible
; CPU's tile, and the common 32/64-bit code it jumps to.
;
; Mirrors the shape of edk2 2022.11 UefiCpuPkg/PiSmmCpuDxeSmm/X64/SmiEntry.nasm
; (16-bit entry, lgdt, protected mode, CR4/CR3/EFER.LME/CR0.PG, long mode,
; per-CPU stack, call SmiRendezvous(CpuIndex), rsm), and with ARCH_IA32 of
; Ia32/SmiEntry.nasm (protected mode with PAE paging, no long mode);
; written from scratch.
;
; Entry state (harness, QEMU TCG do_smm_enter): 16-bit, CS.base = SMBASE,
; IP = 0x8000, DS/ES/SS base 0 limit 4 GiB. For SMBASE above 1 MiB the
; harness gets there through a trampoline that leaves CR0.PE = 1 with a
; 16-bit descriptor in CS, so the stub clears PE first and never uses the
; CS selector value, only CS-relative addressing (the stub sits at offset
; 0x8000 of the CS base).

; Constants (copies of include/smmhp/memmap.h, ports.h and smm_core_abi.h:
; NASM cannot read C headers; boot.c checks the exported copies).

%define SMMHP_SMM_HANDLER_OFFSET   0x8000
%define SMMHP_SMM_SEL_CODE32       0x08
%define SMMHP_SMM_SEL_DATA         0x10
%define SMMHP_SMM_SEL_CODE64       0x18
%define SMMHP_BOOT_STACK_TOP       0x00400000
%define SMMHP_AP_PARK_LOOP         0x00004000
%define SMMHP_PORT_SERVICE         0x5A0
%define SMMHP_SVC_PHASE            2
%define SMMHP_SVC_FATAL            4

%define CR0_PE        (1 << 0)
%define CR0_MP        (1 << 1)
%define CR0_EM        (1 << 2)
%define CR0_TS        (1 << 3)
%define CR0_NE        (1 << 5)
%define CR0_PG        (1 << 31)
%define CR4_PAE       (1 << 5)
%define CR4_OSFXSR    (1 << 9)
%define CR4_OSXMMEXCPT (1 << 10)
%define MSR_EFER      0xC0000080
%define EFER_LME      (1 << 8)

section .text

; Offset of a stub label from the CS base (SMBASE).
%define STUB_OFF(l) (SMMHP_SMM_HANDLER_OFFSET + (l - smmhp_smi_stub))

global smmhp_smi_stub, smmhp_smi_stub_end, smmhp_smi_stub_size
global smmhp_smi_stub_gdtr, smmhp_smi_stub_cpu_index
global smmhp_smi_entry32
%ifndef ARCH_IA32
global smmhp_smi_entry64
%endif
global smmhp_smm_cr3, smmhp_smm_stack_base, smmhp_smm_stack_size
global smmhp_smm_gdt, smmhp_smm_gdt_end
extern smmhp_smi_rendezvous

BITS 16
smmhp_smi_stub:
    ; Real mode whatever the harness left (PE may be 1 after its trampoline).
    mov     eax, cr0
    and     eax, 0xFFFFFFFE
    mov     cr0, eax
    ; GDT in TSEG, its pseudo-descriptor patched into this tile.
    o32 lgdt [cs:STUB_OFF(smmhp_smi_stub_gdtr)]
    ; CPU index patched into this tile; EBX survives the mode switches.
    mov     ebx, [cs:STUB_OFF(smmhp_smi_stub_cpu_index)]
    mov     eax, cr0
    or      eax, 1
    mov     cr0, eax
    jmp     dword SMMHP_SMM_SEL_CODE32:smmhp_smi_entry32
    align   4, db 0
smmhp_smi_stub_gdtr:
    dw      0                   ; limit (patched)
    dd      0                   ; base (patched)
    dw      0
smmhp_smi_stub_cpu_index:
    dd      0                   ; CPU index (patched)
smmhp_smi_stub_end:

smmhp_smi_stub_size equ smmhp_smi_stub_end - smmhp_smi_stub

BITS 32
smmhp_smi_entry32:
    mov     ax, SMMHP_SMM_SEL_DATA
    mov     ds, ax
    mov     es, ax
    mov     fs, ax
    mov     gs, ax
    mov     ss, ax
%ifdef ARCH_IA32
    ; 32-bit protected mode with PAE paging, as edk2's Ia32/SmiEntry.nasm
    ; (CR3 of Gen4GPageTable's PAE tables, CR4.PAE, CR0.PG); no long mode.
    mov     eax, cr4
    or      eax, CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT
    mov     cr4, eax
    mov     eax, [smmhp_smm_cr3]
    mov     cr3, eax
    mov     eax, cr0
    and     eax, ~(CR0_EM | CR0_TS)
    or      eax, CR0_PG | CR0_NE | CR0_MP | CR0_PE
    mov     cr0, eax
    ; ESP = stacks + (index + 1) * size; cdecl: the index on the stack.
    lea     eax, [ebx + 1]
    imul    eax, [smmhp_smm_stack_size]
    add     eax, [smmhp_smm_stack_base]
    mov     esp, eax
    push    ebx
    call    smmhp_smi_rendezvous
    add     esp, 4
    rsm
%else
    ; PAE for long mode; OSFXSR/OSXMMEXCPT as in the DXE-time CR4 that
    ; upstream patches in (our C is built -mno-sse, so this is belt and braces).
    mov     eax, cr4
    or      eax, CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT
    mov     cr4, eax
    mov     eax, [dword smmhp_smm_cr3]
    mov     cr3, eax
    mov     ecx, MSR_EFER
    mov     eax, EFER_LME
    xor     edx, edx
    wrmsr
    mov     eax, cr0
    and     eax, ~(CR0_EM | CR0_TS)
    or      eax, CR0_PG | CR0_NE | CR0_MP | CR0_PE
    mov     cr0, eax
    jmp     SMMHP_SMM_SEL_CODE64:smmhp_smi_entry64

BITS 64
DEFAULT REL
smmhp_smi_entry64:
    mov     ebx, ebx                    ; zero-extend the CPU index
    ; RSP = stacks + (index + 1) * size, 16-byte aligned.
    lea     rax, [rbx + 1]
    imul    rax, [smmhp_smm_stack_size]
    add     rax, [smmhp_smm_stack_base]
    mov     rsp, rax
    mov     rcx, rbx                    ; EFIAPI: first argument in RCX
    sub     rsp, 0x20                   ; shadow space
    call    smmhp_smi_rendezvous
    rsm
%endif

section .data
align 16
; Flat GDT: null, 32-bit code, data, 64-bit code.
smmhp_smm_gdt:
    dq      0
    dq      0x00CF9B000000FFFF          ; 0x08 code32, base 0, 4 GiB
    dq      0x00CF93000000FFFF          ; 0x10 data, base 0, 4 GiB
    dq      0x00AF9B000000FFFF          ; 0x18 code64
smmhp_smm_gdt_end:

align 8
smmhp_smm_cr3:        dq 0              ; SMM page tables (set at init)
smmhp_smm_stack_base: dq 0              ; SMMHP_SMM_STACKS (set at init)
smmhp_smm_stack_size: dq 0              ; SMMHP_SMM_STACK_SIZE (set at init)
