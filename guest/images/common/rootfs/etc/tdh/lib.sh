# Shared by the guests' /init scripts (busybox sh).

tdh_mounts() {
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev
	mkdir -p /dev/pts /dev/shm
	mount -t devpts devpts /dev/pts
	mount -t tmpfs tmpfs /run
	mount -t tmpfs tmpfs /tmp
	# /var/run is /run, as on Debian (libxl's locks live in /var/run/xen;
	# 'ln -sf' onto an existing directory would only make /var/run/run)
	mkdir -p /var
	[ -L /var/run ] || { rm -rf /var/run; ln -s /run /var/run; }
	mkdir -p /var/lock
	hostname "$1"
	ip link set lo up
}

# tdh_param NAME: value of tdh.NAME= on the kernel command line
tdh_param() {
	for w in $(cat /proc/cmdline); do
		case $w in tdh.$1=*) echo "${w#tdh.$1=}"; return 0 ;; esac
	done
	return 1
}

tdh_say() {
	echo "tdh: $*" >/dev/kmsg
}

# Load modules, failing loudly: a missing driver makes every later step
# fail in an obscure way.
tdh_modprobe() {
	for m in "$@"; do
		modprobe "$m" || tdh_say "FAILED to load module $m"
	done
}

# tdh_wait_link IF: wait (up to 10 s) for IF's carrier.  The e1000 reports
# its link about 2 s after "ip link set up"; a guest that says ready before
# that starts its measurements, and its dmesg baseline, in the middle of
# link negotiation.
tdh_wait_link() {
	i=0
	while [ "$(cat /sys/class/net/$1/carrier 2>/dev/null)" != 1 ]; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			tdh_say "FAILED: $1 has no link after 10 s"
			return 1
		fi
		sleep 0.1
	done
}

# The harness's control channel: the second serial port, kept apart from
# the console.  Respawned if it ever exits.
tdh_agent_forever() {
	while true; do
		/etc/tdh/agent.sh /dev/ttyS1
		sleep 1
	done
}
