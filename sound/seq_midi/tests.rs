// SPDX-License-Identifier: GPL-2.0

//! KUnit suite of the bridge's own logic; runs when snd-seq-midi-rs loads with KUnit on.

#![allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    reason = "KUnit code: loop counters and fixtures of known size, no outside input"
)]

use crate::{
    port::{port_kind, port_name, SubdeviceInfo, PORTS_PER_DEVICE},
    synth::{dump_midi, send_event, MidiSynth, MidiWriter},
};
use core::sync::atomic::{AtomicUsize, Ordering};
use kernel::{
    c_str,
    error::code::{ENODEV, ENOMEM},
    new_spinlock,
    prelude::*,
    sync::{Arc, SpinLock},
};
use snd::card::OwnedCard;
use snd::platform::DeviceRegistration;
use snd::rawmidi::{info_flags, TestDevice};
use snd::seq::client::{cap, dir, KernelClient, PortOps};
use snd::seq::{
    kind,
    midi_event::{MidiDecoder, MidiEncoder, MAX_MIDI_EVENT_BUF},
    EventBuf, VariableEvent,
};
use snd_kunit::{
    interleave, kunit_expect, kunit_expect_eq, kunit_require, kunit_suite, Test, Workers,
};
use snd_sync::CallChain;

const OUT: u32 = info_flags::OUTPUT;
const IN: u32 = info_flags::INPUT;
const DUPLEX: u32 = info_flags::DUPLEX;

fn name_of(subname: &[u8], name: &[u8], ports: u32, card: i32, device: u32, sub: u32) -> KVec<u8> {
    let info = SubdeviceInfo {
        subname,
        name,
        flags: 0,
    };
    let mut out = KVec::new();
    let _ = out.extend_from_slice(
        port_name(&info, ports, card, device, sub).as_bytes(),
        GFP_KERNEL,
    );
    out
}

/// Subdevice name first, then the device name (numbered when several ports), then
/// `MIDI c-d[-s]`; cut at 63 bytes.
fn port_names(test: &mut Test<'_>) {
    kunit_expect_eq!(
        test,
        &name_of(b"Serial MIDI 1", b"Serial MIDI", 1, 0, 0, 0)[..],
        b"Serial MIDI 1"
    );
    kunit_expect_eq!(test, &name_of(b"", b"VirMIDI", 1, 1, 0, 0)[..], b"VirMIDI");
    kunit_expect_eq!(
        test,
        &name_of(b"", b"VirMIDI", 4, 1, 0, 3)[..],
        b"VirMIDI-3"
    );
    kunit_expect_eq!(test, &name_of(b"", b"", 1, 2, 3, 0)[..], b"MIDI 2-3");
    kunit_expect_eq!(test, &name_of(b"", b"", 2, 2, 3, 1)[..], b"MIDI 2-3-1");
    let long = [b'x'; 80];
    let cut = name_of(b"", &long, 2, 0, 0, 7);
    kunit_expect_eq!(test, cut.len(), 63);
    kunit_expect!(test, cut.iter().all(|&b| b == b'x'));
    kunit_expect_eq!(test, PORTS_PER_DEVICE, 32);
}

/// Output subdevices are writable, input ones readable, duplex when both and the device says
/// so; the direction follows.
fn port_capabilities(test: &mut Test<'_>) {
    let w = cap::WRITE | cap::SYNC_WRITE | cap::SUBS_WRITE;
    let r = cap::READ | cap::SYNC_READ | cap::SUBS_READ;
    let d = cap::DUPLEX;
    let dir_in = dir::INPUT;
    let dir_out = dir::OUTPUT;

    let both = port_kind(OUT | IN | DUPLEX, 0, 1, 1);
    kunit_expect_eq!(test, both.capability, w | r | d);
    kunit_expect_eq!(test, both.direction, dir_in | dir_out);
    let no_duplex = port_kind(OUT | IN, 0, 1, 1);
    kunit_expect_eq!(test, no_duplex.capability, w | r);
    // Two outputs, one input: the second port only writes.
    let second = port_kind(OUT | IN | DUPLEX, 1, 2, 1);
    kunit_expect_eq!(test, second.capability, w);
    kunit_expect_eq!(test, second.direction, dir_out);
    let input_only = port_kind(IN, 0, 0, 1);
    kunit_expect_eq!(test, input_only.capability, r);
    kunit_expect_eq!(test, input_only.direction, dir_in);
    kunit_expect_eq!(test, port_kind(0, 0, 1, 1).capability, 0);
}

