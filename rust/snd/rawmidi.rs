// SPDX-License-Identifier: GPL-2.0

//! The raw MIDI kernel API: kernel-side opens of a rawmidi device, for bridges like the
//! sequencer's.

use crate::{card::Card, seq::client::PortInfo, until_nul};
use core::{marker::PhantomData, ops::Deref, ptr::NonNull};
use kernel::{
    bindings, error::to_result, ffi::c_void, prelude::*, str::CStr, sync::Arc, sync::LockClassKey,
};
use snd_sync::{Borrowed, CallChain, Published};

/// Rawmidi devices per card. C: `SNDRV_RAWMIDI_DEVICES`.
pub const DEVICES: u32 = bindings::SNDRV_RAWMIDI_DEVICES;

/// `SNDRV_RAWMIDI_INFO_*` bits of [`Info::flags`].
pub mod info_flags {
    use kernel::bindings;
    /// The device has output.
    pub const OUTPUT: u32 = bindings::SNDRV_RAWMIDI_INFO_OUTPUT;
    /// The device has input.
    pub const INPUT: u32 = bindings::SNDRV_RAWMIDI_INFO_INPUT;
    /// Output and input may be open at once.
    pub const DUPLEX: u32 = bindings::SNDRV_RAWMIDI_INFO_DUPLEX;
}

/// A reference of a card: its devices (the rawmidi ones among them) are freed only after
/// the last reference is dropped.
///
/// C: `get_device(&card->card_dev)` / `snd_card_unref()`. `snd_card_free()` waits for the
/// last reference (`release_completion`), `snd_card_free_when_closed()` leaves the free to
/// it; either way `snd_device_free_all()` runs only from the card device's release.
///
/// # Invariants
///
/// Holds one reference of the card's `card_dev`.
struct CardRef(NonNull<bindings::snd_card>);

// SAFETY: a device reference may be taken and dropped on any thread.
unsafe impl Send for CardRef {}
// SAFETY: shared access does nothing.
unsafe impl Sync for CardRef {}

impl CardRef {
    /// # Safety
    ///
    /// `card` must be live for the call.
    unsafe fn new(card: NonNull<bindings::snd_card>) -> Self {
        // SAFETY: `card` is live (caller); this takes a reference of its device.
        unsafe { bindings::snd_rs_card_get(card.as_ptr()) };
        // INVARIANT: one reference taken.
        Self(card)
    }
}

impl Clone for CardRef {
    fn clone(&self) -> Self {
        // SAFETY: this reference keeps the card alive.
        unsafe { Self::new(self.0) }
    }
}

impl Drop for CardRef {
    fn drop(&mut self) {
        // SAFETY: gives back the reference this value holds (type invariant).
        unsafe { bindings::snd_card_unref(self.0.as_ptr()) };
    }
}

/// Which direction of a rawmidi device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// To the device. C: `SNDRV_RAWMIDI_STREAM_OUTPUT`.
    Output,
    /// From the device. C: `SNDRV_RAWMIDI_STREAM_INPUT`.
    Input,
}

impl Stream {
    fn raw(self) -> i32 {
        match self {
            Stream::Output => bindings::SNDRV_RAWMIDI_STREAM_OUTPUT as i32,
            Stream::Input => bindings::SNDRV_RAWMIDI_STREAM_INPUT as i32,
        }
    }
}

/// What `snd_rawmidi_info_select()` tells about one subdevice of one stream.
///
/// C: `struct snd_rawmidi_info`.
pub struct Info(bindings::snd_rawmidi_info);

impl Info {
    /// Asks `card` about `device`/`stream`/`subdevice`; the rawmidi core's error (e.g.
    /// `ENXIO`) when it has no such stream.
    ///
    /// C: `snd_rawmidi_info_select()`.
    pub fn select(card: &Card, device: u32, stream: Stream, subdevice: u32) -> Result<KBox<Self>> {
        let mut info = KBox::new(
            Info(bindings::snd_rawmidi_info {
                device,
                subdevice,
                stream: stream.raw(),
                ..Default::default()
            }),
            GFP_KERNEL,
        )?;
        // SAFETY: `card` is alive (borrowed) and `info` a valid, exclusively owned struct.
        to_result(unsafe { bindings::snd_rawmidi_info_select(card.as_ptr(), &mut info.0) })?;
        Ok(info)
    }

