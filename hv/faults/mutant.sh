#!/bin/sh
# hv/faults/mutant.sh: one mutant of e1000's hypervisor instance, built into
# a livepatch payload exactly as the real one (hv/faults/README.md).
#
#   mutant.sh [OPTIONS] --named NAME OUTDIR
#   mutant.sh [OPTIONS] --random SEED [--kinds LIST] OUTDIR
#
#   --library FILE    the named mutations (hv/faults/e1000.mutations)
#   --functions FILE  where random mutations go (hv/faults/e1000.fastpath)
#   --build DIR       the build products (build/, made by `make`)
#   --unsafe          tests only: link the mutant as a deliberately unsafe
#                     build (hv/payload/link.sh, hv/xen/twin_desc.h)
#
# twinmut writes the mutant source; it is compiled with the instance's
# command line (build/twin/e1000/twin.cmd), derived by twinc with derive.mk's
# TWIN_FLAGS, its object checked by `twinc --verify` and linked by
# hv/payload/link.sh.  In random mode a mutant that does not compile is
# replaced by the seed's next site (--attempt 1, 2, ... up to 20 tries).
#
# OUTDIR/mutant.json says what happened (status built, derive_refused,
# verify_refused, compile_error or no_site); the status is 0 whenever it
# was written: a refusal is a result.  Anything else is one line on stderr
# and status 1.  Nothing is written outside OUTDIR.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$ROOT/build
LIBRARY=$ROOT/hv/faults/e1000.mutations
FUNCTIONS=$ROOT/hv/faults/e1000.fastpath
POLICY=hv/derive/e1000.policy
MAX_ATTEMPTS=20
MODE= ARG= KINDS= OUT= UNSAFE=0

die() {
	echo "mutant.sh: error: $*" >&2
	exit 1
}

usage() {
	echo "usage: mutant.sh [--library FILE] [--functions FILE] [--build DIR] [--unsafe]" \
	     "(--named NAME | --random SEED [--kinds LIST]) OUTDIR" >&2
	exit 2
}

