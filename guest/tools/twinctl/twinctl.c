// SPDX-License-Identifier: GPL-2.0
/*
 * twinctl: load, attach, detach and inspect the TwinDrivers hypervisor
 * instance from dom0.
 *
 *   twinctl load [--force] [PAYLOAD]
 *                            resolve the payload's dom0 symbols, upload and
 *                            apply it with xen-livepatch, load the twin
 *                            module; an unsafe test build (tdh faults'
 *                            own test) only with --force.  The driver is the
 *                            one a PCI device is bound to (e1000 or e1000e),
 *                            the default payload /lib/twin/DRIVER_twin.livepatch
 *   twinctl unload           revert and unload the payload (detach first)
 *   twinctl attach IFACE     hand the NIC's fast path to Xen
 *   twinctl detach           and back to dom0's driver
 *   twinctl status [--json]  every counter, Xen's and dom0's
 *   twinctl corrupt KIND [ADDR]
 *                            test: the next transmitted frame runs with one
 *                            driver pointer corrupted (skb-data, ring-base,
 *                            adapter); SVM must refuse it
 *   twinctl selftest fault|spin|retype|return|frame
 *                            test: Xen runs payload code that faults,
 *                            spins until the watchdog stops it, has its
 *                            return address overwritten, or aims a copy at
 *                            the runtime's frames
 *   twinctl check            check the RX ring's buffers against what the
 *                            ring owns (dom0's driver must run it)
 *   twinctl vif attach|detach VIF
 *                            hand netback's vif (vifD.N) to Xen, which then
 *                            serves the guest's netfront itself (the NIC must
 *                            be attached), or give it back to netback
 *   twinctl vif status VIF [--json]
 *                            the guest path's counters for that vif
 *   twinctl dma-frames [--frames]
 *                            Xen's record of the frames the NIC may use
 *                            during the latest attachment (DMA confinement)
 *
 * Exit status: 0 done, 1 the operation failed, 2 bad usage.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "twinctl.h"
#include "twin_ioctl.h"

#define PAYLOAD_DIR	"/lib/twin"
#define PAYLOAD_NAME	"twin"		/* xen-livepatch's name for it */
#define RESOLVED	"/run/twin/twin.livepatch"
#define LIVEPATCH	"/usr/lib/xen-4.17/bin/xen-livepatch"

