// SPDX-License-Identifier: GPL-2.0

//! PCM devices: a driver's substream callbacks, the runtime they see, and the handle that
//! lets a driver reach an open substream from elsewhere (a timer, the other end of a cable).
//!
//! C: `struct snd_pcm`, `struct snd_pcm_substream`, `struct snd_pcm_runtime`,
//! `struct snd_pcm_ops`, `snd_pcm_new()`, `snd_pcm_hw_rule_add()`.

use crate::card::{Card, OwnedCard};
use core::{
    cell::UnsafeCell,
    marker::PhantomData,
    ops::Deref,
    ptr::NonNull,
    sync::atomic::{AtomicBool, Ordering},
};
use kernel::{bindings, error::from_result, ffi::c_int, prelude::*, str::CStr, types::Opaque};
use snd_sync::{InFlight, InFlightToken};

/// A stream direction. C: `SNDRV_PCM_STREAM_*`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Direction {
    /// Playback (index 0).
    Playback = 0,
    /// Capture (index 1).
    Capture = 1,
}

impl Direction {
    /// The other direction.
    pub fn other(self) -> Self {
        match self {
            Self::Playback => Self::Capture,
            Self::Capture => Self::Playback,
        }
    }

    /// 0 for playback, 1 for capture (C's `substream->stream`).
    pub fn index(self) -> usize {
        self as usize
    }

    /// "Playback" or "Capture". C: `snd_pcm_direction_name()`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Playback => "Playback",
            Self::Capture => "Capture",
        }
    }
}

/// Defines a C enumeration as a Rust enum with exactly its valid values, and the checked
/// conversion from the C integer.
macro_rules! c_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $value:expr,)* }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Debug)]
        #[repr(i32)]
        pub enum $name {
            $($(#[$vmeta])* $variant = $value,)*
        }

        impl $name {
            /// The value of the C integer `raw`, `None` if C defines none for it.
            pub const fn from_raw(raw: i32) -> Option<Self> {
                match raw {
                    $(x if x == $value => Some(Self::$variant),)*
                    _ => None,
                }
            }

            /// The C integer.
            pub const fn raw(self) -> i32 {
                self as i32
            }
        }
    };
}

c_enum! {
    /// A sample format: only the formats ALSA defines. C: `snd_pcm_format_t`
    /// (`SNDRV_PCM_FORMAT_*`, cast macros bindgen skips; 29 and 30 are unused).
    #[allow(non_camel_case_types)]
    pub enum Format {
        /// Signed 8 bit.
        S8 = 0,
        /// Unsigned 8 bit.
        U8 = 1,
        /// Signed 16 bit, little endian.
        S16_LE = 2,
        /// Signed 16 bit, big endian.
        S16_BE = 3,
        /// Unsigned 16 bit, little endian.
        U16_LE = 4,
        /// Unsigned 16 bit, big endian.
        U16_BE = 5,
        /// Signed 24 bit in 32, little endian.
        S24_LE = 6,
        /// Signed 24 bit in 32, big endian.
        S24_BE = 7,
        /// Unsigned 24 bit in 32, little endian.
        U24_LE = 8,
        /// Unsigned 24 bit in 32, big endian.
        U24_BE = 9,
        /// Signed 32 bit, little endian.
        S32_LE = 10,
        /// Signed 32 bit, big endian.
        S32_BE = 11,
        /// Unsigned 32 bit, little endian.
        U32_LE = 12,
        /// Unsigned 32 bit, big endian.
        U32_BE = 13,
        /// Float, little endian.
        FLOAT_LE = 14,
        /// Float, big endian.
        FLOAT_BE = 15,
        /// Double, little endian.
        FLOAT64_LE = 16,
        /// Double, big endian.
        FLOAT64_BE = 17,
        /// IEC-958 subframe, little endian.
        IEC958_SUBFRAME_LE = 18,
        /// IEC-958 subframe, big endian.
        IEC958_SUBFRAME_BE = 19,
        /// Mu-law.
        MU_LAW = 20,
        /// A-law.
        A_LAW = 21,
        /// IMA ADPCM.
        IMA_ADPCM = 22,
        /// MPEG.
        MPEG = 23,
        /// GSM.
        GSM = 24,
        /// Signed 20 bit in 32, little endian.
        S20_LE = 25,
        /// Signed 20 bit in 32, big endian.
        S20_BE = 26,
        /// Unsigned 20 bit in 32, little endian.
        U20_LE = 27,
        /// Unsigned 20 bit in 32, big endian.
        U20_BE = 28,
        /// Special.
        SPECIAL = 31,
        /// Signed 24 bit in 3 bytes, little endian.
        S24_3LE = 32,
        /// Signed 24 bit in 3 bytes, big endian.
        S24_3BE = 33,
        /// Unsigned 24 bit in 3 bytes, little endian.
        U24_3LE = 34,
        /// Unsigned 24 bit in 3 bytes, big endian.
        U24_3BE = 35,
        /// Signed 20 bit in 3 bytes, little endian.
        S20_3LE = 36,
        /// Signed 20 bit in 3 bytes, big endian.
        S20_3BE = 37,
        /// Unsigned 20 bit in 3 bytes, little endian.
        U20_3LE = 38,
        /// Unsigned 20 bit in 3 bytes, big endian.
        U20_3BE = 39,
        /// Signed 18 bit in 3 bytes, little endian.
        S18_3LE = 40,
        /// Signed 18 bit in 3 bytes, big endian.
        S18_3BE = 41,
        /// Unsigned 18 bit in 3 bytes, little endian.
        U18_3LE = 42,
        /// Unsigned 18 bit in 3 bytes, big endian.
        U18_3BE = 43,
        /// G.723 (ADPCM) 24 kbit/s, 8 samples in 3 bytes.
        G723_24 = 44,
        /// G.723 (ADPCM) 24 kbit/s, 1 sample in 1 byte.
        G723_24_1B = 45,
        /// G.723 (ADPCM) 40 kbit/s, 8 samples in 3 bytes.
        G723_40 = 46,
        /// G.723 (ADPCM) 40 kbit/s, 1 sample in 1 byte.
        G723_40_1B = 47,
        /// DSD, 1 byte.
        DSD_U8 = 48,
        /// DSD, 2 bytes, little endian.
        DSD_U16_LE = 49,
        /// DSD, 4 bytes, little endian.
        DSD_U32_LE = 50,
        /// DSD, 2 bytes, big endian.
        DSD_U16_BE = 51,
        /// DSD, 4 bytes, big endian.
        DSD_U32_BE = 52,
    }
}

impl Format {
    /// The highest format number. C: `SNDRV_PCM_FORMAT_LAST`.
    pub const LAST: Self = Self::DSD_U32_BE;

