# expect: thunk
# A thunk that calls a function which may clobber what its callers keep.
	.include "shadow.inc"
	.section .text.twin_thunks,"ax",@progbits
__svm_pr8_r11_r10:
	call	napi_gro_receive
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
	rs_ret
