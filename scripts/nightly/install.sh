#!/bin/sh
# Install the nightly regression run for this checkout.
#
#   scripts/nightly/install.sh            systemd: tdh-regress.{service,timer}
#                                         into $DESTDIR/etc/systemd/system, timer enabled
#   scripts/nightly/install.sh --cron     root's crontab gets the line in ./crontab
#   scripts/nightly/install.sh --print    print the units (or with --cron, the line)
#
# DESTDIR (default empty) installs into another root, for a look first.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
mode=systemd
print=false
for a in "$@"; do
	case $a in
	--cron) mode=cron ;;
	--print) print=true ;;
	*) echo "install.sh: unknown option '$a'; use --cron and/or --print" >&2; exit 2 ;;
	esac
done
render() { sed "s|@REPO@|$repo|g" "$here/$1"; }

if [ $mode = cron ]; then
	line=$(render crontab | grep -v '^#')
	if $print; then echo "$line"; exit 0; fi
	command -v crontab >/dev/null || { echo "install.sh: no crontab command; apt-get install cron" >&2; exit 2; }
	{ crontab -l 2>/dev/null | grep -v 'make regress' || true; echo "$line"; } | crontab -
	echo "installed in root's crontab: $line"
	exit 0
fi
if $print; then render tdh-regress.service; echo; render tdh-regress.timer; exit 0; fi
dest=${DESTDIR:-}/etc/systemd/system
mkdir -p "$dest"
render tdh-regress.service >"$dest/tdh-regress.service"
render tdh-regress.timer >"$dest/tdh-regress.timer"
echo "installed $dest/tdh-regress.service and tdh-regress.timer"
if [ -z "${DESTDIR:-}" ]; then
	command -v systemctl >/dev/null && [ -d /run/systemd/system ] ||
		{ echo "install.sh: systemd is not running here; use --cron" >&2; exit 2; }
	systemctl daemon-reload
	systemctl enable --now tdh-regress.timer
	systemctl list-timers tdh-regress.timer --no-pager
fi