    /// The format's bit in a format mask. C: `pcm_format_to_bits()`.
    pub const fn bit(self) -> u64 {
        // Every value is at most 52 (the enum), so the shift is in range.
        1u64 << (self as u32 & 63)
    }

    /// Bits per sample in memory, or an error for a format without a fixed width.
    /// C: `snd_pcm_format_physical_width()`.
    pub fn physical_width(self) -> Result<u32> {
        // SAFETY: a pure table lookup.
        let width = unsafe { bindings::snd_pcm_format_physical_width(self.raw()) };
        u32::try_from(width).map_err(|_| EINVAL)
    }
}

c_enum! {
    /// A buffer access type. C: `snd_pcm_access_t` (`SNDRV_PCM_ACCESS_*`).
    #[allow(non_camel_case_types)]
    pub enum Access {
        /// mmap, interleaved.
        MMAP_INTERLEAVED = 0,
        /// mmap, non-interleaved.
        MMAP_NONINTERLEAVED = 1,
        /// mmap, complex layout.
        MMAP_COMPLEX = 2,
        /// Read/write, interleaved (the default of a fresh loopback setup).
        RW_INTERLEAVED = 3,
        /// Read/write, non-interleaved.
        RW_NONINTERLEAVED = 4,
    }
}

impl Access {
    /// True for the interleaved accesses (mmap or read/write).
    pub fn is_interleaved(self) -> bool {
        matches!(self, Self::MMAP_INTERLEAVED | Self::RW_INTERLEAVED)
    }
}

c_enum! {
    /// A stream state. C: `snd_pcm_state_t` (`SNDRV_PCM_STATE_*`).
    #[allow(non_camel_case_types)]
    pub enum State {
        /// Open, not configured.
        OPEN = 0,
        /// Configured (hw_params done).
        SETUP = 1,
        /// Ready to start.
        PREPARED = 2,
        /// Running.
        RUNNING = 3,
        /// Stopped by an over- or underrun.
        XRUN = 4,
        /// Draining (playback) or stopped by the driver with data left (capture).
        DRAINING = 5,
        /// Paused.
        PAUSED = 6,
        /// Suspended.
        SUSPENDED = 7,
        /// The device went away.
        DISCONNECTED = 8,
    }
}

/// A trigger command. C: `SNDRV_PCM_TRIGGER_*`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Trigger {
    /// Start.
    Start,
    /// Stop.
    Stop,
    /// Pause.
    PausePush,
    /// Resume from pause.
    PauseRelease,
    /// System suspend.
    Suspend,
    /// System resume.
    Resume,
}

impl Trigger {
    fn from_raw(cmd: c_int) -> Result<Self> {
        Ok(match cmd as u32 {
            bindings::SNDRV_PCM_TRIGGER_START => Self::Start,
            bindings::SNDRV_PCM_TRIGGER_STOP => Self::Stop,
            bindings::SNDRV_PCM_TRIGGER_PAUSE_PUSH => Self::PausePush,
            bindings::SNDRV_PCM_TRIGGER_PAUSE_RELEASE => Self::PauseRelease,
            bindings::SNDRV_PCM_TRIGGER_SUSPEND => Self::Suspend,
            bindings::SNDRV_PCM_TRIGGER_RESUME => Self::Resume,
            _ => return Err(EINVAL),
        })
    }
}

/// A mask parameter of a hw_params space: a set of values. C: the `SNDRV_PCM_HW_PARAM_*`
/// between `SNDRV_PCM_HW_PARAM_FIRST_MASK` and `_LAST_MASK` (`hw_param_mask()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum MaskParam {
    /// The access type.
    Access = bindings::SNDRV_PCM_HW_PARAM_ACCESS,
    /// The sample format.
    Format = bindings::SNDRV_PCM_HW_PARAM_FORMAT,
    /// The subformat.
    Subformat = bindings::SNDRV_PCM_HW_PARAM_SUBFORMAT,
}

/// An interval parameter of a hw_params space: a range of integers. C: the
/// `SNDRV_PCM_HW_PARAM_*` between `SNDRV_PCM_HW_PARAM_FIRST_INTERVAL` and `_LAST_INTERVAL`
/// (`hw_param_interval()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum IntervalParam {
    /// Bits per sample.
    SampleBits = bindings::SNDRV_PCM_HW_PARAM_SAMPLE_BITS,
    /// Bits per frame.
    FrameBits = bindings::SNDRV_PCM_HW_PARAM_FRAME_BITS,
    /// Channels.
    Channels = bindings::SNDRV_PCM_HW_PARAM_CHANNELS,
    /// Rate.
    Rate = bindings::SNDRV_PCM_HW_PARAM_RATE,
    /// Period time in us.
    PeriodTime = bindings::SNDRV_PCM_HW_PARAM_PERIOD_TIME,
    /// Period size in frames.
    PeriodSize = bindings::SNDRV_PCM_HW_PARAM_PERIOD_SIZE,
    /// Period size in bytes.
    PeriodBytes = bindings::SNDRV_PCM_HW_PARAM_PERIOD_BYTES,
    /// Periods per buffer.
    Periods = bindings::SNDRV_PCM_HW_PARAM_PERIODS,
    /// Buffer time in us.
    BufferTime = bindings::SNDRV_PCM_HW_PARAM_BUFFER_TIME,
    /// Buffer size in frames.
    BufferSize = bindings::SNDRV_PCM_HW_PARAM_BUFFER_SIZE,
    /// Buffer size in bytes.
    BufferBytes = bindings::SNDRV_PCM_HW_PARAM_BUFFER_BYTES,
    /// Tick time in us.
    TickTime = bindings::SNDRV_PCM_HW_PARAM_TICK_TIME,
}

/// The parameter a rule refines: a mask or an interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HwVar {
    /// A mask parameter.
    Mask(MaskParam),
    /// An interval parameter.
    Interval(IntervalParam),
}

impl HwVar {
    fn raw(self) -> c_int {
        // The enums' values are the small C parameter numbers.
        match self {
            Self::Mask(m) => m as c_int,
            Self::Interval(i) => i as c_int,
        }
    }
}

/// `SNDRV_PCM_INFO_*` bits of [`Hardware::info`].
pub mod info {
    use kernel::bindings;
    /// mmap is supported.
    pub const MMAP: u32 = bindings::SNDRV_PCM_INFO_MMAP;
    /// Period data are valid during transfer.
    pub const MMAP_VALID: u32 = bindings::SNDRV_PCM_INFO_MMAP_VALID;
    /// Interleaved channels.
    pub const INTERLEAVED: u32 = bindings::SNDRV_PCM_INFO_INTERLEAVED;
    /// Non-interleaved channels.
    pub const NONINTERLEAVED: u32 = bindings::SNDRV_PCM_INFO_NONINTERLEAVED;
    /// Resume after suspend is supported.
    pub const RESUME: u32 = bindings::SNDRV_PCM_INFO_RESUME;
    /// Pause is supported.
    pub const PAUSE: u32 = bindings::SNDRV_PCM_INFO_PAUSE;
}