int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("twinctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

unsigned char *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n = 0;

	if (!f) {
		fail("cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    !(buf = malloc(n ? n : 1)) || fread(buf, 1, n, f) != (size_t)n) {
		fail("cannot read %s", path);
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

int write_whole(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(buf, 1, len, f) != len || fclose(f))
		return fail("cannot write %s: %s", path, strerror(errno));
	return 0;
}

int read_ulong_file(const char *path, unsigned long *v)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -1;
	ok = fscanf(f, "%lx", v) == 1;
	fclose(f);
	return ok ? 0 : -1;
}

static int run(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return fail("fork: %s", strerror(errno));
	if (pid == 0) {
		execv(argv[0], argv);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return fail("%s %s failed (status %d)", argv[0], argv[1] ? argv[1] : "",
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}

/*
 * One ioctl on /dev/twin: 0, the errno it failed with, or -1 when the
 * device could not be opened (that is reported here).
 */
static int dev_ioctl(unsigned long req, void *arg)
{
	int fd = open("/dev/twin", O_RDWR | O_CLOEXEC), rc;

	if (fd < 0)
		return fail("cannot open /dev/twin (%s): run 'twinctl load' first", strerror(errno));
	rc = ioctl(fd, req, arg) ? errno : 0;
	close(fd);
	return rc;
}

/* The drivers a hypervisor instance can be derived for (hv/derive/DRIVER.policy). */
static const char *const drivers[] = { "e1000", "e1000e" };

/* Is a PCI device bound to @driver now? */
static bool driver_bound(const char *driver)
{
	char path[128];
	struct dirent *e;
	bool bound = false;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s", driver);
	d = opendir(path);
	while (d && !bound && (e = readdir(d)))
		bound = !strncmp(e->d_name, "0000:", 5);
	if (d)
		closedir(d);
	return bound;
}

/* The one driver in dom0 with a device bound, or NULL (said why). */
static const char *bound_driver(void)
{
	const char *found = NULL;
	unsigned int i;

	for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
		if (!driver_bound(drivers[i]))
			continue;
		if (found) {
			fail("both %s and %s drive a device; the hypervisor instance serves one NIC",
			     found, drivers[i]);
			return NULL;
		}
		found = drivers[i];
	}
	if (!found)
		fail("no e1000 or e1000e device in dom0 (modprobe the NIC's driver first)");
	return found;
}

static const char *driver_ko(const char *driver)
{
	static char path[256];
	char rel[128];
	FILE *f = fopen("/proc/sys/kernel/osrelease", "r");

	if (!f || !fgets(rel, sizeof(rel), f)) {
		if (f)
			fclose(f);
		return NULL;
	}
	fclose(f);
	rel[strcspn(rel, "\n")] = '\0';
	snprintf(path, sizeof(path), "/lib/modules/%s/kernel/drivers/net/ethernet/intel/%s/%s.ko",
		 rel, driver, driver);
	return path;
}

/*
 * xen-livepatch gives Xen's rendezvous of every CPU 30 ms, which a loaded
 * TCG machine sometimes misses; the operation then fails and nothing has
 * changed, so try again.
 */
static int livepatch_retried(const char *action)
{
	char *argv[] = { LIVEPATCH, (char *)action, PAYLOAD_NAME, NULL };
	int i;

	for (i = 0; i < 5; i++) {
		if (i)
			sleep(1);
		if (!run(argv))
			return 0;
	}
	return -1;
}

static int cmd_load(const char *payload, bool force)
{
	char *up[] = { LIVEPATCH, "upload", PAYLOAD_NAME, RESOLVED, NULL };
	char *unload[] = { LIVEPATCH, "unload", PAYLOAD_NAME, NULL };
	char *mp[] = { "modprobe", "twin", NULL };
	static char dflt[128];
	unsigned long pgt;
	const char *driver, *ko;
	char val[32];
	struct stat st;

	/* before anything else: what is asked to be loaded */
	if (payload && check_payload_safe(payload, force))
		return -1;
	driver = bound_driver();
	if (!driver)
		return -1;
	if (!payload) {
		snprintf(dflt, sizeof(dflt), PAYLOAD_DIR "/%s_twin.livepatch", driver);
		payload = dflt;
		if (check_payload_safe(payload, force))
			return -1;
	}
	ko = driver_ko(driver);
	if (!ko)
		return fail("cannot read the kernel release");
	mkdir("/run/twin", 0700);
	if (resolve_payload(payload, RESOLVED, driver, ko, 1))
		return -1;
	if (run(up))
		return fail("xen-livepatch refused %s; Xen's log (xl dmesg) says why", payload);
	if (livepatch_retried("apply")) {
		run(unload);
		return fail("Xen did not apply %s; Xen's log (xl dmesg) says why", payload);
	}
	if (stat("/sys/module/twin", &st) && run(mp))
		return -1;
	/* the twin module walks nothing itself; Xen needs init_mm's pgd */
	if (!kallsyms_address("init_top_pgt", &pgt))
		return fail("init_top_pgt is not in /proc/kallsyms (kptr_restrict?)");
	snprintf(val, sizeof(val), "%#lx", pgt);
	if (write_whole("/sys/module/twin/parameters/init_top_pgt", val, strlen(val)))
		return -1;
	printf("loaded %s for %s\n", payload, driver);
	return 0;
}

/* Revert (Xen refuses while attached), then unload. */
static int cmd_unload(void)
{
	char *unload[] = { LIVEPATCH, "unload", PAYLOAD_NAME, NULL };

	if (livepatch_retried("revert"))
		return fail("the instance could not be reverted; is it attached? ('twinctl detach')");
	return run(unload);
}

/*
 * The instance takes the NIC's interrupt lines in Xen: another device on
 * the same line would never hear its interrupts again.  /proc/interrupts
 * lists a shared line's handlers separated by commas.
 */
static int check_line_not_shared(const char *ifname)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[512];
	int rc = 0;

	if (!f)
		return fail("cannot read /proc/interrupts");
	while (fgets(line, sizeof(line), f)) {
		char *name = strstr(line, ifname);

		if (!name || (name[strlen(ifname)] != '\n' && name[strlen(ifname)] != ','))
			continue;
		if (strchr(line, ','))
			rc = fail("%s's interrupt line is shared (%.*s); the hypervisor instance needs it alone",
				  ifname, (int)strcspn(line, "\n"), line);
	}
	fclose(f);
	return rc;
}

static int cmd_attach(const char *ifname)
{
	struct twin_ioc_attach a = { 0 };
	int rc;

	if (check_line_not_shared(ifname))
		return -1;
	snprintf(a.ifname, sizeof(a.ifname), "%s", ifname);
	rc = dev_ioctl(TWIN_IOC_ATTACH, &a);
	if (rc > 0)
		return fail("attach %s: %s (dmesg and xl dmesg say more)", ifname, strerror(rc));
	return rc;
}

static int cmd_detach(void)
{
	int rc = dev_ioctl(TWIN_IOC_DETACH, NULL);

	return rc > 0 ? fail("detach: %s", strerror(rc)) : rc;
}

static int cmd_corrupt(const char *kind, const char *value)
{
	static const char *const kinds[] = { [TWIN_CORRUPT_SKB_DATA] = "skb-data",
		[TWIN_CORRUPT_RING_BASE] = "ring-base", [TWIN_CORRUPT_ADAPTER] = "adapter" };
	struct twin_ioc_corrupt c = { 0 };
	unsigned int i;
	int rc;

	for (i = 1; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kind, kinds[i]))
			c.kind = i;
	if (!c.kind)
		return fail("corrupt: unknown kind '%s': give skb-data, ring-base or adapter", kind);
	c.value = value ? strtoull(value, NULL, 0) : 0;
	rc = dev_ioctl(TWIN_IOC_CORRUPT, &c);
	return rc > 0 ? fail("corrupt: %s (is the instance attached?)", strerror(rc)) : rc;
}

