// SPDX-License-Identifier: GPL-2.0

//! A cable: the two ends (playback of one device, capture of the other) of one substream
//! pair, and the copying between them.
//!
//! Everything the ends share — which ends are open, their positions, the valid/running/pause
//! bits and the hardware limits the second end must follow — is one value behind the cable's
//! IRQ-safe spinlock, so no path can reach it unlocked.

use crate::position::StreamPos;
use kernel::{
    prelude::*,
    workqueue::{impl_has_work, new_work, Work},
};
use snd::jiffies_timer::jiffies;
use snd::pcm::{Buffer, Direction, Hardware, OpenSubstream, State};
use snd::timer::{TimerId, TimerInstance};
use snd_sync::{new_irq_spinlock, IrqSpinLock};

/// The device's capabilities. C: `loopback_pcm_hardware`.
pub const LOOPBACK_HW: Hardware = {
    use snd::pcm::{info, rates, Format};
    Hardware {
        info: info::INTERLEAVED
            | info::MMAP
            | info::MMAP_VALID
            | info::PAUSE
            | info::RESUME
            | info::NONINTERLEAVED,
        formats: Format::S16_LE.bit()
            | Format::S16_BE.bit()
            | Format::S24_LE.bit()
            | Format::S24_BE.bit()
            | Format::S24_3LE.bit()
            | Format::S24_3BE.bit()
            | Format::S32_LE.bit()
            | Format::S32_BE.bit()
            | Format::FLOAT_LE.bit()
            | Format::FLOAT_BE.bit()
            | Format::DSD_U8.bit()
            | Format::DSD_U16_LE.bit()
            | Format::DSD_U16_BE.bit()
            | Format::DSD_U32_LE.bit()
            | Format::DSD_U32_BE.bit(),
        subformats: 0,
        rates: rates::CONTINUOUS | rates::R8000_768000,
        rate_min: 8000,
        rate_max: 768000,
        channels_min: 1,
        channels_max: 32,
        buffer_bytes_max: 2 * 1024 * 1024,
        period_bytes_min: 64,
        // frac_pos() with a rate shift must not overflow: keep this limit.
        period_bytes_max: 1024 * 1024,
        periods_min: 1,
        periods_max: 1024,
        fifo_size: 0,
    }
};

/// C: `CABLE_VALID_PLAYBACK`, `CABLE_VALID_CAPTURE`, `CABLE_VALID_BOTH`.
pub const VALID_BOTH: u32 = 0b11;

/// The bit of `dir` in `valid`, `running` and `pause`. C: `1 << substream->stream`.
pub fn bit(dir: Direction) -> u32 {
    1 << dir.index()
}

/// One open end of a cable.
pub struct CableEnd {
    /// The open substream; holding it keeps the substream's close waiting.
    pub substream: OpenSubstream,
    /// Its position.
    pub pos: StreamPos,
}

/// What the cable lock protects.
///
/// C: the fields of `struct loopback_cable` (and of each `struct loopback_pcm`) used under
/// `cable->lock`.
pub struct CableState {
    /// `[playback, capture]`. C: `cable->streams`.
    pub streams: [Option<CableEnd>; 2],
    /// The limits the other end must follow. C: `cable->hw`.
    pub hw: Hardware,
    /// Ends prepared. C: `cable->valid`.
    pub valid: u32,
    /// Ends started. C: `cable->running`.
    pub running: u32,
    /// Ends paused. C: `cable->pause`.
    pub pause: u32,
    /// The ALSA timer pacing this cable, opened by the first end. C: `snd_timer.instance`.
    pub snd_timer: Option<TimerInstance<Cable>>,
    /// Which timer that is (kept after a failed open, as C does). C: `snd_timer.id`.
    pub snd_timer_id: TimerId,
    /// The direction of the end that opened it. C: `snd_timer.stream`.
    pub snd_timer_stream: Direction,
}

/// No timer: what C's `memset(&cable->snd_timer, 0, ...)` leaves.
pub const NO_TIMER_ID: TimerId = TimerId {
    dev_class: 0,
    dev_sclass: 0,
    card: 0,
    device: 0,
    subdevice: 0,
};

/// A cable. C: `struct loopback_cable`.
#[pin_data]
pub struct Cable {
    /// C: `cable->lock` and what it protects.
    #[pin]
    pub state: IrqSpinLock<CableState>,
    /// Paced by an ALSA timer rather than jiffies: fixed when the cable is made.
    /// C: `cable->ops == &loopback_snd_timer_ops`.
    pub uses_snd_timer: bool,
    /// Forwards the last data of a draining playback when the timer's card stops.
    /// C: `snd_timer.event_work`.
    #[pin]
    pub event_work: Work<Cable>,
}

impl_has_work! {
    impl HasWork<Self> for Cable { self.event_work }
}

