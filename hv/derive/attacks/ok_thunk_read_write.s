# expect: accepted
# A read and a write through probe thunks, a stack slot, a bound call.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	%rbx
	subq	$16, %rsp
	leaq	8(%rdi), %r11
	call	__svm_pr8_r11_r10
	movq	(%r11), %rax
	movq	%rax, 8(%rsp)
	leaq	16(%rdi), %r11
	call	__svm_pw8_r11_r10
	movq	%rax, (%r11)
	call	napi_gro_receive
	addq	$16, %rsp
	popq	%rbx
	rs_ret
	.size	f, .-f
	.globl	g
	.type	g, @function
g:
	rs_push
	rs_ret
	.size	g, .-g
	.section .rodata.twin_dispatch,"a",@progbits
	.quad	__vm__g, g
	.quad	0, 0
