//! The OSS sequencer's user interface (`<linux/soundcard.h>`): records written to and read
//! from /dev/sequencer, and its ioctls with their arguments. Random records and ioctl
//! choices for the fuzzer; free of system calls so the host can test them.

use crate::rng::Rng;

pub const SEQ_NOTEOFF: u8 = 0;
pub const SEQ_NOTEON: u8 = 1;
pub const SEQ_WAIT: u8 = 2;
pub const SEQ_PGMCHANGE: u8 = 3;
pub const SEQ_SYNCTIMER: u8 = 4;
pub const SEQ_MIDIPUTC: u8 = 5;
pub const SEQ_ECHO: u8 = 8;
pub const SEQ_CONTROLLER: u8 = 10;
pub const EV_SEQ_LOCAL: u8 = 0x80;
pub const EV_TIMING: u8 = 0x81;
pub const EV_CHN_COMMON: u8 = 0x92;
pub const EV_CHN_VOICE: u8 = 0x93;
pub const EV_SYSEX: u8 = 0x94;
/// A patch load: the rest of the write is the patch.
pub const SEQ_FULLSIZE: u8 = 0xfd;
pub const SEQ_PRIVATE: u8 = 0xfe;
pub const SEQ_EXTENDED: u8 = 0xff;
/// Codes from here on start 8-byte records.
pub const FIRST_LONG_CODE: u8 = 0x80;

/// EV_TIMING sub-commands: TMR_WAIT_REL .. TMR_TIMESIG.
const TMR_COMMANDS: &[u8] = &[1, 2, 3, 4, 5, 6, 8, 9, 10, 11];

/// `_IOC(dir, type, nr, size)` as x86-64 encodes it.
pub const fn ioc(dir: u64, kind: u8, nr: u8, size: u64) -> u64 {
    (dir << 30) | (size << 16) | ((kind as u64) << 8) | nr as u64
}
const NONE: u64 = 0;
const WRITE: u64 = 1;
const READ: u64 = 2;
const RW: u64 = 3;
/// `sizeof(struct synth_info)` and `sizeof(struct midi_info)`; `device` is at offset 32.
pub const SYNTH_INFO_SIZE: u64 = 140;
pub const MIDI_INFO_SIZE: u64 = 116;
pub const INFO_DEVICE_OFFSET: usize = 32;

pub const SNDCTL_SEQ_RESET: u64 = ioc(NONE, b'Q', 0, 0);
pub const SNDCTL_SEQ_SYNC: u64 = ioc(NONE, b'Q', 1, 0);
pub const SNDCTL_SYNTH_INFO: u64 = ioc(RW, b'Q', 2, SYNTH_INFO_SIZE);
pub const SNDCTL_SEQ_GETINCOUNT: u64 = ioc(READ, b'Q', 5, 4);
pub const SNDCTL_MIDI_INFO: u64 = ioc(RW, b'Q', 12, MIDI_INFO_SIZE);
pub const SNDCTL_SEQ_OUTOFBAND: u64 = ioc(WRITE, b'Q', 18, 8);

/// What an ioctl takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg {
    /// Nothing.
    None,
    /// An int the kernel writes.
    IntOut,
    /// An int the kernel reads (and may write back), usually in `lo..=hi`.
    IntIn(i32, i32),
    /// A `synth_info`/`midi_info` of this size with a device index.
    Info(u64),
    /// An 8-byte event record (SNDCTL_SEQ_OUTOFBAND).
    Record,
    /// A buffer of the size the command encodes.
    Buffer,
}

pub struct Ioctl {
    pub name: &'static str,
    pub cmd: u64,
    pub arg: Arg,
}

const fn op(name: &'static str, cmd: u64, arg: Arg) -> Ioctl {
    Ioctl { name, cmd, arg }
}