/// `SNDRV_PCM_RATE_*` bits of [`Hardware::rates`].
pub mod rates {
    use kernel::bindings;
    /// Any rate between the minimum and the maximum.
    pub const CONTINUOUS: u32 = bindings::SNDRV_PCM_RATE_CONTINUOUS;
    /// Every standard rate from 8000 to 768000 Hz.
    pub const R8000_768000: u32 = bindings::SNDRV_PCM_RATE_8000_768000;
}

/// What a device can do. C: `struct snd_pcm_hardware`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hardware {
    /// [`info`] bits.
    pub info: u32,
    /// Format mask ([`Format::bit`]).
    pub formats: u64,
    /// Subformat mask.
    pub subformats: u32,
    /// [`rates`] bits.
    pub rates: u32,
    /// Minimum rate.
    pub rate_min: u32,
    /// Maximum rate.
    pub rate_max: u32,
    /// Minimum channels.
    pub channels_min: u32,
    /// Maximum channels.
    pub channels_max: u32,
    /// Maximum buffer size in bytes.
    pub buffer_bytes_max: usize,
    /// Minimum period size in bytes.
    pub period_bytes_min: usize,
    /// Maximum period size in bytes.
    pub period_bytes_max: usize,
    /// Minimum periods per buffer.
    pub periods_min: u32,
    /// Maximum periods per buffer.
    pub periods_max: u32,
    /// FIFO size in frames.
    pub fifo_size: usize,
}

impl Hardware {
    fn raw(&self) -> bindings::snd_pcm_hardware {
        bindings::snd_pcm_hardware {
            info: self.info,
            formats: self.formats,
            subformats: self.subformats,
            rates: self.rates,
            rate_min: self.rate_min,
            rate_max: self.rate_max,
            channels_min: self.channels_min,
            channels_max: self.channels_max,
            buffer_bytes_max: self.buffer_bytes_max,
            period_bytes_min: self.period_bytes_min,
            period_bytes_max: self.period_bytes_max,
            periods_min: self.periods_min,
            periods_max: self.periods_max,
            fifo_size: self.fifo_size,
        }
    }
}

/// A substream of a PCM device, open while a driver callback sees it.
///
/// C: `struct snd_pcm_substream`.
///
/// # Invariants
///
/// The substream is open: its `runtime` is attached (it is borrowed in a callback between open
/// and close, or through an [`OpenSubstream`], which close waits for).
#[repr(transparent)]
pub struct Substream(Opaque<bindings::snd_pcm_substream>);

impl Substream {
    fn raw(&self) -> *mut bindings::snd_pcm_substream {
        self.0.get()
    }

    /// Playback or capture. C: `substream->stream`.
    pub fn direction(&self) -> Direction {
        // SAFETY: set at creation.
        if unsafe { (*self.raw()).stream } == 0 {
            Direction::Playback
        } else {
            Direction::Capture
        }
    }

    /// The subdevice number. C: `substream->number`.
    pub fn number(&self) -> usize {
        // SAFETY: set at creation.
        unsafe { (*self.raw()).number as usize }
    }

    /// The PCM device number. C: `substream->pcm->device`.
    pub fn device(&self) -> usize {
        // SAFETY: the PCM outlives its substreams.
        unsafe { (*(*self.raw()).pcm).device as usize }
    }

    /// The card. C: `substream->pcm->card`.
    pub fn card(&self) -> &Card {
        // SAFETY: the card outlives its PCMs.
        unsafe { Card::from_raw((*(*self.raw()).pcm).card) }
    }

    /// The runtime of the open substream. C: `substream->runtime`.
    pub fn runtime(&self) -> &Runtime {
        // SAFETY: attached while open (type invariant); `Runtime` is transparent.
        unsafe { &*(*self.raw()).runtime.cast::<Runtime>() }
    }

    /// Reports a period boundary; call without locks the PCM core's callbacks take.
    /// C: `snd_pcm_period_elapsed()`.
    pub fn period_elapsed(&self) {
        // SAFETY: the substream is open.
        unsafe { bindings::snd_pcm_period_elapsed(self.raw()) };
    }

    /// Stops the stream with an XRUN. C: `snd_pcm_stop_xrun()`.
    pub fn stop_xrun(&self) -> Result {
        // SAFETY: the substream is open.
        kernel::error::to_result(unsafe { bindings::snd_pcm_stop_xrun(self.raw()) })
    }
}

/// The runtime of an open substream: its configuration and DMA buffer.
///
/// C: `struct snd_pcm_runtime`. Fields are read as C reads them (plain loads); the PCM core
/// changes them only under the stream lock or while no stream runs.
#[repr(transparent)]
pub struct Runtime(Opaque<bindings::snd_pcm_runtime>);

impl Runtime {
    fn raw(&self) -> *mut bindings::snd_pcm_runtime {
        self.0.get()
    }

    /// C: `runtime->format`. The PCM core stores only formats of the hardware's mask there
    /// (0, `S8`, before hw_params); anything else would read as `S8`.
    pub fn format(&self) -> Format {
        // SAFETY: a live runtime (the substream is open).
        Format::from_raw(unsafe { (*self.raw()).format }).unwrap_or(Format::S8)
    }

    /// C: `runtime->access`. The PCM core stores only defined access types (0 before
    /// hw_params); anything else would read as `MMAP_INTERLEAVED`.
    pub fn access(&self) -> Access {
        // SAFETY: as above.
        Access::from_raw(unsafe { (*self.raw()).access }).unwrap_or(Access::MMAP_INTERLEAVED)
    }

    /// C: `runtime->rate`.
    pub fn rate(&self) -> u32 {
        // SAFETY: as above.
        unsafe { (*self.raw()).rate }
    }

    /// C: `runtime->channels`.
    pub fn channels(&self) -> u32 {
        // SAFETY: as above.
        unsafe { (*self.raw()).channels }
    }

    /// Buffer size in frames. C: `runtime->buffer_size`.
    pub fn buffer_size(&self) -> usize {
        // SAFETY: as above.
        unsafe { (*self.raw()).buffer_size }
    }

    /// Period size in frames. C: `runtime->period_size`.
    pub fn period_size(&self) -> usize {
        // SAFETY: as above.
        unsafe { (*self.raw()).period_size }
    }

    /// C: `runtime->state`.
    pub fn state(&self) -> State {
        // SAFETY: as above; C reads it the same way outside the stream lock.
        let raw = unsafe { core::ptr::read_volatile(core::ptr::addr_of!((*self.raw()).state)) };
        // Every state the PCM core stores is defined.
        State::from_raw(raw).unwrap_or(State::DISCONNECTED)
    }