/// Bytes in, events out, bytes back: the codec round trip through our wrapper, with running
/// status on output and a sysex through the variable-length path.
fn codec_round_trip(test: &mut Test<'_>) {
    let (Ok(mut encoder), Ok(codec)) = (MidiEncoder::new(MAX_MIDI_EVENT_BUF), MidiDecoder::new())
    else {
        kunit_require!(test, false, "codec not allocated");
        return;
    };
    let input = [
        0x90u8, 0x3c, 0x64, 0x90, 0x40, 0x50, 0xb0, 0x07, 0x40, 0xe0, 0x00, 0x40,
    ];
    let mut events = 0;
    let mut output = KVec::new();
    for &byte in &input {
        if let Some(event) = encoder.encode_byte(byte) {
            events += 1;
            let mut buf = [0u8; 10];
            match codec.decode(&event, &mut buf) {
                Ok(n) => {
                    let _ = output.extend_from_slice(&buf[..n], GFP_KERNEL);
                }
                Err(e) => kunit_expect!(test, false, "decode failed: {:?}", e),
            }
        }
    }
    kunit_expect_eq!(test, events, 4);
    // The second note on is sent with running status (no 0x90).
    kunit_expect_eq!(
        test,
        &output[..],
        &[0x90, 0x3c, 0x64, 0x40, 0x50, 0xb0, 0x07, 0x40, 0xe0, 0x00, 0x40][..]
    );
    // After a reset the status byte is sent again.
    codec.reset();
    let mut note = EventBuf::of_kind(kind::NOTEON);
    note.set_note(0, 0x3c, 0x64);
    let mut buf = [0u8; 10];
    kunit_expect_eq!(test, codec.decode(&note, &mut buf), Ok(3));
    kunit_expect_eq!(test, &buf[..3], &[0x90, 0x3c, 0x64]);
    // A type MIDI cannot express.
    let echo = EventBuf::of_kind(kind::ECHO);
    kunit_expect!(test, codec.decode(&echo, &mut buf).is_err());
    // A sysex comes in as one variable-length event.
    let sysex = [0xf0u8, 0x7e, 0x7f, 0x09, 0x01, 0xf7];
    let mut completed = None;
    for &byte in &sysex {
        if let Some(event) = encoder.encode_byte(byte) {
            completed = event.variable_data().map(|d| d.len());
        }
    }
    kunit_expect_eq!(test, completed, Some(6));
}

/// Bytes a [`FakeWriter`] received.
struct Recorded {
    data: [u8; 256],
    len: usize,
}

impl Recorded {
    fn as_slice(&self) -> &[u8] {
        self.data.get(..self.len).unwrap_or(&[])
    }
}

/// A writer that records what reached it, with a fixed room.
#[pin_data]
struct FakeWriter {
    room: usize,
    /// What was written (up to 256 bytes: no allocation under the lock).
    #[pin]
    bytes: SpinLock<Recorded>,
    writes: AtomicUsize,
}

impl MidiWriter for FakeWriter {
    fn avail(&self) -> usize {
        self.room
    }

    fn write(&self, data: &[u8]) -> Result<usize> {
        self.writes.fetch_add(1, Ordering::Relaxed);
        let mut bytes = self.bytes.lock();
        let start = bytes.len;
        let end = start + data.len();
        bytes
            .data
            .get_mut(start..end)
            .ok_or(ENOMEM)?
            .copy_from_slice(data);
        bytes.len = end;
        Ok(data.len())
    }
}

