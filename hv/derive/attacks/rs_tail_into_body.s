# expect: return
# A pop unit whose jmp lands in another function's body, past its push
# unit: g's own pop unit would then pop an entry that is not its own.
	.include "shadow.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	rs_jmp	.Lbody
	.globl	g
	.type	g, @function
g:
	rs_push
.Lbody:	xorl	%eax, %eax
	rs_ret
