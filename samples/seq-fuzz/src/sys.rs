//! Thin wrappers over the system calls the fuzzer makes: results carry the errno.

use std::ffi::CString;
use std::os::fd::RawFd;

/// A system call's result: the value, or the errno.
pub type SysResult<T> = Result<T, i32>;

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn check(r: isize) -> SysResult<usize> {
    if r < 0 {
        Err(errno())
    } else {
        Ok(r as usize)
    }
}

pub fn open(path: &str, flags: i32) -> SysResult<RawFd> {
    let path = CString::new(path).map_err(|_| libc::EINVAL)?;
    // SAFETY: `path` is NUL-terminated and outlives the call.
    let fd = unsafe { libc::open(path.as_ptr(), flags | libc::O_CLOEXEC) };
    check(fd as isize).map(|_| fd)
}

pub fn close(fd: RawFd) -> SysResult<()> {
    // SAFETY: the caller owns `fd` and forgets it afterwards.
    check(unsafe { libc::close(fd) } as isize).map(|_| ())
}

pub fn read(fd: RawFd, buf: &mut [u8]) -> SysResult<usize> {
    // SAFETY: `buf` is valid for writes of `buf.len()` bytes.
    check(unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) })
}

pub fn write(fd: RawFd, buf: &[u8]) -> SysResult<usize> {
    // SAFETY: `buf` is valid for reads of `buf.len()` bytes.
    check(unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) })
}

pub fn pwrite(fd: RawFd, buf: &[u8], offset: i64) -> SysResult<usize> {
    // SAFETY: `buf` is valid for reads of `buf.len()` bytes.
    check(unsafe { libc::pwrite(fd, buf.as_ptr().cast(), buf.len(), offset) })
}

/// `ioctl(fd, cmd, arg)` with a pointer argument (which the kernel may read or write).
///
/// # Safety
/// `arg` must be valid for whatever `cmd` reads or writes through it (or be a value the
/// kernel rejects without touching user memory it does not own, like a bogus pointer).
pub unsafe fn ioctl(fd: RawFd, cmd: u64, arg: *mut u8) -> SysResult<i32> {
    // SAFETY: upheld by the caller.
    let r = unsafe { libc::ioctl(fd, cmd as _, arg) };
    check(r as isize).map(|_| r)
}

/// `poll()` on one descriptor; the returned events, 0 on timeout.
pub fn poll(fd: RawFd, events: i16, timeout_ms: i32) -> SysResult<i16> {
    let mut p = libc::pollfd {
        fd,
        events,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    check(unsafe { libc::poll(&mut p, 1, timeout_ms) } as isize).map(|_| p.revents)
}

/// The symbolic name of an errno, as the report prints it.
pub fn errno_name(errno: i32) -> String {
    let name = match errno {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::EINTR => "EINTR",
        libc::EIO => "EIO",
        libc::ENXIO => "ENXIO",
        libc::EBADF => "EBADF",
        libc::EAGAIN => "EAGAIN",
        libc::ENOMEM => "ENOMEM",
        libc::EACCES => "EACCES",
        libc::EFAULT => "EFAULT",
        libc::EBUSY => "EBUSY",
        libc::EEXIST => "EEXIST",
        libc::ENODEV => "ENODEV",
        libc::EINVAL => "EINVAL",
        libc::ENFILE => "ENFILE",
        libc::EMFILE => "EMFILE",
        libc::ENOTTY => "ENOTTY",
        libc::ENOSPC => "ENOSPC",
        libc::EPIPE => "EPIPE",
        libc::EMLINK => "EMLINK",
        libc::ERANGE => "ERANGE",
        libc::ENOSYS => "ENOSYS",
        libc::ENOTSUP => "ENOTSUP",
        libc::EBADFD => "EBADFD",
        libc::ETIMEDOUT => "ETIMEDOUT",
        libc::EILSEQ => "EILSEQ",
        _ => return format!("errno {errno}"),
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_errnos() {
        assert_eq!(errno_name(libc::EAGAIN), "EAGAIN");
        assert_eq!(errno_name(4095), "errno 4095");
    }

    #[test]
    fn reports_the_errno_of_a_failed_call() {
        assert_eq!(
            open("/nonexistent/seq-fuzz", libc::O_RDONLY),
            Err(libc::ENOENT)
        );
        assert_eq!(write(-1, b"x"), Err(libc::EBADF));
    }
}
