# expect: not translated by SVM
# A translation does not outlive a call (the TLB may change).
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	%rdi, %r11
	call	__svm_pr8_r11_r10
	movq	%r11, %rbx
	call	napi_gro_receive
	movq	(%rbx), %rax
	rs_ret
