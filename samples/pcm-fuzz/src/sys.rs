//! The ALSA ioctls, layouts and mmap offsets pcm-fuzz needs beyond `raw.rs` (x86_64 sizes,
//! checked against `<sound/asound.h>`), and two small wrappers: an ioctl that returns
//! `io::Result`, and a shared mapping that is unmapped on drop.

use std::io;
use std::os::fd::RawFd;

const fn ioc(dir: u32, ty: u8, nr: u32, size: usize) -> libc::c_ulong {
    ((dir << 30) | ((size as u32) << 16) | ((ty as u32) << 8) | nr) as libc::c_ulong
}
const NONE: u32 = 0;
const W: u32 = 1;
const R: u32 = 2;
const RW: u32 = 3;
const fn pcm(dir: u32, nr: u32, size: usize) -> libc::c_ulong {
    ioc(dir, b'A', nr, size)
}
const fn ctl(dir: u32, nr: u32, size: usize) -> libc::c_ulong {
    ioc(dir, b'U', nr, size)
}
const INT: usize = std::mem::size_of::<libc::c_int>();
const LONG: usize = std::mem::size_of::<libc::c_long>();

pub const PCM_INFO: libc::c_ulong = pcm(R, 0x01, 288);
pub const PCM_TTSTAMP: libc::c_ulong = pcm(W, 0x03, INT);
pub const PCM_HW_REFINE: libc::c_ulong = pcm(RW, 0x10, HW_PARAMS_SIZE);
pub const PCM_HW_PARAMS: libc::c_ulong = pcm(RW, 0x11, HW_PARAMS_SIZE);
pub const PCM_HW_FREE: libc::c_ulong = pcm(NONE, 0x12, 0);
pub const PCM_SW_PARAMS: libc::c_ulong = pcm(RW, 0x13, SW_PARAMS_SIZE);
pub const PCM_STATUS: libc::c_ulong = pcm(R, 0x20, std::mem::size_of::<Status>());
pub const PCM_DELAY: libc::c_ulong = pcm(R, 0x21, LONG);
pub const PCM_HWSYNC: libc::c_ulong = pcm(NONE, 0x22, 0);
pub const PCM_SYNC_PTR: libc::c_ulong = pcm(RW, 0x23, std::mem::size_of::<SyncPtr>());
pub const PCM_STATUS_EXT: libc::c_ulong = pcm(RW, 0x24, std::mem::size_of::<Status>());
pub const PCM_PREPARE: libc::c_ulong = pcm(NONE, 0x40, 0);
pub const PCM_RESET: libc::c_ulong = pcm(NONE, 0x41, 0);
pub const PCM_START: libc::c_ulong = pcm(NONE, 0x42, 0);
pub const PCM_DROP: libc::c_ulong = pcm(NONE, 0x43, 0);
pub const PCM_DRAIN: libc::c_ulong = pcm(NONE, 0x44, 0);
/// The argument is the value (0 release, 1 push), not a pointer.
pub const PCM_PAUSE: libc::c_ulong = pcm(W, 0x45, INT);
pub const PCM_REWIND: libc::c_ulong = pcm(W, 0x46, LONG);
pub const PCM_RESUME: libc::c_ulong = pcm(NONE, 0x47, 0);
pub const PCM_XRUN: libc::c_ulong = pcm(NONE, 0x48, 0);
pub const PCM_FORWARD: libc::c_ulong = pcm(W, 0x49, LONG);
pub const PCM_WRITEI: libc::c_ulong = pcm(W, 0x50, XFER_SIZE);
pub const PCM_READI: libc::c_ulong = pcm(R, 0x51, XFER_SIZE);
pub const PCM_WRITEN: libc::c_ulong = pcm(W, 0x52, XFER_SIZE);
pub const PCM_READN: libc::c_ulong = pcm(R, 0x53, XFER_SIZE);
/// The argument is the other stream's file descriptor, not a pointer.
pub const PCM_LINK: libc::c_ulong = pcm(W, 0x60, INT);
pub const PCM_UNLINK: libc::c_ulong = pcm(NONE, 0x61, 0);

pub const CTL_ELEM_LIST: libc::c_ulong = ctl(RW, 0x10, std::mem::size_of::<ElemList>());
pub const CTL_ELEM_INFO: libc::c_ulong = ctl(RW, 0x11, std::mem::size_of::<ElemInfo>());
pub const CTL_ELEM_READ: libc::c_ulong = ctl(RW, 0x12, std::mem::size_of::<ElemValue>());
pub const CTL_ELEM_WRITE: libc::c_ulong = ctl(RW, 0x13, std::mem::size_of::<ElemValue>());
pub const CTL_PCM_PREFER_SUBDEVICE: libc::c_ulong = ctl(W, 0x32, INT);

const HW_PARAMS_SIZE: usize = 608;
const SW_PARAMS_SIZE: usize = 136;
const XFER_SIZE: usize = 24;