    /// How many subdevices the stream has. C: `info->subdevices_count`.
    pub fn subdevices_count(&self) -> u32 {
        self.0.subdevices_count
    }

    /// `SNDRV_RAWMIDI_INFO_*` flags (output, input, duplex). C: `info->flags`.
    pub fn flags(&self) -> u32 {
        self.0.flags
    }

    /// The device name, without its NUL. C: `info->name`.
    pub fn name(&self) -> &[u8] {
        until_nul(&self.0.name)
    }

    /// The subdevice name, without its NUL. C: `info->subname`.
    pub fn subname(&self) -> &[u8] {
        until_nul(&self.0.subname)
    }
}

/// A buffer length as the C API's `long` count.
fn byte_count(len: usize) -> isize {
    isize::try_from(len).unwrap_or(isize::MAX)
}

/// A rawmidi device, as its sequencer device hands it to the bridge driver.
///
/// C: `struct snd_rawmidi *` (the `private_data` of a "seq-midi" sequencer device).
///
/// # Invariants
///
/// Points to a rawmidi device that was registered when this value was made; `_card` is a
/// reference of its card, which keeps the device allocated (the card frees its devices only
/// after its last reference), also past a hot-unplug and past the sequencer device's
/// `remove`. Opening a disconnected device fails in the rawmidi core (`ENODEV`).
pub struct RawMidi {
    rmidi: NonNull<bindings::snd_rawmidi>,
    card: CardRef,
}

// SAFETY: the rawmidi core locks its own state; the pointer may be used from any thread.
unsafe impl Send for RawMidi {}
// SAFETY: as above; every method goes through the core's locked API.
unsafe impl Sync for RawMidi {}

impl RawMidi {
    /// Wraps the device.
    ///
    /// # Safety
    ///
    /// `ptr` must be a registered rawmidi device, live for the call.
    pub(crate) unsafe fn from_raw(ptr: NonNull<bindings::snd_rawmidi>) -> Option<Self> {
        // SAFETY: the device is live (caller); its card outlives it.
        let card = NonNull::new(unsafe { (*ptr.as_ptr()).card })?;
        // SAFETY: the card is live: its device is.
        let card = unsafe { CardRef::new(card) };
        // INVARIANT: the card reference keeps the device allocated.
        Some(Self { rmidi: ptr, card })
    }

    /// Lets the rawmidi driver adjust a sequencer port it is about to get (USB MIDI names
    /// its ports this way); nothing if it has no such hook.
    ///
    /// C: `rmidi->ops->get_port_info(rmidi, number, info)`.
    pub fn adjust_port_info(&self, number: i32, port: &mut PortInfo) {
        let rmidi = self.rmidi.as_ptr();
        // SAFETY: `rmidi` is registered (type invariant); `ops` is set at creation and constant.
        let ops = unsafe { (*rmidi).ops };
        if ops.is_null() {
            return;
        }
        // SAFETY: `ops` points to the driver's static ops table.
        if let Some(hook) = unsafe { (*ops).get_port_info } {
            // SAFETY: the hook takes the device, a port number and a port info to fill.
            unsafe { hook(rmidi, number, port.as_mut_ptr()) };
        }
    }

    fn open(&self, subdevice: i32, mode: u32) -> Result<File> {
        let mut file = bindings::snd_rawmidi_file::default();
        // SAFETY: `rmidi` is allocated (type invariant); `file` is ours to fill. The rawmidi
        // core refuses a disconnected device.
        to_result(unsafe {
            bindings::snd_rawmidi_kernel_open(
                self.rmidi.as_ptr(),
                subdevice,
                mode as i32,
                &mut file,
            )
        })?;
        Ok(File {
            raw: file,
            _card: self.card.clone(),
        })
    }

