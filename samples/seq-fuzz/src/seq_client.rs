//! One ALSA sequencer client of the fuzzer: opened through alsa-lib (client, port, queue,
//! subscriptions), events written raw to its file descriptor so that any bytes can be sent.
//!
//! Its port is an application port, never a MIDI_GENERIC one: snd-seq-oss makes every MIDI
//! port an OSS MIDI device and takes what it sends as MIDI input, and MIDI input that reaches
//! an OSS reader from atomic context (a queue's timer) runs into a known lockdep report in
//! the ALSA core (recursive `grp->list_lock`).

use crate::seq_event;
use crate::sys::{self, SysResult};
use alsa::seq::{Addr, PortCap, PortSubscribe, PortType, QuerySubsType, Seq};
use alsa::PollDescriptors;
use std::ffi::CString;
use std::os::fd::RawFd;

fn errno(e: alsa::Error) -> i32 {
    e.errno().abs()
}

pub struct Client {
    seq: Seq,
    fd: RawFd,
    pub addr: Addr,
    pub queue: Option<i32>,
}

/// How to subscribe.
#[derive(Clone, Copy, Default)]
pub struct SubscribeFlags {
    pub exclusive: bool,
    /// Timestamp the events with this queue's time.
    pub time_queue: Option<i32>,
    pub time_real: bool,
}

fn port_caps() -> PortCap {
    PortCap::READ | PortCap::WRITE | PortCap::SUBS_READ | PortCap::SUBS_WRITE | PortCap::DUPLEX
}

impl Client {
    /// A client with one application port; `pool`: its output pool size (cells);
    /// `with_queue`: allocate and start a queue of its own.
    pub fn open(
        name: &str,
        nonblock: bool,
        pool: Option<u32>,
        with_queue: bool,
    ) -> SysResult<Self> {
        let seq = Seq::open(None, None, nonblock).map_err(errno)?;
        let cname = CString::new(name).map_err(|_| libc::EINVAL)?;
        seq.set_client_name(&cname).map_err(errno)?;
        if let Some(cells) = pool {
            seq.set_client_pool_output(cells).map_err(errno)?;
        }
        let port = seq
            .create_simple_port(&cname, port_caps(), PortType::APPLICATION)
            .map_err(errno)?;
        let client = seq.client_id().map_err(errno)?;
        let fd = (&seq, None)
            .get()
            .map_err(errno)?
            .first()
            .map(|p| p.fd)
            .ok_or(libc::ENXIO)?;
        let mut me = Client {
            seq,
            fd,
            addr: Addr { client, port },
            queue: None,
        };
        if with_queue {
            let q = me.seq.alloc_queue().map_err(errno)?;
            me.queue = Some(q);
            let start = seq_event::queue_start(port as u8, q as u8);
            me.write(&start)?;
        }
        Ok(me)
    }

    /// `write()` of raw event bytes.
    pub fn write(&self, bytes: &[u8]) -> SysResult<usize> {
        sys::write(self.fd, bytes)
    }

    /// Reads and drops whatever input is waiting; never blocks.
    pub fn drain_input(&self) -> SysResult<usize> {
        let mut buf = vec![0u8; 4096];
        let mut total = 0;
        while sys::poll(self.fd, libc::POLLIN, 0)? & libc::POLLIN != 0 {
            match sys::read(self.fd, &mut buf) {
                Ok(0) => break,
                Ok(n) => total += n,
                Err(libc::EAGAIN) => break,
                Err(e) => return Err(e),
            }
            if total > 1 << 20 {
                break;
            }
        }
        Ok(total)
    }

    pub fn subscribe(&self, sender: Addr, dest: Addr, flags: SubscribeFlags) -> SysResult<()> {
        let sub = PortSubscribe::empty().map_err(errno)?;
        sub.set_sender(sender);
        sub.set_dest(dest);
        sub.set_exclusive(flags.exclusive);
        if let Some(q) = flags.time_queue {
            sub.set_time_update(true);
            sub.set_queue(q);
            sub.set_time_real(flags.time_real);
        }
        self.seq.subscribe_port(&sub).map_err(errno)
    }

    pub fn unsubscribe(&self, sender: Addr, dest: Addr) -> SysResult<()> {
        self.seq.unsubscribe_port(sender, dest).map_err(errno)
    }

    /// Deletes the port (ending its subscriptions) and creates a new one.
    pub fn recreate_port(&mut self) -> SysResult<()> {
        self.seq.delete_port(self.addr.port).map_err(errno)?;
        let cname = CString::new("seq-fuzz").unwrap_or_default();
        self.addr.port = self
            .seq
            .create_simple_port(&cname, port_caps(), PortType::APPLICATION)
            .map_err(errno)?;
        Ok(())
    }

    /// The port's type and capability bits.
    pub fn port_info(&self, addr: Addr) -> SysResult<(u32, u32)> {
        let info = self.seq.get_any_port_info(addr).map_err(errno)?;
        Ok((info.get_type().bits(), info.get_capability().bits()))
    }

    /// How many subscribers read from (`read`) or write to `addr`.
    pub fn subscriber_count(&self, addr: Addr, read: bool) -> usize {
        let kind = if read {
            QuerySubsType::READ
        } else {
            QuerySubsType::WRITE
        };
        alsa::seq::PortSubscribeIter::new(&self.seq, addr, kind).count()
    }
}