/// `SNDRV_PCM_MMAP_OFFSET_STATUS_NEW`, `SNDRV_PCM_MMAP_OFFSET_CONTROL_NEW`.
pub const MMAP_STATUS: libc::off_t = 0x8200_0000;
pub const MMAP_CONTROL: libc::off_t = 0x8300_0000;

/// `SNDRV_PCM_SYNC_PTR_*` flags: HWSYNC first; APPL, AVAIL_MIN: only read these back
/// (without them the kernel takes the values passed in).
pub const SYNC_PTR_FLAGS: [u32; 3] = [1, 2, 4];

/// `SNDRV_PCM_VERSION` of 6.12 (2.0.18).
pub const PCM_VERSION: i32 = (2 << 16) | 18;

/// `SNDRV_CTL_ELEM_TYPE_*`.
pub const ELEM_BOOLEAN: i32 = 1;
pub const ELEM_INTEGER: i32 = 2;
pub const ELEM_ENUMERATED: i32 = 3;
pub const ELEM_INTEGER64: i32 = 6;

/// `struct snd_pcm_status` (152 bytes).
#[repr(C)]
#[derive(Default)]
pub struct Status {
    pub state: i32,
    pad: i32,
    trigger_tstamp: [i64; 2],
    tstamp: [i64; 2],
    pub appl_ptr: u64,
    pub hw_ptr: u64,
    pub delay: i64,
    pub avail: u64,
    avail_max: u64,
    overrange: u64,
    suspended_state: i32,
    /// In: which audio timestamp STATUS_EXT reports.
    pub audio_tstamp_data: u32,
    audio_tstamp: [i64; 2],
    driver_tstamp: [i64; 2],
    audio_tstamp_accuracy: u32,
    reserved: [u8; 20],
}

/// `struct snd_pcm_sync_ptr` (136 bytes): the mmap status and control pages as an ioctl.
#[repr(C)]
#[derive(Default)]
pub struct SyncPtr {
    pub flags: u32,
    pad: u32,
    pub state: i32,
    pad2: i32,
    pub hw_ptr: u64,
    status_rest: [u64; 6],
    pub appl_ptr: u64,
    pub avail_min: u64,
    control_rest: [u64; 6],
}

/// `struct snd_xferi` / `struct snd_xfern`: `buf` is the data, or an array of one pointer
/// per channel.
#[repr(C)]
pub struct Xfer {
    pub result: libc::c_long,
    pub buf: *mut libc::c_void,
    pub frames: libc::c_ulong,
}

/// `struct snd_ctl_elem_id` (64 bytes).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ElemId {
    pub numid: u32,
    pub iface: i32,
    pub device: u32,
    pub subdevice: u32,
    pub name: [u8; 44],
    pub index: u32,
}

/// `struct snd_ctl_elem_list` (80 bytes).
#[repr(C)]
pub struct ElemList {
    pub offset: u32,
    pub space: u32,
    pub used: u32,
    pub count: u32,
    pub pids: *mut ElemId,
    reserved: [u8; 50],
}

/// `struct snd_ctl_elem_info` (272 bytes); `value` holds min, max, step of an integer
/// element or the item count (first u32) of an enumerated one.
#[repr(C)]
pub struct ElemInfo {
    pub id: ElemId,
    pub ty: i32,
    pub access: u32,
    pub count: u32,
    pub owner: i32,
    pub value: [i64; 16],
    reserved: [u8; 64],
}

/// `struct snd_ctl_elem_value` (1224 bytes): `value` as `long integer.value[128]`.
#[repr(C)]
pub struct ElemValue {
    pub id: ElemId,
    indirect: u32,
    pad: u32,
    pub value: [i64; 128],
    reserved: [u8; 128],
}

/// A zeroed value of a plain-data ioctl struct.
pub fn zeroed<T>() -> T {
    // SAFETY: only used for the repr(C) structs above, where all-zero bytes (null
    // pointers included) are valid values.
    unsafe { std::mem::zeroed() }
}

impl SyncPtr {
    pub fn new(flags: u32, appl_ptr: u64, avail_min: u64) -> SyncPtr {
        SyncPtr {
            flags,
            appl_ptr,
            avail_min,
            ..SyncPtr::default()
        }
    }
}
impl ElemList {
    pub fn new(space: u32, pids: *mut ElemId) -> ElemList {
        ElemList {
            space,
            pids,
            ..zeroed()
        }
    }
}
impl ElemInfo {
    pub fn new(id: ElemId) -> ElemInfo {
        ElemInfo { id, ..zeroed() }
    }
}
impl ElemValue {
    pub fn new(id: ElemId) -> ElemValue {
        ElemValue { id, ..zeroed() }
    }
}