    /// Opens `subdevice` for output, with a buffer of `buffer_size` bytes, waking writers
    /// at `avail_min` free bytes, and with or without active sensing on close.
    ///
    /// C: `snd_rawmidi_kernel_open(.., SNDRV_RAWMIDI_LFLG_OUTPUT, ..)` +
    /// `snd_rawmidi_output_params()`; released again if the parameters are refused.
    pub fn open_output(&self, subdevice: i32, params: Params) -> Result<Output> {
        let output = Output {
            file: self.open(subdevice, bindings::SNDRV_RAWMIDI_LFLG_OUTPUT)?,
            _not_send: PhantomData,
        };
        let mut raw = params.raw();
        // SAFETY: the file was opened for output, so `output` is a live substream.
        to_result(unsafe { bindings::snd_rawmidi_output_params(output.substream(), &mut raw) })?;
        Ok(output)
    }

    /// Opens `subdevice` for input with `params`; `handler` is told whenever input arrives
    /// (from a work item, process context) until the returned [`Input`] is dropped.
    ///
    /// C: `snd_rawmidi_kernel_open(.., SNDRV_RAWMIDI_LFLG_INPUT, ..)` +
    /// `snd_rawmidi_input_params()`, then `runtime->event` and `runtime->private_data`.
    pub fn open_input<H: InputHandler>(
        &self,
        subdevice: i32,
        params: Params,
        handler: Arc<H>,
    ) -> Result<Input<H>> {
        let file = self.open(subdevice, bindings::SNDRV_RAWMIDI_LFLG_INPUT)?;
        let substream = file.raw.input;
        let mut raw = params.raw();
        // SAFETY: the file was opened for input, so `substream` is live.
        to_result(unsafe { bindings::snd_rawmidi_input_params(substream, &mut raw) })?;
        let input = Input {
            file,
            handler,
            _not_send: PhantomData,
        };
        // SAFETY: an open substream has a runtime until its release, which `Input::drop`
        // does before it drops the handler.
        let runtime = unsafe { (*substream).runtime };
        // SAFETY: as above. The data is set before the callback, and the rawmidi core reads
        // `event` only to schedule and run its work item, after this store is visible.
        unsafe {
            (*runtime).private_data = core::ptr::from_ref::<H>(&input.handler)
                .cast_mut()
                .cast::<c_void>();
            core::sync::atomic::fence(core::sync::atomic::Ordering::Release);
            (*runtime).event = Some(input_event::<H>);
        }
        Ok(input)
    }
}

/// A rawmidi device for KUnit: one output subdevice that transmits what it is sent at once
/// and counts it. It belongs to the card it was made on, which frees it; it is not
/// registered, so no sequencer bridge binds it, but kernel opens work as on any device.
///
/// C: a minimal `snd_rawmidi_new()` driver (`snd_rs_kunit_rawmidi_new()`).
#[cfg(CONFIG_SND_RS_KUNIT)]
pub struct TestDevice(RawMidi);

/// What a [`TestDevice`] saw so far.
#[cfg(CONFIG_SND_RS_KUNIT)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TestCounts {
    /// Opens of the output subdevice.
    pub opens: u32,
    /// Closes of it.
    pub closes: u32,
    /// Bytes it transmitted.
    pub bytes: u32,
    /// Bytes it transmitted while closed (the rawmidi core must never let that happen).
    pub bytes_while_closed: u32,
}

#[cfg(CONFIG_SND_RS_KUNIT)]
impl TestDevice {
    /// Makes a device on `card` (not registered).
    pub fn new(card: &Card) -> Result<Self> {
        // SAFETY: `card` is live; the helper returns a device of it or an error pointer.
        let ptr = kernel::error::from_err_ptr(unsafe {
            bindings::snd_rs_kunit_rawmidi_new(card.as_ptr())
        })?;
        let ptr = NonNull::new(ptr).ok_or(ENOMEM)?;
        // SAFETY: the device was just made on `card`, which is live and frees it only after
        // its last reference. It is not registered; nothing `RawMidi` does needs that
        // (`snd_rawmidi_kernel_open()` does not look at it).
        let rawmidi = unsafe { RawMidi::from_raw(ptr) }.ok_or(EINVAL)?;
        Ok(Self(rawmidi))
    }

    /// The device, as a bridge gets it.
    pub fn rawmidi(&self) -> RawMidi {
        RawMidi {
            rmidi: self.0.rmidi,
            card: self.0.card.clone(),
        }
    }

