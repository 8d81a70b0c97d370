// SPDX-License-Identifier: GPL-2.0

//! Kernel sequencer clients and their ports.

use super::{Dispatch, Event};
use crate::card::Card;
use kernel::{
    bindings,
    error::{code::EINVAL, to_result},
    ffi::{c_int, c_void},
    prelude::*,
    str::CStr,
    sync::Arc,
    ThisModule,
};
use snd_sync::CallChain;

/// Port capability bits ([`PortInfo::set_kind`]). C: `SNDRV_SEQ_PORT_CAP_*`.
pub mod cap {
    use kernel::bindings;
    /// Readable.
    pub const READ: u32 = bindings::SNDRV_SEQ_PORT_CAP_READ;
    /// Writable.
    pub const WRITE: u32 = bindings::SNDRV_SEQ_PORT_CAP_WRITE;
    /// Synchronised read.
    pub const SYNC_READ: u32 = bindings::SNDRV_SEQ_PORT_CAP_SYNC_READ;
    /// Synchronised write.
    pub const SYNC_WRITE: u32 = bindings::SNDRV_SEQ_PORT_CAP_SYNC_WRITE;
    /// Read and write at once.
    pub const DUPLEX: u32 = bindings::SNDRV_SEQ_PORT_CAP_DUPLEX;
    /// Read subscriptions allowed.
    pub const SUBS_READ: u32 = bindings::SNDRV_SEQ_PORT_CAP_SUBS_READ;
    /// Write subscriptions allowed.
    pub const SUBS_WRITE: u32 = bindings::SNDRV_SEQ_PORT_CAP_SUBS_WRITE;
}

/// Port directions ([`PortInfo::set_kind`]). C: `SNDRV_SEQ_PORT_DIR_*`.
pub mod dir {
    use kernel::bindings;
    /// Data flows from the port (the device's input).
    pub const INPUT: u8 = bindings::SNDRV_SEQ_PORT_DIR_INPUT as u8;
    /// Data flows to the port (the device's output).
    pub const OUTPUT: u8 = bindings::SNDRV_SEQ_PORT_DIR_OUTPUT as u8;
}

/// Port type bits ([`PortInfo::set_kind`]). C: `SNDRV_SEQ_PORT_TYPE_*`.
pub mod port_type {
    use kernel::bindings;
    /// A generic MIDI device.
    pub const MIDI_GENERIC: u32 = bindings::SNDRV_SEQ_PORT_TYPE_MIDI_GENERIC;
    /// Hardware.
    pub const HARDWARE: u32 = bindings::SNDRV_SEQ_PORT_TYPE_HARDWARE;
    /// Messages sent to this port go to a (physical) port.
    pub const PORT: u32 = bindings::SNDRV_SEQ_PORT_TYPE_PORT;
}

/// A sequencer client owned by kernel code; deleted (with any ports left) when dropped.
///
/// C: `snd_seq_create_kernel_client()` / `snd_seq_delete_kernel_client()`.
///
/// # Invariants
///
/// `id` is a kernel client created by `new` and not yet deleted.
pub struct KernelClient {
    id: c_int,
}

impl KernelClient {
    /// Creates a client for `card` (whose number picks the client number range), named
    /// `name`; the sequencer core's error on failure.
    pub fn new(card: &Card, index: i32, name: &CStr) -> Result<Arc<Self>> {
        // SAFETY: `card` is alive; the format is "%s" with one NUL-terminated argument.
        let id = unsafe {
            bindings::snd_seq_create_kernel_client(
                card.as_ptr(),
                index,
                kernel::c_str!("%s").as_char_ptr(),
                name.as_char_ptr(),
            )
        };
        to_result(id)?;
        Ok(Arc::new(Self { id }, GFP_KERNEL)?)
    }

    /// The client number (e.g. 20 for the first card's bridge).
    pub fn id(&self) -> i32 {
        self.id
    }

    /// Delivers `event` from this client right away (no queue), e.g. to its subscribers.
    ///
    /// C: `snd_seq_kernel_client_dispatch()`.
    pub fn dispatch(&self, event: &mut impl Dispatch, atomic: bool, hop: i32) -> Result {
        // SAFETY: the client exists (type invariant); the event and its data are valid for
        // the call (`Dispatch`) and ours.
        to_result(unsafe {
            bindings::snd_seq_kernel_client_dispatch(
                self.id,
                event.as_dispatch_ptr(),
                atomic.into(),
                hop,
            )
        })
    }