impl Cable {
    /// A cable with no end open and the device's full capabilities.
    pub fn new(uses_snd_timer: bool) -> impl PinInit<Self> {
        let state = CableState {
            streams: [None, None],
            hw: LOOPBACK_HW,
            valid: 0,
            running: 0,
            pause: 0,
            snd_timer: None,
            snd_timer_id: NO_TIMER_ID,
            snd_timer_stream: Direction::Playback,
        };
        pin_init!(Self {
            state <- new_irq_spinlock!(state, "Cable::lock"),
            uses_snd_timer,
            event_work <- new_work!("Cable::event_work"),
        })
    }
}

impl CableState {
    /// The end of direction `dir`. C: `cable->streams[stream]`.
    pub fn end(&self, dir: Direction) -> Option<&CableEnd> {
        let [play, capt] = &self.streams;
        match dir {
            Direction::Playback => play.as_ref(),
            Direction::Capture => capt.as_ref(),
        }
    }

    /// The slot of direction `dir`, to fill, change or empty. C: `cable->streams[stream]`.
    pub fn end_slot(&mut self, dir: Direction) -> &mut Option<CableEnd> {
        let [play, capt] = &mut self.streams;
        match dir {
            Direction::Playback => play,
            Direction::Capture => capt,
        }
    }

    /// Ends running and not paused. C: `cable->running ^ cable->pause`.
    pub fn active(&self) -> u32 {
        self.running ^ self.pause
    }

    /// Accounts the jiffies since the last update on both ends and copies what the playback
    /// played into the capture; returns the active bits.
    ///
    /// C: `loopback_jiffies_timer_pos_update()`.
    pub fn jiffies_pos_update(&mut self) -> u32 {
        let cur_jiffies = jiffies();
        let running = self.active();
        let [play, capt] = &mut self.streams;
        let mut delta_play: usize = 0;
        let mut delta_capt: usize = 0;
        if running & bit(Direction::Playback) != 0 {
            if let Some(p) = play.as_mut() {
                delta_play = cur_jiffies.wrapping_sub(p.pos.last_jiffies);
                p.pos.last_jiffies = p.pos.last_jiffies.wrapping_add(delta_play);
            }
        }
        if running & bit(Direction::Capture) != 0 {
            if let Some(c) = capt.as_mut() {
                delta_capt = cur_jiffies.wrapping_sub(c.pos.last_jiffies);
                c.pos.last_jiffies = c.pos.last_jiffies.wrapping_add(delta_capt);
            }
        }
        if delta_play == 0 && delta_capt == 0 {
            return running;
        }
        if delta_play > delta_capt {
            if let Some(p) = play.as_mut() {
                let count = p
                    .pos
                    .bytepos_delta(delta_play.wrapping_sub(delta_capt) as u32);
                p.pos.bytepos_finish(count);
            }
            delta_play = delta_capt;
        } else if delta_play < delta_capt {
            if let Some(c) = capt.as_mut() {
                let count = c
                    .pos
                    .bytepos_delta(delta_capt.wrapping_sub(delta_play) as u32);
                clear_capture_buf(c, count);
                c.pos.bytepos_finish(count);
            }
            delta_capt = delta_play;
        }
        if delta_play == 0 && delta_capt == 0 {
            return running;
        }
        // Here delta_play == delta_capt, so both ends run.
        let (Some(p), Some(c)) = (play.as_mut(), capt.as_mut()) else {
            return running;
        };
        let mut count1 = p.pos.bytepos_delta(delta_play as u32);
        let count2 = c.pos.bytepos_delta(delta_capt as u32);
        if count1 < count2 {
            c.pos.last_drift = count2.wrapping_sub(count1);
            count1 = count2;
        } else if count1 > count2 {
            p.pos.last_drift = count1.wrapping_sub(count2);
        }
        copy_play_buf(p, c, count1);
        p.pos.bytepos_finish(count1);
        c.pos.bytepos_finish(count1);
        running
    }
}

/// Silences up to `bytes` of the capture buffer from its position, unless it is all silence
/// already. C: `clear_capture_buf()`.
pub fn clear_capture_buf(capt: &mut CableEnd, bytes: u32) {
    let pos = &mut capt.pos;
    if pos.silent_size >= pos.pcm_buffer_size {
        return;
    }
    // C's unsigned int arithmetic, wrapping included.
    let mut bytes = bytes;
    if pos.silent_size.wrapping_add(bytes) > pos.pcm_buffer_size {
        bytes = pos.pcm_buffer_size.wrapping_sub(pos.silent_size);
    }
    // Only a running capture is cleared: its buffer is there (C reaches `dma_area` the same).
    let buffer = capt.substream.buffer();
    let runtime = capt.substream.runtime();
    let mut dst_off = pos.buf_pos;
    loop {
        let size = bytes.min(pos.pcm_buffer_size.saturating_sub(dst_off));
        let samples = runtime
            .bytes_to_frames(size as usize)
            .wrapping_mul(runtime.channels() as usize);
        if let Some(buffer) = &buffer {
            buffer.fill_silence(dst_off as usize, samples);
        }
        pos.silent_size = pos.silent_size.wrapping_add(size);
        bytes = bytes.wrapping_sub(size);
        if bytes == 0 || size == 0 {
            break;
        }
        dst_off = 0;
    }
}

