#!/bin/sh
# The csmith differential campaign (issue 17): seeds' random programs run as
# GCC made them and as twinc --test derived them; identical output or a
# refusal by twinc, never a wrong result.  Runs at nice 19; resumable.
#   usage: hv/derive/csmith-campaign.sh [--jobs N] [--out DIR] [--every N]
#                                       [--nice N] FIRST_SEED COUNT
#          hv/derive/csmith-campaign.sh --summary --out DIR
#   needs build/bin/twinc (make build/bin/twinc); exits 1 if any program was
#   wrong.  The judging (csmith options, flags, policy, harness) is
#   tests/csmith_campaign.py, shared with make test's seeded share; the
#   files it writes are described in hv/derive/README.md.
exec /usr/bin/python3 "$(dirname "$0")/../../tests/csmith_campaign.py" "$@"
