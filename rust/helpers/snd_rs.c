// SPDX-License-Identifier: GPL-2.0
/*
 * snd-rs helpers: C macros and static inlines that the snd-rs crates call.
 * Included from rust/helpers/helpers.c by the snd-rs patch series.
 */

#include <linux/irqflags.h>
#include <linux/kernel.h>
#include <linux/poll.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

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

void rust_helper_might_sleep(void)
{
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
