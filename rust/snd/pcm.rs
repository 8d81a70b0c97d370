// SPDX-License-Identifier: GPL-2.0

//! PCM devices: a driver's substream callbacks, the runtime they see, and the handle that
//! lets a driver reach an open substream from elsewhere (a timer, the other end of a cable).
//!
//! C: `struct snd_pcm`, `struct snd_pcm_substream`, `struct snd_pcm_runtime`,
//! `struct snd_pcm_ops`, `snd_pcm_new()`, `snd_pcm_hw_rule_add()`.

use crate::card::{Card, OwnedCard};
use core::{cell::UnsafeCell, marker::PhantomData, ops::Deref, ptr::NonNull};
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

/// A sample format. C: `snd_pcm_format_t` (`SNDRV_PCM_FORMAT_*`, cast macros bindgen skips).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Format(pub i32);

impl Format {
    /// Signed 16 bit, little endian.
    pub const S16_LE: Self = Self(2);
    /// Signed 16 bit, big endian.
    pub const S16_BE: Self = Self(3);
    /// Signed 24 bit in 32, little endian.
    pub const S24_LE: Self = Self(6);
    /// Signed 24 bit in 32, big endian.
    pub const S24_BE: Self = Self(7);
    /// Signed 32 bit, little endian.
    pub const S32_LE: Self = Self(10);
    /// Signed 32 bit, big endian.
    pub const S32_BE: Self = Self(11);
    /// Float, little endian.
    pub const FLOAT_LE: Self = Self(14);
    /// Float, big endian.
    pub const FLOAT_BE: Self = Self(15);
    /// Signed 24 bit in 3 bytes, little endian.
    pub const S24_3LE: Self = Self(32);
    /// Signed 24 bit in 3 bytes, big endian.
    pub const S24_3BE: Self = Self(33);
    /// DSD, 1 byte.
    pub const DSD_U8: Self = Self(48);
    /// DSD, 2 bytes, little endian.
    pub const DSD_U16_LE: Self = Self(49);
    /// DSD, 4 bytes, little endian.
    pub const DSD_U32_LE: Self = Self(50);
    /// DSD, 2 bytes, big endian.
    pub const DSD_U16_BE: Self = Self(51);
    /// DSD, 4 bytes, big endian.
    pub const DSD_U32_BE: Self = Self(52);
    /// The highest format number. C: `SNDRV_PCM_FORMAT_LAST`.
    pub const LAST: Self = Self::DSD_U32_BE;

    /// The format's bit in a format mask. C: `pcm_format_to_bits()`.
    pub const fn bit(self) -> u64 {
        1u64 << (self.0 as u32 & 63)
    }

    /// Bits per sample in memory, or an error for an unknown format.
    /// C: `snd_pcm_format_physical_width()`.
    pub fn physical_width(self) -> Result<u32> {
        // SAFETY: a pure table lookup.
        let width = unsafe { bindings::snd_pcm_format_physical_width(self.0) };
        u32::try_from(width).map_err(|_| EINVAL)
    }
}

/// A buffer access type. C: `snd_pcm_access_t`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Access(pub i32);

impl Access {
    /// Read/write, interleaved (the default of a fresh loopback setup).
    pub const RW_INTERLEAVED: Self = Self(3);

    /// True for the interleaved accesses (mmap or read/write).
    pub fn is_interleaved(self) -> bool {
        // C: SNDRV_PCM_ACCESS_MMAP_INTERLEAVED (0), SNDRV_PCM_ACCESS_RW_INTERLEAVED (3).
        self.0 == 0 || self.0 == 3
    }
}

/// A stream state. C: `snd_pcm_state_t`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct State(pub i32);

impl State {
    /// Running.
    pub const RUNNING: Self = Self(3);
    /// Draining (playback) or stopped by the driver with data left (capture).
    pub const DRAINING: Self = Self(5);
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

/// A hardware parameter a rule refines. C: `SNDRV_PCM_HW_PARAM_*`.
#[derive(Clone, Copy)]
#[repr(u32)]
pub enum HwParam {
    /// The sample format (a mask).
    Format = bindings::SNDRV_PCM_HW_PARAM_FORMAT,
    /// Channels (an interval).
    Channels = bindings::SNDRV_PCM_HW_PARAM_CHANNELS,
    /// Rate (an interval).
    Rate = bindings::SNDRV_PCM_HW_PARAM_RATE,
    /// Period size in bytes (an interval).
    PeriodBytes = bindings::SNDRV_PCM_HW_PARAM_PERIOD_BYTES,
    /// Periods per buffer (an interval).
    Periods = bindings::SNDRV_PCM_HW_PARAM_PERIODS,
}

/// What a device can do. C: `struct snd_pcm_hardware`.
pub type Hardware = bindings::snd_pcm_hardware;

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

    /// C: `runtime->format`.
    pub fn format(&self) -> Format {
        // SAFETY: a live runtime (the substream is open).
        Format(unsafe { (*self.raw()).format })
    }