    /// The counts so far.
    pub fn counts(&self) -> TestCounts {
        let mut counts = [0u32; 4];
        // SAFETY: the device was made by `snd_rs_kunit_rawmidi_new()` (so its private data
        // holds the counts) and is allocated while `self.0` holds its card; `counts` has the
        // four entries the helper fills.
        unsafe {
            bindings::snd_rs_kunit_rawmidi_counts(self.0.rmidi.as_ptr(), counts.as_mut_ptr())
        };
        let [opens, closes, bytes, bytes_while_closed] = counts;
        TestCounts {
            opens,
            closes,
            bytes,
            bytes_while_closed,
        }
    }
}

/// Buffer parameters of a kernel-opened stream. C: `struct snd_rawmidi_params`.
#[derive(Clone, Copy, Debug)]
pub struct Params {
    /// Buffer size in bytes.
    pub buffer_size: usize,
    /// Free (output) or filled (input) bytes that wake a waiter.
    pub avail_min: usize,
    /// Output only: do not send an active-sensing byte on close.
    pub no_active_sensing: bool,
}

impl Params {
    fn raw(self) -> bindings::snd_rawmidi_params {
        let mut raw = bindings::snd_rawmidi_params {
            buffer_size: self.buffer_size,
            avail_min: self.avail_min,
            ..Default::default()
        };
        raw.set_no_active_sensing(self.no_active_sensing.into());
        raw
    }
}

/// A kernel open of a rawmidi device, with a reference of its card; released when dropped,
/// which sleeps.
///
/// C: `struct snd_rawmidi_file` and `snd_rawmidi_kernel_release()`.
struct File {
    raw: bindings::snd_rawmidi_file,
    // Dropped after the release: the device stays allocated until then.
    _card: CardRef,
}

impl Drop for File {
    fn drop(&mut self) {
        // The release sleeps (it takes the device's mutex and may drain): report a drop in
        // atomic context even when it would not sleep this time.
        snd_sync::might_sleep();
        // SAFETY: the file was opened by `snd_rawmidi_kernel_open()` and not yet released;
        // the card reference keeps the device allocated.
        unsafe { bindings::snd_rawmidi_kernel_release(&mut self.raw) };
    }
}

/// An output stream opened by the kernel; released when dropped, which sleeps.
///
/// It is not `Send`: it stays in the process context that opened it, unless it is handed
/// over through a [`StreamSlot`], the one way to let other contexts (a sequencer event
/// callback) write to it. So it cannot be put into an `Arc` shared with those contexts,
/// whose last clone could then release it in atomic context, or after the slot's owner
/// unpublished it (seed 001: `unuse` must release the output before it returns, or the next
/// `use` fails with `EAGAIN`).
///
/// # Invariants
///
/// The file is open for output: `output` is a live substream with a runtime.
pub struct Output {
    file: File,
    _not_send: PhantomData<*mut ()>,
}

// SAFETY: the rawmidi core serialises access to the substream with its runtime lock;
// `write`, `avail` and `drain` may run concurrently, as in C.
unsafe impl Sync for Output {}

impl Output {
    fn substream(&self) -> *mut bindings::snd_rawmidi_substream {
        self.file.raw.output
    }

    /// Free bytes in the output buffer; like C, read without the runtime lock (a snapshot).
    ///
    /// C: `substream->runtime->avail`.
    pub fn avail(&self) -> usize {
        // SAFETY: the substream and its runtime live while the file is open (invariant); a
        // racy read of a word, as C does.
        unsafe { core::ptr::read_volatile(&(*(*self.substream()).runtime).avail) }
    }

    /// Queues `data` for the device; returns how many bytes were taken.
    ///
    /// Callable in atomic context. C: `snd_rawmidi_kernel_write()`.
    pub fn write(&self, data: &[u8]) -> Result<usize> {
        // SAFETY: the substream is open for output (invariant); `data` is valid for reads.
        let n = unsafe {
            bindings::snd_rawmidi_kernel_write(
                self.substream(),
                data.as_ptr(),
                byte_count(data.len()),
            )
        };
        usize::try_from(n).map_err(|_| Error::from_errno(n as i32))
    }

    /// Waits until the device has sent everything queued (may sleep).
    ///
    /// C: `snd_rawmidi_drain_output()`.
    pub fn drain(&self) -> Result {
        // SAFETY: the substream is open for output (invariant).
        to_result(unsafe { bindings::snd_rawmidi_drain_output(self.substream()) })
    }
}

