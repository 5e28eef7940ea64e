// SPDX-License-Identifier: GPL-2.0
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "util.h"

#define MAX_CLEANUPS 32

static struct {
	cleanup_fn fn;
	void *arg;
	const char *what;
} steps[MAX_CLEANUPS];
static int nr_steps;
static volatile sig_atomic_t got_signal;
/* while undoing, a signal must not cut the undoing short */
static bool cleaning;

int cleanup_push(cleanup_fn fn, void *arg, const char *what)
{
	if (nr_steps == MAX_CLEANUPS)
		die(EXIT_RUN, "internal: too many cleanup steps");
	steps[nr_steps].fn = fn;
	steps[nr_steps].arg = arg;
	steps[nr_steps].what = what;
	return nr_steps++;
}

/* Steps done or dropped at the top of the stack free their slots. */
static void drop_finished(void)
{
	while (nr_steps && !steps[nr_steps - 1].fn)
		nr_steps--;
}

void cleanup_run_one(int handle)
{
	cleanup_fn fn;

	if (handle < 0 || handle >= nr_steps || !steps[handle].fn)
		return;
	fn = steps[handle].fn;
	steps[handle].fn = NULL;
	fn(steps[handle].arg);
	drop_finished();
}

void cleanup_forget(int handle)
{
	if (handle < 0 || handle >= nr_steps)
		return;
	steps[handle].fn = NULL;
	drop_finished();
}

void cleanup_all(void)
{
	cleaning = true;
	while (nr_steps > 0)
		cleanup_run_one(nr_steps - 1);
	cleaning = false;
}

static void on_signal(int sig)
{
	got_signal = sig;
}

void cleanup_install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: blocking calls return */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

bool cleanup_signalled(void)
{
	return got_signal != 0;
}

bool cleanup_interrupted(void)
{
	return got_signal != 0 && !cleaning;
}

void cleanup_check_signal(void)
{
	if (cleanup_interrupted())
		die(128 + got_signal, "interrupted by signal %d; everything the run started was stopped and removed",
		    (int)got_signal);
}
