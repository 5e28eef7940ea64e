# expect: thunk
# A thunk (plain ret) that writes through the pointer it probed, which
# may be its own return slot: the stack is mapped 1:1.
	.include "shadow.inc"
	.section .text.twin_thunks,"ax",@progbits
__svm_pw8_r11_r10:
	movq	%r11, %r10
	shrq	$7, %r10
	andl	$131040, %r10d
	addq	__svm_tlbp(%rip), %r10
	subq	16(%r10), %r11
	cmpq	$4088, %r11
	ja	1f
	addq	8(%r10), %r11
	movq	%rdi, (%r11)
	ret
1:	addq	16(%r10), %r11
	pushq	$72
	pushq	%r11
	call	__svm_wmiss
	popq	%r11
	popq	%r10
	ret
	.text
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	%rsi, %r11
	call	__svm_pw8_r11_r10
	rs_ret
