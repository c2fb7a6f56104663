//! Every output file is written through [`write_atomic`]: a temp file
//! (`.newsclean-*`) in the target folder, write, rename. A run killed at any
//! moment (SIGKILL, a panic, Ctrl-C) therefore leaves either the old file or
//! the new one, never half a file; temp files are removed when the process
//! unwinds (a SIGKILL can leave a `.newsclean-*` temp file, never a partial
//! file under an output name). Rename alone gives that: it is atomic for
//! every other process whether or not the data reached the disk.
//!
//! `fsync` is about power loss and OS crashes, not about killed processes,
//! and one fsync per file is expensive: each waits for the disk, so on the
//! xwlb corpus (5,078 files) per-file fsyncs of the cleaned copies alone
//! cost 1-8 s of wall time, noisy with the disk's other traffic, against
//! ~1 s for the whole dedup-only run without them. The policy:
//!
//! - cleaned copies and report files (diffs, review pages, assets,
//!   `changes.jsonl`, `index.html`) are written with
//!   [`Durability::Deferred`]: temp file + rename, no fsync of their own;
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

/// Write `bytes` to `path` atomically (temp file + rename), creating parent
/// folders; fsync only with [`Durability::Fsync`].
pub fn write_atomic_with(path: &Path, bytes: &[u8], durability: Durability) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
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