/// Every ioctl /dev/sequencer knows (and a few it passes on to synths).
pub const IOCTLS: &[Ioctl] = &[
    op("SEQ_RESET", SNDCTL_SEQ_RESET, Arg::None),
    op("SEQ_SYNC", SNDCTL_SEQ_SYNC, Arg::None),
    op("SEQ_PANIC", ioc(NONE, b'Q', 17, 0), Arg::None),
    op("SYNTH_INFO", SNDCTL_SYNTH_INFO, Arg::Info(SYNTH_INFO_SIZE)),
    op(
        "SYNTH_ID",
        ioc(RW, b'Q', 20, SYNTH_INFO_SIZE),
        Arg::Info(SYNTH_INFO_SIZE),
    ),
    op("MIDI_INFO", SNDCTL_MIDI_INFO, Arg::Info(MIDI_INFO_SIZE)),
    op("SEQ_CTRLRATE", ioc(RW, b'Q', 3, 4), Arg::IntIn(0, 0)),
    op("SEQ_GETOUTCOUNT", ioc(READ, b'Q', 4, 4), Arg::IntOut),
    op("SEQ_GETINCOUNT", SNDCTL_SEQ_GETINCOUNT, Arg::IntOut),
    op("SEQ_PERCMODE", ioc(WRITE, b'Q', 6, 4), Arg::IntIn(0, 1)),
    op("FM_LOAD_INSTR", ioc(WRITE, b'Q', 7, 40), Arg::Buffer),
    op("SEQ_TESTMIDI", ioc(WRITE, b'Q', 8, 4), Arg::IntIn(-1, 8)),
    op(
        "SEQ_RESETSAMPLES",
        ioc(WRITE, b'Q', 9, 4),
        Arg::IntIn(-1, 4),
    ),
    op("SEQ_NRSYNTHS", ioc(READ, b'Q', 10, 4), Arg::IntOut),
    op("SEQ_NRMIDIS", ioc(READ, b'Q', 11, 4), Arg::IntOut),
    op(
        "SEQ_THRESHOLD",
        ioc(WRITE, b'Q', 13, 4),
        Arg::IntIn(-5, 1000),
    ),
    op("SYNTH_MEMAVL", ioc(RW, b'Q', 14, 4), Arg::IntIn(-1, 4)),
    op("FM_4OP_ENABLE", ioc(WRITE, b'Q', 15, 4), Arg::IntIn(-1, 4)),
    op("SEQ_OUTOFBAND", SNDCTL_SEQ_OUTOFBAND, Arg::Record),
    op("SEQ_GETTIME", ioc(READ, b'Q', 19, 4), Arg::IntOut),
    op("SYNTH_CONTROL", ioc(RW, b'Q', 21, 4004), Arg::Buffer),
    op("SYNTH_REMOVESAMPLE", ioc(RW, b'Q', 22, 12), Arg::Buffer),
    op("TMR_TIMEBASE", ioc(RW, b'T', 1, 4), Arg::IntIn(0, 1200)),
    op("TMR_START", ioc(NONE, b'T', 2, 0), Arg::None),
    op("TMR_STOP", ioc(NONE, b'T', 3, 0), Arg::None),
    op("TMR_CONTINUE", ioc(NONE, b'T', 4, 0), Arg::None),
    op("TMR_TEMPO", ioc(RW, b'T', 5, 4), Arg::IntIn(0, 400)),
    op("TMR_SOURCE", ioc(RW, b'T', 6, 4), Arg::IntIn(0, 3)),
    op("TMR_METRONOME", ioc(WRITE, b'T', 7, 4), Arg::IntIn(0, 3)),
    op("TMR_SELECT", ioc(WRITE, b'T', 8, 4), Arg::IntIn(0, 3)),
    op("MIDI_PRETIME", ioc(RW, b'm', 0, 4), Arg::IntIn(-5, 30)),
    op("MIDI_MPUMODE", ioc(RW, b'm', 1, 4), Arg::IntIn(0, 1)),
    op("MIDI_MPUCMD", ioc(RW, b'm', 2, 33), Arg::Buffer),
];

/// Any command number of the sequencer's ioctl types ('Q', 'T', 'm') or none of them, with
/// an argument size of at most `max_size`.
pub fn random_ioctl_cmd(rng: &mut Rng, max_size: u64) -> u64 {
    let any = rng.byte();
    let kind = rng.pick(&[b'Q', b'Q', b'T', b'm', any]);
    ioc(rng.below(4), kind, rng.byte() % 32, rng.below(max_size + 1))
}

/// An int argument: usually in `lo..=hi`, sometimes anything.
pub fn int_arg(rng: &mut Rng, lo: i32, hi: i32) -> i32 {
    if rng.chance(90) {
        rng.range(0, (i64::from(hi) - i64::from(lo)) as u64) as i32 + lo
    } else {
        rng.next_u32() as i32
    }
}

/// A MIDI device number: the ones that exist (`midis`) and a few beyond.
fn device(rng: &mut Rng, midis: u8) -> u8 {
    if rng.chance(95) {
        rng.below(u64::from(midis) + 2) as u8
    } else {
        rng.byte()
    }
}

/// A small tick count, rarely a far one (that holds the queue up until a reset).
fn ticks(rng: &mut Rng) -> u32 {
    if rng.chance(1) {
        rng.next_u32() & 0xff_ffff
    } else {
        rng.below(30) as u32
    }
}

