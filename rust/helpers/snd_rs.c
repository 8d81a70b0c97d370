// SPDX-License-Identifier: GPL-2.0
/*
 * snd-rs helpers: C macros and static inlines that the snd-rs crates call.
 * Included from rust/helpers/helpers.c by the snd-rs patch series.
 *
 * Those that call ALSA are in snd_rs_alsa.c, which goes where the snd
 * crate goes: into vmlinux here when the ALSA core is built in, into the
 * module snd-rs-core (rust/Makefile) when it is a module.  bindgen reads
 * them here either way, for their declarations.
 */

#include <linux/irqflags.h>
#include <linux/kernel.h>
#include <linux/percpu.h>
#include <linux/poll.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/platform_device.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

unsigned long rust_helper_spin_lock_irqsave(spinlock_t *lock)
{
	unsigned long flags;

	spin_lock_irqsave(lock, flags);
	return flags;
}

void rust_helper_spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags)
{
	spin_unlock_irqrestore(lock, flags);
}

/*
 * Refcounted local interrupt disable (the shape upstream Rust later adopted
 * for SpinLockIrq): the first disable on a CPU saves the interrupt state,
 * nested ones only count, and the state is restored when the count drops to
 * zero.  Guards of IRQ-safe Rust locks may then be released in any order: an
 * outer guard dropped first cannot re-enable interrupts while an inner lock
 * is still held.  Only touched with interrupts off, so the per-CPU fields are
 * never raced on their CPU.
 */
struct snd_rs_irq_state {
	unsigned long flags;
	unsigned int count;
};

static DEFINE_PER_CPU(struct snd_rs_irq_state, snd_rs_irq_state);

void rust_helper_snd_rs_irq_disable(void)
{
	unsigned long flags;

	local_irq_save(flags);
	if (this_cpu_inc_return(snd_rs_irq_state.count) == 1)
		this_cpu_write(snd_rs_irq_state.flags, flags);
}

void rust_helper_snd_rs_irq_enable(void)
{
	lockdep_assert_irqs_disabled();
	if (this_cpu_dec_return(snd_rs_irq_state.count) == 0)
		local_irq_restore(this_cpu_read(snd_rs_irq_state.flags));
}

void rust_helper_snd_rs_spin_lock_irq_disable(spinlock_t *lock)
{
	rust_helper_snd_rs_irq_disable();
	spin_lock(lock);
}

void rust_helper_snd_rs_spin_unlock_irq_enable(spinlock_t *lock)
{
	spin_unlock(lock);
	rust_helper_snd_rs_irq_enable();
}

bool rust_helper_irqs_disabled(void)
{
	return irqs_disabled();
}

unsigned long rust_helper_local_irq_save(void)
{
	unsigned long flags;

	local_irq_save(flags);
	return flags;
}

void rust_helper_local_irq_restore(unsigned long flags)
{
	local_irq_restore(flags);
}

#if IS_BUILTIN(CONFIG_KUNIT)
#include <kunit/resource.h>
#include <kunit/test-bug.h>
#include <linux/slab.h>
#include <linux/string.h>

/*
 * For KUnit: the calls of snd_sync's might_sleep() made in atomic context
 * (preempt count raised or interrupts off) by a test case's own thread,
 * counted in a named resource of the test that asked for them
 * (snd_kunit's Test::watch_might_sleep()).  A case can then check that a
 * primitive called might_sleep() where it must not sleep, whether or not
 * the kernel printed its report (CONFIG_DEBUG_ATOMIC_SLEEP, rate limit).
 */
#define SND_RS_MIGHT_SLEEP_WATCH "snd_rs_might_sleep_watch"

struct snd_rs_might_sleep_watch {
	struct kunit_resource res;
	atomic_t atomic_calls;
};

int rust_helper_snd_rs_kunit_watch_might_sleep(struct kunit *test)
{
	struct snd_rs_might_sleep_watch *watch;
	struct kunit_resource *res;

	res = kunit_find_named_resource(test, SND_RS_MIGHT_SLEEP_WATCH);
	if (res) {
		kunit_put_resource(res);
		return 0;
	}
	/* Freed at the end of the test, after the resource is released. */
	watch = kunit_kzalloc(test, sizeof(*watch), GFP_KERNEL);
	if (!watch)
		return -ENOMEM;
	return kunit_add_named_resource(test, NULL, NULL, &watch->res,
					SND_RS_MIGHT_SLEEP_WATCH,
					&watch->atomic_calls);
}

/* The count so far, or -ENOENT when @test does not watch. */
int rust_helper_snd_rs_kunit_atomic_might_sleeps(struct kunit *test)
{
	struct kunit_resource *res;
	int calls;

	res = kunit_find_named_resource(test, SND_RS_MIGHT_SLEEP_WATCH);
	if (!res)
		return -ENOENT;
	calls = atomic_read((atomic_t *)res->data);
	kunit_put_resource(res);
	return calls;
}

/*
 * A static branch when no test runs; the test's lock is taken irqsave, so
 * this may run in any context.
 */
static void snd_rs_kunit_note_might_sleep(void)
{
	struct kunit *test = kunit_get_current_test();
	struct kunit_resource *res;

	if (likely(!test) || !(preempt_count() || irqs_disabled()))
		return;
	res = kunit_find_named_resource(test, SND_RS_MIGHT_SLEEP_WATCH);
	if (!res)
		return;
	atomic_inc((atomic_t *)res->data);
	kunit_put_resource(res);
}

#else
static inline void snd_rs_kunit_note_might_sleep(void)
{
}
#endif

void rust_helper_might_sleep(void)
{
	snd_rs_kunit_note_might_sleep();
	might_sleep();
}

bool rust_helper_in_hardirq(void)
{
	return in_hardirq();
}

int rust_helper_cond_resched(void)
{
	return cond_resched();
}

bool rust_helper_waitqueue_active(struct wait_queue_head *wq_head)
{
	/* A lockless snapshot, for reports only (the readq proc line). */
	return waitqueue_active(wq_head);
}

void rust_helper_poll_wait(struct file *filp, wait_queue_head_t *wait_address,
			   poll_table *p)
{
	poll_wait(filp, wait_address, p);
}

bool rust_helper_in_serving_softirq(void)
{
	return in_serving_softirq();
}

struct platform_device *
rust_helper_platform_device_register_simple(const char *name, int id)
{
	return platform_device_register_simple(name, id, NULL, 0);
}

#if IS_BUILTIN(CONFIG_SND_RS_CORE) || defined(__BINDGEN__)
#include "snd_rs_alsa.c"
#endif