    /// The resolution of the PCM timer, in ns. C: `runtime->timer_resolution`.
    pub fn timer_resolution(&self) -> u32 {
        // SAFETY: as above.
        unsafe { (*self.raw()).timer_resolution }
    }

    /// C: `frames_to_bytes(runtime, frames)`.
    pub fn frames_to_bytes(&self, frames: usize) -> usize {
        // SAFETY: as above.
        let frame_bits = unsafe { (*self.raw()).frame_bits } as usize;
        frames.wrapping_mul(frame_bits) / 8
    }

    /// C: `bytes_to_frames(runtime, bytes)`.
    pub fn bytes_to_frames(&self, bytes: usize) -> usize {
        // SAFETY: as above.
        let frame_bits = unsafe { (*self.raw()).frame_bits } as usize;
        bytes.wrapping_mul(8).checked_div(frame_bits).unwrap_or(0)
    }

    /// The application pointer, in frames. C: `runtime->control->appl_ptr`.
    pub fn appl_ptr(&self) -> usize {
        // SAFETY: `control` is allocated with the runtime.
        unsafe { core::ptr::read_volatile(core::ptr::addr_of!((*(*self.raw()).control).appl_ptr)) }
    }

    /// Frames queued for playback and not yet played. C: `snd_pcm_playback_hw_avail()`.
    ///
    /// `appl_ptr` is whatever userspace stored in the mmap'ed control page, so every step
    /// wraps exactly as C's `unsigned long` / `long` arithmetic does (the kernel builds with
    /// `-fno-strict-overflow`); the result is garbage for garbage input, as in C, never a
    /// panic.
    pub fn playback_hw_avail(&self) -> usize {
        self.buffer_size().wrapping_sub(self.playback_avail())
    }

    /// Frames the application may write. C: `snd_pcm_playback_avail()`.
    fn playback_avail(&self) -> usize {
        let rt = self.raw();
        // SAFETY: `status` is allocated with the runtime.
        let hw_ptr =
            unsafe { core::ptr::read_volatile(core::ptr::addr_of!((*(*rt).status).hw_ptr)) };
        // SAFETY: as above.
        let boundary = unsafe { (*rt).boundary };
        // C: snd_pcm_sframes_t avail = hw_ptr + buffer_size - appl_ptr;
        let mut avail = hw_ptr
            .wrapping_add(self.buffer_size())
            .wrapping_sub(self.appl_ptr()) as isize;
        if avail < 0 {
            avail = avail.wrapping_add(boundary as isize);
        } else if avail as usize >= boundary {
            avail = avail.wrapping_sub(boundary as isize);
        }
        avail as usize
    }
}

/// The DMA buffer of an open substream, reachable only where the PCM core cannot free or
/// reallocate it: in the prepare callback, and through [`OpenSubstream::buffer`] while the
/// stream runs.
///
/// C contract encoded here: the managed buffer is allocated in `snd_pcm_hw_params()` and freed
/// in `do_hw_free()` (before close), both only while the stream does not run; the PCM core
/// refuses to start a stream while hw_params, hw_free or prepare run (`buffer_accessing` in
/// `snd_pcm_pre_start()`); and after a stream stopped (trigger STOP or SUSPEND, which set
/// `stop_operating`), `snd_pcm_sync_stop()` calls the driver's `sync_stop` before hw_params
/// or hw_free can touch the buffer. The layer's trigger callback opens the buffer on START and
/// RESUME and closes it after STOP and SUSPEND (or a failed start), setting `stop_operating`
/// itself whenever it closes; its `sync_stop` and `hw_free` callbacks wait for every access
/// still in flight. So a [`BufferAccess`] never outlives the buffer, even when its stream is
/// stopped by another CPU meanwhile.
///
/// The bytes are never handed out as slices: userspace may map and write them at any time,
/// so they are only copied and filled as raw memory.
///
/// # Invariants
///
/// `runtime` is live and its `dma_area`/`dma_bytes` describe an allocated buffer (or are
/// null/0) for as long as this value is borrowed.
pub struct Buffer<'a> {
    runtime: &'a Runtime,
}

impl Buffer<'_> {
    fn dma(&self) -> (*mut u8, usize) {
        let rt = self.runtime.raw();
        // SAFETY: the buffer fields are stable while `self` exists (type invariant).
        unsafe { ((*rt).dma_area, (*rt).dma_bytes) }
    }

    /// The runtime the buffer belongs to (its format, channels, sizes).
    pub fn runtime(&self) -> &Runtime {
        self.runtime
    }

    /// Copies `len` bytes at `src_off` of `src` to `dst_off` of this buffer (a bulk
    /// `memcpy`, as C does). Out-of-range requests copy nothing and return false.
    pub fn copy_from(&self, dst_off: usize, src: &Buffer<'_>, src_off: usize, len: usize) -> bool {
        let (dst, dst_bytes) = self.dma();
        let (from, src_bytes) = src.dma();
        let fits = |off: usize, total: usize| off.checked_add(len).is_some_and(|end| end <= total);
        if dst.is_null() || from.is_null() || !fits(dst_off, dst_bytes) || !fits(src_off, src_bytes)
        {
            return false;
        }
        // SAFETY: both ranges lie inside the two allocated DMA buffers (checked; type
        // invariant); `copy` allows overlap. The bytes are plain audio data that userspace may
        // map: they are never referenced as Rust values.
        unsafe { core::ptr::copy(from.add(src_off), dst.add(dst_off), len) };
        true
    }

    /// Writes silence of the runtime's format: `samples` samples from byte `off`.
    /// Out-of-range requests write nothing and return false.
    /// C: `snd_pcm_format_set_silence(runtime->format, dma_area + off, samples)`.
    pub fn fill_silence(&self, off: usize, samples: usize) -> bool {
        let (area, total) = self.dma();
        let format = self.runtime.format();
        let Ok(width) = format.physical_width() else {
            return false;
        };
        let bytes = samples.checked_mul(width as usize / 8);
        let Some(end) = bytes.and_then(|b| off.checked_add(b)) else {
            return false;
        };
        if area.is_null() || end > total || samples > u32::MAX as usize {
            return false;
        }
        // SAFETY: the range is inside the allocated DMA buffer (checked; type invariant).
        unsafe {
            bindings::snd_pcm_format_set_silence(format.raw(), area.add(off).cast(), samples as u32)
        };
        true
    }
}

