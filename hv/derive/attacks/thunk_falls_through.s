# expect: thunk
# A thunk with no ret falls into the next one, whose contract is another's.
	.include "shadow.inc"
	.section .text.twin_thunks,"ax",@progbits
__svm_pw8_r11_r10:
	nop
__svm_pr8_r11_r10:
	movq	%r11, %r10
	shrq	$7, %r10
	andl	$131040, %r10d
	addq	__svm_tlbp(%rip), %r10
	subq	(%r10), %r11
	cmpq	$4088, %r11
	ja	1f
	addq	8(%r10), %r11
	ret
1:	addq	(%r10), %r11
	pushq	$8
	pushq	%r11
	call	__svm_miss
	popq	%r11
	popq	%r10
	ret
	.text
	.globl	f
f:
	rs_push
	call	__svm_pw8_r11_r10
	movq	%rdi, (%r11)
	rs_ret