/// One record (4 or 8 bytes) of any kind the sequencer reads.
pub fn random_record(rng: &mut Rng, midis: u8) -> Vec<u8> {
    match rng.weighted(&[18, 18, 8, 8, 6, 6, 4, 4, 4, 4, 3, 3, 3, 6, 5]) {
        0 => {
            let arg = rng.next_u32() & 0xff_ffff;
            ((arg << 8) | u32::from(SEQ_ECHO)).to_le_bytes().to_vec()
        }
        1 => vec![SEQ_MIDIPUTC, rng.byte(), device(rng, midis), 0],
        2 => {
            let t = ticks(rng);
            ((t << 8) | u32::from(SEQ_WAIT)).to_le_bytes().to_vec()
        }
        3 => {
            let mut r = vec![EV_TIMING, rng.pick(TMR_COMMANDS), 0, 0];
            let param = match r[1] {
                1 | 2 => ticks(rng),
                6 => rng.below(400) as u32,
                _ => rng.next_u32(),
            };
            r.extend_from_slice(&param.to_le_bytes());
            r
        }
        4 => {
            let any = rng.byte();
            let cmd = rng.pick(&[0x80u8, 0x90, 0xa0, any]);
            let chn = rng.below(17) as u8;
            let note = rng.byte() & 0x7f;
            let parm = rng.byte() & 0x7f;
            vec![EV_CHN_VOICE, device(rng, midis), cmd, chn, note, parm, 0, 0]
        }
        5 => {
            let any = rng.byte();
            let cmd = rng.pick(&[0xb0u8, 0xc0, 0xd0, 0xe0, any]);
            let chn = rng.below(17) as u8;
            let (p1, p2) = (rng.byte(), rng.byte());
            let w14 = (rng.next_u32() & 0x3fff) as u16;
            let mut r = vec![EV_CHN_COMMON, device(rng, midis), cmd, chn, p1, p2];
            r.extend_from_slice(&w14.to_le_bytes());
            r
        }
        6 => {
            let mut r = vec![EV_SYSEX, device(rng, midis)];
            r.extend(rng.bytes(6));
            r
        }
        7 => vec![
            rng.pick(&[SEQ_NOTEOFF, SEQ_NOTEON]),
            rng.below(16) as u8,
            rng.byte() & 0x7f,
            rng.byte(),
        ],
        8 => vec![
            rng.pick(&[SEQ_PGMCHANGE, SEQ_CONTROLLER, 6, 7, 9]),
            rng.byte(),
            rng.byte(),
            rng.byte(),
        ],
        9 => vec![SEQ_SYNCTIMER, rng.byte(), rng.byte(), rng.byte()],
        10 => {
            let mut r = vec![rng.pick(&[EV_SEQ_LOCAL, SEQ_PRIVATE, SEQ_EXTENDED])];
            r.extend(rng.bytes(7));
            r
        }
        11 => {
            let mut r = vec![rng.byte() & 0x7f];
            r.extend(rng.bytes(3));
            r
        }
        12 => {
            let mut r = vec![rng.byte() | 0x80];
            r.extend(rng.bytes(7));
            r
        }
        13 => midi_message(rng, midis),
        _ => {
            // A timer echo: 8 bytes, echoed in music mode.
            let mut r = vec![EV_TIMING, 8, 0, 0];
            r.extend(rng.bytes(4));
            r
        }
    }
}

/// A whole MIDI message to one device as SEQ_MIDIPUTC records.
fn midi_message(rng: &mut Rng, midis: u8) -> Vec<u8> {
    let dev = device(rng, midis);
    let bytes: Vec<u8> = match rng.below(3) {
        0 => vec![
            0x90 | rng.below(16) as u8,
            rng.byte() & 0x7f,
            rng.byte() & 0x7f,
        ],
        1 => {
            let mut s = vec![0xf0];
            s.extend((0..rng.below(12)).map(|_| rng.byte() & 0x7f));
            s.push(0xf7);
            s
        }
        _ => vec![rng.pick(&[0xf8u8, 0xfa, 0xfc, 0xfe, 0xff])],
    };
    bytes
        .iter()
        .flat_map(|&b| [SEQ_MIDIPUTC, b, dev, 0])
        .collect()
}

