#!/bin/sh
# tdh's control agent: runs the commands the harness sends on a serial line.
#
# Protocol (text lines, one command per line):
#   guest -> host  "@@TDH READY <hostname>"            once, at start
#   host  -> guest "<id> <shell command>"
#   guest -> host  the command's output (stdout and stderr), then
#                  "\n@@TDH END <id> <exit status>"
# No network service is involved: iperf3 is the guests' only server.
dev=${1:-/dev/ttyS1}
[ -c "$dev" ] || { echo "tdh: agent: no $dev" >/dev/kmsg; exit 1; }
stty -F "$dev" raw -echo -echoe -echok 115200 || exit 1
exec 3<>"$dev"
echo "@@TDH READY $(hostname)" >&3
while IFS= read -r line <&3; do
	id=${line%% *}
	cmd=${line#* }
	sh -c "$cmd" </dev/null >/tmp/.agent.out 2>&1
	rc=$?
	cat /tmp/.agent.out >&3
	printf '\n@@TDH END %s %s\n' "$id" "$rc" >&3
done
