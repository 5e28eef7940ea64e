#!/bin/sh
# hv/payload/link.sh: a derived instance object as a livepatch payload.
#
#   link.sh MANIFEST OBJECT ACCEPTED XEN_SYMS SCRATCH OUT.livepatch
#   link.sh --cflags        the flags the payload's C parts are built with
#
# MANIFEST and OBJECT are twinc's manifest and object, ACCEPTED the stamp
# written when `twinc --verify` accepted OBJECT (its sha256), XEN_SYMS the
# Xen the payload is for (its build-id goes into .livepatch.depends and
# .xen_depends).  SCRATCH is emptied and receives the intermediate objects
# and lists (hv-bindings, vm-symbols, ...; see payload.mk).  The real
# payload (hv/payload/payload.mk) and every mutant (hv/faults/mutant.sh) are
# linked by this one script, so a mutant loads exactly as the real one.
#
# With TWIN_UNSAFE_TESTS=1 in the environment the glue registers the
# instance as a deliberately unsafe test build (hv/xen/twin_desc.h: SVM
# hands it Xen's own addresses unchecked; Xen takes it only when booted
# with twin-unsafe-tests, twinctl only with --force): tdh faults --unsafe.
#
# Relative paths are relative to the repository's root: the script runs
# there, so the objects name the same sources whoever calls it.  $CC
# defaults to cc.  Errors are one line on stderr and a non-zero status;
# OUT.livepatch is renamed into place only after every check passed.
set -eu

PAYLOAD_FLAGS='-O2 -Wall -Werror -ffreestanding -fpic -fvisibility=hidden -mno-red-zone -fno-stack-protector -fno-asynchronous-unwind-tables'
# the instance's entry points, static in e1000_main.c
PAYLOAD_ENTRIES='e1000_xmit_frame e1000_intr e1000_clean'
BIN_TO_ELF='-I binary -O elf64-x86-64 -B i386:x86-64'
# the module's leftovers, empty in twinc's output and meaningless in Xen
# (an empty .modinfo is malformed livepatch metadata)
PAYLOAD_DROP='.modinfo __param .init.text .exit.text .init.data .exit.data'

if [ "${1-}" = --cflags ]; then
	echo "$PAYLOAD_FLAGS"
	exit 0
fi
if [ $# -ne 6 ]; then
	echo "usage: link.sh MANIFEST OBJECT ACCEPTED XEN_SYMS SCRATCH OUT.livepatch" >&2
	exit 2
fi
MANIFEST=$1 OBJECT=$2 ACCEPTED=$3 XEN_SYMS=$4 DIR=$5 OUT=$6
CC=${CC:-cc}
cd "$(dirname "$0")/../.."

fail() {
	echo "error: $*" >&2
	exit 1
}

for f in "$MANIFEST" "$OBJECT" "$ACCEPTED" "$XEN_SYMS"; do
	[ -f "$f" ] || fail "$f is missing (run make first)"
done
rm -rf "$DIR" && mkdir -p "$DIR"

# only the very object the machine-code verifier accepted
[ "$(sha256sum < "$OBJECT" | cut -d' ' -f1)" = "$(cut -d' ' -f1 "$ACCEPTED")" ] ||
	fail "$OBJECT is not the object twinc --verify accepted"

grep -o '"[A-Za-z0-9_]*": {"bind": "hv"}' "$MANIFEST" |
	sed 's/^"\([^"]*\)".*/\1/' > "$DIR/hv-bindings"
[ -s "$DIR/hv-bindings" ] || fail "no hv bindings in $MANIFEST"
# Xen's loader resolves only its support interface: a binding it lacks
# would load nowhere, say so now rather than at upload
for s in $(sed 's/^/twin_hv_/' "$DIR/hv-bindings"); do
	grep -q "\"$s\"" hv/xen/loader.c ||
		fail "the policy binds $s, which is not in Xen's support interface (twin_interface[], hv/xen/loader.c)"
done

# each call reaches Xen's twin_hv_<name> through a stub that records the
# instance's %rsp first (__twin_call_sp, hv/svm/svm.h)
sed 's/.*/& __twin_hv_&/' "$DIR/hv-bindings" > "$DIR/hv-renames"
{
	printf '\t.text\n'
	sed 's/.*/\t.globl\t__twin_hv_&\n__twin_hv_&:\n\tmovq\t%rsp, __twin_call_sp(%rip)\n\tjmp\ttwin_hv_&/' \
		"$DIR/hv-bindings"
	printf '\t.section .note.GNU-stack,"",@progbits\n'
} > "$DIR/hv_stubs.S"
$CC -c "$DIR/hv_stubs.S" -o "$DIR/hv_stubs.o"

globalize= drop=
for s in $PAYLOAD_ENTRIES; do globalize="$globalize --globalize-symbol=$s"; done
for s in $PAYLOAD_DROP; do drop="$drop --remove-section=$s"; done
# shellcheck disable=SC2086 # word lists on purpose
objcopy --redefine-syms="$DIR/hv-renames" $globalize $drop "$OBJECT" "$DIR/instance.o"
$CC -c hv/svm/svm_entry.S -o "$DIR/svm_entry.o"

uc=$(grep -o '"page_frag_free": {"bind": "upcall", "id": [0-9]*' "$MANIFEST" | sed 's/.* //') || true
# shellcheck disable=SC2086
unsafe=
[ "${TWIN_UNSAFE_TESTS-}" = 1 ] && unsafe=-DTWIN_UNSAFE_TESTS
# shellcheck disable=SC2086
$CC $PAYLOAD_FLAGS -Ihv/xen -Wa,-Ihv/svm -DTWIN_UC_PAGE_FRAG_FREE="${uc:--1}" $unsafe \
	-c hv/payload/glue.c -o "$DIR/glue.o"

objcopy -O binary --only-section=.note.gnu.build-id "$XEN_SYMS" "$DIR/xen-build-id.bin"
for s in depends xen_depends; do
	# shellcheck disable=SC2086
	objcopy $BIN_TO_ELF --rename-section=.data=.livepatch.$s,alloc,load,readonly,data,contents \
		-S "$DIR/xen-build-id.bin" "$DIR/$s.o"
done
ld -r -z noexecstack --build-id=sha1 -o "$OUT.tmp" "$DIR/instance.o" "$DIR/svm_entry.o" \
	"$DIR/hv_stubs.o" "$DIR/glue.o" "$DIR/depends.o" "$DIR/xen_depends.o"

# the driver-VM symbols left undefined must be exactly the manifest's
nm -u "$OUT.tmp" | awk '{print $2}' |
	grep -Ev '^(twin_|svm_|__svm_|__twin_)' > "$DIR/vm-symbols" || true
sed 's/.*"vm_symbols": \[\(.*\)\].*/\1/;t;d' "$MANIFEST" | tr -d '" ' | tr ',' '\n' |
	sort > "$DIR/vm-expected"
if ! sort "$DIR/vm-symbols" | cmp -s - "$DIR/vm-expected"; then
	echo "error: the payload's driver-VM symbols differ from the manifest's vm_symbols" >&2
	diff "$DIR/vm-expected" "$DIR/vm-symbols" >&2 || true
	rm -f "$OUT.tmp"
	exit 1
fi
mv "$OUT.tmp" "$OUT"