    /// Creates a port described by `info` whose callbacks go to `ops`; `module` is pinned
    /// while the port is subscribed or used (C: `pcallbacks.owner = THIS_MODULE`).
    ///
    /// C: `snd_seq_kernel_client_ctl(client, SNDRV_SEQ_IOCTL_CREATE_PORT, port)` with
    /// `port->kernel` set to a `struct snd_seq_port_callback`.
    pub fn create_port<T: PortOps>(
        this: &Arc<Self>,
        info: &mut PortInfo,
        module: &'static ThisModule,
        ops: Pin<KBox<T>>,
    ) -> Result<Port<T>> {
        let mut callbacks = bindings::snd_seq_port_callback {
            owner: module.as_ptr(),
            private_data: core::ptr::from_ref::<T>(&ops).cast_mut().cast::<c_void>(),
            subscribe: Some(subscribe::<T>),
            unsubscribe: Some(unsubscribe::<T>),
            use_: Some(use_port::<T>),
            unuse: Some(unuse_port::<T>),
            event_input: Some(event_input::<T>),
            ..Default::default()
        };
        info.0.addr.client = u8::try_from(this.id).map_err(|_| EINVAL)?;
        info.0.kernel = core::ptr::from_mut(&mut callbacks).cast::<c_void>();
        // SAFETY: the client exists; `info` is a valid port info whose `kernel` points to
        // `callbacks`, which the core copies before returning. `ops` is pinned in its box and
        // the returned `Port` detaches the port before dropping it.
        let created = to_result(unsafe {
            bindings::snd_seq_kernel_client_ctl(
                this.id,
                bindings::SNDRV_SEQ_IOCTL_CREATE_PORT,
                core::ptr::from_mut(&mut info.0).cast::<c_void>(),
            )
        });
        info.0.kernel = core::ptr::null_mut();
        created?;
        Ok(Port {
            port: info.0.addr.port.into(),
            client: this.clone(),
            _ops: ops,
        })
    }
}

impl Drop for KernelClient {
    fn drop(&mut self) {
        // SAFETY: the client exists (type invariant) and is not used after this.
        unsafe { bindings::snd_seq_delete_kernel_client(self.id) };
    }
}

/// What a port does when the sequencer core calls it. Each callback may return an error,
/// which the core passes on to the subscriber (as C's callbacks return negative errnos).
///
/// The subscription callbacks run in process context and get their call chain exclusively
/// (`&mut CallChain`): they may take and release what they published. `event_input` may run
/// in atomic context and gets it shared: it may only borrow (see [`snd_sync::Published`]).
pub trait PortOps: Send + Sync + 'static {
    /// Someone subscribed to read from the port (the first reader). C: `subscribe`.
    fn subscribe(&self, chain: &mut CallChain) -> Result;
    /// The last reader unsubscribed. C: `unsubscribe`.
    fn unsubscribe(&self, chain: &mut CallChain) -> Result;
    /// Someone subscribed to write to the port (the first writer). C: `use`.
    fn use_port(&self, chain: &mut CallChain) -> Result;
    /// The last writer unsubscribed. C: `unuse`.
    fn unuse_port(&self, chain: &mut CallChain) -> Result;
    /// An event was delivered to the port; `atomic` says whether the caller may sleep.
    /// C: `event_input`.
    fn event_input(
        &self,
        chain: &CallChain,
        event: &Event,
        direct: bool,
        atomic: bool,
        hop: i32,
    ) -> Result;
}

/// A port of a kernel client, with the object its callbacks reach; the port is detached
/// (after its subscriptions are torn down, calling `unsubscribe`/`unuse_port`) before the
/// object is dropped.
///
/// C: the port made by `SNDRV_SEQ_IOCTL_CREATE_PORT` and `snd_seq_event_port_detach()`.
pub struct Port<T: PortOps> {
    port: c_int,
    // The client outlives its ports: each holds a reference.
    client: Arc<KernelClient>,
    // Owned, not read: the callbacks reach it through the port's private data.
    _ops: Pin<KBox<T>>,
}

impl<T: PortOps> Drop for Port<T> {
    fn drop(&mut self) {
        // SAFETY: the port exists; the core tears down its subscriptions (calling our
        // callbacks) and waits for its users before returning, so the callback object is unused
        // after.
        unsafe { bindings::snd_seq_event_port_detach(self.client.id, self.port) };
    }
}

