// SPDX-License-Identifier: GPL-2.0

//! `seq_oss_readq.h`: the functions the C parts of snd-seq-oss call.
//!
//! Each function here has the name, arguments and return value of its C namesake in
//! `seq_oss_readq.c` (as reshaped by patch 0006 of snd-rs). C holds the queue as an opaque
//! `struct seq_oss_readq *`, which is a [`ReadQueue`] given away by
//! [`ForeignOwnable::into_foreign`] in [`snd_seq_oss_readq_new`] and taken back in
//! [`snd_seq_oss_readq_delete`].
//!
//! The shared safety contract: every `q` passed to these functions comes from
//! `snd_seq_oss_readq_new()` and has not been passed to `snd_seq_oss_readq_delete()`, which
//! C calls only after the last reader, writer and input callback are done (`snd_seq_oss_release()`
//! deletes the client and its ports first).

use crate::{queue::ReadQueue, record::Record};
use core::pin::Pin;
use kernel::{
    error::Result,
    ffi::{c_int, c_uint, c_ulong, c_void},
    prelude::*,
    types::ForeignOwnable,
};
use snd::{info::InfoBuffer, seq::Event};
use snd_sync::{PollFile, PollTable};

/// How C holds a queue.
type Owned = Pin<KBox<ReadQueue>>;

/// The queue behind a C handle.
///
/// # Safety
///
/// `q` satisfies the module's contract above, for all of `'a`.
unsafe fn queue<'a>(q: *mut ReadQueue) -> Pin<&'a ReadQueue> {
    // SAFETY: `q` came from `Owned::into_foreign()` and is not yet taken back (caller).
    unsafe { Owned::borrow(q.cast_const().cast()) }
}

