; Boot-time SMBASE relocation handler, copied to 0x38000 (default SMBASE
; 0x30000 + 0x8000) by relocate.c, and the return hook that flags
; completion after RSM.
;
; Rules from edk2 2022.11 (written from scratch, 16-bit instead of the
; upstream long-mode SmmInitTemplate):
;  - UefiCpuPkg/PiSmmCpuDxeSmm/PiSmmCpuDxeSmm.c SmmInitHandler: find the
;    executing CPU by APIC ID among the first mNumberOfCpus entries.
;  - OvmfPkg/Library/SmmCpuFeaturesLib SmmCpuFeaturesInitializeProcessor:
;    write SmBase[Index] to the map's SMBASE field, at SMBASE+0xFEF8 when
;    the revision's low 16 bits are 0, else at SMBASE+0xFF00.
;  - PiSmmCpuDxeSmm X64/Semaphore.c SemaphoreHook + X64/SmmInit.nasm
;    SmmRelocationSemaphoreComplete: redirect the saved RIP to a hook that
;    sets mRebased[Index] after RSM, then jumps to the original RIP.
; Entry: CS.base = 0x30000, IP = 0x8000, DS base 0 with a 4 GiB limit.

%include "core.inc"
%define SMMHP_PORT_SERVICE  0x5A0
%define SMMHP_SVC_FATAL     4
%define MAP_REVID           0xFEFC
%define MAP_SMBASE_X64      0xFF00
%define MAP_SMBASE_X86      0xFEF8
%define MAP_RIP             0xFF78
%define MAP_EIP_X86         0xFFF0   ; the 32-bit map's EIP (qemu-system-i386)

section .text

global smmhp_reloc_handler, smmhp_reloc_handler_end
global smmhp_reloc_semaphore_complete
global smmhp_reloc_count, smmhp_reloc_apic_id, smmhp_reloc_smbase, smmhp_nasm_reloc_max_cpus
smmhp_nasm_reloc_max_cpus equ SMMHP_MAX_CPUS
global smmhp_reloc_rebased, smmhp_reloc_flag_ptr, smmhp_reloc_orig_rip

BITS 16
smmhp_reloc_handler:
    mov     eax, cr0
    and     eax, 0xFFFFFFFE
    mov     cr0, eax
    ; APIC ID, GetApicId's rule (see boot_entry.nasm).
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
    ; DS as SMM entry left it: base 0, 4 GiB limit (reloading it in real
    ; mode would cut the limit to 64 KiB).
    mov     ecx, [dword smmhp_reloc_count]
    xor     edi, edi
.search:
    cmp     edi, ecx
    jae     .unknown
    cmp     esi, [dword smmhp_reloc_apic_id + edi * 4]
    je      .found
    inc     edi
    jmp     .search
.found:
    mov     eax, [dword smmhp_reloc_smbase + edi * 4]
    mov     edx, [cs:MAP_REVID]
    test    dx, dx
    jnz     .x64_map
    mov     [cs:MAP_SMBASE_X86], eax
    ; SemaphoreHook on the 32-bit map: EIP only
    lea     eax, [dword smmhp_reloc_rebased + edi]
    mov     [dword smmhp_reloc_flag_ptr], eax
    mov     dword [dword smmhp_reloc_flag_ptr + 4], 0
    mov     eax, [cs:MAP_EIP_X86]
    mov     [dword smmhp_reloc_orig_rip], eax
    mov     dword [dword smmhp_reloc_orig_rip + 4], 0
    mov     dword [cs:MAP_EIP_X86], smmhp_reloc_semaphore_complete
    rsm
.x64_map:
    mov     [cs:MAP_SMBASE_X64], eax
.hook:
    lea     eax, [dword smmhp_reloc_rebased + edi]
    mov     [dword smmhp_reloc_flag_ptr], eax
    mov     dword [dword smmhp_reloc_flag_ptr + 4], 0
    mov     eax, [cs:MAP_RIP]
    mov     [dword smmhp_reloc_orig_rip], eax
    mov     eax, [cs:MAP_RIP + 4]
    mov     [dword smmhp_reloc_orig_rip + 4], eax
    mov     dword [cs:MAP_RIP], smmhp_reloc_semaphore_complete
    mov     dword [cs:MAP_RIP + 4], 0
    rsm
.unknown:
    ; Upstream ASSERT (FALSE) in SmmInitHandler.
    mov     ebx, smmhp_reloc_unknown_msg
    mov     eax, SMMHP_SVC_FATAL
    mov     dx, SMMHP_PORT_SERVICE
    out     dx, eax
.dead:
    cli
    hlt
    jmp     .dead
smmhp_reloc_handler_end:

; Runs outside SMM right after RSM, on the interrupted context: 64-bit,
; or 32-bit protected mode in the IA32 build.
%ifdef ARCH_IA32
BITS 32
smmhp_reloc_semaphore_complete:
    push    eax
    mov     eax, [smmhp_reloc_flag_ptr]
    mov     byte [eax], 1
    pop     eax
    jmp     [smmhp_reloc_orig_rip]
%else
BITS 64
DEFAULT REL
smmhp_reloc_semaphore_complete:
    push    rax
    mov     rax, [smmhp_reloc_flag_ptr]
    mov     byte [rax], 1
    pop     rax
    jmp     [smmhp_reloc_orig_rip]
%endif

section .rodata
smmhp_reloc_unknown_msg: db "SMBASE relocation: APIC ID not in ProcessorInfo", 0

section .data
align 8
smmhp_reloc_flag_ptr: dq 0
smmhp_reloc_orig_rip: dq 0
smmhp_reloc_count:    dd 0
; sized like core.h declares them (SMMHP_MAX_CPUS, memmap.h)
smmhp_reloc_apic_id:  times SMMHP_MAX_CPUS dd 0xFFFFFFFF
smmhp_reloc_smbase:   times SMMHP_MAX_CPUS dd 0
smmhp_reloc_rebased:  times SMMHP_MAX_CPUS db 0
