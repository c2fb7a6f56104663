//! Every output file is written through a [`Tree`]: the output folder or
//! the report folder, opened once as a directory descriptor. A file is
//! written as `tree.write(rel, bytes)`, where `rel` is a relative path made
//! only of plain names (no `..`, no `/` at the start, no `.`): anything else
//! is refused before a byte is written, so no output can land outside its
//! folder.
//!
//! **Links inside the folders are never followed.** The folder of each file
//! is opened from the tree's descriptor with `openat2` and
//! `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS` (Linux 5.6+; elsewhere one
//! `openat(O_NOFOLLOW | O_DIRECTORY)` per path component, creating missing
//! folders with `mkdirat`). A symbolic link on the way (say `out/sub ->
//! ../in/sub`) makes that one file fail with "symbolic link inside the
//! output folder, not followed"; the final name is replaced by `renameat`
//! or created by `linkat`, which never follow a link either. The folder
//! given on the command line may itself be a link: that is the user's
//! choice, resolved once when the tree is opened.
//!
//! **Atomic.** The bytes go to a file that has no name yet, which gets its
//! final name only once it is complete. On Linux that file is an unnamed
//! `O_TMPFILE` inode linked in with `linkat` (or, when the name exists,
//! linked under a temp name and renamed over it); elsewhere, or on
//! filesystems without `O_TMPFILE`, a temp file (`.newsclean-tmp-*`) in the
//! target folder, renamed. A run killed at any moment (SIGKILL, a panic,
//! Ctrl-C) therefore leaves either the old file or the new one, never half a
//! file. Named temp files are registered while they exist: on SIGINT or
//! SIGTERM the binary calls [`interrupt`], which removes them and refuses
//! new ones; after a SIGKILL the next run removes them at its start
//! ([`Tree::scan`] finds them; only a run holding the folder's lock does
//! it, see [`Tree::lock`]).
//!
//! The environment variable `NEWSCLEAN_PORTABLE_WRITES` ([`PORTABLE_ENV`])
//! forces the portable path, for its tests.
//!
//! `O_TMPFILE` is also the faster path: one directory operation per file
//! instead of two, and the inode is allocated without holding the folder's
//! lock; with thousands of small files written by parallel threads into a
//! few folders, that lock was where the kernel spent its time. The link is
//! made on the descriptor itself (`AT_EMPTY_PATH`, Linux 6.10+ or
//! CAP_DAC_READ_SEARCH), else through `/proc/self/fd/N`; the mode is set
//! with `fchmod` only when the umask would take a bit out of 0644. Opening
//! the file's folder from the tree's descriptor is one `openat2` per file,
//! the same path lookup the `open` of the folder by name cost before.
//!
//! **Locking.** [`Tree::lock`] takes an exclusive `flock` on the folder's
//! own descriptor, held until the process ends: no lock file is created, so
//! nothing is left in the cleaned corpus. A second run into the same folder
//! is refused while the first holds it.
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
//! - at the start of a run the old `summary.json` is removed and the
//!   removal made durable (fsync of the report folder) before anything else
//!   is written: a report folder never holds a `summary.json` older than
//!   some of the files beside it;
//! - every file committed with [`Durability::Deferred`] is handed, once
//!   named, to the tree's background syncers ([`Syncer`]: a few threads
//!   that `fdatasync` each file this run wrote, concurrently, so the
//!   filesystem merges them into few journal commits, while the run goes
//!   on); the folders that got a new name are remembered;
//! - at the end of the run [`Tree::sync`] waits for those flushes, then
//!   fsyncs every folder that got a new name (and the folders above it, up
//!   to the tree), so the names are durable too; only then is
//!   `summary.json` written, fsynced. `summary.json` is the commit marker
//!   of a run.
//!
//! What remains guaranteed:
//!
//! - **killed at any moment** (SIGKILL, panic, Ctrl-C, out of memory): no
//!   output file is ever partial; each name holds the old file or the new
//!   one (at most a `.newsclean-tmp-*` temp file is left behind by SIGKILL,
//!   removed by the next run);
//! - **power loss or OS crash after the run** (`summary.json` exists):
//!   every cleaned copy and report file is on disk, complete (its data and
//!   size by its own `fdatasync`, its name by the fsync of its folder);
//! - **power loss or OS crash during the run**: files named before the
//!   crash may come back empty or short (their flush had not happened yet;
//!   ext4 does not flush new files on rename). Such a run has no
//!   `summary.json`: run it again. Inputs are never written, so nothing is
//!   lost.
//!
//! Only the files this run wrote are flushed: other programs' dirty data on
//! the same filesystem is not (a `syncfs` would wait for all of it).

