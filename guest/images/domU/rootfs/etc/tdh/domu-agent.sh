#!/bin/sh
# The domU's agent for tests.  The domU has no serial line of the harness's,
# so dom0 talks to it through xenstore, in the domU's own data/ area (which
# the domU may write): dom0's domu-run writes a shell command to
# data/tdh/cmd, then a new number to data/tdh/req; this runs the command and
# answers in data/tdh/out (the output's last 3 KiB), data/tdh/rc and
# data/tdh/done (the number answered).  It waits on a xenstore watch, so it
# costs nothing while nobody asks.
last=$(xenstore-read data/tdh/req 2>/dev/null || echo 0)
xenstore-write data/tdh/done "$last"
while :; do
	# the first event comes at once, the second when req changes
	xenstore-watch -n 2 data/tdh/req >/dev/null 2>&1 || sleep 1
	req=$(xenstore-read data/tdh/req 2>/dev/null) || continue
	[ "$req" = "$last" ] && continue
	last=$req
	cmd=$(xenstore-read data/tdh/cmd 2>/dev/null) || continue
	sh -c "$cmd" </dev/null >/tmp/.domu-agent.out 2>&1
	rc=$?
	xenstore-write data/tdh/out "$(tail -c 3000 /tmp/.domu-agent.out)" data/tdh/rc "$rc" \
		data/tdh/done "$req"
done
