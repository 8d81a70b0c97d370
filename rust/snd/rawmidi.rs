// SPDX-License-Identifier: GPL-2.0

//! The raw MIDI kernel API: kernel-side opens of a rawmidi device, for bridges like the
//! sequencer's.

use crate::{card::Card, seq::client::PortInfo, until_nul};
use core::ptr::NonNull;
use kernel::{bindings, error::to_result, ffi::c_void, prelude::*, sync::Arc};

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
/// Points to a registered rawmidi device. The sequencer device that gave it is removed (and
/// its driver's `remove` returns) before the rawmidi device is freed; holders keep it no
/// longer than that (`seq::device` drops per-device data in `remove`).
pub struct RawMidi(NonNull<bindings::snd_rawmidi>);

// SAFETY: the rawmidi core locks its own state; the pointer may be used from any thread.
unsafe impl Send for RawMidi {}
// SAFETY: as above; every method goes through the core's locked API.
unsafe impl Sync for RawMidi {}

impl RawMidi {
    /// Wraps the device.
    ///
    /// # Safety
    ///
    /// `ptr` must be a registered rawmidi device that outlives the returned value (see the
    /// type invariants).
    pub(crate) unsafe fn from_raw(ptr: NonNull<bindings::snd_rawmidi>) -> Self {
        Self(ptr)
    }

    /// Lets the rawmidi driver adjust a sequencer port it is about to get (USB MIDI names
    /// its ports this way); nothing if it has no such hook.
    ///
    /// C: `rmidi->ops->get_port_info(rmidi, number, info)`.
    pub fn adjust_port_info(&self, number: i32, port: &mut PortInfo) {
        let rmidi = self.0.as_ptr();
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

    fn open(&self, subdevice: i32, mode: u32) -> Result<bindings::snd_rawmidi_file> {
        let mut file = bindings::snd_rawmidi_file::default();
        // SAFETY: `rmidi` is registered (type invariant); `file` is ours to fill.
        to_result(unsafe {
            bindings::snd_rawmidi_kernel_open(self.0.as_ptr(), subdevice, mode as i32, &mut file)
        })?;
        Ok(file)
    }

    /// Opens `subdevice` for output, with a buffer of `buffer_size` bytes, waking writers
    /// at `avail_min` free bytes, and with or without active sensing on close.
    ///
    /// C: `snd_rawmidi_kernel_open(.., SNDRV_RAWMIDI_LFLG_OUTPUT, ..)` +
    /// `snd_rawmidi_output_params()`; released again if the parameters are refused.
    pub fn open_output(&self, subdevice: i32, params: Params) -> Result<Output> {
        let output = Output(File(
            self.open(subdevice, bindings::SNDRV_RAWMIDI_LFLG_OUTPUT)?,
        ));
        let mut raw = params.raw();
        // SAFETY: the file was opened for output, so `output` is a live substream.
        to_result(unsafe { bindings::snd_rawmidi_output_params(output.0 .0.output, &mut raw) })?;
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
        let file = File(self.open(subdevice, bindings::SNDRV_RAWMIDI_LFLG_INPUT)?);
        let substream = file.0.input;
        let mut raw = params.raw();
        // SAFETY: the file was opened for input, so `substream` is live.
        to_result(unsafe { bindings::snd_rawmidi_input_params(substream, &mut raw) })?;
        let input = Input { file, handler };
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

/// A kernel open of a rawmidi device; released when dropped.
///
/// C: `struct snd_rawmidi_file` and `snd_rawmidi_kernel_release()`.
struct File(bindings::snd_rawmidi_file);

impl Drop for File {
    fn drop(&mut self) {
        // SAFETY: the file was opened by `snd_rawmidi_kernel_open()` and not yet released.
        unsafe { bindings::snd_rawmidi_kernel_release(&mut self.0) };
    }
}

/// An output stream opened by the kernel.
///
/// # Invariants
///
/// The file is open for output: `output` is a live substream with a runtime.
pub struct Output(File);

// SAFETY: the rawmidi core serialises access to the substream with its runtime lock.
unsafe impl Send for Output {}
// SAFETY: as above; `write`, `avail` and `drain` may run concurrently, as in C.
unsafe impl Sync for Output {}

impl Output {
    fn substream(&self) -> *mut bindings::snd_rawmidi_substream {
        self.0 .0.output
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
pub struct Input<H: InputHandler> {
    // Declared first: released (cancelling the event work) before `handler` is dropped.
    file: File,
    handler: Arc<H>,
}

impl<H: InputHandler> Drop for Input<H> {
    fn drop(&mut self) {
        // SAFETY: the file is open for input (its runtime lives until `file` is released,
        // after this); the helper takes the substream lock and may sleep, and a drop of an
        // `Input` runs in process context (`snd_rawmidi_kernel_release()` sleeps as well).
        unsafe { bindings::snd_rs_rawmidi_detach_event(self.file.0.input) };
    }
}

// SAFETY: the rawmidi core serialises the substream; the handler is `Send + Sync`.
unsafe impl<H: InputHandler> Send for Input<H> {}
// SAFETY: as above.
unsafe impl<H: InputHandler> Sync for Input<H> {}

impl<H: InputHandler> Input<H> {
    /// Starts the device's input (the C idiom `snd_rawmidi_kernel_read(input, NULL, 0)`).
    pub fn start(&self) {
        // SAFETY: the file is open for input; a zero-length read only triggers input.
        unsafe { bindings::snd_rawmidi_kernel_read(self.file.0.input, core::ptr::null_mut(), 0) };
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