static int cmd_selftest(const char *what)
{
	unsigned long kind = !strcmp(what, "fault") ? TWIN_SELFTEST_FAULT :
			     !strcmp(what, "spin") ? TWIN_SELFTEST_SPIN :
			     !strcmp(what, "retype") ? TWIN_SELFTEST_RETYPE :
			     !strcmp(what, "return") ? TWIN_SELFTEST_RETURN :
			     !strcmp(what, "frame") ? TWIN_SELFTEST_FRAME : 0;
	int rc;

	if (!kind)
		return fail("selftest: unknown test '%s': give fault, spin, retype, return or frame", what);
	rc = dev_ioctl(TWIN_IOC_SELFTEST, (void *)kind);
	return rc > 0 ? fail("selftest %s: %s (is the instance attached?)", what, strerror(rc)) : rc;
}

static int cmd_check(void)
{
	int rc = dev_ioctl(TWIN_IOC_CHECK, NULL);

	if (rc == EIO)
		return fail("check: the RX ring is inconsistent (dom0's dmesg says where)");
	return rc > 0 ? fail("check: %s (detach first)", strerror(rc)) : rc;
}

#define F(s, f)	printf("%s\"%s\": %llu", first++ ? ", " : "", #f, (unsigned long long)(s)->f)

static void print_vif_counters(const struct twin_vif_counters *c)
{
	int first = 0;

	printf("{");
	F(c, tx_frames); F(c, tx_bytes); F(c, tx_gso); F(c, tx_dropped);
	F(c, rx_frames); F(c, rx_bytes); F(c, rx_dropped_no_buffer);
	F(c, requests_refused); F(c, grant_copies); F(c, grant_copy_errors);
	F(c, notifications_in); F(c, notifications_out); F(c, fatal); F(c, rx_gso);
	printf("}");
}

