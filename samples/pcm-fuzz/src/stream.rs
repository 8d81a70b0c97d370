//! One open loopback substream as the fuzzer holds it: the file (`raw::RawPcm`), which end
//! it is, what its last successful HW_PARAMS chose, and its mapped status and control pages.

use crate::gen::{Geometry, NO_GEOMETRY};
use crate::raw::{HwParams, RawPcm, SwParams};
use crate::sys::{self, Mapping, Status, Xfer};
use std::io;
use std::os::fd::{AsRawFd, RawFd};

pub struct Stream {
    // Mappings first: fields drop in order, and a mapping holds the file open.
    control: Option<Mapping>,
    status: Option<Mapping>,
    pcm: RawPcm,
    pub capture: bool,
    pub device: u32,
    pub subdevice: u32,
    /// What the kernel holds for this substream; only this file changes it, so it is
    /// exact while `Some`.
    geometry: Option<Geometry>,
}

impl Stream {
    /// Opens the first free (or the preferred) substream of `device` on `card`.
    pub fn open(card: u32, device: u32, capture: bool) -> io::Result<Stream> {
        let pcm = RawPcm::open(card, device, capture)?;
        let mut info = [0u8; 288];
        sys::ioctl(pcm.as_raw_fd(), sys::PCM_INFO, info.as_mut_ptr().cast())?;
        Ok(Stream {
            control: None,
            status: None,
            pcm,
            capture,
            device,
            subdevice: u32::from_ne_bytes([info[4], info[5], info[6], info[7]]),
            geometry: None,
        })
    }

    pub fn fd(&self) -> RawFd {
        self.pcm.as_raw_fd()
    }

    /// The geometry of the last HW_PARAMS, or safe upper bounds when unknown.
    pub fn geometry(&self) -> Geometry {
        self.geometry.unwrap_or(NO_GEOMETRY)
    }

    pub fn ioctl(&self, req: libc::c_ulong) -> io::Result<()> {
        sys::ioctl(self.fd(), req, std::ptr::null_mut()).map(drop)
    }

    /// An ioctl whose argument is a value (PAUSE, LINK), not a pointer.
    pub fn ioctl_value(&self, req: libc::c_ulong, value: i64) -> io::Result<()> {
        sys::ioctl(self.fd(), req, value as usize as *mut libc::c_void).map(drop)
    }

    /// An ioctl that reads or fills a frame count (REWIND, FORWARD, DELAY).
    pub fn ioctl_frames(&self, req: libc::c_ulong, frames: u64) -> io::Result<u64> {
        let mut f = frames;
        sys::ioctl_with(self.fd(), req, &mut f)?;
        Ok(f)
    }

    /// HW_PARAMS (or HW_REFINE, which changes nothing). Any failed HW_PARAMS forgets the
    /// geometry: the kernel may have dropped the setup, and sizes must never be guessed.
    pub fn hw_params(&mut self, p: &mut HwParams, refine_only: bool) -> io::Result<()> {
        if refine_only {
            return sys::ioctl_with(self.fd(), sys::PCM_HW_REFINE, p).map(drop);
        }
        let r = sys::ioctl_with(self.fd(), sys::PCM_HW_PARAMS, p);
        self.geometry = match r {
            Ok(_) => Some(Geometry::of(p)),
            Err(_) => None,
        };
        r.map(drop)
    }

    pub fn hw_free(&mut self) -> io::Result<()> {
        self.ioctl(sys::PCM_HW_FREE)?;
        self.geometry = None;
        Ok(())
    }

    pub fn sw_params(&self, p: &mut SwParams) -> io::Result<()> {
        sys::ioctl_with(self.fd(), sys::PCM_SW_PARAMS, p).map(drop)
    }

    pub fn status(&self, ext: Option<u32>) -> io::Result<Status> {
        let mut s = Status::default();
        match ext {
            Some(data) => {
                s.audio_tstamp_data = data;
                sys::ioctl_with(self.fd(), sys::PCM_STATUS_EXT, &mut s)?
            }
            None => sys::ioctl_with(self.fd(), sys::PCM_STATUS, &mut s)?,
        };
        Ok(s)
    }

    /// Writes (playback) or reads (capture) `frames` frames from/into `buf`, interleaved or
    /// one block per channel as the access needs; `frames` is cut to what `buf` holds.
    /// `against` turns the direction around (the kernel refuses it).
    pub fn transfer(&self, buf: &mut [u8], frames: u64, against: bool) -> io::Result<u64> {
        let g = self.geometry();
        let frames = frames.min((buf.len() / g.frame_bytes.max(1)) as u64);
        let write = self.capture == against;
        // Non-interleaved: one pointer per channel (32 at most), each to its own block of
        // `frames` samples.
        let block = frames as usize * (g.frame_bytes / g.channels.max(1));
        let mut channels: [*mut libc::c_void; 32] = [std::ptr::null_mut(); 32];
        for (c, p) in channels.iter_mut().enumerate().take(g.channels.min(32)) {
            // SAFETY: c * block + block <= frames * frame_bytes <= buf.len().
            *p = unsafe { buf.as_mut_ptr().add(c * block) }.cast();
        }
        let (req, data) = match (g.interleaved(), write) {
            (true, true) => (sys::PCM_WRITEI, buf.as_mut_ptr().cast()),
            (true, false) => (sys::PCM_READI, buf.as_mut_ptr().cast()),
            (false, true) => (sys::PCM_WRITEN, channels.as_mut_ptr().cast()),
            (false, false) => (sys::PCM_READN, channels.as_mut_ptr().cast()),
        };
        let mut x = Xfer {
            result: 0,
            buf: data,
            frames,
        };
        sys::ioctl_with(self.fd(), req, &mut x)?;
        Ok(x.result as u64)
    }

    /// The mapped control page (appl_ptr, avail_min), mapped on first use.
    pub fn control(&mut self) -> io::Result<&Mapping> {
        if self.control.is_none() {
            self.control = Some(Mapping::new(self.fd(), sys::MMAP_CONTROL, true)?);
        }
        Ok(self.control.as_ref().expect("mapped above"))
    }

    /// The mapped status page (state, hw_ptr), mapped on first use.
    pub fn status_page(&mut self) -> io::Result<&Mapping> {
        if self.status.is_none() {
            self.status = Some(Mapping::new(self.fd(), sys::MMAP_STATUS, false)?);
        }
        Ok(self.status.as_ref().expect("mapped above"))
    }

    /// The `SNDRV_PCM_STATE_*` the kernel holds now, read from the status page (mapped here
    /// if it is not): no ioctl, so looking does not update the stream's position.
    pub fn state(&mut self) -> Option<i32> {
        // The state is the page's first int (little endian: the low half of its first word).
        self.status_page().ok().map(|m| m.get(0) as u32 as i32)
    }

    /// The end of the other device with the same subdevice: the two ends of one cable.
    pub fn is_peer_of(&self, other: &Stream) -> bool {
        self.capture != other.capture
            && self.device != other.device
            && self.subdevice == other.subdevice
    }

    /// The hardware pointer from the status page when mapped, else 0.
    pub fn hw_ptr(&self) -> u64 {
        self.status.as_ref().map_or(0, |m| m.get(1))
    }

    pub fn unmap(&mut self) {
        self.control = None;
        self.status = None;
    }
}
