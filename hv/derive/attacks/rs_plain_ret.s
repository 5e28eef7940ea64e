# expect: return
# A plain ret after the push unit: the return address in the slot is
# whatever a driver pointer wrote there (SVM maps the stack 1:1).
	.include "shadow.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	xorl	%eax, %eax
	ret
