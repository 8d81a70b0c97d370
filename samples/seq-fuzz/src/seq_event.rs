//! Raw sequencer events (`struct snd_seq_event`, `<sound/asequencer.h>`) as `write()` on
//! /dev/snd/seq takes them, and the random ones the bridge fuzzer sends: any type 0..=255,
//! any length flags, fixed data random or plausible, variable data inline (VARIABLE) or in
//! our memory (VARUSR), delivered directly, to subscribers, or through a queue. Free of
//! system calls so the host can test it.

use crate::rng::Rng;

/// `sizeof(struct snd_seq_event)` on x86-64.
pub const EVENT_SIZE: usize = 28;

pub const TIME_STAMP_REAL: u8 = 1 << 0;
pub const TIME_MODE_REL: u8 = 1 << 1;
pub const LENGTH_VARIABLE: u8 = 1 << 2;
pub const LENGTH_VARUSR: u8 = 2 << 2;
pub const PRIORITY_HIGH: u8 = 1 << 4;
/// `SNDRV_SEQ_EVENT_UMP`: refused for a legacy client.
pub const UMP: u8 = 1 << 5;

pub const QUEUE_DIRECT: u8 = 253;
pub const ADDRESS_SUBSCRIBERS: u8 = 254;
pub const ADDRESS_BROADCAST: u8 = 255;
/// The system client's timer port, where queue control events go.
pub const SYSTEM_TIMER: (u8, u8) = (0, 0);

pub const EVENT_START: u8 = 30;
pub const EVENT_CONTINUE: u8 = 31;
pub const EVENT_STOP: u8 = 32;
pub const EVENT_SETPOS_TICK: u8 = 33;
pub const EVENT_TEMPO: u8 = 35;

/// Types the bridge turns into MIDI bytes or treats specially, and a few it must ignore.
const INTERESTING: &[u8] = &[
    5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 20, 21, 22, 23, 24, 30, 31, 32, 34, 35, 36, 37, 38, 40,
    41, 42, 50, 51, 66, 67, 90, 130, 131, 135, 139,
];

/// True for the types the core wants with variable-length data.
pub fn is_variable_type(kind: u8) -> bool {
    (130..140).contains(&kind)
}

/// One event as written: header and inline data, plus the memory a VARUSR event points to
/// (it must live until the `write()` returned).
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub user_data: Vec<u8>,
    pub kind: u8,
    /// "direct", "subscribers" or "queued": how the event was addressed.
    pub route: &'static str,
}

/// Where events go and what the sending client owns.
#[derive(Clone, Copy)]
pub struct Target {
    /// The bridge's port (client, port).
    pub bridge: (u8, u8),
    /// The sender's own port (the source).
    pub own_port: u8,
    /// The sender's queue, if it has one.
    pub queue: Option<u8>,
}

/// The 28-byte header.
pub struct Header {
    pub kind: u8,
    pub flags: u8,
    pub tag: u8,
    pub queue: u8,
    pub time: [u8; 8],
    pub source_port: u8,
    pub dest: (u8, u8),
    pub data: [u8; 12],
}

impl Header {
    pub fn to_bytes(&self) -> [u8; EVENT_SIZE] {
        let mut b = [0u8; EVENT_SIZE];
        b[0] = self.kind;
        b[1] = self.flags;
        b[2] = self.tag;
        b[3] = self.queue;
        b[4..12].copy_from_slice(&self.time);
        // b[12] (source client) is filled in by the kernel.
        b[13] = self.source_port;
        b[14] = self.dest.0;
        b[15] = self.dest.1;
        b[16..28].copy_from_slice(&self.data);
        b
    }
}

/// `data.ext` of a variable event: the length, then a pointer (ignored by `write()` for
/// VARIABLE, followed for VARUSR).
fn ext_data(len: u32, ptr: u64) -> [u8; 12] {
    let mut d = [0u8; 12];
    d[..4].copy_from_slice(&len.to_le_bytes());
    d[4..].copy_from_slice(&ptr.to_le_bytes());
    d
}

/// A queue control event of `kind` for the system timer port.
pub fn queue_event(kind: u8, value: u32, own_port: u8, queue: u8) -> Vec<u8> {
    let mut data = [0u8; 12];
    data[0] = queue;
    data[4..8].copy_from_slice(&value.to_le_bytes());
    Header {
        kind,
        flags: 0,
        tag: 0,
        queue: QUEUE_DIRECT,
        time: [0; 8],
        source_port: own_port,
        dest: SYSTEM_TIMER,
        data,
    }
    .to_bytes()
    .to_vec()
}

/// Starts `queue`.
pub fn queue_start(own_port: u8, queue: u8) -> Vec<u8> {
    queue_event(EVENT_START, 0, own_port, queue)
}

