//! A PCM substream driven by its ioctls, without alsa-lib. alsa-lib prepares a stream inside
//! `snd_pcm_hw_params()`, which leaves no way to hold a configured but unprepared stream; the
//! loopback's format checks (`loopback_check_format()`) are only reachable when one end is
//! configured before the other end is prepared, so the tests need that state. The ioctl
//! layouts are public for `samples/pcm-fuzz`, which builds its own parameter sets.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::fs::OpenOptionsExt;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct Mask {
    pub bits: [u32; 8],
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct Interval {
    pub min: u32,
    pub max: u32,
    /// openmin:1, openmax:1, integer:1, empty:1
    pub flags: u32,
}

/// `struct snd_pcm_hw_params` (608 bytes on 64-bit).
#[repr(C)]
pub struct HwParams {
    pub flags: u32,
    pub masks: [Mask; 3],
    pub mres: [Mask; 5],
    pub intervals: [Interval; 12],
    pub ires: [Interval; 9],
    pub rmask: u32,
    pub cmask: u32,
    pub info: u32,
    pub msbits: u32,
    pub rate_num: u32,
    pub rate_den: u32,
    pub fifo_size: libc::c_ulong,
    pub reserved: [u8; 64],
}

impl HwParams {
    /// A HW_REFINE/HW_PARAMS request for `masks` and `intervals`: every other field open or
    /// zero, every parameter asked for (`rmask`).
    pub fn refine(masks: [Mask; 3], intervals: [Interval; 12]) -> Self {
        let any = Interval {
            min: 0,
            max: u32::MAX,
            flags: 0,
        };
        HwParams {
            flags: 0,
            masks,
            mres: [Mask { bits: [0; 8] }; 5],
            intervals,
            ires: [any; 9],
            rmask: !0,
            cmask: 0,
            info: 0,
            msbits: 0,
            rate_num: 0,
            rate_den: 0,
            fifo_size: 0,
            reserved: [0; 64],
        }
    }
}

/// `struct snd_pcm_sw_params` (136 bytes on 64-bit).
#[repr(C)]
pub struct SwParams {
    pub tstamp_mode: i32,
    pub period_step: u32,
    pub sleep_min: u32,
    pub avail_min: libc::c_ulong,
    pub xfer_align: libc::c_ulong,
    pub start_threshold: libc::c_ulong,
    pub stop_threshold: libc::c_ulong,
    pub silence_threshold: libc::c_ulong,
    pub silence_size: libc::c_ulong,
    pub boundary: libc::c_ulong,
    pub proto: u32,
    pub tstamp_type: u32,
    pub reserved: [u8; 56],
}

/// `struct snd_xferi`
#[repr(C)]
struct Xferi {
    result: libc::c_long,
    buf: *mut libc::c_void,
    frames: libc::c_ulong,
}

const fn ioc(dir: u32, nr: u32, size: usize) -> libc::c_ulong {
    ((dir << 30) | ((size as u32) << 16) | ((b'A' as u32) << 8) | nr) as libc::c_ulong
}
const IOC_W: u32 = 1;
const IOC_R: u32 = 2;
const INFO: libc::c_ulong = ioc(IOC_R, 0x01, 288);
const HW_PARAMS: libc::c_ulong = ioc(IOC_R | IOC_W, 0x11, std::mem::size_of::<HwParams>());
const HW_FREE: libc::c_ulong = ioc(0, 0x12, 0);
const SW_PARAMS: libc::c_ulong = ioc(IOC_R | IOC_W, 0x13, std::mem::size_of::<SwParams>());
const PREPARE: libc::c_ulong = ioc(0, 0x40, 0);
const START: libc::c_ulong = ioc(0, 0x42, 0);
const DROP: libc::c_ulong = ioc(0, 0x43, 0);
const LINK: libc::c_ulong = ioc(IOC_W, 0x60, std::mem::size_of::<libc::c_int>());
const UNLINK: libc::c_ulong = ioc(0, 0x61, 0);
const READI: libc::c_ulong = ioc(IOC_R, 0x51, std::mem::size_of::<Xferi>());

/// `SNDRV_PCM_FORMAT_*` numbers.
pub const S16_LE: u32 = 2;
pub const S32_LE: u32 = 10;

/// One format setup: format, rate, channels, period and buffer size (frames), RW interleaved.
#[derive(Clone, Copy)]
pub struct Setup {
    pub format: u32,
    pub rate: u32,
    pub channels: u32,
    pub period: u32,
    pub buffer: u32,
}

pub const S16_48K_2: Setup = Setup {
    format: S16_LE,
    rate: 48000,
    channels: 2,
    period: 1024,
    buffer: 4096,
};
pub const S32_44K_1: Setup = Setup {
    format: S32_LE,
    rate: 44100,
    channels: 1,
    period: 1024,
    buffer: 4096,
};

pub struct RawPcm {
    file: File,
    /// `/proc/asound/Loopback/pcmDx/subN/status`
    status: String,
    bytes_per_frame: usize,
    /// The substream number the open got (SNDRV_PCM_IOCTL_INFO).
    sub: u32,
}

impl AsRawFd for RawPcm {
    fn as_raw_fd(&self) -> RawFd {
        self.file.as_raw_fd()
    }
}

/// The card number of the Loopback card (its /proc/asound/Loopback link).
pub fn loopback_card() -> io::Result<u32> {
    let link = std::fs::read_link("/proc/asound/Loopback")?;
    let name = link.to_string_lossy();
    name.trim_start_matches("card")
        .parse()
        .map_err(|_| io::Error::other(format!("odd link {name}")))
}

