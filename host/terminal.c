/*
 * The host terminal. When archk's stdin is a terminal it goes into raw mode
 * with ISIG off, so that Ctrl-C reaches the guests as a byte (the console
 * turns it into an interrupt, kernel/console.c) instead of killing archk,
 * and the terminal gets its settings back on every way out: a normal exit
 * (atexit), a kernel panic (hook_panic), a fault in archk itself
 * (sandbox_host_fault), and the signals that end a process (SIGTERM, SIGHUP,
 * SIGINT, SIGQUIT), after which the signal ends archk as it would have. Only
 * SIGKILL leaves the terminal raw (`stty sane` repairs it).
 *
 * Those signals must not reach a vCPU: its thread may be running guest code
 * on a guest stack with the guest's FS base. So every thread blocks them
 * (threads inherit the main thread's mask, and a guest entered with a full
 * register restore gets host_blocked_signals back as its mask), and one host
 * thread of this file, which never runs guest code, takes them.
 *
 * Raw mode keeps output processing (a guest's "\n" still starts a new line)
 * and CR-to-NL on input (Enter is "\n"); there is no echo, no line editing
 * and no flow control: programs that read the console see each key as typed.
 * A window resize sends SIGWINCH, which the same thread takes: the console
 * device's config gets the new size (host/dev_console.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>
#include "host.h"

static struct termios saved;
static volatile sig_atomic_t raw; /* the terminal is in raw mode now */
static const int fatal_signals[] = {SIGTERM, SIGHUP, SIGINT, SIGQUIT};
sigset_t host_blocked_signals;

void terminal_restore(void)
{
	if (raw) {
		raw = 0;
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	}
}

/*
 * The one thread that takes the signals blocked everywhere else: a window
 * resize goes to the console device; any other gives the terminal back and
 * then ends archk by the signal's default action.
 */
static void *signal_main(void *unused)
{
	sigset_t set = host_blocked_signals;

	sigaddset(&set, SIGWINCH);
	for (;;) {
		int sig = sigwaitinfo(&set, NULL);

		if (sig == SIGWINCH) {
			console_device_resized();
		} else if (sig > 0) {
			terminal_restore();
			signal(sig, SIG_DFL);
			pthread_sigmask(SIG_UNBLOCK, &set, NULL);
			raise(sig);
		}
	}
	return unused;
}

/* Raw input, ISIG off; output processing and CR-to-NL kept (see the top). */
static void make_raw(struct termios *t)
{
	t->c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | IXON | IXOFF);
	t->c_iflag |= ICRNL;
	t->c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t->c_cflag |= CS8;
	t->c_cc[VMIN] = 1;
	t->c_cc[VTIME] = 0;
}

bool terminal_setup(void)
{
	struct termios t;
	pthread_t thread;

	sigemptyset(&host_blocked_signals);
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved) < 0)
		return false;
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
		sigaddset(&host_blocked_signals, fatal_signals[i]);
	sigaddset(&host_blocked_signals, SIGWINCH);
	pthread_sigmask(SIG_BLOCK, &host_blocked_signals, NULL);
	if (pthread_create(&thread, NULL, signal_main, NULL) != 0) {
		pthread_sigmask(SIG_UNBLOCK, &host_blocked_signals, NULL);
		sigemptyset(&host_blocked_signals);
		return false;
	}
	pthread_detach(thread);
	t = saved;
	make_raw(&t);
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t) < 0)
		return false;
	raw = 1;
	atexit(terminal_restore);
	return true;
}