/// A random queue control event (start, stop, continue, tempo, position) for `queue`.
pub fn queue_control(rng: &mut Rng, own_port: u8, queue: u8) -> Vec<u8> {
    let kind = rng.pick(&[
        EVENT_START,
        EVENT_STOP,
        EVENT_CONTINUE,
        EVENT_TEMPO,
        EVENT_SETPOS_TICK,
    ]);
    let value: u32 = match kind {
        EVENT_TEMPO => rng.range(20_000, 2_000_000) as u32,
        EVENT_SETPOS_TICK => rng.below(1000) as u32,
        _ => 0,
    };
    queue_event(kind, value, own_port, queue)
}

/// Variable data: empty, one byte, small, around the bridge's buffer size, 6000 bytes,
/// 64 KiB or any length; random bytes, a well-formed sysex, or status bytes.
pub fn random_payload(rng: &mut Rng) -> Vec<u8> {
    let len = match rng.weighted(&[10, 10, 25, 20, 8, 10, 5, 12]) {
        0 => 0,
        1 => 1,
        2 => rng.range(2, 16),
        3 => rng.range(17, 512),
        4 => rng.range(4095, 4097),
        5 => 6000,
        6 => 65536,
        _ => rng.below(70_001),
    } as usize;
    match rng.weighted(&[40, 30, 15, 15]) {
        0 => rng.bytes(len),
        1 => (0..len)
            .map(|i| match i {
                0 => 0xf0,
                _ if i + 1 == len => 0xf7,
                _ => rng.byte() & 0x7f,
            })
            .collect(),
        2 => (0..len).map(|_| rng.byte() | 0x80).collect(),
        _ => {
            let b = rng.pick(&[0xf0u8, 0xf7, 0x00, 0x90]);
            vec![b; len]
        }
    }
}

/// Fixed data that means something for `kind` (notes, controllers), or random bytes.
fn fixed_data(rng: &mut Rng, kind: u8) -> [u8; 12] {
    let mut d = [0u8; 12];
    rng.fill(&mut d);
    if rng.chance(50) {
        return d;
    }
    let channel = if rng.chance(90) {
        rng.below(16) as u8
    } else {
        rng.byte()
    };
    d[0] = channel;
    match kind {
        5..=9 => {
            d[1] = rng.byte() & 0x7f;
            d[2] = rng.byte() & 0x7f;
            d[3] = rng.byte() & 0x7f;
            d[4..8].copy_from_slice(&(rng.below(50) as u32).to_le_bytes());
        }
        10..=24 => {
            let param = if rng.chance(80) {
                rng.below(128) as u32
            } else {
                rng.next_u32()
            };
            let value = match rng.weighted(&[40, 20, 20, 20]) {
                0 => rng.below(128) as i32,
                1 => rng.range(0, 16383) as i32,
                2 => rng.range(0, 16383) as i32 - 8192,
                _ => rng.next_u32() as i32,
            };
            d[4..8].copy_from_slice(&param.to_le_bytes());
            d[8..12].copy_from_slice(&value.to_le_bytes());
        }
        _ => {}
    }
    d
}

/// A timestamp: mostly now or a few ticks/milliseconds ahead, rarely far away.
fn random_time(rng: &mut Rng, flags: u8) -> [u8; 8] {
    let mut t = [0u8; 8];
    let far = rng.chance(1);
    if flags & TIME_STAMP_REAL != 0 {
        let sec = if far { rng.below(3600) as u32 } else { 0 };
        let nsec = rng.below(50_000_000) as u32;
        t[..4].copy_from_slice(&sec.to_le_bytes());
        t[4..].copy_from_slice(&nsec.to_le_bytes());
    } else {
        let tick = if far {
            rng.next_u32()
        } else {
            rng.below(20) as u32
        };
        t[..4].copy_from_slice(&tick.to_le_bytes());
    }
    t
}

/// A bogus address for VARUSR data: NULL, unmapped low memory, or kernel space.
fn bad_pointer(rng: &mut Rng) -> u64 {
    rng.pick(&[0, 0x1000, 0xffff_ffff_8100_0000, u64::MAX - 7])
}