use std::ffi::{OsStr, OsString};
use std::io::{self, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use rustix::fs::{AtFlags, FlockOperation, Mode, OFlags};
use rustix::io::Errno;

/// Set (to anything) in the environment, this makes every write take the
/// portable path (named temp file + rename) even where `O_TMPFILE` works:
/// for the tests of that path and of the clean-up of its temp files.
pub const PORTABLE_ENV: &str = "NEWSCLEAN_PORTABLE_WRITES";

/// Prefix of every named temp file this program creates.
pub const TEMP_PREFIX: &str = ".newsclean-tmp-";

/// Whether `name` is a temp file of this program: `.newsclean-tmp-*`, or
/// the names earlier versions used (`.newsclean-<pid>-<n>`, and
/// `.newsclean-` with six random letters or digits).
pub fn is_temp_name(name: &OsStr) -> bool {
    let b = name.as_bytes();
    if b.starts_with(TEMP_PREFIX.as_bytes()) {
        return true;
    }
    let Some(rest) = b.strip_prefix(b".newsclean-") else {
        return false;
    };
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    let old_counter = rest
        .iter()
        .position(|&c| c == b'-')
        .is_some_and(|i| digits(&rest[..i]) && digits(&rest[i + 1..]));
    let old_random = rest.len() == 6 && rest.iter().all(u8::is_ascii_alphanumeric);
    old_counter || old_random
}

/// How hard [`Tree::write`] works to survive a power loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// fsync the data before the rename (`summary.json`).
    Fsync,
    /// name only; flushed in the background by the tree's [`Syncer`],
    /// waited for by [`Tree::sync`].
    Deferred,
}

/// An output or report folder, opened once; every write goes through it.
#[derive(Debug)]
pub struct Tree {
    path: PathBuf,
    fd: OwnedFd,
    syncer: Syncer,
}

/// What [`Tree::scan`] found in a folder tree.
#[derive(Debug, Default)]
pub struct Scan {
    /// Every entry that is not a folder (files, links, others), relative,
    /// in byte order; temp files excluded.
    pub entries: Vec<PathBuf>,
    /// Named temp files of earlier runs that were removed.
    pub temps_removed: usize,
}

/// The folder a file goes into: the tree's own descriptor or one opened
/// beneath it.
enum Dir<'a> {
    Root(BorrowedFd<'a>),
    Sub(OwnedFd),
}

impl Dir<'_> {
    fn fd(&self) -> BorrowedFd<'_> {
        match self {
            Dir::Root(fd) => *fd,
            Dir::Sub(fd) => fd.as_fd(),
        }
    }
}

/// Whether `rel` is a path this module writes: plain names only.
pub fn is_safe_rel(rel: &Path) -> bool {
    let mut any = false;
    for c in rel.components() {
        match c {
            Component::Normal(n) if !n.as_bytes().contains(&b'/') => any = true,
            _ => return false,
        }
    }
    any
}

fn unsafe_path(rel: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "refusing to write {}: not a plain relative path",
            crate::discover::escape_path(rel)
        ),
    )
}

fn link_error(rel: &Path, root: &Path) -> io::Error {
    io::Error::other(format!(
        "a symbolic link (or a file) on the way to {} inside {}: not followed",
        crate::discover::display_rel(rel),
        crate::discover::escape_path(root)
    ))
}

