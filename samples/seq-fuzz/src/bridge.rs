//! Part (a): the seq-midi bridge's port under fire. Sender threads (each its own client,
//! port and queue) write random events to it — any type, any length flags, variable data of
//! 0 bytes to 64 KiB — directly, to their subscribers, or through their queue (delivered from
//! the queue's timer, in atomic context); subscriber threads connect and disconnect the port
//! in both directions (the bridge opens and closes its rawmidi output and input), for
//! themselves and on behalf of the senders, with random subscription flags; clients and
//! ports come and go while subscribed.

use crate::seq_client::{Client, SubscribeFlags};
use crate::seq_event::{self, Target};
use crate::worker::Worker;
use alsa::seq::Addr;
use std::sync::atomic::{AtomicI32, Ordering::Relaxed};
use std::thread::sleep;
use std::time::Duration;

/// Longest a single event write may take before it is interrupted.
const WRITE_MS: u64 = 1000;

pub struct Bridge {
    pub port: Addr,
    /// Each sender's address (`client << 8 | port`), -1 while it has no client.
    senders: Vec<AtomicI32>,
}

fn pack(a: Addr) -> i32 {
    (a.client << 8) | a.port
}

fn unpack(v: i32) -> Option<Addr> {
    (v >= 0).then_some(Addr {
        client: v >> 8,
        port: v & 0xff,
    })
}

fn open_client(w: &mut Worker<'_>, name: &str) -> Option<Client> {
    let nonblock = w.rng.chance(50);
    let pool = match w.rng.below(4) {
        0 => Some(w.rng.range(8, 64) as u32),
        1 => Some(w.rng.range(1000, 4000) as u32),
        _ => None,
    };
    w.call("seq client open", 2000, || {
        Client::open(name, nonblock, pool, true)
    })
    .ok()
}

/// Closing a client ends its subscriptions: the bridge may drain its output meanwhile.
fn close_client(w: &mut Worker<'_>, client: Client) {
    let _ = w.call("seq client close", 3000, move || {
        drop(client);
        Ok(())
    });
}

/// Reads what the client received (bridge input, with the UART in loopback).
fn drain_input(w: &mut Worker<'_>, client: &Client) {
    let r = client.drain_input();
    w.tally.record("seq drain input", &r);
    if let Ok(n) = r {
        w.tally.count("seq input bytes drained", n as u64);
    }
}

impl Bridge {
    pub fn new(port: Addr, senders: usize) -> Self {
        Bridge {
            port,
            senders: (0..senders).map(|_| AtomicI32::new(-1)).collect(),
        }
    }

    fn random_sender(&self, w: &mut Worker<'_>) -> Option<Addr> {
        let i = w.rng.below(self.senders.len() as u64) as usize;
        unpack(self.senders[i].load(Relaxed))
    }

    fn target(&self, client: &Client) -> Target {
        Target {
            bridge: (self.port.client as u8, self.port.port as u8),
            own_port: client.addr.port as u8,
            queue: client.queue.map(|q| q as u8),
        }
    }

    /// One write of 1, 2 or 4 random events.
    fn send(&self, w: &mut Worker<'_>, client: &Client) {
        let n = [1, 2, 4][w.rng.weighted(&[70, 20, 10])];
        let target = self.target(client);
        let events: Vec<_> = (0..n)
            .map(|_| seq_event::random_event(&mut w.rng, &target))
            .collect();
        let bytes: Vec<u8> = events
            .iter()
            .flat_map(|e| e.bytes.iter().copied())
            .collect();
        let op = match (n, events[0].route) {
            (1, "direct") => "seq write direct",
            (1, "subscribers") => "seq write to subscribers",
            (1, _) => "seq write queued",
            _ => "seq write batch",
        };
        // The VARUSR data the events point to lives in `events` until after the write.
        let r = w.call(op, WRITE_MS, || client.write(&bytes));
        for e in &events {
            w.tally.mark("event types tried", e.kind);
            if !e.user_data.is_empty() {
                w.tally
                    .count("VARUSR bytes offered", e.user_data.len() as u64);
            }
        }
        if let Ok(written) = r {
            w.tally.count("bytes accepted by seq write", written as u64);
            if written == bytes.len() {
                for e in &events {
                    w.tally.mark("event types accepted", e.kind);
                }
            }
        }
        drop(events);
    }