/// A write: 1 to 64 records, sometimes followed by a stray partial record.
pub fn random_records(rng: &mut Rng, midis: u8) -> Vec<u8> {
    let n = match rng.weighted(&[50, 35, 15]) {
        0 => 1,
        1 => rng.range(2, 8),
        _ => rng.range(9, 64),
    };
    let mut out = Vec::new();
    for _ in 0..n {
        out.extend(random_record(rng, midis));
    }
    if rng.chance(5) {
        let stray = rng.range(1, 3) as usize;
        out.extend(rng.bytes(stray));
    }
    out
}

/// A patch load record followed by patch bytes (goes to a synth; we have none).
pub fn patch_load(rng: &mut Rng) -> Vec<u8> {
    let mut out = vec![SEQ_FULLSIZE, rng.byte(), rng.below(4) as u8, rng.byte()];
    let len = rng.below(300) as usize;
    out.extend(rng.bytes(len));
    out
}

/// Length of the record starting with `code`.
pub fn record_len(code: u8) -> usize {
    if code >= FIRST_LONG_CODE {
        8
    } else {
        4
    }
}

/// How many whole records `buf` holds; `None` if it ends inside one.
pub fn count_records(buf: &[u8]) -> Option<usize> {
    let mut n = 0;
    let mut rest = buf;
    while let Some(&code) = rest.first() {
        let len = record_len(code);
        if rest.len() < len {
            return None;
        }
        rest = &rest[len..];
        n += 1;
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(name: &str) -> u64 {
        IOCTLS.iter().find(|i| i.name == name).unwrap().cmd
    }

    #[test]
    fn ioctl_numbers_match_linux_soundcard_h() {
        // Values printed by a C program including <linux/soundcard.h> (x86-64).
        let expected = [
            ("SEQ_RESET", 0x0000_5100),
            ("SEQ_SYNC", 0x0000_5101),
            ("SYNTH_INFO", 0xc08c_5102),
            ("SEQ_CTRLRATE", 0xc004_5103),
            ("SEQ_GETOUTCOUNT", 0x8004_5104),
            ("SEQ_GETINCOUNT", 0x8004_5105),
            ("SEQ_PERCMODE", 0x4004_5106),
            ("FM_LOAD_INSTR", 0x4028_5107),
            ("SEQ_TESTMIDI", 0x4004_5108),
            ("SEQ_RESETSAMPLES", 0x4004_5109),
            ("SEQ_NRSYNTHS", 0x8004_510a),
            ("SEQ_NRMIDIS", 0x8004_510b),
            ("MIDI_INFO", 0xc074_510c),
            ("SEQ_THRESHOLD", 0x4004_510d),
            ("SYNTH_MEMAVL", 0xc004_510e),
            ("FM_4OP_ENABLE", 0x4004_510f),
            ("SEQ_PANIC", 0x0000_5111),
            ("SEQ_OUTOFBAND", 0x4008_5112),
            ("SEQ_GETTIME", 0x8004_5113),
            ("SYNTH_ID", 0xc08c_5114),
            ("SYNTH_CONTROL", 0xcfa4_5115),
            ("SYNTH_REMOVESAMPLE", 0xc00c_5116),
            ("TMR_TIMEBASE", 0xc004_5401),
            ("TMR_START", 0x0000_5402),
            ("TMR_STOP", 0x0000_5403),
            ("TMR_CONTINUE", 0x0000_5404),
            ("TMR_TEMPO", 0xc004_5405),
            ("TMR_SOURCE", 0xc004_5406),
            ("TMR_METRONOME", 0x4004_5407),
            ("TMR_SELECT", 0x4004_5408),
            ("MIDI_PRETIME", 0xc004_6d00),
            ("MIDI_MPUMODE", 0xc004_6d01),
            ("MIDI_MPUCMD", 0xc021_6d02),
        ];
        for (name, value) in expected {
            assert_eq!(cmd(name), value, "{name}");
        }
        assert_eq!(IOCTLS.len(), expected.len());
    }

    #[test]
    fn records_are_whole() {
        let mut rng = Rng::new(5);
        for _ in 0..2000 {
            let r = random_record(&mut rng, 5);
            assert_eq!(count_records(&r).map(|n| n > 0), Some(true), "{r:02x?}");
        }
        assert_eq!(count_records(&[SEQ_ECHO, 1, 2, 3, EV_TIMING, 1]), None);
        assert_eq!(count_records(&[]), Some(0));
    }

    #[test]
    fn int_args_mostly_in_range() {
        let mut rng = Rng::new(6);
        let inside = (0..1000)
            .filter(|_| (-5..=30).contains(&int_arg(&mut rng, -5, 30)))
            .count();
        assert!(inside > 850);
    }
}