/// Access to the buffer of a running stream, from [`OpenSubstream::buffer`]; the buffer is
/// not freed before this is dropped.
///
/// # Invariants
///
/// `_token` is a unit of the substream's buffer access count, taken while the buffer was
/// open; the layer's `sync_stop` and `hw_free` wait for it before the PCM core frees or
/// reallocates the buffer.
pub struct BufferAccess<'a> {
    buffer: Buffer<'a>,
    _token: InFlightToken<'a>,
}

impl<'a> Deref for BufferAccess<'a> {
    type Target = Buffer<'a>;

    fn deref(&self) -> &Buffer<'a> {
        &self.buffer
    }
}

/// A counted reference to an open substream, for code that is not a callback of it: a
/// timer, or the other end of a loopback cable. Close waits until every handle is dropped,
/// so a handle can never reach a closed or freed substream.
///
/// This generalises the fix of seed 003 (aloop's `stop_count`): there, only the peer stop was
/// counted; here every use from outside the substream's own callbacks is.
///
/// # Invariants
///
/// `substream` is open; `_token` is one unit of `shared.users`, the counter in the
/// substream's `RuntimeData`, which the close callback drains before it returns and which is
/// freed only with the runtime, after close.
pub struct OpenSubstream {
    substream: NonNull<bindings::snd_pcm_substream>,
    shared: &'static Shared,
    _token: InFlightToken<'static>,
}

// SAFETY: the substream may be used from any thread; the PCM core locks what needs it.
unsafe impl Send for OpenSubstream {}
// SAFETY: as above.
unsafe impl Sync for OpenSubstream {}

impl OpenSubstream {
    /// # Safety
    ///
    /// `substream` must be open and `shared` its runtime's counters, drained by close.
    unsafe fn new(
        substream: NonNull<bindings::snd_pcm_substream>,
        shared: &'static Shared,
    ) -> Self {
        Self {
            substream,
            shared,
            _token: shared.users.enter(),
        }
    }

    /// Stops this substream, leaving it in `state`, if it still runs; returns whether this
    /// call stopped it.
    ///
    /// This is the only way the layer offers to stop a stream from outside its own
    /// callbacks (seed 003's peer stop): `snd_pcm_stop()` needs the substream's stream lock,
    /// and its owner may have stopped, dropped or relinked it since the caller decided, so
    /// the lock is taken here (nested: the caller may hold another stream's lock, as a
    /// trigger does; at a lockdep subclass of its own, above those a linked group's action
    /// gives the group's other members) and the state checked again under it. Must not be
    /// called with this substream's own stream lock held (a self-deadlock; none of our
    /// callbacks hold it for a handle they cloned). C: the peer stop of aloop's
    /// `loopback_check_format()`.
    pub fn stop_if_running(&self, state: State) -> bool {
        // SAFETY: the handle keeps the substream open (type invariant); the helper takes
        // the stream lock itself.
        unsafe { bindings::snd_rs_pcm_stop_if_running(self.substream.as_ptr(), state.raw()) }
    }

    /// The DMA buffer, if the stream runs (between its START and STOP triggers, paused
    /// included); `None` otherwise. Never sleeps, never allocates: callable from a timer
    /// under the caller's locks. The buffer is not freed while the access lives.
    pub fn buffer(&self) -> Option<BufferAccess<'_>> {
        let token = self.shared.buffer_users.enter();
        // Acquire: pairs with the Release of `open_buffer()`; the buffer fields were set
        // before the stream started.
        if !self.shared.buffer_open.load(Ordering::Acquire) {
            return None;
        }
        // INVARIANT: the access was counted before the buffer was seen open; closing it is
        // followed by a drain of this count before the buffer can be freed (see `Buffer`).
        Some(BufferAccess {
            buffer: Buffer {
                runtime: self.runtime(),
            },
            _token: token,
        })
    }
}

impl Clone for OpenSubstream {
    /// Another handle; never sleeps, never allocates.
    fn clone(&self) -> Self {
        // SAFETY: this handle keeps the substream open, so the new one starts valid.
        unsafe { Self::new(self.substream, self.shared) }
    }
}

impl Deref for OpenSubstream {
    type Target = Substream;

    fn deref(&self) -> &Substream {
        // SAFETY: open while the handle lives (type invariant).
        unsafe { &*self.substream.as_ptr().cast::<Substream>() }
    }
}

/// What handles and buffer accesses count, shared by every [`OpenSubstream`] of one open.
struct Shared {
    /// Live [`OpenSubstream`]s; close drains it.
    users: InFlight,
    /// Whether the stream runs, so that its buffer may be reached from outside its
    /// callbacks (see [`Buffer`]).
    buffer_open: AtomicBool,
    /// Live [`BufferAccess`]es; `sync_stop` and `hw_free` drain it.
    buffer_users: InFlight,
}

impl Shared {
    /// The stream starts: its buffer may be reached. Atomic context (trigger).
    fn open_buffer(&self) {
        self.buffer_open.store(true, Ordering::Release);
    }

    /// The stream stopped: no new access. Atomic context (trigger).
    fn close_buffer(&self) {
        self.buffer_open.store(false, Ordering::Release);
    }

    /// Waits for the accesses made before the buffer was closed. Sleeps.
    fn drain_buffer(&self) {
        self.close_buffer();
        self.buffer_users.drain();
    }
}

/// What the layer keeps in `runtime->private_data`: the counters and the driver's per-open
/// data.
///
/// # Invariants
///
/// `open` is written once, by the open callback, before the runtime's `private_data` points
/// here; afterwards it is only read.
struct RuntimeData<O: Ops> {
    shared: Shared,
    open: UnsafeCell<Option<Pin<KBox<O::Open>>>>,
}

/// Rules and the hardware description a driver sets while a substream opens.
pub struct OpenSetup<'a, O: Ops> {
    runtime: *mut bindings::snd_pcm_runtime,
    _ops: PhantomData<(&'a (), O)>,
}

impl<O: Ops> OpenSetup<'_, O> {
    /// What the device can do, as hw_params start from. C: `runtime->hw = *hw`.
    pub fn set_hw(&mut self, hw: &Hardware) {
        // SAFETY: the runtime is being opened by this thread.
        unsafe { (*self.runtime).hw = hw.raw() };
    }

    /// Requires an integer value of `var`. C: `snd_pcm_hw_constraint_integer()`.
    pub fn constraint_integer(&mut self, var: IntervalParam) -> Result {
        // SAFETY: as above; `var` is an interval parameter, as the C function requires.
        kernel::error::to_result(unsafe {
            bindings::snd_pcm_hw_constraint_integer(self.runtime, var as _)
        })
    }

    /// Adds rule `R` refining `R::VAR` from itself (loopback's "follow the other end").
    /// C: `snd_pcm_hw_rule_add(runtime, 0, var, func, private, var, -1)`.
    pub fn add_rule<R: HwRule<Open = O::Open>>(&mut self) -> Result {
        let var = R::VAR.raw();
        // SAFETY: the runtime is being opened; the rule's private pointer is the runtime
        // itself, from which the rule finds the per-open data (set before any refine).
        kernel::error::to_result(unsafe {
            bindings::snd_pcm_hw_rule_add1(
                self.runtime,
                0,
                var,
                Some(rule::<O, R>),
                self.runtime.cast(),
                var,
            )
        })
    }
}

