/*
 * coroutine_switch.S - the context switch: save what the ABI says a function must
 * preserve, swap stack pointers, restore the other side's.
 *
 *   void coroutine_swap(void **save_sp, void *load_sp);
 *   void *coroutine_boot(void *top, void (*entry)(void *), void *arg);
 *
 * coroutine_swap pushes the callee-saved registers and the FP control state onto
 * the running stack, stores the stack pointer in *save_sp, loads load_sp and
 * pops the same frame from there: it returns into whoever saved that frame.
 * On x86-64 that return is a pop and an indirect jmp, not a ret, as in
 * Boost.Context's jump_fcontext: the CPU predicts a ret from its return stack
 * buffer, which holds the call that entered coroutine_swap on the *old*
 * stack, while the frame popped belongs to the other one - every ret was a
 * mispredicted branch, nearly two thirds of a switch's time (16.9 ns against
 * 6 ns here; harness/bench/switch.c measures it beside Boost's).
 * Caller-saved registers need no saving - the C caller of coroutine_swap already
 * assumes they are lost - which is why this beats swapcontext, which also
 * saves everything and makes a sigprocmask system call.
 *
 * coroutine_boot lays out below `top` the frame coroutine_swap pops, as though a
 * coroutine had switched away just before running: the "return address" is
 * coroutine_trampoline, which calls entry(arg) with the ABI's 16-byte alignment.
 * The trampoline's CFI marks the return address undefined, so debuggers and
 * unwinders stop there: it is the bottom of every coroutine's backtrace.
 *
 * x86-64 (SysV): rbx rbp r12-r15, MXCSR and the x87 control word.
 * aarch64 (AAPCS64): x19-x30, d8-d15 and FPCR; sp is always 16-aligned.
 * Other machines (or -DCOROUTINE_UCONTEXT): empty; coroutine.c uses swapcontext.
 */
#if defined(__x86_64__) && !defined(COROUTINE_UCONTEXT)

	.text

/* Frame on the stack, from the saved sp up:
 *   0 MXCSR (4 bytes), x87 control word (2)   8 r15   16 r14   24 r13
 *  32 r12   40 rbx   48 rbp   56 return address                         */
	.globl	coroutine_swap
	.hidden	coroutine_swap
	.type	coroutine_swap, @function
	.p2align 4
coroutine_swap:
	.cfi_startproc
	pushq	%rbp
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset rbp, 0
	pushq	%rbx
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset rbx, 0
	pushq	%r12
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset r12, 0
	pushq	%r13
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset r13, 0
	pushq	%r14
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset r14, 0
	pushq	%r15
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset r15, 0
	subq	$8, %rsp
	.cfi_adjust_cfa_offset 8
	stmxcsr	(%rsp)
	fnstcw	4(%rsp)
	movq	%rsp, (%rdi)
	/* Now on the other stack: same layout, so the CFI above still holds. */
	movq	%rsi, %rsp
	ldmxcsr	(%rsp)
	fldcw	4(%rsp)
	addq	$8, %rsp
	.cfi_adjust_cfa_offset -8
	popq	%r15
	.cfi_adjust_cfa_offset -8
	popq	%r14
	.cfi_adjust_cfa_offset -8
	popq	%r13
	.cfi_adjust_cfa_offset -8
	popq	%r12
	.cfi_adjust_cfa_offset -8
	popq	%rbx
	.cfi_adjust_cfa_offset -8
	popq	%rbp
	.cfi_adjust_cfa_offset -8
	popq	%rcx		/* the return address, into a scratch register */
	.cfi_adjust_cfa_offset -8
	.cfi_register rip, rcx
	jmp	*%rcx		/* not ret: see the top of the file */
	.cfi_endproc
	.size	coroutine_swap, .-coroutine_swap

/* rdi = top, rsi = entry, rdx = arg; returns the sp to load. Entry and arg
 * ride in r13 and r12; rbp starts at 0, ending the frame-pointer chain. The
 * trampoline starts with rsp = top - 16, 16-byte aligned for its call. The
 * FP control state is the creator's, as for a new thread. */
	.globl	coroutine_boot
	.hidden	coroutine_boot
	.type	coroutine_boot, @function
	.p2align 4
coroutine_boot:
	.cfi_startproc
	andq	$-16, %rdi
	leaq	-80(%rdi), %rax
	stmxcsr	(%rax)
	fnstcw	4(%rax)
	movq	$0, 8(%rax)
	movq	$0, 16(%rax)
	movq	%rsi, 24(%rax)
	movq	%rdx, 32(%rax)
	movq	$0, 40(%rax)
	movq	$0, 48(%rax)
	leaq	coroutine_trampoline(%rip), %rcx
	movq	%rcx, 56(%rax)
	movq	$0, 64(%rax)
	movq	$0, 72(%rax)
	ret
	.cfi_endproc
	.size	coroutine_boot, .-coroutine_boot

	.type	coroutine_trampoline, @function
	.p2align 4