static int cmd_status(bool json)
{
	struct twin_ioc_status s;
	int rc = dev_ioctl(TWIN_IOC_STATUS, &s), first = 0;

	if (rc)
		return rc > 0 ? fail("status: %s", strerror(rc)) : rc;
	if (!json)
		printf("loaded %u attached %u wanted %u disabled_reason %u\n",
		       s.xen.loaded, s.xen.attached, s.dom0.wanted, s.xen.disabled_reason);
	printf("{");
	F(&s.xen, loaded); F(&s.xen, attached); F(&s.xen, disabled_reason);
	F(&s.xen, disabled_where); F(&s.xen, attaches); F(&s.xen, detaches);
	F(&s.xen, disables); F(&s.xen, tx_frames); F(&s.xen, tx_busy); F(&s.xen, rx_frames);
	F(&s.xen, interrupts); F(&s.xen, interrupts_forwarded); F(&s.xen, interrupts_spurious);
	F(&s.xen, polls);
	F(&s.xen, poll_deferred); F(&s.xen, svm_hits); F(&s.xen, svm_misses);
	F(&s.xen, svm_fills); F(&s.xen, svm_refusals); F(&s.xen, svm_crossings);
	F(&s.xen, svm_bounces); F(&s.xen, svm_flushes); F(&s.xen, pinned_pages);
	F(&s.xen, writable_pins); F(&s.xen, svm_retype_flushes);
	F(&s.xen, upcalls); F(&s.xen, upcalls_dropped); F(&s.xen, pool_supplied);
	F(&s.xen, pool_outstanding); F(&s.xen, pool_empty); F(&s.xen, dma_maps);
	F(&s.xen, dma_map_errors); F(&s.xen, faults); F(&s.xen, watchdogs); F(&s.xen, bugs);
	F(&s.xen, warns); F(&s.xen, denied); F(&s.xen, entry_ns_max);
	F(&s.xen, vifs); F(&s.xen, vif_attaches); F(&s.xen, vif_detaches);
	F(&s.xen, txpool_size); F(&s.xen, txpool_outstanding); F(&s.xen, rx_recycled);
	F(&s.xen, ring_mappings); F(&s.xen, xen_ports);
	F(&s.xen, mmio_emulated); F(&s.xen, tail_writes); F(&s.xen, descs_checked);
	F(&s.xen, descs_refused); F(&s.xen, head_reads); F(&s.xen, descs_scrubbed);
	printf(", \"guest\": ");
	print_vif_counters(&s.xen.guest);
	printf(", \"dom0\": {");
	first = 0;
	F(&s.dom0, attached); F(&s.dom0, wanted); F(&s.dom0, last_disable);
	F(&s.dom0, upcalls_run); F(&s.dom0, rx_delivered); F(&s.dom0, supplied);
	F(&s.dom0, supply_freed); F(&s.dom0, shells_freed); F(&s.dom0, fallbacks);
	F(&s.dom0, xmit_busy); F(&s.dom0, printk_refused); F(&s.dom0, check_runs);
	F(&s.dom0, check_problems); F(&s.dom0, check_bounced);
	F(&s.dom0, vif_attaches); F(&s.dom0, vif_detaches); F(&s.dom0, vif_failed);
	F(&s.dom0, txpool_supplied); F(&s.dom0, txpool_released); F(&s.dom0, rx_released);
	printf("}}\n");
	return 0;
}

static int cmd_vif(const char *what, const char *ifname, bool json)
{
	struct twin_ioc_vif v = { 0 };
	int rc;

	snprintf(v.ifname, sizeof(v.ifname), "%s", ifname);
	if (!strcmp(what, "attach"))
		rc = dev_ioctl(TWIN_IOC_VIF_ATTACH, &v);
	else if (!strcmp(what, "detach"))
		rc = dev_ioctl(TWIN_IOC_VIF_DETACH, &v);
	else
		rc = dev_ioctl(TWIN_IOC_VIF_STATUS, &v);
	if (rc == ENOTCONN)
		return fail("vif %s %s: the NIC is not attached ('twinctl attach eth0' first)", what, ifname);
	if (rc == ENOENT && strcmp(what, "attach"))
		return fail("vif %s %s: Xen does not serve that vif", what, ifname);
	if (rc > 0)
		return fail("vif %s %s: %s (dmesg and xl dmesg say more)", what, ifname, strerror(rc));
	if (rc || strcmp(what, "status"))
		return rc;
	if (!json)
		printf("vif %s: Xen's vif %u, d%u, %s\n", ifname, v.status.vif, v.status.domid,
		       v.status.active ? "served by Xen" : "not served");
	printf("{\"vif\": %u, \"active\": %u, \"domid\": %u, \"reason\": %u, \"counters\": ",
	       v.status.vif, v.status.active, v.status.domid, v.status.reason);
	print_vif_counters(&v.status.c);
	printf("}\n");
	return 0;
}