/// 0 or the negative errno, as the C prototypes return.
fn errno(result: Result) -> c_int {
    match result {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// C: `snd_seq_oss_readq_new()`. Null when `maxlen` is negative or memory runs out.
#[no_mangle]
pub extern "C" fn snd_seq_oss_readq_new(_dp: *mut c_void, maxlen: c_int) -> *mut ReadQueue {
    let Ok(maxlen) = usize::try_from(maxlen) else {
        return core::ptr::null_mut();
    };
    match ReadQueue::new(maxlen).and_then(|init| KBox::pin_init(init, GFP_KERNEL)) {
        Ok(owned) => owned.into_foreign().cast_mut().cast(),
        Err(_) => core::ptr::null_mut(),
    }
}

/// C: `snd_seq_oss_readq_delete()`.
///
/// # Safety
///
/// `q` is null or satisfies the module's contract; it is not used again.
#[no_mangle]
pub unsafe extern "C" fn snd_seq_oss_readq_delete(q: *mut ReadQueue) {
    // SAFETY: as the caller guarantees; no borrow of it outlives the callers (module contract).
    drop(unsafe { Owned::try_from_foreign(q.cast_const().cast()) });
}

/// C: `snd_seq_oss_readq_clear()`.
///
/// # Safety
///
/// `q` satisfies the module's contract.
#[no_mangle]
pub unsafe extern "C" fn snd_seq_oss_readq_clear(q: *mut ReadQueue) {
    // SAFETY: the caller's guarantee.
    unsafe { queue(q) }.clear();
}

/// C: `snd_seq_oss_readq_puts()`.
///
/// # Safety
///
/// `q` satisfies the module's contract; `data` holds `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn snd_seq_oss_readq_puts(
    q: *mut ReadQueue,
    dev: c_int,
    data: *mut u8,
    len: c_int,
) -> c_int {
    let Ok(len) = usize::try_from(len) else {
        // C's `while (len-- > 0)` queues nothing for a negative length.
        return 0;
    };
    if len == 0 {
        return 0;
    }
    // SAFETY: the caller guarantees `len` bytes at `data`, which is then non-null.
    let bytes = unsafe { core::slice::from_raw_parts(data.cast_const(), len) };
    // SAFETY: the caller's guarantee.
    errno(unsafe { queue(q) }.puts(dev, bytes))
}

/// C: `snd_seq_oss_readq_sysex()`.
///
/// # Safety
///
/// `q` satisfies the module's contract; `ev` is the event of a running sequencer callback.
#[no_mangle]
pub unsafe extern "C" fn snd_seq_oss_readq_sysex(
    q: *mut ReadQueue,
    dev: c_int,
    ev: *mut Event,
) -> c_int {
    // SAFETY: the sequencer core keeps the event and its data alive during its callback;
    // `Event` is transparent over `struct snd_seq_event`.
    let event = unsafe { Event::from_ptr(ev) };
    // SAFETY: the caller's guarantee.
    errno(unsafe { queue(q) }.sysex(dev, event))
}

/// C: `snd_seq_oss_readq_put_event()`.
///
/// # Safety
///
/// `q` satisfies the module's contract; `ev` points to a readable `union evrec`.
#[no_mangle]
pub unsafe extern "C" fn snd_seq_oss_readq_put_event(q: *mut ReadQueue, ev: *mut Record) -> c_int {
    // SAFETY: `Record` has the size and alignment of `union evrec`, which the caller provides.
    let record = unsafe { ev.read() };
    // SAFETY: the caller's guarantee.
    errno(unsafe { queue(q) }.put_event(record))
}

/// C: `snd_seq_oss_readq_put_timestamp()`; always 0, as in C.
///
/// # Safety
///
/// `q` satisfies the module's contract.
#[no_mangle]
pub unsafe extern "C" fn snd_seq_oss_readq_put_timestamp(
    q: *mut ReadQueue,
    curt: c_ulong,
    seq_mode: c_int,
) -> c_int {
    // SAFETY: the caller's guarantee.
    unsafe { queue(q) }.put_timestamp(curt, seq_mode);
    0
}

/// C: `snd_seq_oss_readq_take()`: the record's length, `-EAGAIN` or `-EINVAL`.
///
/// # Safety
///
/// `q` satisfies the module's contract; `rec` points to a writable `union evrec`.
#[no_mangle]
pub unsafe extern "C" fn snd_seq_oss_readq_take(
    q: *mut ReadQueue,
    rec: *mut Record,
    count: c_int,
) -> c_int {
    let room = usize::try_from(count).unwrap_or(0);
    // SAFETY: the caller's guarantee.
    match unsafe { queue(q) }.take(room) {
        Ok(record) => {
            // SAFETY: the caller provides a writable `union evrec`, which `Record` mirrors.
            unsafe { rec.write(record) };
            // At most 8.
            record.len() as c_int
        }
        Err(e) => e.to_errno(),
    }
}

/// C: `snd_seq_oss_readq_wait()`.
///
/// # Safety
///
/// `q` satisfies the module's contract; the caller may sleep.
#[no_mangle]
pub unsafe extern "C" fn snd_seq_oss_readq_wait(q: *mut ReadQueue) {
    // SAFETY: the caller's guarantee.
    unsafe { queue(q) }.wait();
}

/// C: `snd_seq_oss_readq_len()`.
///
/// # Safety
///
/// `q` satisfies the module's contract.
#[no_mangle]
pub unsafe extern "C" fn snd_seq_oss_readq_len(q: *mut ReadQueue) -> c_int {
    // SAFETY: the caller's guarantee.
    let len = unsafe { queue(q) }.queued();
    // Below `maxlen`, a C int.
    len as c_int
}

/// C: `snd_seq_oss_readq_set_timeout()`.
///
/// # Safety
///
/// `q` satisfies the module's contract.
#[no_mangle]
pub unsafe extern "C" fn snd_seq_oss_readq_set_timeout(q: *mut ReadQueue, timeout: c_ulong) {
    // SAFETY: the caller's guarantee.
    unsafe { queue(q) }.set_pre_event_timeout(timeout);
}

/// C: `snd_seq_oss_readq_poll()`: queues the poller, returns the record count.
///
/// # Safety
///
/// `q` satisfies the module's contract; `file` and `wait` are the arguments of the running
/// `poll()` of the file that owns the queue.
#[no_mangle]
pub unsafe extern "C" fn snd_seq_oss_readq_poll(
    q: *mut ReadQueue,
    file: *mut PollFile,
    wait: *mut PollTable,
) -> c_uint {
    // SAFETY: the caller's guarantee.
    let queue = unsafe { queue(q) };
    // SAFETY: `file` and `wait` are the running poll's; the queue lives until the file is
    // released (it is deleted in release), after the poll table is done with it.
    unsafe { queue.midi_sleep().poll_wait(file, wait) };
    // Below `maxlen`, a C int.
    queue.queued() as c_uint
}

/// C: `snd_seq_oss_readq_info_read()`.
///
/// # Safety
///
/// `q` satisfies the module's contract; `buf` is the buffer of a running info read.
#[no_mangle]
pub unsafe extern "C" fn snd_seq_oss_readq_info_read(q: *mut ReadQueue, buf: *mut InfoBuffer) {
    // SAFETY: the caller passes the buffer of the running read callback (`InfoBuffer` is
    // transparent over `struct snd_info_buffer`).
    let buffer = unsafe { InfoBuffer::from_ptr(buf) };
    // SAFETY: the caller's guarantee. Output that does not fit is retried by the seq_file.
    let _ = unsafe { queue(q) }.write_info(buffer);
}