abspath() {
	case $1 in
	/*) echo "$1" ;;
	*) echo "$PWD/$1" ;;
	esac
}

while [ $# -gt 0 ]; do
	case $1 in
	--named|--random|--kinds|--library|--functions|--build)
		[ $# -ge 2 ] || die "$1 needs a value"
		case $1 in
		--named|--random)
			[ -z "$MODE" ] || die "give one of --named and --random"
			MODE=${1#--} ARG=$2 ;;
		--kinds) KINDS=$2 ;;
		--library) LIBRARY=$(abspath "$2") ;;
		--functions) FUNCTIONS=$(abspath "$2") ;;
		--build) BUILD=$(abspath "$2") ;;
		esac
		shift 2 ;;
	--unsafe)
		# tests only: tdh faults --unsafe (hv/xen/twin_desc.h)
		UNSAFE=1
		shift ;;
	-h|--help) usage ;;
	-*) die "unknown option $1" ;;
	*)
		[ -z "$OUT" ] || die "unexpected argument $1"
		OUT=$1
		shift ;;
	esac
done
[ -n "$MODE" ] && [ -n "$OUT" ] || usage
[ "$MODE" = random ] || [ -z "$KINDS" ] || die "--kinds goes with --random"
if [ "$MODE" = random ]; then
	case $ARG in
	''|*[!0-9]*) die "--random takes a decimal seed, not '$ARG'" ;;
	esac
fi
# the path goes into a compiler command line run by sh
case $OUT in
*[!A-Za-z0-9._/+:@,=-]*) die "OUTDIR '$OUT' has characters other than [A-Za-z0-9._/+:@,=-]" ;;
esac

TWINMUT=$BUILD/bin/twinmut TWINC=$BUILD/bin/twinc TWIN=$BUILD/twin/e1000
SRC=$TWIN/vm/e1000_main.c XEN_SYMS=$BUILD/xen/xen-syms
for f in "$TWINMUT" "$TWINC" "$TWIN/twin.cmd" "$SRC" "$BUILD/faults/env" "$XEN_SYMS"; do
	[ -f "$f" ] || die "$f is missing: run make first"
done
if [ "$MODE" = named ]; then
	[ -f "$LIBRARY" ] || die "no library $LIBRARY"
else
	[ -f "$FUNCTIONS" ] || die "no function list $FUNCTIONS"
fi
# KHDR, TWIN_FLAGS, CC as make has them (hv/faults/faults.mk)
. "$BUILD/faults/env"
[ -d "$KHDR" ] || die "kernel headers $KHDR missing: run make first"

mkdir -p "$OUT" || die "cannot create $OUT"
OUT=$(cd "$OUT" && pwd)
cd "$ROOT" || die "cannot enter $ROOT"
# what an earlier run left in OUTDIR
rm -rf "$OUT/link"
rm -f "$OUT/mutant.json" "$OUT/mutation.diff" "$OUT/twinmut.json" "$OUT"/*.log \
      "$OUT"/*.tmp "$OUT/compile.cmd" "$OUT"/e1000_main.* "$OUT"/e1000_twin.* \
      "$OUT/manifest.json"
T0=$(date +%s.%N)

# The first error line of a log, without OUTDIR's path.
first_error() {
	{ grep -m1 -E 'error|refused' "$1" || head -1 "$1"; } | sed "s#$OUT/##g" | cut -c1-300
}

mutate() {	# attempt
	if [ "$MODE" = named ]; then
		"$TWINMUT" --library "$LIBRARY" --named "$ARG" "$SRC" -o "$OUT/e1000_main.c"
	else
		"$TWINMUT" --random "$ARG" --attempt "$1" ${KINDS:+--kinds "$KINDS"} \
			--functions "$(grep -v '^#' "$FUNCTIONS" | grep . | paste -sd, -)" \
			"$SRC" -o "$OUT/e1000_main.c"
	fi > "$OUT/twinmut.json.tmp" 2> "$OUT/twinmut.log"
}

compile() {
	esc_out=$(printf '%s' "$OUT" | sed 's/[#&\\]/\\&/g')
	esc_vm=$(printf '%s' "$TWIN/vm" | sed 's/[#&\\]/\\&/g')
	sed "s# -o [^ ]*e1000_main\.s # -o $esc_out/e1000_main.s #;
	     s# [^ ]*vm/e1000_main\.c\$# -I$esc_vm $esc_out/e1000_main.c#" \
		"$TWIN/twin.cmd" > "$OUT/compile.cmd"
	grep -q -- "-o $OUT/e1000_main.s .* $OUT/e1000_main.c\$" "$OUT/compile.cmd" ||
		die "cannot adapt $TWIN/twin.cmd to the mutant"
	(cd "$KHDR" && sh "$OUT/compile.cmd") > "$OUT/compile.log" 2>&1
}

# twinmut, then the compiler; in random mode until a variant compiles
attempt=0 status= reason=
while :; do
	mutate $attempt
	rc=$?
	if [ $rc -eq 3 ] && [ $attempt -eq 0 ]; then
		status=no_site reason=$(head -1 "$OUT/twinmut.log")
		break
	elif [ $rc -eq 3 ]; then
		status=compile_error	# no site left to try: the last failure stands
		break
	elif [ $rc -ne 0 ]; then
		die "$(head -1 "$OUT/twinmut.log")"
	fi
	mv "$OUT/twinmut.json.tmp" "$OUT/twinmut.json"
	attempt=$((attempt + 1))
	compile && break
	reason=$(first_error "$OUT/compile.log")
	if [ "$MODE" = named ] || [ $attempt -ge $MAX_ATTEMPTS ]; then
		status=compile_error
		break
	fi
done
rm -f "$OUT/twinmut.json.tmp"

if [ -z "$status" ]; then
	# shellcheck disable=SC2086 # TWIN_FLAGS is a word list
	if ! "$TWINC" --quiet $TWIN_FLAGS --policy $POLICY -o "$OUT/e1000_twin.s" \
		--obj "$OUT/e1000_twin.o" --manifest "$OUT/manifest.json" \
		"$OUT/e1000_main.s" > "$OUT/twinc.log" 2>&1; then
		status=derive_refused reason=$(first_error "$OUT/twinc.log")
	elif ! "$TWINC" --policy $POLICY --verify "$OUT/e1000_twin.o" > "$OUT/verify.log" 2>&1; then
		status=verify_refused reason=$(first_error "$OUT/verify.log")
	else
		(cd "$OUT" && sha256sum e1000_twin.o > e1000_twin.o.accepted) ||
			die "cannot write $OUT/e1000_twin.o.accepted"
		CC=$CC TWIN_UNSAFE_TESTS=$UNSAFE hv/payload/link.sh "$OUT/manifest.json" "$OUT/e1000_twin.o" \
			"$OUT/e1000_twin.o.accepted" "$XEN_SYMS" "$OUT/link" \
			"$OUT/e1000_twin.livepatch" > "$OUT/link.log" 2>&1 ||
			die "linking the payload failed: $(head -1 "$OUT/link.log")"
		status=built reason=
	fi
fi

if [ -f "$OUT/twinmut.json" ]; then
	diff -u --label a/e1000_main.c --label b/e1000_main.c "$SRC" "$OUT/e1000_main.c" \
		> "$OUT/mutation.diff"
	[ $? -eq 1 ] || die "the mutant does not differ from $SRC"
	desc=$(sed 's/^{//; s/}$//' "$OUT/twinmut.json")
else
	: > "$OUT/mutation.diff"
	desc="\"id\": \"random-$ARG-$attempt\", \"mode\": \"random\", \"kind\": null,"
	desc="$desc \"function\": null, \"line\": null, \"before\": null, \"after\": null,"
	desc="$desc \"models\": null, \"expect\": null, \"seed\": $ARG, \"attempt\": $attempt"
fi
payload=null
[ "$status" = built ] && payload='"e1000_twin.livepatch"'
seconds=$(echo "$T0 $(date +%s.%N)" | awk '{ printf "%.2f", $2 - $1 }')
{
	printf '{%s,\n' "$desc"
	printf ' "unsafe": %s,\n' "$([ "$UNSAFE" = 1 ] && echo true || echo false)"
	printf ' "status": "%s",\n "reason": %s,\n' "$status" \
		"$(printf '%s' "$reason" | "$TWINMUT" --quote -)"
	printf ' "attempts": %d,\n "payload": %s,\n "seconds": %s,\n "diff": %s\n}\n' \
		"$attempt" "$payload" "$seconds" "$("$TWINMUT" --quote "$OUT/mutation.diff")"
} > "$OUT/mutant.json.tmp" && mv "$OUT/mutant.json.tmp" "$OUT/mutant.json" ||
	die "cannot write $OUT/mutant.json"

id=$(sed -n 's/^{"id": "\([^"]*\)".*/\1/p' "$OUT/mutant.json")
echo "  MUTANT  $id: $status${reason:+: $reason} ($seconds s)" | cut -c1-160