/// Told when input arrives on an [`Input`].
pub trait InputHandler: Send + Sync + 'static {
    /// Input arrived; read it from `input`. Runs in a work item (process context).
    ///
    /// C: `runtime->event`.
    fn input_ready(&self, input: &InputSubstream);
}

/// An input stream opened by the kernel, with its handler; released (and the handler
/// dropped) when dropped.
///
/// Dropping it first detaches the handler and waits for a call already running, then
/// releases the stream: no handler runs, and none re-triggers the device, once the release
/// has stopped it; and the device's interrupt can no longer queue the event work, so it
/// cannot be queued on a freed runtime. (C's `snd_rawmidi_kernel_release()` stops the input
/// and cancels the work, but a handler running at that moment reads again and re-enables
/// the input, and an interrupt then queues the work after it was cancelled.)
///
/// Not `Send`, for the reasons given at [`Output`].
pub struct Input<H: InputHandler> {
    // Declared first: released (cancelling the event work) before `handler` is dropped.
    file: File,
    handler: Arc<H>,
    _not_send: PhantomData<*mut ()>,
}

impl<H: InputHandler> Drop for Input<H> {
    fn drop(&mut self) {
        // SAFETY: the file is open for input (its runtime lives until `file` is released,
        // after this); the helper takes the substream lock and may sleep, and a drop of an
        // `Input` runs in process context (`snd_rawmidi_kernel_release()` sleeps as well).
        unsafe { bindings::snd_rs_rawmidi_detach_event(self.file.raw.input) };
    }
}

// SAFETY: the rawmidi core serialises the substream; the handler is `Send + Sync`.
unsafe impl<H: InputHandler> Sync for Input<H> {}

impl<H: InputHandler> Input<H> {
    /// Starts the device's input (the C idiom `snd_rawmidi_kernel_read(input, NULL, 0)`).
    pub fn start(&self) {
        // SAFETY: the file is open for input; a zero-length read only triggers input.
        unsafe { bindings::snd_rawmidi_kernel_read(self.file.raw.input, core::ptr::null_mut(), 0) };
    }
}

/// The input substream, during an [`InputHandler::input_ready`] call.
pub struct InputSubstream(NonNull<bindings::snd_rawmidi_substream>);

impl InputSubstream {
    /// Bytes waiting in the input buffer (a snapshot). C: `runtime->avail`.
    pub fn avail(&self) -> usize {
        // SAFETY: during the callback the substream and runtime are live (the release
        // cancels the work first).
        unsafe { core::ptr::read_volatile(&(*(*self.0.as_ptr()).runtime).avail) }
    }

    /// Reads up to `buf.len()` bytes. C: `snd_rawmidi_kernel_read()`.
    pub fn read(&self, buf: &mut [u8]) -> Result<usize> {
        // SAFETY: the substream is live during the callback; `buf` is valid for writes.
        let n = unsafe {
            bindings::snd_rawmidi_kernel_read(
                self.0.as_ptr(),
                buf.as_mut_ptr(),
                byte_count(buf.len()),
            )
        };
        usize::try_from(n).map_err(|_| Error::from_errno(n as i32))
    }
}

/// The C `runtime->event` callback: finds the handler in `private_data`.
///
/// # Safety
///
/// Called by the rawmidi core's event work for a substream opened by
/// [`RawMidi::open_input`] with handler type `H`.
unsafe extern "C" fn input_event<H: InputHandler>(substream: *mut bindings::snd_rawmidi_substream) {
    let Some(substream) = NonNull::new(substream) else {
        return;
    };
    // SAFETY: the work runs only while the substream is open, so its runtime is live.
    let data = unsafe { (*(*substream.as_ptr()).runtime).private_data };
    if data.is_null() {
        return;
    }
    // SAFETY: `private_data` is the `Arc<H>` the `Input` holds until after the release has
    // cancelled this work.
    let handler = unsafe { &*data.cast::<H>() };
    handler.input_ready(&InputSubstream(substream));
}

mod private {
    pub trait Sealed {}
}

/// A kernel-opened stream: [`Output`] or [`Input`]. Its release sleeps.
pub trait KernelStream: private::Sealed + Sync {}