/// ioctl(2) with the errno as an error. `arg` must fit the size `req` encodes (or be the
/// plain value for the requests that take one).
pub fn ioctl(fd: RawFd, req: libc::c_ulong, arg: *mut libc::c_void) -> io::Result<libc::c_int> {
    // SAFETY: callers pair each request with an argument of the size its number encodes.
    let r = unsafe { libc::ioctl(fd, req, arg) };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// ioctl(2) on a struct the kernel reads and/or fills.
pub fn ioctl_with<T>(fd: RawFd, req: libc::c_ulong, arg: &mut T) -> io::Result<libc::c_int> {
    ioctl(fd, req, (arg as *mut T).cast())
}

/// One shared mapping of a PCM file (status or control page), unmapped on drop.
pub struct Mapping {
    ptr: *mut u64,
    len: usize,
    writable: bool,
}

// SAFETY: the mapping is plain shared memory, accessed only through volatile reads/writes.
unsafe impl Send for Mapping {}

impl Mapping {
    /// Maps one page at `offset` of `fd`, read-only or read-write.
    pub fn new(fd: RawFd, offset: libc::off_t, writable: bool) -> io::Result<Mapping> {
        let len = 4096;
        let prot = libc::PROT_READ | if writable { libc::PROT_WRITE } else { 0 };
        // SAFETY: a fresh shared mapping; the kernel decides whether the offset is valid.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                prot,
                libc::MAP_SHARED,
                fd,
                offset,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Mapping {
            ptr: ptr.cast(),
            len,
            writable,
        })
    }

    /// The `i`th 64-bit word (mmap status: 0 state, 1 hw_ptr; control: 0 appl_ptr,
    /// 1 avail_min).
    pub fn get(&self, i: usize) -> u64 {
        assert!(i < self.len / 8);
        // SAFETY: inside the mapping (checked), aligned; the kernel writes it concurrently.
        unsafe { self.ptr.add(i).read_volatile() }
    }

    pub fn set(&self, i: usize, v: u64) {
        assert!(self.writable && i < self.len / 8);
        // SAFETY: as in `get`, and the mapping is writable (checked).
        unsafe { self.ptr.add(i).write_volatile(v) }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, unmapped once.
        unsafe { libc::munmap(self.ptr.cast(), self.len) };
    }
}

/// `SNDRV_PCM_STATE_*` the fuzzer steers by.
pub const STATE_RUNNING: i32 = 3;
pub const STATE_DRAINING: i32 = 5;
pub const STATE_PAUSED: i32 = 6;

/// `SNDRV_PCM_STATE_*` as the kernel's /proc files name them.
pub fn state_name(state: i32) -> &'static str {
    match state {
        0 => "OPEN",
        1 => "SETUP",
        2 => "PREPARED",
        3 => "RUNNING",
        4 => "XRUN",
        5 => "DRAINING",
        6 => "PAUSED",
        7 => "SUSPENDED",
        8 => "DISCONNECTED",
        _ => "?",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raw::{HwParams, SwParams};
    use std::mem::size_of;

    /// The sizes and ioctl numbers of <sound/asound.h> on x86_64.
    #[test]
    fn layouts_match_asound_h() {
        assert_eq!(size_of::<HwParams>(), HW_PARAMS_SIZE);
        assert_eq!(size_of::<SwParams>(), SW_PARAMS_SIZE);
        assert_eq!(size_of::<Xfer>(), XFER_SIZE);
        assert_eq!(size_of::<Status>(), 0x98);
        assert_eq!(size_of::<SyncPtr>(), 0x88);
        assert_eq!(size_of::<ElemId>(), 0x40);
        assert_eq!(size_of::<ElemList>(), 0x50);
        assert_eq!(size_of::<ElemInfo>(), 0x110);
        assert_eq!(size_of::<ElemValue>(), 0x4c8);
        assert_eq!(std::mem::offset_of!(Status, appl_ptr), 0x28);
        assert_eq!(std::mem::offset_of!(SyncPtr, appl_ptr), 0x48);
        assert_eq!(std::mem::offset_of!(ElemInfo, value), 0x50);
        assert_eq!(std::mem::offset_of!(ElemValue, value), 0x48);
        assert_eq!(PCM_STATUS, 0x8098_4120);
        assert_eq!(PCM_SYNC_PTR, 0xc088_4123);
        assert_eq!(PCM_HW_REFINE, 0xc260_4110);
        assert_eq!(PCM_SW_PARAMS, 0xc088_4113);
        assert_eq!(PCM_WRITEI, 0x4018_4150);
        assert_eq!(PCM_REWIND, 0x4008_4146);
        assert_eq!(PCM_PAUSE, 0x4004_4145);
        assert_eq!(PCM_LINK, 0x4004_4160);
        assert_eq!(CTL_ELEM_WRITE, 0xc4c8_5513);
        assert_eq!(CTL_ELEM_INFO, 0xc110_5511);
        assert_eq!(CTL_ELEM_LIST, 0xc050_5510);
        assert_eq!(CTL_PCM_PREFER_SUBDEVICE, 0x4004_5532);
    }
}
