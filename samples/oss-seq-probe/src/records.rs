//! OSS sequencer records (`<linux/soundcard.h>`), free of system calls so the host can test
//! them.

/// `SEQ_ECHO` (`TMR_ECHO`): echoed back to the reader.
pub const SEQ_ECHO: u8 = 8;
/// `EV_TIMING` and the other codes >= 128 start 8-byte records.
pub const FIRST_LONG_CODE: u8 = 128;

/// `_IO('Q', 0)`.
pub const SNDCTL_SEQ_RESET: u64 = 0x5100;
/// `_IOR('Q', 5, int)`.
pub const SNDCTL_SEQ_GETINCOUNT: u64 = 0x8004_5105;
/// `_SIOWR('m', 0, int)`.
pub const SNDCTL_MIDI_PRETIME: u64 = 0xc004_6d00;

/// The 4-byte echo record carrying `arg` (24 bits), as OSS programs write it.
pub fn echo(arg: u32) -> [u8; 4] {
    ((arg << 8) | u32::from(SEQ_ECHO)).to_le_bytes()
}

/// Length of the record starting with `code`: 8 bytes for codes >= 128, else 4.
pub fn record_len(code: u8) -> usize {
    if code >= FIRST_LONG_CODE {
        8
    } else {
        4
    }
}

/// Splits a buffer read from /dev/sequencer into records; `None` if it ends mid-record.
pub fn split(buf: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    let mut rest = buf;
    while let Some(&code) = rest.first() {
        let len = record_len(code);
        if rest.len() < len {
            return None;
        }
        out.push(&rest[..len]);
        rest = &rest[len..];
    }
    Some(out)
}

/// Hex of a record, e.g. `08010000`.
pub fn hex(rec: &[u8]) -> String {
    rec.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_record_is_little_endian_code_first() {
        assert_eq!(echo(1), [SEQ_ECHO, 1, 0, 0]);
        assert_eq!(echo(0x123456), [SEQ_ECHO, 0x56, 0x34, 0x12]);
    }

    #[test]
    fn ioctl_numbers_match_the_uapi_macros() {
        // _IOR('Q', 5, int): read, size 4, type 'Q', nr 5.
        assert_eq!(
            SNDCTL_SEQ_GETINCOUNT,
            (2 << 30) | (4 << 16) | (u64::from(b'Q') << 8) | 5
        );
        assert_eq!(SNDCTL_SEQ_RESET, u64::from(b'Q') << 8);
        // _IOWR('m', 0, int): read and write, size 4, type 'm', nr 0.
        assert_eq!(
            SNDCTL_MIDI_PRETIME,
            (3 << 30) | (4 << 16) | (u64::from(b'm') << 8)
        );
    }

    #[test]
    fn split_mixes_short_and_long_records() {
        let buf = [2, 0, 0, 0, 0x81, 1, 2, 3, 4, 5, 6, 7, 5, 0x90, 0, 0];
        let recs = split(&buf).unwrap();
        assert_eq!(recs.len(), 3);
        assert_eq!(hex(recs[1]), "8101020304050607");
        assert_eq!(split(&buf[..6]), None);
    }
}
