//! Every output file is written through [`write_atomic`]: the bytes go to
//! a file that has no name yet, which gets its final name only once it is
//! complete. On Linux that file is an unnamed `O_TMPFILE` inode linked in
//! with `linkat` (or, when the name exists, linked under a temp name and
//! renamed over it); elsewhere, or on filesystems without `O_TMPFILE`, a
//! temp file (`.newsclean-*`) in the target folder, renamed. A run killed
//! at any moment (SIGKILL, a panic, Ctrl-C) therefore leaves either the old
//! file or the new one, never half a file (a SIGKILL on the portable path
//! can leave a `.newsclean-*` temp file, never a partial file under an
//! output name). Link and rename alone give that: they are atomic for every
//! other process whether or not the data reached the disk.
//!
//! `O_TMPFILE` is also the faster path: one directory operation per file
//! instead of two, and the inode is allocated without holding the folder's
//! lock; with thousands of small files written by parallel threads into a
//! few folders, that lock was where the kernel spent its time. The link is
//! made on the descriptor itself (`AT_EMPTY_PATH`, Linux 6.10+ or
//! CAP_DAC_READ_SEARCH), else through `/proc/self/fd/N`; the mode is set
//! with `fchmod` only when the umask would take a bit out of 0644.
//!
//! `fsync` is about power loss and OS crashes, not about killed processes,
//! and one fsync per file is expensive: each waits for the disk, so on the
//! xwlb corpus (5,078 files) per-file fsyncs of the cleaned copies alone
//! cost 1-8 s of wall time, noisy with the disk's other traffic, against
//! ~1 s for the whole dedup-only run without them. The policy:
//!
//! - cleaned copies and report files (diffs, review pages, assets,
//!   `changes.jsonl`, `index.html`) are written with
//!   [`Durability::Deferred`]: atomic as above, no fsync of their own;
//! - at the end of the run [`sync_tree`] flushes the output and the report
//!   filesystems once each (`syncfs`, bandwidth-bound instead of
//!   latency-bound), and only then is `summary.json` written, fsynced
//!   ([`write_atomic`]). `summary.json` is the commit marker of a run.
//!
//! What remains guaranteed:
//!
//! - **killed at any moment** (SIGKILL, panic, Ctrl-C, out of memory): no
//!   output file is ever partial; each name holds the old file or the new
//!   one (at most a `.newsclean-*` temp file is left behind by SIGKILL);
//! - **power loss or OS crash after the run** (`summary.json` exists):
//!   every cleaned copy and report file is on disk, complete;
//! - **power loss or OS crash during the run**: files renamed before the
//!   crash may come back empty or short (the kernel had not written their
//!   data yet; ext4 does not flush new files on rename). Such a run has no
//!   `summary.json` (or the one of an older run, older than its files):
//!   run it again. Inputs are never written, so nothing is lost.
//!
//! `syncfs` flushes the whole filesystem, other programs' dirty data
//! included; on a busy machine it can take longer, but it is one flush.

use std::io::Write;
use std::path::Path;

/// How hard [`write_atomic_with`] works to survive a power loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// fsync the data before the rename (`summary.json`).
    Fsync,
    /// rename only; the caller flushes the folder once with [`sync_tree`].
    Deferred,
}

/// Write `bytes` to `path` atomically and durably (fsync), creating parent
/// folders.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, bytes, Durability::Fsync)
}