impl RawPcm {
    /// Opens the first free substream of device `dev` (non-blocking).
    pub fn open(card: u32, dev: u32, capture: bool) -> io::Result<RawPcm> {
        let d = if capture { 'c' } else { 'p' };
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(format!("/dev/snd/pcmC{card}D{dev}{d}"))?;
        let mut info = [0u8; 288];
        let mut pcm = RawPcm {
            file,
            status: String::new(),
            bytes_per_frame: 0,
            sub: 0,
        };
        pcm.ioctl(INFO, info.as_mut_ptr().cast())?;
        let sub = u32::from_ne_bytes([info[4], info[5], info[6], info[7]]);
        pcm.status = format!("/proc/asound/Loopback/pcm{dev}{d}/sub{sub}/status");
        pcm.sub = sub;
        Ok(pcm)
    }

    fn ioctl(&self, req: libc::c_ulong, arg: *mut libc::c_void) -> io::Result<()> {
        // SAFETY: every request is paired with an argument of the size its number encodes.
        let r = unsafe { libc::ioctl(self.file.as_raw_fd(), req, arg) };
        if r < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }

    /// HW_PARAMS with everything fixed but the times (the kernel chooses those), then
    /// SW_PARAMS so that the stream starts only when asked and never stops on an xrun. The
    /// stream is left in SETUP: not prepared.
    pub fn hw_params(&mut self, s: &Setup) -> io::Result<()> {
        let any = Interval {
            min: 0,
            max: u32::MAX,
            flags: 0,
        };
        let fixed = |v: u32| Interval {
            min: v,
            max: v,
            flags: 1 << 2,
        };
        let mut masks = [Mask { bits: [0; 8] }; 3];
        masks[0].bits[0] = 1 << 3; // RW_INTERLEAVED
        masks[1].bits[(s.format / 32) as usize] = 1 << (s.format % 32);
        masks[2].bits[0] = 1; // STD
        let mut intervals = [any; 12];
        intervals[2] = fixed(s.channels); // CHANNELS
        intervals[3] = fixed(s.rate); // RATE
        intervals[5] = fixed(s.period); // PERIOD_SIZE
        intervals[9] = fixed(s.buffer); // BUFFER_SIZE
        let mut p = HwParams::refine(masks, intervals);
        self.ioctl(HW_PARAMS, (&mut p as *mut HwParams).cast())?;
        self.bytes_per_frame = (p.intervals[1].min / 8) as usize; // FRAME_BITS
        let mut sw = SwParams {
            tstamp_mode: 0,
            period_step: 1,
            sleep_min: 0,
            avail_min: 1,
            xfer_align: 1,
            start_threshold: libc::c_ulong::MAX,
            stop_threshold: libc::c_ulong::MAX,
            silence_threshold: 0,
            silence_size: 0,
            boundary: 0,
            proto: 0,
            tstamp_type: 0,
            reserved: [0; 56],
        };
        self.ioctl(SW_PARAMS, (&mut sw as *mut SwParams).cast())
    }

    /// The substream number (`subN` in /proc).
    pub fn subdevice(&self) -> u32 {
        self.sub
    }

    pub fn hw_free(&self) -> io::Result<()> {
        self.ioctl(HW_FREE, std::ptr::null_mut())
    }
    pub fn prepare(&self) -> io::Result<()> {
        self.ioctl(PREPARE, std::ptr::null_mut())
    }
    pub fn start(&self) -> io::Result<()> {
        self.ioctl(START, std::ptr::null_mut())
    }
    pub fn drop_stream(&self) -> io::Result<()> {
        self.ioctl(DROP, std::ptr::null_mut())
    }
    /// SNDRV_PCM_IOCTL_LINK: puts `other` into this stream's group (both configured, in the
    /// same state); the kernel takes the file descriptor as the argument's value.
    pub fn link(&self, other: &RawPcm) -> io::Result<()> {
        self.ioctl(LINK, other.as_raw_fd() as usize as *mut libc::c_void)
    }
    pub fn unlink(&self) -> io::Result<()> {
        self.ioctl(UNLINK, std::ptr::null_mut())
    }

    /// Reads up to `frames` frames; Ok(n) frames read.
    pub fn read(&self, frames: usize) -> io::Result<usize> {
        let mut buf = vec![0u8; frames * self.bytes_per_frame.max(1)];
        let mut x = Xferi {
            result: 0,
            buf: buf.as_mut_ptr().cast(),
            frames: frames as libc::c_ulong,
        };
        self.ioctl(READI, (&mut x as *mut Xferi).cast())?;
        Ok(x.result as usize)
    }

    /// The substream's state as the kernel's status file names it ("RUNNING", ...).
    pub fn state(&self) -> String {
        let text = std::fs::read_to_string(&self.status).unwrap_or_default();
        text.lines()
            .find_map(|l| l.strip_prefix("state: "))
            .unwrap_or("?")
            .trim()
            .to_string()
    }
}

/// An io::Error as its errno name.
pub fn errname(e: &io::Error) -> String {
    let n = e.raw_os_error().unwrap_or(0);
    let name = match n {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::EIO => "EIO",
        libc::ENXIO => "ENXIO",
        libc::EAGAIN => "EAGAIN",
        libc::EBUSY => "EBUSY",
        libc::ENODEV => "ENODEV",
        libc::EINVAL => "EINVAL",
        libc::EPIPE => "EPIPE",
        libc::EBADFD => "EBADFD",
        libc::ESTRPIPE => "ESTRPIPE",
        _ => return format!("errno {n}"),
    };
    name.to_string()
}
