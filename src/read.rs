//! Read an input file, but only if it is a regular file.
//!
//! `std::fs::read` on a path blocks forever when the path (or a link to it)
//! is a FIFO with no writer, and reads until memory runs out on `/dev/zero`.
//! Discovery cannot rule that out: a file can be swapped for a FIFO between
//! the walk and the read. So the type is checked on the open descriptor,
//! never on the path: open (through symbolic links) with `O_NONBLOCK`, so
//! that opening a FIFO returns at once instead of waiting for a writer,
//! then `fstat` the descriptor and read only if it is a regular file.
//! `O_NONBLOCK` has no effect on reads of regular files. A socket cannot be
//! opened at all (`ENXIO`); the path is then looked at only to name the
//! reason.
//!
//! What is not a regular file is [`ReadError::NotRegular`]: the pipeline
//! reports it as `skipped` with the reason `not a regular file: FIFO`
//! (character device, block device, socket). Other errors are failures.

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::Path;

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// Not a regular file (FIFO, device, socket): nothing read.
    NotRegular(&'static str),
    /// The open or the read failed.
    Io(io::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::NotRegular(kind) => write!(f, "not a regular file: {kind}"),
            ReadError::Io(e) => write!(f, "cannot read: {e}"),
        }
    }
}

impl std::error::Error for ReadError {}

/// Open `path` for reading without blocking on FIFOs and check on the open
/// descriptor that it is a regular file.
pub fn open_regular(path: &Path) -> Result<(File, Metadata), ReadError> {
    let file = match open_nonblocking(path) {
        Ok(f) => f,
        Err(e) => {
            // Opening a socket fails (ENXIO): say what it is.
            if let Ok(m) = std::fs::metadata(path) {
                if let Some(kind) = not_regular(&m) {
                    return Err(ReadError::NotRegular(kind));
                }
            }
            return Err(ReadError::Io(e));
        }
    };
    let meta = file.metadata().map_err(ReadError::Io)?;
    if let Some(kind) = not_regular(&meta) {
        return Err(ReadError::NotRegular(kind));
    }
    Ok((file, meta))
}

/// All bytes of a regular file (see the module doc).
pub fn read_regular(path: &Path) -> Result<Vec<u8>, ReadError> {
    let (mut file, meta) = open_regular(path)?;
    // The size is a hint only: the file may grow or shrink while it is read.
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0).saturating_add(1));
    file.read_to_end(&mut bytes).map_err(ReadError::Io)?;
    Ok(bytes)
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let nonblock = rustix::fs::OFlags::NONBLOCK.bits() as i32;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nonblock)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    File::open(path)
}

/// The kind of a file that is not regular (`None` for a regular file).
fn not_regular(m: &Metadata) -> Option<&'static str> {
    let ft = m.file_type();
    if ft.is_file() {
        return None;
    }
    if ft.is_dir() {
        return Some("folder");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return Some("FIFO");
        }
        if ft.is_char_device() {
            return Some("character device");
        }
        if ft.is_block_device() {
            return Some("block device");
        }
        if ft.is_socket() {
            return Some("socket");
        }
    }
    Some("special file")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Run `f` on another thread; fail if it takes longer than 10 s (a
    /// blocking open of a FIFO would never return).
    fn within_10s<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        rx.recv_timeout(Duration::from_secs(10))
            .expect("read blocked: no answer within 10 s")
    }

    #[test]
    fn regular_file_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        std::fs::write(&p, "新闻联播\n").unwrap();
        assert_eq!(read_regular(&p).unwrap(), "新闻联播\n".as_bytes());
    }

    #[cfg(unix)]
    #[test]
    fn fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pipe.txt");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &p,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o644),
            0,
        )
        .unwrap();
        let link = dir.path().join("link.txt");
        std::os::unix::fs::symlink(&p, &link).unwrap();
        for path in [p, link] {
            let r = within_10s(move || read_regular(&path));
            assert!(matches!(r, Err(ReadError::NotRegular("FIFO"))), "{r:?}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_sockets_are_refused() {
        let r = within_10s(|| read_regular(Path::new("/dev/zero")));
        assert!(
            matches!(r, Err(ReadError::NotRegular("character device"))),
            "{r:?}"
        );
        let dir = tempfile::tempdir().unwrap();
        let s = dir.path().join("sock.txt");
        let _l = std::os::unix::net::UnixListener::bind(&s).unwrap();
        let r = within_10s(move || read_regular(&s));
        assert!(matches!(r, Err(ReadError::NotRegular("socket"))), "{r:?}");
        let r = read_regular(dir.path());
        assert!(matches!(r, Err(ReadError::NotRegular("folder"))), "{r:?}");
    }

    #[test]
    fn missing_file_is_an_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let r = read_regular(&dir.path().join("gone.txt"));
        assert!(matches!(r, Err(ReadError::Io(_))), "{r:?}");
    }
}