#[inline(never)]
fn fake_writer(room: usize) -> Result<Pin<KBox<FakeWriter>>> {
    let bytes = new_spinlock!(
        Recorded {
            data: [0; 256],
            len: 0,
        },
        "seq_midi::tests::bytes"
    );
    KBox::pin_init(
        pin_init!(FakeWriter {
            room,
            bytes <- bytes,
            writes: AtomicUsize::new(0),
        }),
        GFP_KERNEL,
    )
}

/// The event path writes whole messages or nothing: a full buffer gives ENOMEM and resets
/// the running status; sysex goes out as its data; undecodable events send nothing.
fn event_path_writes_whole_messages(test: &mut Test<'_>) {
    let (Ok(codec), Ok(roomy), Ok(tight)) = (MidiDecoder::new(), fake_writer(4096), fake_writer(2))
    else {
        kunit_require!(test, false, "allocation failed");
        return;
    };
    kunit_expect_eq!(test, dump_midi(&*tight, &[1, 2, 3]), Err(ENOMEM));
    kunit_expect_eq!(test, tight.writes.load(Ordering::Relaxed), 0);
    kunit_expect_eq!(test, dump_midi(&*roomy, &[1, 2, 3]), Ok(()));

    let mut note = EventBuf::of_kind(kind::NOTEON);
    note.set_note(0, 0x3c, 0x64);
    send_event(&*tight, &codec, &note);
    kunit_expect_eq!(test, tight.writes.load(Ordering::Relaxed), 0);
    // The failed write reset the running status: the next note has its status byte.
    send_event(&*roomy, &codec, &note);
    let sysex = [0xf0u8, 0x7e, 0x7f, 0x09, 0x01, 0xf7];
    if let Ok(event) = VariableEvent::new(kind::SYSEX, &sysex) {
        send_event(&*roomy, &codec, &event);
    }
    send_event(&*roomy, &codec, &EventBuf::of_kind(kind::ECHO));
    // A sysex without variable-length data is dropped.
    send_event(&*roomy, &codec, &EventBuf::of_kind(kind::SYSEX));
    let bytes = roomy.bytes.lock();
    kunit_expect_eq!(
        test,
        bytes.as_slice(),
        &[1, 2, 3, 0x90, 0x3c, 0x64, 0xf0, 0x7e, 0x7f, 0x09, 0x01, 0xf7][..]
    );
}

/// The 6-byte sysex the senders send: no running status, so each accepted event is 6 bytes
/// at the device.
const SYSEX: [u8; 6] = [0xf0, 0x7e, 0x7f, 0x09, 0x01, 0xf7];

/// A port of the driver on a test rawmidi device, and what the test needs to drive it.
/// Fields drop in order: the port (and its references of the card) before the card.
struct Bridge {
    synth: Arc<MidiSynth>,
    device: TestDevice,
    _client: Arc<KernelClient>,
    _card: OwnedCard<()>,
    _platform: DeviceRegistration,
}

#[inline(never)]
fn bridge() -> Result<Bridge> {
    let platform = DeviceRegistration::new(c_str!("snd_seq_midi_kunit"), 0)?;
    let card = OwnedCard::new(
        platform.device(),
        -1,
        Some(c_str!("SeqMidiKUnit")),
        &crate::THIS_MODULE,
        (),
    )?;
    let device = TestDevice::new(card.card())?;
    let client = KernelClient::new(card.card(), 0, c_str!("seq_midi KUnit"))?;
    let synth = Arc::pin_init(
        MidiSynth::new(device.rawmidi(), 0, client.clone(), 0)?,
        GFP_KERNEL,
    )?;
    Ok(Bridge {
        synth,
        device,
        _client: client,
        _card: card,
        _platform: platform,
    })
}