/// The parameter space a rule refines. C: `struct snd_pcm_hw_params`.
#[repr(transparent)]
pub struct HwParams(Opaque<bindings::snd_pcm_hw_params>);

impl HwParams {
    /// A parameter space allowing every value, as a new `hw_refine` starts from (for tests
    /// and in-kernel users of rules). C: `_snd_pcm_hw_params_any()`.
    pub fn new_any() -> Result<KBox<Self>> {
        let params = KBox::<bindings::snd_pcm_hw_params>::new_uninit(GFP_KERNEL)?;
        let raw = KBox::into_raw(params).cast::<bindings::snd_pcm_hw_params>();
        // SAFETY: `raw` is an allocation of the C struct; zeroing then `_any()` initialises
        // every field; `HwParams` is a transparent wrapper of it.
        unsafe {
            raw.write_bytes(0, 1);
            bindings::_snd_pcm_hw_params_any(raw);
            Ok(KBox::from_raw(raw.cast::<Self>()))
        }
    }

    /// The first 64 bits of mask parameter `var`.
    pub fn mask(&self, var: MaskParam) -> u64 {
        // SAFETY: a valid params struct; `var` is a mask parameter (its type), so
        // `hw_param_mask()` indexes `masks[]` in range.
        unsafe { bindings::snd_pcm_hw_param_mask_bits(self.0.get(), var as c_int) }
    }

    /// The closed range `(min, max)` of interval parameter `var`.
    pub fn range(&self, var: IntervalParam) -> (u32, u32) {
        let (mut min, mut max) = (0, 0);
        // SAFETY: a valid params struct; `var` is an interval parameter (its type), so
        // `hw_param_interval()` indexes `intervals[]` in range.
        unsafe { bindings::snd_pcm_hw_param_range(self.0.get(), var as c_int, &mut min, &mut max) };
        (min, max)
    }

    /// Restricts mask parameter `var` to `bits`; true if it changed.
    /// C: `snd_mask_refine(hw_param_mask(params, var), &m)`.
    pub fn refine_mask(&mut self, var: MaskParam, bits: u64) -> Result<bool> {
        // SAFETY: a valid params struct during the rule; `var` is a mask parameter (its type).
        let ret =
            unsafe { bindings::snd_pcm_hw_rule_refine_mask(self.0.get(), var as c_int, bits) };
        kernel::error::to_result(ret).map(|()| ret > 0)
    }

    /// Restricts interval parameter `var` to `[min, max]`; true if it changed.
    /// C: `snd_interval_refine(hw_param_interval(params, var), &t)`.
    pub fn refine_range(&mut self, var: IntervalParam, min: u32, max: u32) -> Result<bool> {
        // SAFETY: as above; `var` is an interval parameter (its type).
        let ret =
            unsafe { bindings::snd_pcm_hw_rule_refine_range(self.0.get(), var as c_int, min, max) };
        kernel::error::to_result(ret).map(|()| ret > 0)
    }
}

/// A hw_params rule: refines `VAR` from the driver's per-open data.
pub trait HwRule {
    /// The driver's per-open data ([`Ops::Open`]).
    type Open;
    /// The parameter refined (and depended on).
    const VAR: HwVar;
    /// Refines `params`; true if it changed. C: `snd_pcm_hw_rule_func_t`.
    fn apply(open: &Self::Open, params: &mut HwParams) -> Result<bool>;
}

/// A driver's substream callbacks. `Chip` is the card's driver data; `Open` is what `open`
/// creates per open substream, dropped when the runtime is freed (after close).
///
/// C: `struct snd_pcm_ops`.
#[vtable]
pub trait Ops: Sized + 'static {
    /// The card's driver data.
    type Chip: Send + Sync;
    /// Per-open data.
    type Open: Send + Sync;

    /// Opens `substream`; `handle` is a counted reference the driver may hand to timers or
    /// other streams (close waits for all of them). C: `.open`.
    fn open(
        chip: &Self::Chip,
        substream: &Substream,
        handle: OpenSubstream,
        setup: &mut OpenSetup<'_, Self>,
    ) -> Result<Pin<KBox<Self::Open>>>;

    /// Closes it; afterwards the layer waits for every [`OpenSubstream`]. C: `.close`.
    fn close(chip: &Self::Chip, open: &Self::Open, substream: &Substream) -> Result;

    /// The parameters are chosen; buffers are managed by the PCM core. C: `.hw_params`.
    fn hw_params(
        _chip: &Self::Chip,
        _open: &Self::Open,
        _substream: &Substream,
        _params: &HwParams,
    ) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// C: `.hw_free`.
    fn hw_free(_chip: &Self::Chip, _open: &Self::Open, _substream: &Substream) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// Prepares the stream; `buffer` is its DMA buffer, stable during the call (the PCM core
    /// holds the buffer access lock around prepare). C: `.prepare`.
    fn prepare(
        _chip: &Self::Chip,
        _open: &Self::Open,
        _substream: &Substream,
        _buffer: &Buffer<'_>,
    ) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// Runs in atomic context, under the stream lock. C: `.trigger`.
    fn trigger(chip: &Self::Chip, open: &Self::Open, substream: &Substream, cmd: Trigger)
        -> Result;

    /// The hardware position in frames; atomic context. C: `.pointer`.
    fn pointer(chip: &Self::Chip, open: &Self::Open, substream: &Substream) -> usize;
}