/*
 * Xen's record of the frames the NIC may use during the latest
 * attachment: byte ranges a line, as e1000-trace check reads them, or
 * with --frames the shorter "FIRST_FRAME COUNT" in hex (what tdh moves
 * over the serial line).
 */
static int cmd_dma_frames(bool frames)
{
	struct twin_dma_frames q = { .max_runs = 1024 };
	uint64_t *runs = NULL;
	uint32_t i;
	int rc;

	for (;;) {
		free(runs);
		runs = calloc(q.max_runs, 2 * sizeof(*runs));
		if (!runs)
			return fail("dma-frames: out of memory");
		q.runs = (uintptr_t)runs;
		rc = dev_ioctl(TWIN_IOC_DMA_FRAMES, &q);
		if (rc != ENOSPC || q.nr_runs > TWIN_DMA_MAX_RUNS)
			break;
		q.max_runs = q.nr_runs + 64;	/* it may grow meanwhile */
	}
	if (rc) {
		free(runs);
		return rc > 0 ? fail("dma-frames: %s", strerror(rc)) : rc;
	}
	printf("# attachment %llu: %llu frames in %u runs\n", (unsigned long long)q.attach,
	       (unsigned long long)q.nr_frames, q.nr_runs);
	for (i = 0; i < q.nr_runs; i++)
		if (frames)
			printf("%llx %llx\n", (unsigned long long)runs[2 * i],
			       (unsigned long long)runs[2 * i + 1]);
		else
			printf("0x%llx 0x%llx\n", (unsigned long long)runs[2 * i] << 12,
			       (unsigned long long)(runs[2 * i] + runs[2 * i + 1]) << 12);
	free(runs);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: twinctl load [--force] [PAYLOAD] | unload | attach IFACE | detach |\n"
		   "               status [--json] | corrupt skb-data|ring-base|adapter [ADDR] |\n"
		   "               selftest fault|spin|retype|return|frame | check |\n"
		   "               vif attach|detach VIF | vif status VIF [--json] |\n"
		   "               dma-frames [--frames]\n");
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	int rc;

	if (!strcmp(cmd, "load") && argc >= 3 && !strcmp(argv[2], "--force") && argc <= 4)
		rc = cmd_load(argc == 4 ? argv[3] : NULL, true);
	else if (!strcmp(cmd, "load") && argc <= 3)
		rc = cmd_load(argc == 3 ? argv[2] : NULL, false);
	else if (!strcmp(cmd, "unload") && argc == 2)
		rc = cmd_unload();
	else if (!strcmp(cmd, "attach") && argc == 3)
		rc = cmd_attach(argv[2]);
	else if (!strcmp(cmd, "detach") && argc == 2)
		rc = cmd_detach();
	else if (!strcmp(cmd, "status") && (argc == 2 || (argc == 3 && !strcmp(argv[2], "--json"))))
		rc = cmd_status(argc == 3);
	else if (!strcmp(cmd, "selftest") && argc == 3)
		rc = cmd_selftest(argv[2]);
	else if (!strcmp(cmd, "check") && argc == 2)
		rc = cmd_check();
	else if (!strcmp(cmd, "corrupt") && (argc == 3 || argc == 4))
		rc = cmd_corrupt(argv[2], argc == 4 ? argv[3] : NULL);
	else if (!strcmp(cmd, "vif") && argc == 4 &&
		 (!strcmp(argv[2], "attach") || !strcmp(argv[2], "detach") || !strcmp(argv[2], "status")))
		rc = cmd_vif(argv[2], argv[3], false);
	else if (!strcmp(cmd, "vif") && argc == 5 && !strcmp(argv[2], "status") &&
		 !strcmp(argv[4], "--json"))
		rc = cmd_vif(argv[2], argv[3], true);
	else if (!strcmp(cmd, "dma-frames") && (argc == 2 || (argc == 3 && !strcmp(argv[2], "--frames"))))
		rc = cmd_dma_frames(argc == 3);
	else if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		usage(stdout);
		return 0;
	} else {
		usage(stderr);
		return 2;
	}
	return rc ? 1 : 0;
}