/// Copies `size` bytes of each channel of a non-interleaved buffer.
/// C: `copy_play_buf_part_n()`.
fn copy_play_buf_part_n(
    (play, src): (&CableEnd, Option<&Buffer<'_>>),
    (capt, dst): (&CableEnd, Option<&Buffer<'_>>),
    size: u32,
    src_off: u32,
    dst_off: u32,
) {
    let (Some(src), Some(dst)) = (src, dst) else {
        return;
    };
    let channels = capt.substream.runtime().channels();
    // C divides by `runtime->channels`, never 0 for a configured stream.
    let per_channel = |x: u32| x.checked_div(channels).unwrap_or(0);
    let size_p_ch = per_channel(size);
    let src_off_ch = per_channel(src_off);
    let dst_off_ch = per_channel(dst_off);
    for i in 0..channels {
        dst.copy_from(
            capt.pos
                .channel_buf_n
                .wrapping_mul(i)
                .wrapping_add(dst_off_ch) as usize,
            src,
            play.pos
                .channel_buf_n
                .wrapping_mul(i)
                .wrapping_add(src_off_ch) as usize,
            size_p_ch as usize,
        );
    }
}

/// Copies `bytes` from the playback's position to the capture's; a draining playback
/// copies only what the application queued and silences the rest. C: `copy_play_buf()`.
pub fn copy_play_buf(play: &CableEnd, capt: &mut CableEnd, bytes: u32) {
    let runtime = play.substream.runtime();
    let mut bytes = bytes;
    let mut src_off = play.pos.buf_pos;
    let mut dst_off = capt.pos.buf_pos;
    let mut clear_bytes = 0;
    let salign = play.pos.pcm_salign as usize;

    // A draining playback: stop at its application pointer.
    if runtime.state() == State::DRAINING
        && runtime.playback_hw_avail() < runtime.buffer_size()
        && salign != 0
    {
        let buffer_size = runtime.buffer_size();
        let appl_ptr = runtime.appl_ptr();
        let mut appl_ptr1 = appl_ptr;
        appl_ptr1 = appl_ptr1.wrapping_sub(appl_ptr1.checked_rem(buffer_size).unwrap_or(0));
        appl_ptr1 =
            appl_ptr1.wrapping_add((play.pos.buf_pos as usize).checked_div(salign).unwrap_or(0));
        if appl_ptr < appl_ptr1 {
            appl_ptr1 = appl_ptr1.wrapping_sub(buffer_size);
        }
        let diff = appl_ptr.wrapping_sub(appl_ptr1).wrapping_mul(salign);
        if diff < bytes as usize {
            clear_bytes = bytes.wrapping_sub(diff as u32);
            bytes = diff as u32;
        }
    }

    let interleaved = runtime.access().is_interleaved();
    // Both ends run (the caller checked their running bits under the cable lock), so both
    // buffers are there; the accesses keep them until the copy is done.
    let src = play.substream.buffer();
    let dst = capt.substream.buffer();
    loop {
        let mut size = bytes;
        if src_off.wrapping_add(size) > play.pos.pcm_buffer_size {
            size = play.pos.pcm_buffer_size.saturating_sub(src_off);
        }
        if dst_off.wrapping_add(size) > capt.pos.pcm_buffer_size {
            size = capt.pos.pcm_buffer_size.saturating_sub(dst_off);
        }
        if interleaved {
            if let (Some(src), Some(dst)) = (&src, &dst) {
                dst.copy_from(dst_off as usize, src, src_off as usize, size as usize);
            }
        } else {
            copy_play_buf_part_n(
                (play, src.as_deref()),
                (capt, dst.as_deref()),
                size,
                src_off,
                dst_off,
            );
        }
        capt.pos.silent_size = 0;
        bytes = bytes.wrapping_sub(size);
        if bytes == 0 || size == 0 {
            break;
        }
        src_off = src_off
            .wrapping_add(size)
            .checked_rem(play.pos.pcm_buffer_size)
            .unwrap_or(0);
        dst_off = dst_off
            .wrapping_add(size)
            .checked_rem(capt.pos.pcm_buffer_size)
            .unwrap_or(0);
    }

    drop(src);
    drop(dst);
    if clear_bytes > 0 {
        clear_capture_buf(capt, clear_bytes);
        capt.pos.silent_size = 0;
    }
}