/// Creates PCM device `device` of `card` with `playback` and `capture` substreams, driven by
/// `O`, with vmalloc'ed buffers managed by the PCM core.
///
/// Its stream locks get a lockdep class per direction (`stop_if_running()` takes a capture's
/// inside a playback's).
///
/// C: `snd_pcm_new()`, `snd_pcm_set_ops()`, `snd_pcm_set_managed_buffer_all(pcm,
/// SNDRV_DMA_TYPE_VMALLOC, NULL, 0, 0)`, `pcm->private_data`, `pcm->info_flags = 0`,
/// `strcpy(pcm->name, name)`.
pub fn new_pcm<O: Ops>(
    card: &OwnedCard<O::Chip>,
    id: &CStr,
    device: i32,
    playback: i32,
    capture: i32,
    name: &CStr,
) -> Result {
    let mut pcm = core::ptr::null_mut();
    // SAFETY: the card is live; `id` is NUL-terminated.
    kernel::error::to_result(unsafe {
        bindings::snd_pcm_new(
            card.card().as_ptr(),
            id.as_char_ptr(),
            device,
            playback,
            capture,
            &mut pcm,
        )
    })?;
    // SAFETY: `pcm` is the card's new PCM; no stream of it is open yet, so its stream locks
    // are unused and may change their lockdep class.
    unsafe { bindings::snd_rs_pcm_set_stream_lock_classes(pcm) };
    let chip = core::ptr::from_ref(card.data().get_ref()).cast_mut();
    // SAFETY: `pcm` is the card's new PCM; the ops table is static; `chip` outlives the PCM
    // (the card frees its devices before its driver data).
    unsafe {
        bindings::snd_pcm_set_ops(pcm, 0, &Adapter::<O>::OPS);
        bindings::snd_pcm_set_ops(pcm, 1, &Adapter::<O>::OPS);
        bindings::snd_pcm_set_managed_buffer_all(
            pcm,
            bindings::SNDRV_DMA_TYPE_VMALLOC as i32,
            core::ptr::null_mut(),
            0,
            0,
        );
        (*pcm).private_data = chip.cast();
        (*pcm).info_flags = 0;
        let mut w = crate::card::NameWriter::new(&mut (*pcm).name);
        let _ = core::fmt::Write::write_str(&mut w, name.to_str().unwrap_or(""));
    }
    Ok(())
}

struct Adapter<O>(PhantomData<O>);

impl<O: Ops> Adapter<O> {
    const OPS: bindings::snd_pcm_ops = bindings::snd_pcm_ops {
        open: Some(open::<O>),
        close: Some(close::<O>),
        hw_params: if O::HAS_HW_PARAMS {
            Some(hw_params::<O>)
        } else {
            None
        },
        // Always: it waits for buffer accesses before the PCM core frees the buffer.
        hw_free: Some(hw_free::<O>),
        prepare: if O::HAS_PREPARE {
            Some(prepare::<O>)
        } else {
            None
        },
        trigger: Some(trigger::<O>),
        // Always: it waits for buffer accesses after a stop, before the buffer may go.
        sync_stop: Some(sync_stop::<O>),
        pointer: Some(pointer::<O>),
        // SAFETY: NULL for every other callback is valid.
        ..unsafe { core::mem::zeroed() }
    };

    /// The driver data, the per-open data and the substream of a callback after open.
    ///
    /// # Safety
    ///
    /// `substream` must be open through [`open::<O>`], during a callback.
    unsafe fn parts<'a>(
        substream: *mut bindings::snd_pcm_substream,
    ) -> Option<(&'a O::Chip, &'a O::Open, &'a Substream)> {
        // SAFETY: the PCM's private data is the card's `O::Chip`; the runtime's is our
        // `RuntimeData<O>`, whose `open` is no longer written.
        unsafe {
            let chip = &*(*(*substream).pcm).private_data.cast::<O::Chip>();
            let data = &*(*(*substream).runtime)
                .private_data
                .cast::<RuntimeData<O>>();
            let open = (*data.open.get()).as_deref()?;
            Some((chip, open, &*substream.cast::<Substream>()))
        }
    }
}

/// # Safety
///
/// Called by the PCM core for a substream of a PCM made by [`new_pcm::<O>`].
unsafe extern "C" fn open<O: Ops>(substream: *mut bindings::snd_pcm_substream) -> c_int {
    from_result(|| {
        let data = KBox::new(
            RuntimeData::<O> {
                shared: Shared {
                    users: InFlight::new(),
                    buffer_open: AtomicBool::new(false),
                    buffer_users: InFlight::new(),
                },
                open: UnsafeCell::new(None),
            },
            GFP_KERNEL,
        )?;
        let data = KBox::into_raw(data);
        // SAFETY: `data` is a live allocation until the runtime's `private_free` (or the
        // error path below) frees it, after close drained `users`; so the counters outlive
        // every handle, as `OpenSubstream` requires.
        let shared: &'static Shared = unsafe { &(*data).shared };
        // SAFETY: the substream is being opened (runtime attached) by the PCM core.
        let sub = unsafe { &*substream.cast::<Substream>() };
        // SAFETY: the PCM's private data is the card's `O::Chip`.
        let chip = unsafe { &*(*(*substream).pcm).private_data.cast::<O::Chip>() };
        // SAFETY: the runtime is attached; the substream stays open until close drains.
        let handle = unsafe { OpenSubstream::new(NonNull::new_unchecked(substream), shared) };
        // SAFETY: the runtime is attached during open.
        let runtime = unsafe { (*substream).runtime };
        let mut setup = OpenSetup::<O> {
            runtime,
            _ops: PhantomData,
        };
        match O::open(chip, sub, handle, &mut setup) {
            Ok(open) => {
                // SAFETY: INVARIANT of `RuntimeData`: written once, before publication.
                unsafe {
                    *(*data).open.get() = Some(open);
                    (*runtime).private_data = data.cast();
                    (*runtime).private_free = Some(free_runtime::<O>);
                }
                Ok(0)
            }
            Err(e) => {
                shared.users.drain();
                // SAFETY: no handle is left and the runtime never pointed here.
                drop(unsafe { KBox::from_raw(data) });
                Err(e)
            }
        }
    })
}

/// # Safety
///
/// Called by the PCM core for a substream of a PCM made by [`new_pcm::<O>`].
unsafe extern "C" fn close<O: Ops>(substream: *mut bindings::snd_pcm_substream) -> c_int {
    // SAFETY: close of a substream opened by `open::<O>`.
    let Some((chip, open, sub)) = (unsafe { Adapter::<O>::parts(substream) }) else {
        return 0;
    };
    let ret = from_result(|| O::close(chip, open, sub).map(|()| 0));
    // SAFETY: the runtime's private data is our `RuntimeData<O>`.
    let data = unsafe {
        &*(*(*substream).runtime)
            .private_data
            .cast::<RuntimeData<O>>()
    };
    data.shared.users.drain();
    ret
}

/// # Safety
///
/// Called by the PCM core once, when it frees a runtime opened by [`open::<O>`].
unsafe extern "C" fn free_runtime<O: Ops>(runtime: *mut bindings::snd_pcm_runtime) {
    // SAFETY: `private_data` came from `KBox::into_raw` in `open::<O>`; close drained every
    // handle, and no callback runs any more.
    drop(unsafe { KBox::from_raw((*runtime).private_data.cast::<RuntimeData<O>>()) });
}