impl Tree {
    /// Create `path` (and its parents) if needed and open it.
    pub fn open(path: &Path) -> io::Result<Tree> {
        std::fs::create_dir_all(path)?;
        let fd = rustix::fs::open(
            path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(Tree {
            path: path.to_path_buf(),
            fd,
            syncer: Syncer::default(),
        })
    }

    /// The folder as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Take an exclusive lock on the folder for the life of the process
    /// (`flock` on its descriptor; no lock file). `Ok(false)`: another
    /// process holds it.
    pub fn lock(&self) -> io::Result<bool> {
        match rustix::fs::flock(&self.fd, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => Ok(true),
            Err(Errno::WOULDBLOCK) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Check that a file can be created in the folder (an unnamed one on
    /// Linux, a removed temp file elsewhere): a read-only or full
    /// filesystem is found before the run starts.
    pub fn probe(&self) -> io::Result<()> {
        let f = self.create(Path::new(".newsclean-probe"))?;
        drop(f);
        Ok(())
    }

    /// Remove `rel` (a file or link, never followed); a missing name is not
    /// an error. With `durable`, the folder is fsynced after.
    pub fn remove(&self, rel: &Path, durable: bool) -> io::Result<()> {
        let (dir, name) = self.parent(rel, false)?;
        match rustix::fs::unlinkat(dir.fd(), name, AtFlags::empty()) {
            Ok(()) | Err(Errno::NOENT) => {}
            Err(e) => return Err(e.into()),
        }
        if durable {
            rustix::fs::fsync(dir.fd())?;
        }
        Ok(())
    }

    /// Make every file this run wrote under the folder durable: wait for
    /// the background `fdatasync` of each ([`Syncer`]), then fsync each
    /// folder that got a new name and the folders above it. Nothing else
    /// on the filesystem is flushed. Files committed after this call are
    /// flushed again by the next call.
    pub fn sync(&self) -> io::Result<()> {
        let dirs = self.syncer.finish()?;
        // Deepest first, so that a folder is flushed before the one that
        // names it; every folder on the way to a written name is included.
        let mut all: std::collections::BTreeSet<PathBuf> = std::collections::BTreeSet::new();
        for d in dirs {
            let mut cur = Some(d.as_path());
            while let Some(p) = cur {
                if !all.insert(p.to_path_buf()) {
                    break;
                }
                cur = p.parent();
            }
        }
        for d in all.iter().rev() {
            if d.as_os_str().is_empty() {
                rustix::fs::fsync(&self.fd)?;
            } else {
                let fd = rustix::fs::openat(
                    &self.fd,
                    d,
                    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                    Mode::empty(),
                )?;
                rustix::fs::fsync(&fd)?;
            }
        }
        Ok(())
    }

    /// Walk the folder without following links: remove the named temp
    /// files earlier runs left (call it only while holding [`Tree::lock`])
    /// and list every other entry that is not a folder.
    pub fn scan(&self) -> io::Result<Scan> {
        let mut scan = Scan::default();
        for e in walkdir::WalkDir::new(&self.path)
            .follow_links(false)
            .min_depth(1)
        {
            let e = e.map_err(io::Error::other)?;
            if e.file_type().is_dir() {
                continue;
            }
            let rel = e
                .path()
                .strip_prefix(&self.path)
                .map_err(io::Error::other)?
                .to_path_buf();
            if is_temp_name(e.file_name()) {
                self.remove(&rel, false)?;
                scan.temps_removed += 1;
            } else {
                scan.entries.push(rel);
            }
        }
        scan.entries
            .sort_by(|a, b| a.as_os_str().as_bytes().cmp(b.as_os_str().as_bytes()));
        Ok(scan)
    }

    /// Write `bytes` to `rel` atomically, creating folders beneath the
    /// tree; fsync only with [`Durability::Fsync`].
    pub fn write(&self, rel: &Path, bytes: &[u8], durability: Durability) -> io::Result<()> {
        let mut f = self.create(rel)?;
        f.write_all(bytes)?;
        f.commit(durability)
    }

    /// Start writing `rel`: the returned file has no name (or a temp name)
    /// until [`AtomicFile::commit`]; dropped uncommitted, it vanishes.
    pub fn create(&self, rel: &Path) -> io::Result<AtomicFile<'_>> {
        let (dir, name) = self.parent(rel, true)?;
        let name = name.to_os_string();
        let dir_rel = rel.parent().unwrap_or(Path::new("")).to_path_buf();
        #[cfg(target_os = "linux")]
        if let Some(file) = unnamed::create(dir.fd())? {
            return Ok(AtomicFile {
                file,
                dir,
                name,
                temp: None,
                dir_rel,
                tree: self,
            });
        }
        let (file, temp) = temp_file(self, dir.fd(), &dir_rel)?;
        Ok(AtomicFile {
            file,
            dir,
            name,
            temp: Some(temp),
            dir_rel,
            tree: self,
        })
    }

    /// Open the folder of `rel` beneath the tree without following links,
    /// creating missing folders when `create`.
    fn parent<'p>(&self, rel: &'p Path, create: bool) -> io::Result<(Dir<'_>, &'p OsStr)> {
        if !is_safe_rel(rel) {
            return Err(unsafe_path(rel));
        }
        let name = rel.file_name().ok_or_else(|| unsafe_path(rel))?;
        let parent = rel.parent().unwrap_or(Path::new(""));
        if parent.as_os_str().is_empty() {
            return Ok((Dir::Root(self.fd.as_fd()), name));
        }
        #[cfg(target_os = "linux")]
        {
            use rustix::fs::ResolveFlags;
            static NO_OPENAT2: AtomicBool = AtomicBool::new(false);
            if !NO_OPENAT2.load(Ordering::Relaxed) {
                match rustix::fs::openat2(
                    &self.fd,
                    parent,
                    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
                    Mode::empty(),
                    ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS,
                ) {
                    Ok(fd) => return Ok((Dir::Sub(fd), name)),
                    Err(Errno::NOSYS | Errno::PERM) => NO_OPENAT2.store(true, Ordering::Relaxed),
                    Err(Errno::NOENT) if create => {}
                    Err(Errno::LOOP | Errno::XDEV | Errno::NOTDIR) => {
                        return Err(link_error(rel, &self.path))
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        // One component at a time, never following a link.
        let mut cur: Option<OwnedFd> = None;
        for c in parent.components() {
            let Component::Normal(c) = c else {
                return Err(unsafe_path(rel));
            };
            let base = cur.as_ref().map_or(self.fd.as_fd(), |f| f.as_fd());
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            let fd = match rustix::fs::openat(base, c, flags, Mode::empty()) {
                Ok(fd) => fd,
                Err(Errno::NOENT) if create => {
                    match rustix::fs::mkdirat(base, c, Mode::from_bits_truncate(0o755)) {
                        Ok(()) | Err(Errno::EXIST) => {}
                        Err(e) => return Err(e.into()),
                    }
                    match rustix::fs::openat(base, c, flags, Mode::empty()) {
                        Ok(fd) => fd,
                        Err(Errno::LOOP | Errno::NOTDIR) => {
                            return Err(link_error(rel, &self.path))
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                Err(Errno::LOOP | Errno::NOTDIR) => return Err(link_error(rel, &self.path)),
                Err(e) => return Err(e.into()),
            };
            cur = Some(fd);
        }
        Ok((Dir::Sub(cur.expect("parent has a component")), name))
    }
}

/// Background flushes of the files a [`Tree`] wrote: [`Syncer::THREADS`]
/// threads, started with the first file, `fdatasync` each file handed to
/// them (by [`AtomicFile::commit`] with [`Durability::Deferred`]) and close
/// it; at most [`Syncer::QUEUE`] files wait, so a writer that outruns the
/// disk waits too instead of holding thousands of descriptors. Several
/// flushes in flight at once let the filesystem commit them together.
#[derive(Debug, Default)]
pub struct Syncer {
    inner: Mutex<SyncerInner>,
}

#[derive(Debug, Default)]
struct SyncerInner {
    tx: Option<std::sync::mpsc::SyncSender<std::fs::File>>,
    threads: Vec<std::thread::JoinHandle<()>>,
    /// Folders (relative to the tree) that got a new name.
    dirs: std::collections::BTreeSet<PathBuf>,
    /// The first flush that failed.
    error: std::sync::Arc<Mutex<Option<io::Error>>>,
}

impl Syncer {
    /// Flushing threads.
    pub const THREADS: usize = 4;
    /// Files waiting for a flush, at most.
    pub const QUEUE: usize = 64;

    /// Hand `file` (named in the folder `dir_rel`) over for its flush.
    fn push(&self, file: std::fs::File, dir_rel: &Path) {
        let tx = {
            let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            if !g.dirs.contains(dir_rel) {
                g.dirs.insert(dir_rel.to_path_buf());
            }
            if g.tx.is_none() {
                let (tx, rx) = std::sync::mpsc::sync_channel::<std::fs::File>(Self::QUEUE);
                let rx = std::sync::Arc::new(Mutex::new(rx));
                for _ in 0..Self::THREADS {
                    let rx = rx.clone();
                    let error = g.error.clone();
                    g.threads.push(std::thread::spawn(move || loop {
                        let next = rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                        let Ok(f) = next else { break };
                        if let Err(e) = rustix::fs::fdatasync(&f) {
                            error
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .get_or_insert(e.into());
                        }
                    }));
                }
                g.tx = Some(tx);
            }
            g.tx.clone().expect("started above")
        };
        if let Err(std::sync::mpsc::SendError(f)) = tx.send(file) {
            // No thread left to take it (cannot happen while `tx` lives):
            // flush it here.
            let _ = rustix::fs::fdatasync(&f);
        }
    }

    /// Wait until every file handed over is flushed; the folders that got
    /// names since the last call, or the first flush error.
    fn finish(&self) -> io::Result<Vec<PathBuf>> {
        let (threads, dirs, error) = {
            let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            g.tx = None;
            (
                std::mem::take(&mut g.threads),
                std::mem::take(&mut g.dirs),
                g.error.clone(),
            )
        };
        for t in threads {
            let _ = t.join();
        }
        if let Some(e) = error.lock().unwrap_or_else(|e| e.into_inner()).take() {
            return Err(e);
        }
        Ok(dirs.into_iter().collect())
    }
}

/// A file being written by [`Tree::create`].
pub struct AtomicFile<'t> {
    file: std::fs::File,
    dir: Dir<'t>,
    name: OsString,
    /// The temp name, when the file has one (portable path).
    temp: Option<OsString>,
    /// The folder of the file, relative to the tree.
    dir_rel: PathBuf,
    tree: &'t Tree,
}

impl Write for AtomicFile<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// An [`AtomicFile`] let go of its tree for a while (an output shard
/// written record by record while the run goes on, see `shard.rs`):
/// written as a plain file, named by [`Detached::attach`] and
/// [`AtomicFile::commit`]. Dropped unattached, an unnamed file vanishes; a
/// temp name (the portable path) stays until the next run's scan.
pub struct Detached {
    file: std::fs::File,
    dir: OwnedFd,
    name: OsString,
    temp: Option<OsString>,
    dir_rel: PathBuf,
}

impl Write for Detached {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Detached {
    /// The file again, of `tree` (the tree it was created in).
    pub fn attach(self, tree: &Tree) -> AtomicFile<'_> {
        AtomicFile {
            file: self.file,
            dir: Dir::Sub(self.dir),
            name: self.name,
            temp: self.temp,
            dir_rel: self.dir_rel,
            tree,
        }
    }
}

impl AtomicFile<'_> {
    /// The file, without its borrow of the tree (its descriptors
    /// duplicated), until [`Detached::attach`].
    pub fn detach(mut self) -> io::Result<Detached> {
        let file = self.file.try_clone()?;
        let dir = self.dir.fd().try_clone_to_owned()?;
        Ok(Detached {
            file,
            dir,
            name: std::mem::take(&mut self.name),
            // Taken, so that dropping `self` keeps the temp file.
            temp: self.temp.take(),
            dir_rel: std::mem::take(&mut self.dir_rel),
        })
    }
}

impl AtomicFile<'_> {
    /// Give the file its name (replacing an existing file or link of that
    /// name, never following it), after an fsync with
    /// [`Durability::Fsync`].
    pub fn commit(mut self, durability: Durability) -> io::Result<()> {
        if durability == Durability::Fsync {
            self.file.sync_all()?;
        }
        self.name_it()?;
        if durability == Durability::Deferred {
            // The syncer takes its own descriptor of the file (this one is
            // closed with `self`).
            let f = self.file.try_clone()?;
            self.tree.syncer.push(f, &self.dir_rel);
        }
        Ok(())
    }

    fn name_it(&mut self) -> io::Result<()> {
        let dir = self.dir.fd();
        if let Some(temp) = self.temp.take() {
            let r = rustix::fs::renameat(dir, &temp, dir, &self.name);
            unregister(&temp, r.is_err(), dir);
            return r.map_err(Into::into);
        }
        #[cfg(target_os = "linux")]
        {
            unnamed::link(&self.file, dir, &self.name, self.tree, &self.dir_rel)
        }
        #[cfg(not(target_os = "linux"))]
        unreachable!("unnamed files exist only on Linux")
    }
}

impl Drop for AtomicFile<'_> {
    fn drop(&mut self) {
        if let Some(temp) = self.temp.take() {
            unregister(&temp, true, self.dir.fd());
        }
    }
}

/// Named temp files that exist now (full paths), for [`interrupt`].
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// Set by [`interrupt`]: no new named temp file is created.
static STOPPING: AtomicBool = AtomicBool::new(false);
static COUNTER: AtomicU64 = AtomicU64::new(0);

fn temp_name() -> OsString {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{TEMP_PREFIX}{}-{n}", std::process::id()).into()
}

/// Give a fresh temp name in `dir` (the folder `dir_rel` of `tree`) to a
/// file with `make` (which fails with `EEXIST` when the name is taken),
/// registered in [`LIVE`] under the same lock that [`interrupt`] takes, so
/// an interrupt either sees and removes it or prevents it.
fn with_temp_name(
    tree: &Tree,
    dir_rel: &Path,
    mut make: impl FnMut(&OsStr) -> Result<(), Errno>,
) -> io::Result<OsString> {
    loop {
        let temp = temp_name();
        let mut live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
        if STOPPING.load(Ordering::SeqCst) {
            return Err(io::Error::other("interrupted"));
        }
        match make(&temp) {
            Ok(()) => {
                live.push(tree.path.join(dir_rel).join(&temp));
                return Ok(temp);
            }
            Err(Errno::EXIST) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Create a named temp file (mode 0644) in `dir`, the folder `dir_rel`.
fn temp_file(
    tree: &Tree,
    dir: BorrowedFd<'_>,
    dir_rel: &Path,
) -> io::Result<(std::fs::File, OsString)> {
    let mut made = None;
    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let temp = with_temp_name(tree, dir_rel, |t| {
        made = Some(rustix::fs::openat(
            dir,
            t,
            flags,
            Mode::from_bits_truncate(0o644),
        )?);
        Ok(())
    })?;
    let fd = made.expect("created");
    // The umask may have masked the mode; outputs are 0644.
    rustix::fs::fchmod(&fd, Mode::from_bits_truncate(0o644))?;
    Ok((std::fs::File::from(fd), temp))
}

/// Forget a named temp file; remove it first when `remove`.
fn unregister(temp: &OsStr, remove: bool, dir: BorrowedFd<'_>) {
    let mut live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    if remove {
        let _ = rustix::fs::unlinkat(dir, temp, AtFlags::empty());
    }
    if let Some(i) = live.iter().position(|p| p.file_name() == Some(temp)) {
        live.swap_remove(i);
    }
}

/// Remove every named temp file this process has created and not yet
/// renamed, and refuse new ones. Called on SIGINT/SIGTERM just before the
/// process exits; unnamed (`O_TMPFILE`) files vanish with the process.
pub fn interrupt() -> usize {
    let mut live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    STOPPING.store(true, Ordering::SeqCst);
    let n = live.len();
    for p in live.drain(..) {
        let _ = std::fs::remove_file(p);
    }
    n
}

/// The `O_TMPFILE` + `linkat` path.
#[cfg(target_os = "linux")]
mod unnamed {
    use super::{unregister, with_temp_name, Tree};
    use rustix::fs::{AtFlags, Mode, OFlags, CWD};
    use rustix::io::Errno;
    use std::ffi::OsStr;
    use std::io;
    use std::os::fd::{AsRawFd, BorrowedFd};
    use std::path::Path;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// Set once `O_TMPFILE` or `/proc/self/fd` turned out not to work here;
    /// every later file then takes the portable path at once.
    static UNSUPPORTED: AtomicBool = AtomicBool::new(false);

    /// An unnamed file in `dir`, or `None` when this filesystem has none.
    pub(super) fn create(dir: BorrowedFd<'_>) -> io::Result<Option<std::fs::File>> {
        static FORCED_OFF: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        let off = *FORCED_OFF.get_or_init(|| std::env::var_os(super::PORTABLE_ENV).is_some());
        if off || UNSUPPORTED.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let flags = OFlags::TMPFILE | OFlags::WRONLY | OFlags::CLOEXEC;
        let mode = Mode::from_bits_truncate(0o644);
        let fd = match rustix::fs::openat(dir, ".", flags, mode) {
            Ok(fd) => fd,
            Err(Errno::OPNOTSUPP | Errno::ISDIR | Errno::INVAL) => {
                UNSUPPORTED.store(true, Ordering::Relaxed);
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        };
        // The umask may have masked the mode; outputs are 0644 like cp's.
        if umask_masks_0644() {
            rustix::fs::fchmod(&fd, mode)?;
        }
        Ok(Some(std::fs::File::from(fd)))
    }

    /// Name the unnamed `file` `dir/name`; when the name exists, link it
    /// under a temp name and rename that over it.
    pub(super) fn link(
        file: &std::fs::File,
        dir: BorrowedFd<'_>,
        name: &OsStr,
        tree: &Tree,
        dir_rel: &Path,
    ) -> io::Result<()> {
        match link_at(file, dir, name) {
            Ok(()) => return Ok(()),
            Err(Errno::EXIST) => {}
            Err(Errno::NOENT) if !Path::new("/proc/self/fd").exists() => {
                return Err(io::Error::other("cannot name an O_TMPFILE file: no /proc"));
            }
            Err(e) => return Err(e.into()),
        }
        let temp = with_temp_name(tree, dir_rel, |t| link_at(file, dir, t))?;
        let r = rustix::fs::renameat(dir, &temp, dir, name);
        unregister(&temp, r.is_err(), dir);
        r.map_err(Into::into)
    }

    /// Set once `linkat(fd, "", AT_EMPTY_PATH)` was refused (kernels before
    /// 6.10 allow it only with CAP_DAC_READ_SEARCH).
    static NO_EMPTY_PATH: AtomicBool = AtomicBool::new(false);

    fn link_at(file: &std::fs::File, dir: BorrowedFd<'_>, name: &OsStr) -> Result<(), Errno> {
        if !NO_EMPTY_PATH.load(Ordering::Relaxed) {
            match rustix::fs::linkat(file, "", dir, name, AtFlags::EMPTY_PATH) {
                Err(Errno::PERM | Errno::NOENT | Errno::INVAL) => {
                    NO_EMPTY_PATH.store(true, Ordering::Relaxed);
                }
                r => return r,
            }
        }
        let proc_path = format!("/proc/self/fd/{}", file.as_raw_fd());
        rustix::fs::linkat(CWD, &proc_path, dir, name, AtFlags::SYMLINK_FOLLOW)
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<OsString> {
        let mut v: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn writes_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let t = Tree::open(dir.path()).unwrap();
        let rel = Path::new("a/b/c.txt");
        t.write(rel, b"one", Durability::Deferred).unwrap();
        t.write(rel, b"two", Durability::Fsync).unwrap();
        let p = dir.path().join(rel);
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(names(p.parent().unwrap()), ["c.txt"], "no temp file left");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o644
        );
    }

    #[test]
    fn refuses_paths_that_leave_the_tree() {
        let dir = tempfile::tempdir().unwrap();
        let t = Tree::open(&dir.path().join("out")).unwrap();
        for rel in ["../x.txt", "a/../../x.txt", "/tmp/x.txt", "./x.txt", ""] {
            let e = t.write(Path::new(rel), b"x", Durability::Deferred);
            assert!(e.is_err(), "{rel} was written");
        }
        assert_eq!(names(dir.path()), ["out"]);
        assert!(names(&dir.path().join("out")).is_empty());
    }

    #[test]
    fn never_follows_a_link_inside_the_tree() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::create_dir(&victim).unwrap();
        std::fs::write(victim.join("b.txt"), "input").unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::os::unix::fs::symlink("../victim", out.join("sub")).unwrap();
        std::os::unix::fs::symlink("../victim/b.txt", out.join("f.txt")).unwrap();
        let t = Tree::open(&out).unwrap();
        let e = t
            .write(Path::new("sub/b.txt"), b"x", Durability::Deferred)
            .unwrap_err();
        assert!(e.to_string().contains("not followed"), "{e}");
        assert!(t
            .write(Path::new("sub/new/c.txt"), b"x", Durability::Deferred)
            .is_err());
        // A link as the final name is replaced, its target untouched.
        t.write(Path::new("f.txt"), b"new", Durability::Deferred)
            .unwrap();
        assert_eq!(std::fs::read(victim.join("b.txt")).unwrap(), b"input");
        assert_eq!(names(&victim), ["b.txt"]);
        assert!(std::fs::symlink_metadata(out.join("f.txt"))
            .unwrap()
            .is_file());
    }

    #[test]
    fn a_second_lock_on_the_same_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = Tree::open(dir.path()).unwrap();
        let b = Tree::open(dir.path()).unwrap();
        assert!(a.lock().unwrap());
        assert!(!b.lock().unwrap());
        drop(a);
        assert!(b.lock().unwrap());
        assert!(names(dir.path()).is_empty(), "no lock file");
    }

    #[test]
    fn scan_removes_temp_files_and_lists_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let t = Tree::open(dir.path()).unwrap();
        t.write(Path::new("a/x.txt"), b"x", Durability::Deferred)
            .unwrap();
        std::fs::write(dir.path().join("a/.newsclean-tmp-1-2"), "partial").unwrap();
        let s = t.scan().unwrap();
        assert_eq!(s.temps_removed, 1);
        assert_eq!(s.entries, [PathBuf::from("a/x.txt")]);
        assert_eq!(names(&dir.path().join("a")), ["x.txt"]);
    }

    /// The path taken where there is no `O_TMPFILE`: a registered named
    /// temp file, renamed over the name (a link in its place is replaced,
    /// never followed); dropped uncommitted, it is removed.
    #[test]
    fn portable_path_renames_a_registered_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let t = Tree::open(dir.path()).unwrap();
        std::fs::write(dir.path().join("victim"), "input").unwrap();
        std::os::unix::fs::symlink("victim", dir.path().join("x.txt")).unwrap();
        let portable = |rel: &str| {
            let (d, name) = t.parent(Path::new(rel), true).unwrap();
            let (file, temp) = temp_file(&t, d.fd(), Path::new("")).unwrap();
            AtomicFile {
                file,
                dir: d,
                name: name.to_os_string(),
                temp: Some(temp),
                dir_rel: PathBuf::new(),
                tree: &t,
            }
        };
        let mut f = portable("x.txt");
        let live = |n: &str| {
            LIVE.lock()
                .unwrap()
                .iter()
                .any(|p| p.starts_with(dir.path()) && p.to_string_lossy().contains(n))
        };
        assert!(live(TEMP_PREFIX));
        f.write_all(b"new").unwrap();
        f.commit(Durability::Fsync).unwrap();
        assert!(!live(TEMP_PREFIX));
        assert_eq!(std::fs::read(dir.path().join("victim")).unwrap(), b"input");
        assert_eq!(std::fs::read(dir.path().join("x.txt")).unwrap(), b"new");
        let mut f = portable("y.txt");
        f.write_all(b"half").unwrap();
        drop(f);
        assert!(!live(TEMP_PREFIX));
        assert_eq!(names(dir.path()), ["victim", "x.txt"]);
        let mode = {
            use std::os::unix::fs::PermissionsExt;
            std::fs::metadata(dir.path().join("x.txt"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode, 0o644);
    }

    #[test]
    fn temp_names_of_this_and_earlier_versions() {
        for n in [
            ".newsclean-tmp-12-3",
            ".newsclean-123-4",
            ".newsclean-aZ09xq",
        ] {
            assert!(is_temp_name(OsStr::new(n)), "{n}");
        }
        for n in [
            ".newsclean-notes.txt",
            "newsclean-1-2",
            ".newsclean-1-",
            "a.txt",
        ] {
            assert!(!is_temp_name(OsStr::new(n)), "{n}");
        }
    }

    #[test]
    fn an_uncommitted_file_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let t = Tree::open(dir.path()).unwrap();
        let mut f = t.create(Path::new("x.txt")).unwrap();
        f.write_all(b"half").unwrap();
        drop(f);
        t.probe().unwrap();
        assert!(names(dir.path()).is_empty());
    }
}
