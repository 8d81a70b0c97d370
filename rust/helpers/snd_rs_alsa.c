// SPDX-License-Identifier: GPL-2.0
/*
 * snd-rs helpers that call ALSA, for the snd crate.  They are built where
 * the crate is: included by snd_rs.c into vmlinux when the ALSA core is
 * built in (CONFIG_SND_RS_CORE=y), compiled into the module snd-rs-core
 * when it is a module, as the core's symbols then live in snd.ko,
 * snd-pcm.ko and snd-rawmidi.ko.
 */

#include <linux/device.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <sound/core.h>
#include <sound/pcm.h>
#include <sound/pcm_params.h>
#include <sound/rawmidi.h>

/*
 * Lockdep classes of the stream locks of snd-rs PCMs, one per direction.
 * snd_pcm_new() gives every stream lock of every PCM one class.  A peer stop
 * (below) takes a capture's stream lock inside a playback's; when the capture
 * is linked and another member holds the group lock,
 * snd_pcm_stream_group_ref() drops the capture's lock and takes it again at
 * subclass 0, the playback's, and lockdep reports "possible recursive
 * locking" for two different locks.  With a class per direction it tells the
 * two apart and still checks their order (playback before capture).
 */
static struct lock_class_key snd_rs_playback_stream_lock_key;
static struct lock_class_key snd_rs_capture_stream_lock_key;
static struct lock_class_key snd_rs_playback_stream_mutex_key;
static struct lock_class_key snd_rs_capture_stream_mutex_key;

/* Gives the stream locks of @pcm, a new PCM of snd-rs, their class by direction. */
void rust_helper_snd_rs_pcm_set_stream_lock_classes(struct snd_pcm *pcm)
{
	struct snd_pcm_substream *s;

	for (s = pcm->streams[SNDRV_PCM_STREAM_PLAYBACK].substream; s; s = s->next) {
		lockdep_set_class(&s->self_group.lock,
				  &snd_rs_playback_stream_lock_key);
		lockdep_set_class(&s->self_group.mutex,
				  &snd_rs_playback_stream_mutex_key);
	}
	for (s = pcm->streams[SNDRV_PCM_STREAM_CAPTURE].substream; s; s = s->next) {
		lockdep_set_class(&s->self_group.lock,
				  &snd_rs_capture_stream_lock_key);
		lockdep_set_class(&s->self_group.mutex,
				  &snd_rs_capture_stream_mutex_key);
	}
}

/*
 * The lockdep subclass of a peer's stream lock taken inside another stream's
 * trigger.  When the peer is linked, snd_pcm_stop() runs the group action,
 * which takes the group's other members at subclasses 1, 2, ... while the
 * peer's lock is held; at SINGLE_DEPTH_NESTING (1) the peer's lock and the
 * next member's would be one lockdep class and subclass ("possible recursive
 * locking").  The members cannot deadlock on each other:
 * snd_pcm_stream_group_ref() drops the peer's lock before it waits for the
 * group lock.  Only groups of MAX_LOCKDEP_SUBCLASSES members reach this
 * subclass through snd_pcm_action_group() itself.
 */
#define SND_RS_PEER_STREAM_SUBCLASS (MAX_LOCKDEP_SUBCLASSES - 1)

/*
 * Stops a substream that belongs to another call chain (aloop's peer stop,
 * seed 003): under that substream's own stream lock, nested because the
 * caller may hold another stream's lock (a trigger), and only when it still
 * runs; its owner may have stopped or dropped it since the decision was
 * taken.  Returns true when this call stopped it.
 */
bool rust_helper_snd_rs_pcm_stop_if_running(struct snd_pcm_substream *substream,
					    snd_pcm_state_t state)
{
	unsigned long flags = 0;
	bool stopped = false;

	if (substream->pcm->nonatomic)
		mutex_lock_nested(&substream->self_group.mutex,
				  SND_RS_PEER_STREAM_SUBCLASS);
	else
		spin_lock_irqsave_nested(&substream->self_group.lock, flags,
					 SND_RS_PEER_STREAM_SUBCLASS);
	if (substream->runtime && snd_pcm_running(substream))
		stopped = !snd_pcm_stop(substream, state);
	snd_pcm_stream_unlock_irqrestore(substream, flags);
	return stopped;
}

/*
 * Detaches a kernel reader's event callback before its release: under the
 * substream lock, so that snd_rawmidi_receive() (the device's interrupt)
 * queues no more event work, then waits for a callback already running, so
 * that its reads cannot re-trigger the input after the release stopped it.
 */
void rust_helper_snd_rs_rawmidi_detach_event(struct snd_rawmidi_substream *substream)
{
	unsigned long flags;

	might_sleep();
	spin_lock_irqsave(&substream->lock, flags);
	substream->runtime->event = NULL;
	spin_unlock_irqrestore(&substream->lock, flags);
	cancel_work_sync(&substream->runtime->event_work);
}

/* snd_pcm_hw_rule_add() is variadic: one dependency, then the -1 end mark. */
int rust_helper_snd_pcm_hw_rule_add1(struct snd_pcm_runtime *runtime,
				     unsigned int cond, int var,
				     snd_pcm_hw_rule_func_t func, void *private,
				     int dep)
{
	return snd_pcm_hw_rule_add(runtime, cond, var, func, private, dep, -1);
}