/// One random event for the bridge (see the module documentation).
pub fn random_event(rng: &mut Rng, target: &Target) -> Encoded {
    let kind = if rng.chance(50) {
        rng.byte()
    } else {
        rng.pick(INTERESTING)
    };
    // Route: queue, destination.
    let (route, queue, dest) = match rng.weighted(&[55, 20, 3, 20, 2]) {
        0 => ("direct", QUEUE_DIRECT, target.bridge),
        1 => ("subscribers", QUEUE_DIRECT, (ADDRESS_SUBSCRIBERS, 0)),
        // queue = SUBSCRIBERS: the core turns it into a direct event to the subscribers.
        2 => ("subscribers", ADDRESS_SUBSCRIBERS, target.bridge),
        3 => match target.queue {
            Some(q) if rng.chance(80) => ("queued", q, target.bridge),
            Some(q) => ("queued", q, (ADDRESS_SUBSCRIBERS, 0)),
            None => ("direct", QUEUE_DIRECT, target.bridge),
        },
        _ => ("queued", rng.byte(), target.bridge),
    };
    // Sometimes another port of the bridge client, or all of them.
    let dest = if dest == target.bridge && rng.chance(5) {
        (dest.0, rng.pick(&[1, 2, 3, ADDRESS_BROADCAST]))
    } else {
        dest
    };
    let direct = queue == QUEUE_DIRECT || queue == ADDRESS_SUBSCRIBERS;

    let mut flags = 0;
    if rng.chance(30) {
        flags |= TIME_STAMP_REAL;
    }
    if rng.chance(60) {
        flags |= TIME_MODE_REL;
    }
    if rng.chance(20) {
        flags |= PRIORITY_HIGH;
    }
    if rng.chance(2) {
        flags |= UMP;
    }
    let length = if is_variable_type(kind) {
        match rng.weighted(&[75, 20, 5]) {
            0 => LENGTH_VARIABLE,
            1 if direct => LENGTH_VARUSR,
            1 => LENGTH_VARIABLE,
            _ => 0,
        }
    } else {
        // VARIABLE is refused for fixed types; VARUSR passes (when direct) and the bridge
        // must take the data words for what the type says.
        match rng.weighted(&[90, 4, 6]) {
            0 => 0,
            1 => LENGTH_VARIABLE,
            _ if direct => LENGTH_VARUSR,
            _ => 0,
        }
    };
    flags |= length;

    let mut bytes = Vec::with_capacity(EVENT_SIZE);
    let mut user_data = Vec::new();
    let data = match length {
        LENGTH_VARIABLE => {
            let payload = random_payload(rng);
            // Rarely a length that disagrees with what follows (the core must cope).
            let len = if rng.chance(3) {
                rng.below(payload.len() as u64 * 2 + 2) as u32
            } else {
                payload.len() as u32
            };
            user_data = payload;
            ext_data(len, 0)
        }
        LENGTH_VARUSR => {
            user_data = random_payload(rng);
            let (len, ptr) = if rng.chance(5) {
                (user_data.len().max(1) as u32, bad_pointer(rng))
            } else {
                (user_data.len() as u32, user_data.as_ptr() as u64)
            };
            ext_data(len, ptr)
        }
        _ => fixed_data(rng, kind),
    };
    let header = Header {
        kind,
        flags,
        tag: rng.byte(),
        queue,
        time: if direct {
            [0; 8]
        } else {
            random_time(rng, flags)
        },
        source_port: if rng.chance(98) {
            target.own_port
        } else {
            rng.byte()
        },
        dest,
        data,
    };
    bytes.extend_from_slice(&header.to_bytes());
    if length == LENGTH_VARIABLE {
        bytes.extend_from_slice(&user_data);
        user_data = Vec::new();
    }
    Encoded {
        bytes,
        user_data,
        kind,
        route,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TARGET: Target = Target {
        bridge: (16, 0),
        own_port: 0,
        queue: Some(1),
    };

    #[test]
    fn header_layout_matches_the_uapi_struct() {
        let h = Header {
            kind: 6,
            flags: LENGTH_VARIABLE,
            tag: 7,
            queue: QUEUE_DIRECT,
            time: [1, 2, 3, 4, 5, 6, 7, 8],
            source_port: 9,
            dest: (16, 0),
            data: ext_data(0x0102_0304, 0),
        };
        let b = h.to_bytes();
        assert_eq!(&b[..4], &[6, LENGTH_VARIABLE, 7, 253]);
        assert_eq!(&b[4..12], &[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(&b[12..16], &[0, 9, 16, 0]);
        assert_eq!(&b[16..20], &[4, 3, 2, 1]);
    }

    #[test]
    fn variable_events_carry_their_data_inline_or_point_to_it() {
        let mut rng = Rng::new(1);
        let (mut inline, mut user) = (0, 0);
        for _ in 0..2000 {
            let e = random_event(&mut rng, &TARGET);
            let flags = e.bytes[1];
            let len = u32::from_le_bytes(e.bytes[16..20].try_into().unwrap()) as usize;
            match flags & (3 << 2) {
                LENGTH_VARIABLE => {
                    inline += 1;
                    assert!(e.user_data.is_empty());
                    // The length agrees with the data except in the deliberate mismatches.
                    if len == e.bytes.len() - EVENT_SIZE {
                        continue;
                    }
                }
                LENGTH_VARUSR => {
                    user += 1;
                    assert_eq!(e.bytes.len(), EVENT_SIZE);
                    assert!(matches!(e.bytes[3], QUEUE_DIRECT | ADDRESS_SUBSCRIBERS));
                }
                _ => assert_eq!(e.bytes.len(), EVENT_SIZE),
            }
        }
        assert!(inline > 100 && user > 50);
    }

    #[test]
    fn every_type_comes_up() {
        let mut rng = Rng::new(2);
        let mut seen = [false; 256];
        for _ in 0..20_000 {
            seen[usize::from(random_event(&mut rng, &TARGET).kind)] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn payload_lengths_cover_the_edges() {
        let mut rng = Rng::new(3);
        let lens: Vec<usize> = (0..3000).map(|_| random_payload(&mut rng).len()).collect();
        for want in [0, 1, 4096, 6000, 65536] {
            assert!(lens.contains(&want), "no payload of {want} bytes");
        }
    }
}