/// The description of a port to create. C: `struct snd_seq_port_info`.
pub struct PortInfo(bindings::snd_seq_port_info);

impl PortInfo {
    /// An empty description.
    pub fn new() -> Result<KBox<Self>> {
        Ok(KBox::new(
            Self(bindings::snd_seq_port_info::default()),
            GFP_KERNEL,
        )?)
    }

    /// The C struct, for drivers' hooks.
    pub fn as_mut_ptr(&mut self) -> *mut bindings::snd_seq_port_info {
        &mut self.0
    }

    /// Asks for this port number. C: `addr.port` + `SNDRV_SEQ_PORT_FLG_GIVEN_PORT`.
    pub fn set_given_port(&mut self, port: u8) {
        self.0.addr.port = port;
        self.0.flags |= bindings::SNDRV_SEQ_PORT_FLG_GIVEN_PORT;
    }

    /// The port name, cut to 63 bytes.
    pub fn set_name(&mut self, name: &[u8]) {
        let room = self.0.name.len().saturating_sub(1);
        let len = name.len().min(room);
        for (dst, src) in self.0.name.iter_mut().zip(name.iter().take(len)) {
            *dst = *src;
        }
        for dst in self.0.name.iter_mut().skip(len) {
            *dst = 0;
        }
    }

    /// `SNDRV_SEQ_PORT_CAP_*` bits, port type bits, direction, and MIDI channels.
    pub fn set_kind(&mut self, capability: u32, port_type: u32, direction: u8, midi_channels: i32) {
        self.0.capability = capability;
        self.0.type_ = port_type;
        self.0.direction = direction;
        self.0.midi_channels = midi_channels;
    }
}

/// Finds the port object from the callback's private data.
///
/// # Safety
///
/// `data` must be the `private_data` of a port created by [`KernelClient::create_port`]
/// with type `T`, which is not detached yet.
unsafe fn ops<'a, T: PortOps>(data: *mut c_void) -> &'a T {
    // SAFETY: the `Port` keeps the pinned object alive until after the detach.
    unsafe { &*data.cast::<T>() }
}

fn errno(result: Result) -> c_int {
    match result {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Defines the C callback `$name` of `struct snd_seq_port_callback`, which calls
/// `PortOps::$method` (the four subscription callbacks share one signature).
macro_rules! subscription_callback {
    ($name:ident, $method:ident) => {
        #[doc = concat!("The C `", stringify!($name), "` callback.")]
        ///
        /// # Safety
        ///
        /// Called by the sequencer core with the private data of a port made by
        /// [`KernelClient::create_port`] for `T`, while the port exists.
        unsafe extern "C" fn $name<T: PortOps>(
            data: *mut c_void,
            _info: *mut bindings::snd_seq_port_subscribe,
        ) -> c_int {
            // SAFETY: an entry from the sequencer core (a subscription change, made by an
            // ioctl, a client's deletion or a port's detach), not from inside a driver's
            // borrow: no borrow is alive on this thread of control.
            let mut chain = unsafe { CallChain::new() };
            // SAFETY: the core passes the port's private data while the port exists.
            errno(unsafe { ops::<T>(data) }.$method(&mut chain))
        }
    };
}

subscription_callback!(subscribe, subscribe);
subscription_callback!(unsubscribe, unsubscribe);
subscription_callback!(use_port, use_port);
subscription_callback!(unuse_port, unuse_port);

/// The C `event_input` callback.
///
/// # Safety
///
/// As for the subscription callbacks; `event` is an initialised event, valid during
/// the call.
unsafe extern "C" fn event_input<T: PortOps>(
    event: *mut bindings::snd_seq_event,
    direct: c_int,
    data: *mut c_void,
    atomic: c_int,
    hop: c_int,
) -> c_int {
    // SAFETY: the core delivers an initialised event, valid during the callback.
    let event = unsafe { Event::from_raw(event) };
    // SAFETY: the chain is only handed out shared, so it can only borrow; a borrow made here
    // ends before this returns.
    let chain = unsafe { CallChain::new() };
    // SAFETY: the core passes the port's private data while the port exists.
    errno(unsafe { ops::<T>(data) }.event_input(&chain, event, direct != 0, atomic != 0, hop))
}