impl private::Sealed for Output {}
impl KernelStream for Output {}
impl<H: InputHandler> private::Sealed for Input<H> {}
impl<H: InputHandler> KernelStream for Input<H> {}

/// A stream moved into a [`StreamSlot`].
#[repr(transparent)]
struct Slotted<T>(T);

// SAFETY: a slotted stream moves between threads only as a whole, through the slot: from the
// publisher to the caller of `take`, which needs `&mut CallChain` (given only to callbacks
// that may sleep) and starts with `might_sleep()`, or to the slot's drop, which starts with
// `might_sleep()` too. So its release runs in process context wherever it ends. Other
// contexts only borrow it (`T: Sync`).
unsafe impl<T: KernelStream> Send for Slotted<T> {}

/// A kernel-opened stream published to other contexts: they borrow it (never sleeping) while
/// it is published; its owner takes it back, waiting for every borrow, and releases it.
///
/// This is [`snd_sync::Published`] for streams that are not `Send` ([`Output`], [`Input`]):
/// the only way to share one, and so the only way to share its release, which happens in the
/// taker's process context (seed 001: `unuse` takes, drains and releases the output before
/// it returns). Borrows hold the caller's [`CallChain`] shared and `take` needs it
/// exclusively, so an event callback (handed `&CallChain`) cannot release the stream, and
/// no chain can take what it still borrows.
///
/// C: `output_rfile` / `input_rfile` of `struct seq_midisynth` with their spinlock and
/// use-lock.
#[pin_data(PinnedDrop)]
pub struct StreamSlot<T: KernelStream> {
    #[pin]
    inner: Published<Slotted<T>>,
}

/// Creates an empty [`StreamSlot`] initialiser with a lockdep class for its lock; the optional
/// name labels it.
#[macro_export]
macro_rules! new_stream_slot {
    ($($name:literal)? $(,)?) => {
        $crate::rawmidi::StreamSlot::new(
            ::kernel::optional_name!($($name)?),
            ::kernel::static_lock_class!(),
        )
    };
}

impl<T: KernelStream> StreamSlot<T> {
    /// Creates an empty initialiser; see [`new_stream_slot!`](crate::new_stream_slot).
    pub fn new(name: &'static CStr, key: &'static LockClassKey) -> impl PinInit<Self> {
        pin_init!(Self {
            inner <- Published::new(name, key),
        })
    }

    /// Publishes `stream`; fails, giving it back, if one is published already.
    pub fn publish(&self, stream: KBox<T>) -> Result<(), KBox<T>> {
        // SAFETY: `Slotted<T>` is a transparent wrapper of `T`.
        let slotted = unsafe { KBox::from_raw(KBox::into_raw(stream).cast::<Slotted<T>>()) };
        self.inner.publish(slotted).map_err(|back| {
            // SAFETY: as above, the other way.
            unsafe { KBox::from_raw(KBox::into_raw(back).cast::<T>()) }
        })
    }

    /// Borrows the stream, or `None` if none is published. Never sleeps.
    pub fn borrow<'a>(&'a self, chain: &'a CallChain) -> Option<StreamRef<'a, T>> {
        self.inner.borrow(chain).map(StreamRef)
    }

    /// Unpublishes the stream and returns it once every borrow has ended; `None` if none is
    /// published. Sleeps (see [`Published::take`]); dropping the result releases the stream.
    #[track_caller]
    pub fn take(&self, chain: &mut CallChain) -> Option<KBox<T>> {
        let slotted = self.inner.take(chain)?;
        // SAFETY: `Slotted<T>` is a transparent wrapper of `T`.
        Some(unsafe { KBox::from_raw(KBox::into_raw(slotted).cast::<T>()) })
    }
}

#[pinned_drop]
impl<T: KernelStream> PinnedDrop for StreamSlot<T> {
    fn drop(self: Pin<&mut Self>) {
        // A stream still published is released with the slot: report a drop in atomic
        // context even when the slot is empty.
        snd_sync::might_sleep();
    }
}

/// A borrow of the stream in a [`StreamSlot`].
pub struct StreamRef<'a, T: KernelStream>(Borrowed<'a, Slotted<T>>);

impl<T: KernelStream> Deref for StreamRef<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0 .0
    }
}