/// # Safety
///
/// Called by the PCM core for a substream of a PCM made by [`new_pcm::<O>`].
unsafe extern "C" fn hw_params<O: Ops>(
    substream: *mut bindings::snd_pcm_substream,
    params: *mut bindings::snd_pcm_hw_params,
) -> c_int {
    // SAFETY: as the function's contract says; `params` is valid during the call.
    match unsafe { Adapter::<O>::parts(substream) } {
        Some((chip, open, sub)) => from_result(|| {
            // SAFETY: the PCM core passes the chosen parameters for the call.
            let params = unsafe { &*params.cast::<HwParams>() };
            O::hw_params(chip, open, sub, params).map(|()| 0)
        }),
        None => EINVAL.to_errno(),
    }
}

/// The counters of a substream opened by [`open::<O>`], if its open completed.
///
/// # Safety
///
/// `substream` must be a substream of a PCM made by [`new_pcm::<O>`], during a callback, with
/// its runtime attached.
unsafe fn shared<'a, O: Ops>(substream: *mut bindings::snd_pcm_substream) -> Option<&'a Shared> {
    // SAFETY: the runtime is attached (caller); its `private_data` is null or our
    // `RuntimeData<O>`, freed only with the runtime.
    unsafe {
        let data = (*(*substream).runtime)
            .private_data
            .cast::<RuntimeData<O>>();
        data.as_ref().map(|data| &data.shared)
    }
}

/// # Safety
///
/// Called by the PCM core for a substream of a PCM made by [`new_pcm::<O>`].
unsafe extern "C" fn hw_free<O: Ops>(substream: *mut bindings::snd_pcm_substream) -> c_int {
    // SAFETY: a callback of a substream of our PCM, runtime attached.
    if let Some(shared) = unsafe { shared::<O>(substream) } {
        // The PCM core frees the buffer when this returns: no access may be left.
        shared.drain_buffer();
    }
    if !O::HAS_HW_FREE {
        return 0;
    }
    // SAFETY: a callback of a substream opened by `open::<O>`.
    match unsafe { Adapter::<O>::parts(substream) } {
        Some((chip, open, sub)) => from_result(|| O::hw_free(chip, open, sub).map(|()| 0)),
        None => 0,
    }
}

/// # Safety
///
/// Called by the PCM core for a substream of a PCM made by [`new_pcm::<O>`].
unsafe extern "C" fn sync_stop<O: Ops>(substream: *mut bindings::snd_pcm_substream) -> c_int {
    // SAFETY: `snd_pcm_sync_stop()` calls this for a substream with its runtime attached.
    if let Some(shared) = unsafe { shared::<O>(substream) } {
        // After a stop, before hw_params may reallocate or hw_free free the buffer.
        shared.drain_buffer();
    }
    0
}

/// # Safety
///
/// Called by the PCM core for a substream of a PCM made by [`new_pcm::<O>`].
unsafe extern "C" fn prepare<O: Ops>(substream: *mut bindings::snd_pcm_substream) -> c_int {
    // SAFETY: as above.
    match unsafe { Adapter::<O>::parts(substream) } {
        Some((chip, open, sub)) => from_result(|| {
            // INVARIANT: during prepare the PCM core holds the runtime's buffer access lock
            // (`snd_pcm_action_nonatomic()`), which hw_params and hw_free take: the buffer
            // stays as it is for the call, which `buffer` does not outlive.
            let buffer = Buffer {
                runtime: sub.runtime(),
            };
            O::prepare(chip, open, sub, &buffer).map(|()| 0)
        }),
        None => EINVAL.to_errno(),
    }
}

/// # Safety
///
/// Called by the PCM core for a substream of a PCM made by [`new_pcm::<O>`].
unsafe extern "C" fn trigger<O: Ops>(
    substream: *mut bindings::snd_pcm_substream,
    cmd: c_int,
) -> c_int {
    // SAFETY: as above.
    let Some((chip, open, sub)) = (unsafe { Adapter::<O>::parts(substream) }) else {
        return EINVAL.to_errno();
    };
    // SAFETY: as above.
    let shared = unsafe { shared::<O>(substream) };
    from_result(|| {
        let cmd = Trigger::from_raw(cmd)?;
        let starts = matches!(
            cmd,
            Trigger::Start | Trigger::Resume | Trigger::PauseRelease
        );
        // Open before the driver starts its timers, so that they find the buffer. The PCM
        // core starts only a prepared stream, whose buffer is allocated.
        if let (true, Some(shared)) = (starts, shared) {
            shared.open_buffer();
        }
        let result = O::trigger(chip, open, sub, cmd);
        // Closed after the driver stopped using it on this CPU; `sync_stop` (or `hw_free`)
        // waits for other CPUs before the buffer can go. A failed start closes it again.
        let stops = matches!(cmd, Trigger::Stop | Trigger::Suspend);
        if let (true, Some(shared)) = (stops || (starts && result.is_err()), shared) {
            shared.close_buffer();
            // SAFETY: the runtime is attached during the callback, which runs under the stream
            // lock, as the PCM core's own writes of this flag do. Set, it makes the next
            // `snd_pcm_sync_stop()` (hw_params, hw_free, prepare) call `sync_stop::<O>`, which
            // drains the accesses, also after a failed start or resume the core does not undo
            // (the failing member of a linked group is not).
            unsafe { (*(*substream).runtime).stop_operating = true };
        }
        result.map(|()| 0)
    })
}

/// # Safety
///
/// Called by the PCM core for a substream of a PCM made by [`new_pcm::<O>`].
unsafe extern "C" fn pointer<O: Ops>(
    substream: *mut bindings::snd_pcm_substream,
) -> bindings::snd_pcm_uframes_t {
    // SAFETY: as above.
    match unsafe { Adapter::<O>::parts(substream) } {
        Some((chip, open, sub)) => O::pointer(chip, open, sub),
        None => 0,
    }
}

/// # Safety
///
/// Called by the PCM core for a rule added by [`OpenSetup::add_rule`], whose private pointer
/// is the runtime of a substream opened by [`open::<O>`].
unsafe extern "C" fn rule<O: Ops, R: HwRule<Open = O::Open>>(
    params: *mut bindings::snd_pcm_hw_params,
    rule: *mut bindings::snd_pcm_hw_rule,
) -> c_int {
    // SAFETY: the rule's private data is the runtime; its `private_data` is our
    // `RuntimeData<O>` once open returned (refines only happen after that).
    let open = unsafe {
        let runtime = (*rule).private.cast::<bindings::snd_pcm_runtime>();
        let data = (*runtime).private_data.cast::<RuntimeData<O>>();
        if data.is_null() {
            return 0;
        }
        (*(*data).open.get()).as_deref()
    };
    let Some(open) = open else { return 0 };
    // SAFETY: the PCM core passes the params being refined.
    let params = unsafe { &mut *params.cast::<HwParams>() };
    match R::apply(open, params) {
        Ok(changed) => c_int::from(changed),
        Err(e) => e.to_errno(),
    }
}