/// Seed 001 through the driver's own callbacks, as the sequencer core calls them, on a real
/// rawmidi device (one output subdevice that transmits what it gets at once): two senders
/// call `event_input` with a sysex in a loop while this thread `use`s and `unuse`s the port.
/// Every event either goes out whole to the open device or is refused with ENODEV; `unuse`
/// returns only once the device is closed, with every accepted event's bytes sent; after it,
/// events are refused; the next `use` opens the device again.
fn output_teardown_waits_for_senders(test: &mut Test<'_>) {
    const CYCLES: u32 = 300;
    struct Race {
        synth: Arc<MidiSynth>,
        accepted: AtomicUsize,
        refused: AtomicUsize,
        other: AtomicUsize,
    }
    let bridge = bridge();
    kunit_require!(
        test,
        bridge.is_ok(),
        "no port on a test device: {:?}",
        bridge.err()
    );
    let Ok(bridge) = bridge else { return };
    let synth = &bridge.synth;
    let race = Arc::new(
        Race {
            synth: synth.clone(),
            accepted: AtomicUsize::new(0),
            refused: AtomicUsize::new(0),
            other: AtomicUsize::new(0),
        },
        GFP_KERNEL,
    );
    kunit_require!(test, race.is_ok(), "allocation failed");
    let Ok(race) = race else { return };
    let sysex = VariableEvent::new(kind::SYSEX, &SYSEX);
    kunit_require!(test, sysex.is_ok());
    let Ok(sysex) = sysex else { return };
    let r = race.clone();
    let senders = Workers::spawn_looping(2, move |_| {
        // SAFETY: a work item's entry: no borrow is alive on it.
        let chain = unsafe { CallChain::new() };
        let Ok(event) = VariableEvent::new(kind::SYSEX, &SYSEX) else {
            r.other.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let counter = match r.synth.event_input(&chain, &event, false, true, 0) {
            Ok(()) => &r.accepted,
            Err(e) if e == ENODEV => &r.refused,
            Err(_) => &r.other,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    });
    kunit_require!(test, senders.is_ok(), "could not start the senders");
    let Ok(senders) = senders else { return };
    kunit_expect!(test, senders.wait_started(), "senders never started");
    // SAFETY: the test case's entry: no borrow is alive on this thread.
    let mut chain = unsafe { CallChain::new() };
    for cycle in 0..CYCLES {
        let used = synth.use_port(&mut chain);
        kunit_require!(test, used.is_ok(), "use #{} failed: {:?}", cycle, used);
        kunit_expect_eq!(test, bridge.device.counts().opens, cycle + 1);
        interleave(cycle as usize);
        let unused = synth.unuse_port(&mut chain);
        kunit_require!(
            test,
            unused.is_ok(),
            "unuse #{} failed: {:?}",
            cycle,
            unused
        );
        let counts = bridge.device.counts();
        kunit_require!(
            test,
            counts.closes == cycle + 1,
            "unuse #{} returned with the device open: {:?}",
            cycle,
            counts
        );
        kunit_expect_eq!(test, counts.bytes % SYSEX.len() as u32, 0);
        kunit_expect_eq!(
            test,
            synth.event_input(&chain, &sysex, false, false, 0),
            Err(ENODEV),
            "an event got through after unuse #{}",
            cycle
        );
        // Let the senders meet the closed port too, also on one CPU; the sleeps alternate
        // with the ones above.
        interleave(cycle as usize + 2);
    }
    senders.join();
    let counts = bridge.device.counts();
    let accepted = race.accepted.load(Ordering::Relaxed);
    kunit_expect_eq!(test, counts.opens, CYCLES);
    kunit_expect_eq!(test, counts.closes, CYCLES);
    kunit_expect_eq!(test, counts.bytes as usize, accepted * SYSEX.len());
    kunit_expect_eq!(test, counts.bytes_while_closed, 0);
    kunit_expect_eq!(test, race.other.load(Ordering::Relaxed), 0);
    kunit_expect!(
        test,
        accepted > 0 && race.refused.load(Ordering::Relaxed) > 0,
        "the senders never met both an open and a closed port; the test proved nothing"
    );
}

kunit_suite!(
    snd_seq_midi,
    [
        port_names,
        port_capabilities,
        codec_round_trip,
        event_path_writes_whole_messages,
        output_teardown_waits_for_senders,
    ]
);
