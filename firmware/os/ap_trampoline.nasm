; AP start-up trampoline, copied to SMMHP_OS_SIPI_VECTOR (0x8000) and
; entered by a SIPI with vector 0x08: real mode, CS = 0x0800, IP = 0.
; It reports "online" for the CPU's own APIC ID and parks. Everything is
; addressed relative to CS, so the code runs wherever it is copied; the
; flat address of mailbox->online[] is patched into the last dword by
; ap_install_trampoline (no constants duplicated from the C headers).
bits 16

section .text.trampoline progbits alloc exec nowrite align=16
global os_ap_trampoline:function
global os_ap_trampoline_online_base:data
global os_ap_trampoline_end:data

os_ap_trampoline:
    cli
    mov ax, cs
    mov ds, ax

    ; APIC ID the way edk2's GetInitialApicId reads it: CPUID 0xB EDX when
    ; leaf 0xB exists and reports a topology level, else CPUID 1 EBX[31:24].
    xor eax, eax
    cpuid
    cmp eax, 0x0b
    jb .leaf1
    mov eax, 0x0b
    xor ecx, ecx
    cpuid
    test bx, bx
    jz .leaf1
    mov ebx, edx
    jmp .have_id
.leaf1:
    mov eax, 1
    cpuid
    shr ebx, 24
.have_id:
    ; online[] has one byte per APIC ID below 4096 (SMMHP_MAILBOX_MAX_CPUS);
    ; a larger ID cannot report, and the OS's wait for it becomes the
    ; harness's hang verdict.
    cmp ebx, 0xfff
    ja .park

    ; Flat address -> segment:offset (the mailbox is below 1 MiB).
    mov esi, [os_ap_trampoline_online_base - os_ap_trampoline]
    add esi, ebx
    mov eax, esi
    shr eax, 4
    mov es, ax
    and si, 0x0f
    mov byte [es:si], 1

    ; Parked for good. An SMI wakes the CPU from hlt and RSM resumes after
    ; it, so the jmp keeps it parked.
.park:
    cli
.halt:
    hlt
    jmp .halt

    align 4
os_ap_trampoline_online_base:
    dd 0
os_ap_trampoline_end:

section .note.GNU-stack noalloc noexec nowrite progbits