    /// C: `runtime->access`.
    pub fn access(&self) -> Access {
        // SAFETY: as above.
        Access(unsafe { (*self.raw()).access })
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
        State(unsafe { core::ptr::read_volatile(core::ptr::addr_of!((*self.raw()).state)) })
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

    fn dma(&self) -> (*mut u8, usize) {
        // SAFETY: as above; the managed buffer is set up before prepare.
        unsafe { ((*self.raw()).dma_area, (*self.raw()).dma_bytes) }
    }

    /// Copies `len` bytes at `src_off` of `src`'s buffer to `dst_off` of this one (a bulk
    /// `memcpy`, as C does). Out-of-range requests copy nothing and return false.
    pub fn copy_from(&self, dst_off: usize, src: &Runtime, src_off: usize, len: usize) -> bool {
        let (dst, dst_bytes) = self.dma();
        let (from, src_bytes) = src.dma();
        let fits = |off: usize, total: usize| off.checked_add(len).is_some_and(|end| end <= total);
        if dst.is_null() || from.is_null() || !fits(dst_off, dst_bytes) || !fits(src_off, src_bytes)
        {
            return false;
        }
        // SAFETY: both ranges lie inside the two DMA buffers (checked), which are distinct
        // allocations or, for one runtime, only ever copied between disjoint cable ends; the
        // bytes are plain audio data that userspace may map.
        unsafe { core::ptr::copy(from.add(src_off), dst.add(dst_off), len) };
        true
    }

    /// Writes silence of the runtime's format: `samples` samples from byte `off`.
    /// Out-of-range requests write nothing and return false.
    /// C: `snd_pcm_format_set_silence(runtime->format, dma_area + off, samples)`.
    pub fn fill_silence(&self, off: usize, samples: usize) -> bool {
        let (area, total) = self.dma();
        let Ok(width) = self.format().physical_width() else {
            return false;
        };
        let bytes = samples.checked_mul(width as usize / 8);
        let Some(end) = bytes.and_then(|b| off.checked_add(b)) else {
            return false;
        };
        if area.is_null() || end > total || samples > u32::MAX as usize {
            return false;
        }
        // SAFETY: the range is inside the DMA buffer (checked).
        unsafe {
            bindings::snd_pcm_format_set_silence(
                self.format().0,
                area.add(off).cast(),
                samples as u32,
            )
        };
        true
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
/// `substream` is open; `_token` is one unit of `users`, the counter in the substream's
/// `RuntimeData`, which the close callback drains before it returns and which is freed only
/// with the runtime, after close.
pub struct OpenSubstream {
    substream: NonNull<bindings::snd_pcm_substream>,
    users: &'static InFlight,
    _token: InFlightToken<'static>,
}

// SAFETY: the substream may be used from any thread; the PCM core locks what needs it.
unsafe impl Send for OpenSubstream {}
// SAFETY: as above.
unsafe impl Sync for OpenSubstream {}

impl OpenSubstream {
    /// # Safety
    ///
    /// `substream` must be open and `users` its runtime's counter, drained by close.
    unsafe fn new(
        substream: NonNull<bindings::snd_pcm_substream>,
        users: &'static InFlight,
    ) -> Self {
        Self {
            substream,
            users,
            _token: users.enter(),
        }
    }
}

impl OpenSubstream {
    /// Stops this substream, leaving it in `state`, if it still runs; returns whether this
    /// call stopped it.
    ///
    /// This is the only way the layer offers to stop a stream from outside its own
    /// callbacks (seed 003's peer stop): `snd_pcm_stop()` needs the substream's stream lock,
    /// and its owner may have stopped, dropped or relinked it since the caller decided, so
    /// the lock is taken here (nested: the caller may hold another stream's lock, as a
    /// trigger does) and the state checked again under it. Must not be called with this
    /// substream's own stream lock held (a self-deadlock; none of our callbacks hold it
    /// for a handle they cloned). C: the peer stop of aloop's `loopback_check_format()`.
    pub fn stop_if_running(&self, state: State) -> bool {
        // SAFETY: the handle keeps the substream open (type invariant); the helper takes
        // the stream lock itself.
        unsafe { bindings::snd_rs_pcm_stop_if_running(self.substream.as_ptr(), state.0) }
    }
}

impl Clone for OpenSubstream {
    /// Another handle; never sleeps, never allocates.
    fn clone(&self) -> Self {
        // SAFETY: this handle keeps the substream open, so the new one starts valid.
        unsafe { Self::new(self.substream, self.users) }
    }
}

impl Deref for OpenSubstream {
    type Target = Substream;

    fn deref(&self) -> &Substream {
        // SAFETY: open while the handle lives (type invariant).
        unsafe { &*self.substream.as_ptr().cast::<Substream>() }
    }
}

/// What the layer keeps in `runtime->private_data`: the handle counter and the driver's
/// per-open data.
///
/// # Invariants
///
/// `open` is written once, by the open callback, before the runtime's `private_data` points
/// here; afterwards it is only read.
struct RuntimeData<O: Ops> {
    users: InFlight,
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
        unsafe { (*self.runtime).hw = *hw };
    }

    /// Requires an integer value of `var`. C: `snd_pcm_hw_constraint_integer()`.
    pub fn constraint_integer(&mut self, var: HwParam) -> Result {
        // SAFETY: as above.
        kernel::error::to_result(unsafe {
            bindings::snd_pcm_hw_constraint_integer(self.runtime, var as _)
        })
    }

    /// Adds rule `R` refining `R::VAR` from itself (loopback's "follow the other end").
    /// C: `snd_pcm_hw_rule_add(runtime, 0, var, func, private, var, -1)`.
    pub fn add_rule<R: HwRule<Open = O::Open>>(&mut self) -> Result {
        let var = R::VAR as c_int;
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

    /// The bits of mask parameter `var`.
    pub fn mask(&self, var: HwParam) -> u64 {
        // SAFETY: a valid params struct; `var` is a mask parameter.
        unsafe { bindings::snd_pcm_hw_param_mask_bits(self.0.get(), var as c_int) }
    }

    /// The closed range `(min, max)` of interval parameter `var`.
    pub fn range(&self, var: HwParam) -> (u32, u32) {
        let (mut min, mut max) = (0, 0);
        // SAFETY: a valid params struct; `var` is an interval parameter.
        unsafe { bindings::snd_pcm_hw_param_range(self.0.get(), var as c_int, &mut min, &mut max) };
        (min, max)
    }

    /// Restricts mask parameter `var` to `bits`; true if it changed.
    /// C: `snd_mask_refine(hw_param_mask(params, var), &m)`.
    pub fn refine_mask(&mut self, var: HwParam, bits: u64) -> Result<bool> {
        // SAFETY: a valid params struct during the rule; `var` is a mask parameter.
        let ret =
            unsafe { bindings::snd_pcm_hw_rule_refine_mask(self.0.get(), var as c_int, bits) };
        kernel::error::to_result(ret).map(|()| ret > 0)
    }

    /// Restricts interval parameter `var` to `[min, max]`; true if it changed.
    /// C: `snd_interval_refine(hw_param_interval(params, var), &t)`.
    pub fn refine_range(&mut self, var: HwParam, min: u32, max: u32) -> Result<bool> {
        // SAFETY: as above; `var` is an interval parameter.
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
    const VAR: HwParam;
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

    /// C: `.prepare`.
    fn prepare(_chip: &Self::Chip, _open: &Self::Open, _substream: &Substream) -> Result {
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
        hw_free: if O::HAS_HW_FREE {
            Some(hw_free::<O>)
        } else {
            None
        },
        prepare: if O::HAS_PREPARE {
            Some(prepare::<O>)
        } else {
            None
        },
        trigger: Some(trigger::<O>),
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
                users: InFlight::new(),
                open: UnsafeCell::new(None),
            },
            GFP_KERNEL,
        )?;
        let data = KBox::into_raw(data);
        // SAFETY: `data` is a live allocation until the runtime's `private_free` (or the
        // error path below) frees it, after close drained `users`; so the counter outlives
        // every handle, as `OpenSubstream` requires.
        let users: &'static InFlight = unsafe { &(*data).users };
        // SAFETY: the substream is being opened (runtime attached) by the PCM core.
        let sub = unsafe { &*substream.cast::<Substream>() };
        // SAFETY: the PCM's private data is the card's `O::Chip`.
        let chip = unsafe { &*(*(*substream).pcm).private_data.cast::<O::Chip>() };
        // SAFETY: the runtime is attached; the substream stays open until close drains.
        let handle = unsafe { OpenSubstream::new(NonNull::new_unchecked(substream), users) };
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
                users.drain();
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
    data.users.drain();
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

/// # Safety
///
/// Called by the PCM core for a substream of a PCM made by [`new_pcm::<O>`].
unsafe extern "C" fn hw_free<O: Ops>(substream: *mut bindings::snd_pcm_substream) -> c_int {
    // SAFETY: a callback of a substream opened by `open::<O>`.
    match unsafe { Adapter::<O>::parts(substream) } {
        Some((chip, open, sub)) => from_result(|| O::hw_free(chip, open, sub).map(|()| 0)),
        None => 0,
    }
}

/// # Safety
///
/// Called by the PCM core for a substream of a PCM made by [`new_pcm::<O>`].
unsafe extern "C" fn prepare<O: Ops>(substream: *mut bindings::snd_pcm_substream) -> c_int {
    // SAFETY: as above.
    match unsafe { Adapter::<O>::parts(substream) } {
        Some((chip, open, sub)) => from_result(|| O::prepare(chip, open, sub).map(|()| 0)),
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
    match unsafe { Adapter::<O>::parts(substream) } {
        Some((chip, open, sub)) => from_result(|| {
            let cmd = Trigger::from_raw(cmd)?;
            O::trigger(chip, open, sub, cmd).map(|()| 0)
        }),
        None => EINVAL.to_errno(),
    }
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