coroutine_trampoline:
	.cfi_startproc
	.cfi_undefined rip
	movq	%r12, %rdi
	callq	*%r13
	ud2			/* entry never returns */
	.cfi_endproc
	.size	coroutine_trampoline, .-coroutine_trampoline

#elif defined(__aarch64__) && !defined(COROUTINE_UCONTEXT)

	.text

/* Frame on the stack, from the saved sp up (176 bytes, 16-aligned):
 *   0 x19 x20   16 x21 x22   32 x23 x24   48 x25 x26   64 x27 x28
 *  80 x29 x30   96 d8 d9   112 d10 d11   128 d12 d13   144 d14 d15
 * 160 FPCR                                                              */
	.globl	coroutine_swap
	.hidden	coroutine_swap
	.type	coroutine_swap, %function
	.p2align 4
coroutine_swap:
	.cfi_startproc
	sub	sp, sp, #176
	.cfi_adjust_cfa_offset 176
	stp	x19, x20, [sp, #0]
	stp	x21, x22, [sp, #16]
	stp	x23, x24, [sp, #32]
	stp	x25, x26, [sp, #48]
	stp	x27, x28, [sp, #64]
	stp	x29, x30, [sp, #80]
	.cfi_rel_offset x29, 80
	.cfi_rel_offset x30, 88
	stp	d8, d9, [sp, #96]
	stp	d10, d11, [sp, #112]
	stp	d12, d13, [sp, #128]
	stp	d14, d15, [sp, #144]
	mrs	x9, fpcr
	str	x9, [sp, #160]
	mov	x9, sp
	str	x9, [x0]
	/* Now on the other stack: same layout, so the CFI above still holds. */
	mov	sp, x1
	ldr	x9, [sp, #160]
	msr	fpcr, x9
	ldp	x19, x20, [sp, #0]
	ldp	x21, x22, [sp, #16]
	ldp	x23, x24, [sp, #32]
	ldp	x25, x26, [sp, #48]
	ldp	x27, x28, [sp, #64]
	ldp	x29, x30, [sp, #80]
	ldp	d8, d9, [sp, #96]
	ldp	d10, d11, [sp, #112]
	ldp	d12, d13, [sp, #128]
	ldp	d14, d15, [sp, #144]
	add	sp, sp, #176
	.cfi_adjust_cfa_offset -176
	ret
	.cfi_endproc
	.size	coroutine_swap, .-coroutine_swap

/* x0 = top, x1 = entry, x2 = arg; returns the sp to load. Entry and arg ride
 * in x19 and x20, x30 points at the trampoline and x29 is 0, ending the
 * frame-pointer chain. The FP control state is the creator's. */
	.globl	coroutine_boot
	.hidden	coroutine_boot
	.type	coroutine_boot, %function
	.p2align 4
coroutine_boot:
	.cfi_startproc
	and	x0, x0, #~15
	sub	x0, x0, #176
	stp	x1, x2, [x0, #0]
	stp	xzr, xzr, [x0, #16]
	stp	xzr, xzr, [x0, #32]
	stp	xzr, xzr, [x0, #48]
	stp	xzr, xzr, [x0, #64]
	adr	x9, coroutine_trampoline
	stp	xzr, x9, [x0, #80]
	stp	xzr, xzr, [x0, #96]
	stp	xzr, xzr, [x0, #112]
	stp	xzr, xzr, [x0, #128]
	stp	xzr, xzr, [x0, #144]
	mrs	x9, fpcr
	stp	x9, xzr, [x0, #160]
	ret
	.cfi_endproc
	.size	coroutine_boot, .-coroutine_boot

	.type	coroutine_trampoline, %function
	.p2align 4
coroutine_trampoline:
	.cfi_startproc
	.cfi_undefined x30
	mov	x29, #0
	mov	x0, x20
	blr	x19
	brk	#0x1		/* entry never returns */
	.cfi_endproc
	.size	coroutine_trampoline, .-coroutine_trampoline

#endif

#if defined(__linux__) && defined(__ELF__)
/* No executable stack: without this note the linker assumes one is needed. */
#if defined(__aarch64__) || defined(__arm__)
	.section .note.GNU-stack, "", %progbits
#else
	.section .note.GNU-stack, "", @progbits
#endif
#endif