/// Write `bytes` to `path` atomically, creating parent folders; fsync only
/// with [`Durability::Fsync`].
///
/// On Linux the data goes to an unnamed file (`O_TMPFILE`) that is linked
/// under its name once complete: one directory operation per file instead
/// of two (create a temp name, rename it), and the inode is allocated
/// without holding the folder's lock, so parallel writers into one folder
/// do not queue behind each other. If the name already exists (a re-run
/// into the same output folder) the file is linked under a temp name and
/// renamed over it. Filesystems without `O_TMPFILE` (or no `/proc`) take
/// the portable path: a named temp file + rename.
pub fn write_atomic_with(path: &Path, bytes: &[u8], durability: Durability) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    #[cfg(target_os = "linux")]
    {
        match unnamed::write(dir, path, bytes, durability) {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            Err(e) => return Err(e),
        }
    }
    let mut tmp = match temp_in(dir) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir)?;
            temp_in(dir)?
        }
        Err(e) => return Err(e),
    };
    tmp.write_all(bytes)?;
    // Temp files are created 0600 by default; outputs are for everyone who
    // may read the folder, like files written by cp. The mode is set at
    // creation (and again below, since the umask may have masked it).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let want = 0o644;
        if tmp.as_file().metadata()?.permissions().mode() & 0o777 != want {
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(want))?;
        }
    }
    if durability == Durability::Fsync {
        tmp.as_file().sync_all()?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The `O_TMPFILE` + `linkat` path of [`write_atomic_with`].
#[cfg(target_os = "linux")]
mod unnamed {
    use super::Durability;
    use rustix::fs::{AtFlags, Mode, OFlags, CWD};
    use rustix::io::Errno;
    use std::io::Write;
    use std::os::fd::AsRawFd;
    use std::path::Path;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

    /// Set once `O_TMPFILE` or `/proc/self/fd` turned out not to work here;
    /// every later file then takes the portable path at once.
    static UNSUPPORTED: AtomicBool = AtomicBool::new(false);
    static COUNTER: AtomicU64 = AtomicU64::new(0);

    /// `Ok(false)`: not possible here, nothing was written; use the
    /// portable path.
    pub(super) fn write(
        dir: &Path,
        path: &Path,
        bytes: &[u8],
        durability: Durability,
    ) -> std::io::Result<bool> {
        if UNSUPPORTED.load(Ordering::Relaxed) {
            return Ok(false);
        }
        let flags = OFlags::TMPFILE | OFlags::WRONLY | OFlags::CLOEXEC;
        let mode = Mode::from_bits_truncate(0o644);
        let fd = match rustix::fs::open(dir, flags, mode) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => {
                std::fs::create_dir_all(dir)?;
                match rustix::fs::open(dir, flags, mode) {
                    Ok(fd) => fd,
                    Err(e) => return unsupported_or(e),
                }
            }
            Err(e) => return unsupported_or(e),
        };
        // The umask may have masked the mode; outputs are 0644 like cp's.
        if umask_masks_0644() {
            rustix::fs::fchmod(&fd, mode)?;
        }
        let mut file = std::fs::File::from(fd);
        file.write_all(bytes)?;
        if durability == Durability::Fsync {
            file.sync_all()?;
        }
        match link(&file, path) {
            Ok(()) => return Ok(true),
            Err(Errno::EXIST) => {}
            Err(Errno::NOENT) if !Path::new("/proc/self/fd").exists() => {
                UNSUPPORTED.store(true, Ordering::Relaxed);
                return Ok(false);
            }
            Err(e) => return Err(e.into()),
        }
        // The name exists: link under a fresh temp name, rename over it.
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let tmp = dir.join(format!(".newsclean-{}-{n}", std::process::id()));
            match link(&file, &tmp) {
                Ok(()) => {}
                Err(Errno::EXIST) => continue,
                Err(e) => return Err(e.into()),
            }
            return match std::fs::rename(&tmp, path) {
                Ok(()) => Ok(true),
                Err(e) => {
                    let _ = std::fs::remove_file(&tmp);
                    Err(e)
                }
            };
        }
    }

    /// Set once `linkat(fd, "", AT_EMPTY_PATH)` was refused (kernels before
    /// 6.10 allow it only with CAP_DAC_READ_SEARCH).
    static NO_EMPTY_PATH: AtomicBool = AtomicBool::new(false);

    /// Give the unnamed `file` the name `path`: `linkat` on the descriptor
    /// itself where the kernel allows it, else through `/proc/self/fd`
    /// (a path lookup through procfs per file).
    fn link(file: &std::fs::File, path: &Path) -> Result<(), Errno> {
        if !NO_EMPTY_PATH.load(Ordering::Relaxed) {
            match rustix::fs::linkat(file, "", CWD, path, AtFlags::EMPTY_PATH) {
                Err(Errno::PERM | Errno::NOENT | Errno::INVAL) => {
                    NO_EMPTY_PATH.store(true, Ordering::Relaxed);
                }
                r => return r,
            }
        }
        let proc_path = format!("/proc/self/fd/{}", file.as_raw_fd());
        rustix::fs::linkat(CWD, &proc_path, CWD, path, AtFlags::SYMLINK_FOLLOW)
    }

    /// Whether the umask takes a bit out of 0644 (then each file is
    /// chmod-ed back): read once from `/proc/self/status`; when it cannot
    /// be read, assume it does.
    fn umask_masks_0644() -> bool {
        static MASKS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *MASKS.get_or_init(|| {
            std::fs::read_to_string("/proc/self/status")
                .ok()
                .and_then(|s| {
                    let v = s.lines().find_map(|l| l.strip_prefix("Umask:"))?;
                    u32::from_str_radix(v.trim(), 8).ok()
                })
                .is_none_or(|m| m & 0o644 != 0)
        })
    }

    /// Errors that mean "no `O_TMPFILE` on this filesystem" switch to the
    /// portable path; any other is the caller's error.
    fn unsupported_or(e: Errno) -> std::io::Result<bool> {
        match e {
            Errno::OPNOTSUPP | Errno::ISDIR | Errno::INVAL => {
                UNSUPPORTED.store(true, Ordering::Relaxed);
                Ok(false)
            }
            e => Err(e.into()),
        }
    }
}

/// A temp file in `dir`, created with mode 0644 where there are modes.
fn temp_in(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let mut b = tempfile::Builder::new();
    b.prefix(".newsclean-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(std::fs::Permissions::from_mode(0o644));
    }
    b.tempfile_in(dir)
}

/// Flush every file written under `dir` to disk: one `syncfs` of the
/// filesystem holding `dir` (Linux), instead of one fsync per file. Call it
/// before writing the file that marks the work as done.
pub fn sync_tree(dir: &Path) -> std::io::Result<()> {
    let f = std::fs::File::open(dir)?;
    #[cfg(target_os = "linux")]
    {
        rustix::fs::syncfs(&f)?;
    }
    #[cfg(not(target_os = "linux"))]
    {
        f.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn writes_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/b/c.txt");
        super::write_atomic(&p, b"one").unwrap();
        super::write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(p.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "no temp file left behind: {names:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o644
            );
        }
    }
}