/* Refines mask parameter @var of @params to the 64 format bits in @bits. */
int rust_helper_snd_pcm_hw_rule_refine_mask(struct snd_pcm_hw_params *params,
					    int var, u64 bits)
{
	struct snd_mask m;

	snd_mask_none(&m);
	m.bits[0] = (u32)bits;
	m.bits[1] = (u32)(bits >> 32);
	return snd_mask_refine(hw_param_mask(params, var), &m);
}

/* Refines interval parameter @var of @params to the closed range [min, max]. */
int rust_helper_snd_pcm_hw_rule_refine_range(struct snd_pcm_hw_params *params,
					     int var, unsigned int min,
					     unsigned int max)
{
	struct snd_interval t = { .min = min, .max = max };

	return snd_interval_refine(hw_param_interval(params, var), &t);
}

void rust_helper_snd_power_change_state(struct snd_card *card,
					unsigned int state)
{
	snd_power_change_state(card, state);
}

/* A reference of @card, given back by snd_card_unref(). */
void rust_helper_snd_rs_card_get(struct snd_card *card)
{
	get_device(&card->card_dev);
}

void rust_helper_snd_card_unref(struct snd_card *card)
{
	snd_card_unref(card);
}

/* The 64 format bits of mask parameter @var of @params. */
u64 rust_helper_snd_pcm_hw_param_mask_bits(struct snd_pcm_hw_params *params,
					   int var)
{
	const struct snd_mask *m = hw_param_mask(params, var);

	return m->bits[0] | ((u64)m->bits[1] << 32);
}

/* The closed range of interval parameter @var of @params (open ends moved in). */
void rust_helper_snd_pcm_hw_param_range(struct snd_pcm_hw_params *params,
					int var, unsigned int *min,
					unsigned int *max)
{
	const struct snd_interval *i = hw_param_interval(params, var);

	*min = i->min + i->openmin;
	*max = i->max - i->openmax;
}

#if IS_BUILTIN(CONFIG_KUNIT)
#include <linux/slab.h>
#include <linux/string.h>

/*
 * For KUnit: a rawmidi device with one output subdevice that transmits
 * whatever it is sent at once and counts opens, closes and bytes (and bytes
 * that arrived while it was closed, which must stay 0).  It belongs to
 * @card and is freed with it; it is not registered.
 */
struct snd_rs_kunit_midi {
	atomic_t opens;
	atomic_t closes;
	atomic_t bytes;
	atomic_t bytes_closed;
	atomic_t open;
};

static int snd_rs_kunit_midi_open(struct snd_rawmidi_substream *substream)
{
	struct snd_rs_kunit_midi *midi = substream->rmidi->private_data;

	atomic_inc(&midi->opens);
	atomic_set(&midi->open, 1);
	return 0;
}

static int snd_rs_kunit_midi_close(struct snd_rawmidi_substream *substream)
{
	struct snd_rs_kunit_midi *midi = substream->rmidi->private_data;

	atomic_set(&midi->open, 0);
	atomic_inc(&midi->closes);
	return 0;
}

static void snd_rs_kunit_midi_trigger(struct snd_rawmidi_substream *substream,
				      int up)
{
	struct snd_rs_kunit_midi *midi = substream->rmidi->private_data;
	unsigned char buf[64];
	int n;

	if (!up)
		return;
	while ((n = snd_rawmidi_transmit(substream, buf, sizeof(buf))) > 0) {
		atomic_add(n, &midi->bytes);
		if (!atomic_read(&midi->open))
			atomic_add(n, &midi->bytes_closed);
	}
}

static const struct snd_rawmidi_ops snd_rs_kunit_midi_output = {
	.open = snd_rs_kunit_midi_open,
	.close = snd_rs_kunit_midi_close,
	.trigger = snd_rs_kunit_midi_trigger,
};

static void snd_rs_kunit_midi_free(struct snd_rawmidi *rmidi)
{
	kfree(rmidi->private_data);
}

struct snd_rawmidi *rust_helper_snd_rs_kunit_rawmidi_new(struct snd_card *card)
{
	struct snd_rs_kunit_midi *midi;
	struct snd_rawmidi *rmidi;
	int err;

	midi = kzalloc(sizeof(*midi), GFP_KERNEL);
	if (!midi)
		return ERR_PTR(-ENOMEM);
	err = snd_rawmidi_new(card, "KUnit MIDI", 0, 1, 0, &rmidi);
	if (err < 0) {
		kfree(midi);
		return ERR_PTR(err);
	}
	strscpy(rmidi->name, "KUnit MIDI", sizeof(rmidi->name));
	rmidi->info_flags = SNDRV_RAWMIDI_INFO_OUTPUT;
	rmidi->private_data = midi;
	rmidi->private_free = snd_rs_kunit_midi_free;
	snd_rawmidi_set_ops(rmidi, SNDRV_RAWMIDI_STREAM_OUTPUT,
			    &snd_rs_kunit_midi_output);
	return rmidi;
}

/*
 * Counts of a device made by snd_rs_kunit_rawmidi_new(): opens, closes,
 * bytes, bytes while closed.
 */
void rust_helper_snd_rs_kunit_rawmidi_counts(struct snd_rawmidi *rmidi,
					     unsigned int counts[4])
{
	struct snd_rs_kunit_midi *midi = rmidi->private_data;

	counts[0] = atomic_read(&midi->opens);
	counts[1] = atomic_read(&midi->closes);
	counts[2] = atomic_read(&midi->bytes);
	counts[3] = atomic_read(&midi->bytes_closed);
}
#endif