    /// A sender: its own client writes random events to the bridge port.
    pub fn sender(&self, w: &mut Worker<'_>, index: usize) {
        let name = format!("seq-fuzz sender {index}");
        let mut client: Option<Client> = None;
        let mut subscribed = false;
        while w.running() {
            let Some(c) = client.as_mut() else {
                client = open_client(w, &name);
                match &client {
                    Some(c) => {
                        self.senders[index].store(pack(c.addr), Relaxed);
                        subscribed = false;
                    }
                    None => sleep(Duration::from_millis(10)),
                }
                continue;
            };
            match w.rng.weighted(&[70, 8, 3, 3, 1, 1]) {
                0 => self.send(w, c),
                1 => {
                    let me = c.addr;
                    let _ = if subscribed {
                        w.call("sender unsubscribe from bridge", 3000, || {
                            c.unsubscribe(me, self.port)
                        })
                    } else {
                        w.call("sender subscribe to bridge", 3000, || {
                            c.subscribe(me, self.port, SubscribeFlags::default())
                        })
                    };
                    subscribed = !subscribed;
                }
                2 => {
                    if let Some(q) = c.queue {
                        let ev = seq_event::queue_control(&mut w.rng, c.addr.port as u8, q as u8);
                        let _ = w.call("seq queue control", WRITE_MS, || c.write(&ev));
                    }
                }
                3 => drain_input(w, c),
                4 => {
                    let r = w.call("seq recreate port", 3000, || c.recreate_port());
                    if r.is_ok() {
                        self.senders[index].store(pack(c.addr), Relaxed);
                    }
                    subscribed = false;
                }
                _ => {
                    self.senders[index].store(-1, Relaxed);
                    if let Some(c) = client.take() {
                        close_client(w, c);
                    }
                }
            }
        }
        self.senders[index].store(-1, Relaxed);
        if let Some(c) = client {
            close_client(w, c);
        }
    }

    /// A (sender, dest) pair through the bridge: ours or a sender's port, either direction.
    fn pair(&self, w: &mut Worker<'_>, me: Addr) -> (&'static str, Addr, Addr) {
        let other = if w.rng.chance(50) {
            self.random_sender(w)
        } else {
            None
        };
        match (other, w.rng.chance(50)) {
            (None, true) => ("me->bridge", me, self.port),
            (None, false) => ("bridge->me", self.port, me),
            (Some(s), true) => ("sender->bridge", s, self.port),
            (Some(s), false) => ("bridge->sender", self.port, s),
        }
    }

    /// A subscriber: connects and disconnects the bridge port, queries it.
    pub fn subscriber(&self, w: &mut Worker<'_>, index: usize) {
        let name = format!("seq-fuzz subscriber {index}");
        let mut client: Option<Client> = None;
        while w.running() {
            let Some(c) = client.as_mut() else {
                client = open_client(w, &name);
                if client.is_none() {
                    sleep(Duration::from_millis(10));
                }
                continue;
            };
            // Short limits interrupt the bridge while it drains its output.
            let limit = if w.rng.chance(20) { 50 } else { 3000 };
            match w.rng.weighted(&[40, 40, 8, 4, 5, 2, 1]) {
                0 => {
                    let (what, sender, dest) = self.pair(w, c.addr);
                    let flags = SubscribeFlags {
                        exclusive: w.rng.chance(5),
                        time_queue: if w.rng.chance(20) { c.queue } else { None },
                        time_real: w.rng.chance(50),
                    };
                    let op = format!("subscribe {what}");
                    let _ = w.call(&op, limit, || c.subscribe(sender, dest, flags));
                }
                1 => {
                    let (what, sender, dest) = self.pair(w, c.addr);
                    let op = format!("unsubscribe {what}");
                    let _ = w.call(&op, limit, || c.unsubscribe(sender, dest));
                }
                2 => {
                    let r = c.port_info(self.port);
                    w.tally.record("bridge port info", &r);
                    if let Err(e) = r {
                        w.tally
                            .anomaly("bridge port vanished", || format!("port info: errno {e}"));
                    }
                }
                3 => {
                    let read = w.rng.chance(50);
                    let n = c.subscriber_count(self.port, read);
                    w.tally
                        .record("bridge subscriber query", &Ok::<usize, i32>(n));
                }
                4 => drain_input(w, c),
                5 => {
                    let _ = w.call("seq recreate port", 3000, || c.recreate_port());
                }
                _ => {
                    if let Some(c) = client.take() {
                        close_client(w, c);
                    }
                }
            }
        }
        if let Some(c) = client {
            close_client(w, c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip_through_the_shared_slots() {
        let a = Addr {
            client: 129,
            port: 3,
        };
        assert_eq!(unpack(pack(a)), Some(a));
        assert_eq!(unpack(-1), None);
    }
}
