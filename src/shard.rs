//! JSONL shards: one JSON object per line, plain (`*.jsonl`), gzip
//! (`*.jsonl.gz`, dolma's `*.json.gz`; concatenated members read as one
//! stream) or zstd (`*.jsonl.zst`), the way scraped dumps arrive.
//!
//! Every record is a document of its own ([`Corpus`], the run's
//! [`DocSource`]): its text field (`--text-field`, a dotted path reaches a
//! nested field) is cleaned by every rule, and its duplicates are decided
//! against everything before it in corpus order (the shard's place among
//! the sorted input paths, then its line), exactly as a file's. A record is
//! named `SHARD#ID` (`--id-field`, else its 1-based line number).
//!
//! The output shard has the input's name, compression and line order; each
//! line is the input line with the text field's JSON string replaced in
//! place (the byte span of the value, found with
//! [`serde_json::value::RawValue`]), so every other byte of the line, every
//! other field included, is kept as it was; a record whose text did not
//! change is its input line unchanged. A bad record (a line that is not
//! UTF-8 or not a JSON object, a missing or non-string text field, a string
//! that does not decode) and the tail of a truncated compressed stream are
//! failed documents: their row names the shard and line and the reason, and
//! their bytes are passed through unchanged into the output shard (exit 2).
//! Blank lines are passed through and are no records.
//!
//! The input `-` is one more kind of document: the text read on stdin
//! ([`stdin_corpus`]), decoded as a file's bytes are, whose output (the
//! cleaned text, or its bytes when they are no text) is kept for stdout.
//!
//! A shard is never held whole. It is read twice, as a stream: once when
//! the corpus is built (each line located, in batches of at most
//! [`BATCH_LINES`] lines or [`BATCH_BYTES`] bytes: the records' ids and
//! where their text is; blank lines and a truncated stream's tail kept),
//! and again during the run, a record's line held from its analysis until
//! its output line is put ([`Input`]), so what is held is the driver's
//! chunks in flight, as for files. The output shard (and its attribute
//! file) is written, compressed, in line order as its lines arrive
//! ([`Output`]: a line waits only for earlier ones still in flight) and
//! named when its last line is written. A text read again after its line
//! was let go (a kept copy's page) reads the shard again from its start,
//! so those are read in corpus order (`DocSource::rereads_in_order`).

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::ops::Range;
use std::path::Path;
use std::sync::Mutex;

use serde_json::value::RawValue;

use crate::config::Config;
use crate::discover::SourceFile;
use crate::emit::{Durability, Tree};
use crate::report::{FileReport, Status};
use crate::source::{Analysis, DocSource, FileError, Read as ReadText, TreeSource};
use crate::stage::{Doc, DocId, Source};

/// The include globs of shards (added to the default `*.txt`).
pub(crate) const GLOBS: [&str; 4] = ["*.jsonl", "*.jsonl.gz", "*.jsonl.zst", "*.json.gz"];

/// Which field of a record is its text, which its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardOptions {
    /// Dotted path of the text field (`text`, `doc.body`).
    pub text_field: String,
    /// Dotted path of the id field (`id`); a record without one is named
    /// by its line number.
    pub id_field: String,
    /// A record removed as a duplicate document stays in its output shard,
    /// with the field `newsclean_duplicate_of` added (`--keep-duplicates`).
    pub keep_duplicates: bool,
    /// Write a dolma-style attribute file per shard beneath this folder
    /// (`--attributes`; not with `--check`).
    pub attributes: Option<std::path::PathBuf>,
}

impl Default for ShardOptions {
    fn default() -> ShardOptions {
        ShardOptions {
            text_field: "text".into(),
            id_field: "id".into(),
            keep_duplicates: false,
            attributes: None,
        }
    }
}

/// How a shard is compressed, read from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compression {
    Plain,
    Gzip,
    Zstd,
}

impl Compression {
    /// The compression of a shard named `name`, `None` when it is no shard.
    pub(crate) fn of(name: &Path) -> Option<Compression> {
        let n = name.file_name()?.to_str()?;
        if n.ends_with(".jsonl") {
            Some(Compression::Plain)
        } else if n.ends_with(".jsonl.gz") || n.ends_with(".json.gz") {
            Some(Compression::Gzip)
        } else if n.ends_with(".jsonl.zst") {
            Some(Compression::Zstd)
        } else {
            None
        }
    }

    fn name(self) -> &'static str {
        match self {
            Compression::Plain => "plain",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// One shard: what its first reading found (its lines, which of them are
/// blank), the reader of the run, and its output being written.
struct Shard {
    file: SourceFile,
    compression: Compression,
    /// Its lines (records, blank lines, a truncated stream's tail).
    lines: usize,
    /// The blank lines' bytes (passed through; no records).
    blank: std::collections::HashMap<usize, Vec<u8>>,
    /// The line of a truncated stream's tail, if any.
    tail: Option<usize>,
    /// The line of its last record: the stream is closed once it is read.
    last_record: Option<usize>,
    /// The records' lines, read again as their records are analysed.
    input: Mutex<Input>,
    /// The output shard (and attribute file), written in line order.
    out: Mutex<Output>,
    /// Bytes of the output shard (its lines, decompressed), once written.
    written: std::sync::atomic::AtomicU64,
}

/// The reading of a shard during the run: records are analysed in corpus
/// order (a few chunks at once), so the shard is decompressed again as a
/// stream and each record's line is held from its analysis until its
/// output line is settled; at most the run's chunks in flight are held.
#[derive(Default)]
struct Input {
    /// The stream, at line `next`.
    reader: Option<LineReader>,
    next: usize,
    /// Lines read and not yet settled; with the hash of the text decoded
    /// from it (its length and xxh3), once analysed.
    held: std::collections::HashMap<usize, Held>,
    /// Lines settled (their output line put): never held again.
    settled: Vec<bool>,
}

/// A held line, and the length and xxh3 of its decoded text once analysed.
type Held = (std::sync::Arc<Vec<u8>>, Option<(usize, u64)>);

/// The output of a shard: lines arrive in any order (records are emitted
/// in parallel) and are written, compressed, as soon as every line before
/// them is there; the attribute rows go along.
#[derive(Default)]
struct Output {
    /// The next line to write.
    next: usize,
    /// Lines (with their attribute rows) waiting for an earlier one.
    pending: std::collections::BTreeMap<usize, (Vec<u8>, Option<Vec<u8>>)>,
    /// The attribute rows noted for lines not yet put.
    rows: std::collections::HashMap<usize, Vec<u8>>,
    file: Option<Writer>,
    attrs: Option<Writer>,
    /// Decompressed bytes written.
    bytes: u64,
    /// Writing failed (said once, to the record that met it).
    broken: bool,
    /// A thread is writing lines (`file` and `attrs` are with it).
    writing: bool,
}

/// An output file being written, compressed as its shard.
enum Writer {
    Plain(std::io::BufWriter<crate::emit::Detached>),
    Gzip(flate2::write::GzEncoder<crate::emit::Detached>),
    Zstd(zstd::stream::write::Encoder<'static, crate::emit::Detached>),
}

impl Writer {
    fn create(tree: &Tree, rel: &Path, c: Compression) -> std::io::Result<Writer> {
        let f = tree.create(rel)?.detach()?;
        Ok(match c {
            Compression::Plain => Writer::Plain(std::io::BufWriter::with_capacity(1 << 16, f)),
            Compression::Gzip => Writer::Gzip(flate2::write::GzEncoder::new(
                f,
                flate2::Compression::default(),
            )),
            Compression::Zstd => Writer::Zstd(zstd::stream::write::Encoder::new(f, 3)?),
        })
    }

    fn write_all(&mut self, b: &[u8]) -> std::io::Result<()> {
        match self {
            Writer::Plain(w) => w.write_all(b),
            Writer::Gzip(w) => w.write_all(b),
            Writer::Zstd(w) => w.write_all(b),
        }
    }

    /// Finish the stream and name the file in `tree`.
    fn commit(self, tree: &Tree) -> std::io::Result<()> {
        let f = match self {
            Writer::Plain(w) => w.into_inner().map_err(|e| e.into_error())?,
            Writer::Gzip(w) => w.finish()?,
            Writer::Zstd(w) => w.finish()?,
        };
        f.attach(tree).commit(Durability::Deferred)
    }
}

/// A shard's decompressed stream, line by line: read in chunks of 64 KiB
/// until it ends or breaks (a truncated or damaged gzip/zstd stream).
struct LineReader {
    r: Box<dyn BufRead + Send>,
    buf: Vec<u8>,
    /// Where the unread bytes of `buf` start, and how far past that no
    /// newline was found.
    pos: usize,
    scanned: usize,
    /// The stream ended: cleanly (`None`) or broken (why).
    end: Option<Option<String>>,
    /// Everything was handed out.
    done: bool,
}

/// What a [`LineReader`] hands out next.
enum Next {
    /// A line, its newline included (the last line may have none).
    Line(Vec<u8>),
    /// The end of the stream.
    Eof,
    /// The stream broke: the bytes after the last newline, and why.
    Broken(Vec<u8>, String),
}

impl LineReader {
    fn open(path: &Path, c: Compression) -> std::io::Result<LineReader> {
        let file = std::fs::File::open(path)?;
        if !file.metadata()?.is_file() {
            return Err(std::io::Error::other("not a regular file"));
        }
        let file = BufReader::new(file);
        let r: Box<dyn BufRead + Send> = match c {
            Compression::Plain => Box::new(file),
            Compression::Gzip => {
                Box::new(BufReader::new(flate2::bufread::MultiGzDecoder::new(file)))
            }
            Compression::Zstd => Box::new(BufReader::new(
                zstd::stream::read::Decoder::with_buffer(file)?,
            )),
        };
        Ok(LineReader {
            r,
            buf: Vec::new(),
            pos: 0,
            scanned: 0,
            end: None,
            done: false,
        })
    }

    fn next(&mut self) -> Next {
        loop {
            if self.done {
                return Next::Eof;
            }
            let from = self.pos + self.scanned;
            if let Some(i) = self.buf[from..].iter().position(|&b| b == b'\n') {
                let end = from + i + 1;
                let line = self.buf[self.pos..end].to_vec();
                self.pos = end;
                self.scanned = 0;
                return Next::Line(line);
            }
            self.scanned = self.buf.len() - self.pos;
            if let Some(end) = self.end.take() {
                let rest = self.buf[self.pos..].to_vec();
                self.buf = Vec::new();
                self.pos = 0;
                self.scanned = 0;
                match end {
                    Some(why) => {
                        self.done = true;
                        return Next::Broken(rest, why);
                    }
                    None if rest.is_empty() => {
                        self.done = true;
                        return Next::Eof;
                    }
                    None => {
                        self.end = Some(None);
                        return Next::Line(rest);
                    }
                }
            }
            if self.pos > 0 {
                self.buf.drain(..self.pos);
                self.pos = 0;
            }
            let old = self.buf.len();
            self.buf.resize(old + (1 << 16), 0);
            match self.r.read(&mut self.buf[old..]) {
                Ok(0) => {
                    self.buf.truncate(old);
                    self.end = Some(None);
                }
                Ok(n) => self.buf.truncate(old + n),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => self.buf.truncate(old),
                Err(e) => {
                    self.buf.truncate(old);
                    self.end = Some(Some(e.to_string()));
                }
            }
        }
    }
}

/// Where a record's text is in its line, or why it has none.
type Located = Result<Range<usize>, String>;

/// A document of the run.
enum Entry {
    /// A file of the tree (index into the tree's files).
    File(usize),
    /// A record: its shard, line (0-based), id and text span.
    Record {
        shard: usize,
        line: usize,
        name: String,
        id: String,
        text: Located,
    },
    /// What was left of a truncated compressed stream (line `line`,
    /// possibly empty: its bytes) and why it ended.
    Tail {
        shard: usize,
        line: usize,
        name: String,
        bytes: Vec<u8>,
        error: String,
    },
    /// A shard that could not be read at all.
    Unreadable { shard: usize, error: String },
    /// The text read on stdin (input `-`), cleaned for stdout.
    Stdin(Vec<u8>),
}

/// The run's documents: the files of the input tree and the records of
/// its shards, in corpus order.
pub(crate) struct Corpus {
    /// `--keep-duplicates`.
    keep_duplicates: bool,
    /// `--attributes`: the folder the attribute files go to.
    attributes: Option<Tree>,
    tree: TreeSource,
    shards: Vec<Shard>,
    docs: Vec<Entry>,
    /// Stdin's output (its cleaned text, or its bytes when it failed);
    /// `None` while not written, and always without `capture`.
    stdout: Mutex<Option<Vec<u8>>>,
    /// Stdin's output is kept for stdout (not with `--check`).
    capture: bool,
    /// Outputs are written (not `--check`): a record's line is held from
    /// its analysis until its output line is put.
    writes: bool,
}

/// The corpus of input `-`: one text, read on stdin, whose output (when
/// `capture`) is kept for [`Corpus::take_stdout`].
pub(crate) fn stdin_corpus(bytes: Vec<u8>, capture: bool) -> Corpus {
    Corpus {
        keep_duplicates: false,
        attributes: None,
        tree: TreeSource { files: Vec::new() },
        shards: Vec::new(),
        docs: vec![Entry::Stdin(bytes)],
        stdout: Mutex::new(None),
        capture,
        writes: true,
    }
}

/// Lines passed on the way to a record's line that are held for their
/// records (more than the driver's chunks in flight).
const AHEAD: usize = 4096;

/// A batch of lines read when a shard is first read, and how the stream
/// ended (`Eof` or `Broken`) if it did.
fn read_batch(reader: &mut LineReader) -> (Vec<Vec<u8>>, Option<Next>) {
    let (mut batch, mut bytes) = (Vec::new(), 0);
    while batch.len() < BATCH_LINES && bytes < BATCH_BYTES {
        match reader.next() {
            Next::Line(l) => {
                bytes += l.len();
                batch.push(l);
            }
            end => return (batch, Some(end)),
        }
    }
    (batch, None)
}

/// Lines located at once when a shard is first read (in parallel).
const BATCH_LINES: usize = 1024;
/// ... or bytes of them.
const BATCH_BYTES: usize = 8 << 20;

/// Build the corpus of `files` (in corpus order): each shard among them
/// is read as a stream, once, and its records located (their ids, where
/// their text is); every other file is a document as it is.
pub(crate) fn corpus(files: Vec<SourceFile>, opts: &ShardOptions) -> Corpus {
    let text_path: Vec<&str> = opts.text_field.split('.').collect();
    let id_path: Vec<&str> = opts.id_field.split('.').collect();
    let (mut tree, mut shards, mut docs) = (Vec::new(), Vec::new(), Vec::new());
    for mut f in files {
        let Some(compression) = Compression::of(&f.path) else {
            f.id = docs.len() as u32;
            docs.push(Entry::File(tree.len()));
            tree.push(f);
            continue;
        };
        let s = shards.len();
        let mut shard = Shard {
            file: f,
            compression,
            lines: 0,
            blank: Default::default(),
            tail: None,
            last_record: None,
            input: Default::default(),
            out: Default::default(),
            written: Default::default(),
        };
        let mut reader = match LineReader::open(&shard.file.path, compression) {
            Ok(r) => r,
            Err(e) => {
                docs.push(Entry::Unreadable {
                    shard: s,
                    error: e.to_string(),
                });
                shards.push(shard);
                continue;
            }
        };
        let rel = shard.file.rel.clone();
        let mut names = std::collections::HashSet::new();
        let locate_all = |batch: &[Vec<u8>]| -> Vec<_> {
            use rayon::prelude::*;
            batch
                .par_iter()
                .map(|raw| {
                    (!raw.iter().all(u8::is_ascii_whitespace))
                        .then(|| locate(raw, &text_path, &id_path, &opts.text_field))
                })
                .collect()
        };
        let mut push = |batch: Vec<Vec<u8>>,
                        located: Vec<Option<(Option<String>, Located)>>,
                        shard: &mut Shard,
                        docs: &mut Vec<Entry>| {
            for (raw, located) in batch.into_iter().zip(located) {
                let n = shard.lines;
                shard.lines += 1;
                let Some((id, text)) = located else {
                    shard.blank.insert(n, raw);
                    continue;
                };
                shard.last_record = Some(n);
                let id = id.unwrap_or_else(|| (n + 1).to_string());
                // Shown as every name is (no control or bidi character
                // reaches a page or a terminal); an id seen before in this
                // shard gets its line, so that no two records share a name.
                let mut name = format!(
                    "{rel}#{}",
                    crate::discover::escape_name(std::ffi::OsStr::new(&id))
                );
                if !names.insert(name.clone()) {
                    name = format!("{name}@{}", n + 1);
                }
                docs.push(Entry::Record {
                    shard: s,
                    line: n,
                    name,
                    id,
                    text: text.map_err(|why| format!("line {}: {why}", n + 1)),
                });
            }
        };
        // Located in parallel (parsing is most of reading a shard), while
        // the next batch is decompressed.
        let (mut batch, mut end) = read_batch(&mut reader);
        loop {
            let ((next, next_end), located) = rayon::join(
                || match end {
                    None => read_batch(&mut reader),
                    Some(_) => (Vec::new(), None),
                },
                || locate_all(&batch),
            );
            push(std::mem::take(&mut batch), located, &mut shard, &mut docs);
            match end {
                None => (batch, end) = (next, next_end),
                Some(Next::Eof | Next::Line(_)) => break,
                // A truncated stream: its last line (if not ended) is the
                // tail; an empty tail stands for the bytes that could not
                // be read.
                Some(Next::Broken(rest, e)) => {
                    let t = shard.lines;
                    shard.lines += 1;
                    shard.tail = Some(t);
                    docs.push(Entry::Tail {
                        shard: s,
                        line: t,
                        name: format!("{rel}#{}", t + 1),
                        error: format!(
                            "line {}: truncated {} stream ({e}); {} bytes of the line before the end passed through",
                            t + 1,
                            compression.name(),
                            rest.len()
                        ),
                        bytes: rest,
                    });
                    break;
                }
            }
        }
        shard.input.get_mut().expect("new").settled = vec![false; shard.lines];
        shards.push(shard);
    }
    let mut c = Corpus {
        keep_duplicates: opts.keep_duplicates,
        attributes: None,
        tree: TreeSource { files: tree },
        shards,
        docs,
        stdout: Mutex::new(None),
        capture: false,
        writes: true,
    };
    c.fix_ids();
    c
}

impl Corpus {
    /// The value of `newsclean_duplicate_of` for a kept copy at `kept`:
    /// a record's shard, id and line in it; a file's name; an earlier
    /// run's id and the name it recorded.
    fn kept_copy(&self, kept: &crate::index::Origin) -> String {
        use crate::index::Origin;
        let v = match kept {
            Origin::ThisRun(h) => match self.record(h.doc) {
                Some((shard, id, line)) => {
                    serde_json::json!({"shard": shard, "id": id, "line": line})
                }
                None => serde_json::json!({"file": self.name(h.doc)}),
            },
            Origin::Earlier { run, path, .. } => serde_json::json!({"run": run, "file": path}),
        };
        v.to_string()
    }

    /// Write each shard's attribute file beneath `tree` (`--attributes`).
    pub(crate) fn set_attributes(&mut self, tree: Option<Tree>) {
        self.attributes = tree;
    }

    /// Whether outputs are written (not with `--check`, nor in a staged
    /// run's fingerprint stage): without, a record's line is let go of as
    /// soon as it is analysed.
    pub(crate) fn set_writes(&mut self, writes: bool) {
        self.writes = writes;
    }

    /// Line `line` of shard `shard` has its attribute row `row`, unless it
    /// has one already (a record's changes are noted before it is written)
    /// or its line was put.
    fn put_attrs(&self, shard: usize, line: usize, row: impl FnOnce() -> Vec<u8>) {
        if self.attributes.is_none() {
            return;
        }
        let mut g = self.shards[shard]
            .out
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if line >= g.next && !g.pending.contains_key(&line) && !g.rows.contains_key(&line) {
            g.rows.insert(line, row());
        }
    }

    /// Stdin's output, once written (input `-`, not with `--check`).
    pub(crate) fn take_stdout(&self) -> Option<Vec<u8>> {
        self.stdout.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// Give every tree file its place in the run's corpus order.
    fn fix_ids(&mut self) {
        for (order, d) in self.docs.iter().enumerate() {
            if let Entry::File(i) = d {
                self.tree.files[*i].id = order as u32;
            }
        }
    }

    /// The bytes of record line `line` of shard `shard`: held since it was
    /// read, or read from the stream (which is read from its start again
    /// for a line before it, e.g. a review page's text at the end). Lines
    /// passed on the way are held for their records, unless settled.
    fn raw(&self, shard: usize, line: usize) -> std::io::Result<std::sync::Arc<Vec<u8>>> {
        let s = &self.shards[shard];
        let mut g = s.input.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((raw, _)) = g.held.get(&line) {
            return Ok(raw.clone());
        }
        if line < g.next {
            g.reader = None;
        }
        if g.reader.is_none() {
            g.reader = Some(LineReader::open(&s.file.path, s.compression)?);
            g.next = 0;
        }
        loop {
            let n = g.next;
            let l = match g.reader.as_mut().expect("opened").next() {
                Next::Line(l) => l,
                Next::Eof | Next::Broken(..) => {
                    g.reader = None;
                    return Err(std::io::Error::other(format!(
                        "line {}: the shard changed while it was read (it has fewer lines now)",
                        line + 1
                    )));
                }
            };
            g.next += 1;
            if Some(n) == s.last_record {
                // Its buffers go (a zstd window, a few MiB).
                g.reader = None;
            }
            if n == line {
                let raw = std::sync::Arc::new(l);
                if !g.settled.get(n).copied().unwrap_or(true) {
                    g.held.insert(n, (raw.clone(), None));
                }
                return Ok(raw);
            }
            let record = !s.blank.contains_key(&n) && s.tail != Some(n);
            // Within the chunks in flight: analysed soon (further back,
            // a line is read again if it is asked for).
            if record && line - n <= AHEAD && !g.settled.get(n).copied().unwrap_or(true) {
                g.held.insert(n, (std::sync::Arc::new(l), None));
            }
        }
    }

    /// [`Corpus::raw`], with the hash of its text noted when analysed.
    fn held(&self, shard: usize, line: usize) -> std::io::Result<Held> {
        {
            let g = self.shards[shard]
                .input
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if let Some(x) = g.held.get(&line) {
                return Ok(x.clone());
            }
        }
        Ok((self.raw(shard, line)?, None))
    }

    /// Line `line` is settled: its bytes are no longer held.
    fn settle(&self, shard: usize, line: usize) {
        let mut g = self.shards[shard]
            .input
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        g.held.remove(&line);
        if let Some(x) = g.settled.get_mut(line) {
            *x = true;
        }
    }

    /// The decoded text of a located record, from its line `raw`.
    fn text(raw: &[u8], line: usize, span: &Range<usize>) -> Result<String, String> {
        serde_json::from_slice::<String>(&raw[span.clone()])
            .map_err(|e| format!("line {}: text field is no valid JSON string: {e}", line + 1))
    }

    /// Record (or tail) `line`'s output line is `bytes`: written, with the
    /// lines after it that are there, once every line before it is; the
    /// shard is finished with its last line. One thread at a time writes
    /// (compresses) a shard's lines, without holding its lock: the others
    /// leave theirs to it and go on.
    fn put_line(
        &self,
        out: &Tree,
        shard: usize,
        line: usize,
        bytes: Vec<u8>,
    ) -> std::io::Result<()> {
        self.settle(shard, line);
        let s = &self.shards[shard];
        let mut g = s.out.lock().unwrap_or_else(|p| p.into_inner());
        if line < g.next || g.pending.contains_key(&line) || g.broken {
            return Ok(());
        }
        let row = g.rows.remove(&line);
        g.pending.insert(line, (bytes, row));
        if g.writing {
            return Ok(());
        }
        loop {
            let mut batch = Vec::new();
            while g.next < s.lines {
                let n = g.next;
                let x = if let Some(b) = s.blank.get(&n) {
                    (b.clone(), None)
                } else if let Some(x) = g.pending.remove(&n) {
                    x
                } else {
                    break;
                };
                batch.push(x);
                g.next += 1;
            }
            if batch.is_empty() {
                return Ok(());
            }
            let last = g.next == s.lines;
            let (mut file, mut attrs) = (g.file.take(), g.attrs.take());
            g.writing = true;
            drop(g);
            let r = (|| {
                let w = match &mut file {
                    Some(w) => w,
                    None => {
                        if let Some(at) = &self.attributes {
                            attrs = Some(Writer::create(at, &s.file.out_rel, s.compression)?);
                        }
                        file.insert(Writer::create(out, &s.file.out_rel, s.compression)?)
                    }
                };
                let mut n = 0;
                for (bytes, row) in &batch {
                    w.write_all(bytes)?;
                    if let (Some(a), Some(row)) = (attrs.as_mut(), row) {
                        a.write_all(row)?;
                    }
                    n += bytes.len() as u64;
                }
                if last {
                    if let Some(w) = file.take() {
                        w.commit(out)?;
                    }
                    if let (Some(w), Some(at)) = (attrs.take(), &self.attributes) {
                        w.commit(at)?;
                    }
                }
                Ok(n)
            })();
            g = s.out.lock().unwrap_or_else(|p| p.into_inner());
            g.writing = false;
            match r {
                Ok(n) => {
                    g.bytes += n;
                    if last {
                        s.written
                            .store(g.bytes, std::sync::atomic::Ordering::Relaxed);
                        return Ok(());
                    }
                    (g.file, g.attrs) = (file, attrs);
                }
                Err(e) => {
                    g.broken = true;
                    g.pending.clear();
                    g.rows.clear();
                    return Err(e);
                }
            }
        }
    }
}

/// A shard's row in `summary.json`: its records, how many were cleaned,
/// how many failed (bad records, the tail of a truncated stream).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RecordCounts {
    /// Records (and a truncated stream's tail).
    pub records: usize,
    /// Records with a text change.
    pub cleaned: usize,
    /// Records passed through unchanged as bad.
    pub failed: usize,
    /// Records removed as duplicate documents (left out of the output).
    #[serde(skip_serializing_if = "is_zero")]
    pub duplicate: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Corpus {
    /// The shard of document `order`, if it is in one.
    fn shard_of(&self, order: usize) -> Option<usize> {
        match &self.docs[order] {
            Entry::File(_) | Entry::Stdin(_) => None,
            Entry::Record { shard, .. }
            | Entry::Tail { shard, .. }
            | Entry::Unreadable { shard, .. } => Some(*shard),
        }
    }

    /// The bytes written of the output shard holding document `order`
    /// (`None` for a file): a staged run's `apply` hands them to its
    /// `report` ([`Corpus::set_written`]).
    pub(crate) fn written(&self, order: u32) -> Option<u64> {
        let s = self.shard_of(order as usize)?;
        Some(
            self.shards[s]
                .written
                .load(std::sync::atomic::Ordering::Relaxed),
        )
    }

    /// Set what [`Corpus::written`] reports (the report task of a staged
    /// run, whose corpus wrote nothing).
    pub(crate) fn set_written(&self, order: u32, n: u64) {
        if let Some(s) = self.shard_of(order as usize) {
            self.shards[s]
                .written
                .store(n, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// The outputs of this run in `--out`, from the rows of its documents
    /// (in corpus order): a file's cleaned copy unless it was skipped or
    /// removed as a duplicate; a JSONL shard's output shard whatever its
    /// records' statuses (it is written even when every record went as a
    /// duplicate: empty, or with them under `--keep-duplicates`), unless
    /// the shard could not be read.
    pub(crate) fn outputs<'a>(&'a self, rows: &[FileReport]) -> HashSet<&'a Path> {
        (0..self.len() as u32)
            .zip(rows)
            .filter(|(i, r)| match self.docs[*i as usize] {
                Entry::Record { .. } | Entry::Tail { .. } => true,
                _ => !matches!(r.status, Status::Skipped | Status::Duplicate),
            })
            .map(|(i, _)| self.out_rel(i))
            .collect()
    }

    /// The summary's rows: a file's as it is, one per shard for its
    /// records (`rows` in corpus order, one per document), with their
    /// counts; a failed record's reason is in its shard's.
    pub(crate) fn shard_rows(&self, rows: Vec<FileReport>) -> Vec<FileReport> {
        let mut out: Vec<FileReport> = Vec::new();
        let mut last = None;
        for (order, r) in rows.into_iter().enumerate() {
            let Some(s) = self.shard_of(order) else {
                out.push(r);
                last = None;
                continue;
            };
            if let Entry::Unreadable { .. } = self.docs[order] {
                out.push(r);
                last = None;
                continue;
            }
            if last != Some(s) {
                let mut row = FileReport::new(self.shards[s].file.rel.clone());
                row.encoding = Some("utf-8".into());
                row.records = Some(RecordCounts::default());
                row.bytes_out = self.shards[s]
                    .written
                    .load(std::sync::atomic::Ordering::Relaxed);
                out.push(row);
                last = Some(s);
            }
            let row = out.last_mut().expect("pushed");
            merge(row, r);
        }
        out
    }
}

/// Add a record's row to its shard's.
fn merge(row: &mut FileReport, r: FileReport) {
    // A record with a review page is listed under its shard in index.html.
    if r.page.is_some() {
        let mut part = FileReport::new(r.path.clone());
        part.status = r.status;
        part.edits = r.edits;
        part.flags = r.flags;
        part.duplicates_removed = r.duplicates_removed;
        part.rules = r.rules.clone();
        part.page = r.page.clone();
        row.parts.push(part);
    }
    let c = row.records.get_or_insert_with(RecordCounts::default);
    c.records += 1;
    row.bytes_in += r.bytes_in;
    row.edits += r.edits;
    row.flags += r.flags;
    row.blocks += r.blocks;
    row.duplicates_removed += r.duplicates_removed;
    let mut rules: std::collections::BTreeMap<&'static str, usize> =
        std::mem::take(&mut row.rules).into_iter().collect();
    for (id, n) in r.rules {
        *rules.entry(id).or_default() += n;
    }
    row.rules = rules.into_iter().collect();
    match r.status {
        Status::Failed => {
            c.failed += 1;
            row.status = Status::Failed;
            let why = r.reason.unwrap_or_default();
            let why = why.trim_end_matches("; copied through unchanged");
            let reason = row.reason.get_or_insert_with(String::new);
            if !reason.is_empty() {
                reason.push_str("; ");
            }
            reason.push_str(why);
        }
        Status::Cleaned => {
            c.cleaned += 1;
            if row.status == Status::Unchanged {
                row.status = Status::Cleaned;
            }
        }
        Status::Duplicate => {
            c.duplicate += 1;
            if row.status == Status::Unchanged {
                row.status = Status::Cleaned;
            }
        }
        Status::Unchanged | Status::Skipped => {}
    }
    if row.status == Status::Failed {
        let n = c.failed;
        let why = row.reason.as_deref().unwrap_or("");
        let why = why
            .split_once(": passed through unchanged: ")
            .map_or(why, |x| x.1);
        row.reason = Some(format!(
            "{n} bad record{}: passed through unchanged: {why}",
            if n == 1 { "" } else { "s" }
        ));
    }
}

/// The id of a record (if it has one) and the byte span of its text
/// field's JSON string in `line`, or why it has none.
fn locate(
    line: &[u8],
    text_path: &[&str],
    id_path: &[&str],
    text_field: &str,
) -> (Option<String>, Located) {
    // One pass over the line picks the two top-level fields; anything
    // unusual (an error to explain) takes the slow path, whose messages
    // these are.
    if let Ok(json) = std::str::from_utf8(line) {
        if let Some(found) = locate_fast(json, text_path, id_path, text_field) {
            return found;
        }
    }
    locate_slow(line, text_path, id_path, text_field)
}

/// [`locate`] in one pass of the JSON parser over a valid object: `None`
/// when the line is no valid JSON object.
fn locate_fast(
    json: &str,
    text_path: &[&str],
    id_path: &[&str],
    text_field: &str,
) -> Option<(Option<String>, Located)> {
    let (t0, i0) = (*text_path.first()?, *id_path.first()?);
    let mut de = serde_json::Deserializer::from_str(json);
    let (t, i) =
        serde::Deserializer::deserialize_map(&mut de, TopFields { text: t0, id: i0 }).ok()?;
    de.end().ok()?;
    let t = match t {
        Some(v) => field(v, &text_path[1..]),
        None => None,
    };
    let i = match i {
        Some(v) => field(v, &id_path[1..]),
        None => None,
    };
    Some((id_of(i), text_span(json, t, text_field)))
}

/// Picks two fields of a JSON object (the last of each name, as a map
/// would keep it), every other value checked and skipped.
struct TopFields<'k> {
    text: &'k str,
    id: &'k str,
}

/// Two values a [`TopFields`] found.
type Found<'de> = (Option<&'de RawValue>, Option<&'de RawValue>);

impl<'de> serde::de::Visitor<'de> for TopFields<'_> {
    type Value = Found<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Found<'de>, A::Error> {
        let (mut text, mut id) = (None, None);
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let (is_text, is_id) = (key.0 == self.text, key.0 == self.id);
            if is_text || is_id {
                let v: &'de RawValue = map.next_value()?;
                if is_text {
                    text = Some(v);
                }
                if is_id {
                    id = Some(v);
                }
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok((text, id))
    }
}

/// An object key, borrowed from the line unless it has escapes.
struct Key<'de>(std::borrow::Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(s.into()))
            }
            fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(s.to_owned().into()))
            }
        }
        d.deserialize_str(V)
    }
}

/// A record's id from its id field's value: a string's text, a number's
/// or boolean's JSON; none for an object, an array or null.
fn id_of(v: Option<&RawValue>) -> Option<String> {
    v.and_then(|v| {
        let raw = v.get();
        if raw.starts_with('"') {
            serde_json::from_str::<String>(raw).ok()
        } else if raw.starts_with(['{', '[']) || raw == "null" {
            None
        } else {
            Some(raw.to_string())
        }
    })
}

/// The byte span in `json` of the text field's value `v`, or why it is
/// none.
fn text_span(json: &str, v: Option<&RawValue>, text_field: &str) -> Located {
    match v {
        None => Err(format!("no text field `{text_field}`")),
        Some(v) if !v.get().starts_with('"') => Err(format!(
            "text field `{text_field}` is not a string: {}",
            kind(v.get())
        )),
        Some(v) => {
            let start = v.get().as_ptr() as usize - json.as_ptr() as usize;
            Ok(start..start + v.get().len())
        }
    }
}

/// [`locate`] the slow way (three passes, the messages of a bad line).
fn locate_slow(
    line: &[u8],
    text_path: &[&str],
    id_path: &[&str],
    text_field: &str,
) -> (Option<String>, Located) {
    let json = match std::str::from_utf8(line) {
        Ok(s) => s,
        Err(e) => {
            return (
                None,
                Err(format!("not UTF-8 (byte {})", e.valid_up_to() + 1)),
            )
        }
    };
    let top: &RawValue = match serde_json::from_str(json) {
        Ok(v) => v,
        Err(e) => return (None, Err(format!("not JSON: {e}"))),
    };
    if !top.get().starts_with('{') {
        return (None, Err("not a JSON object".into()));
    }
    let id = id_of(field(top, id_path));
    let text = text_span(json, field(top, text_path), text_field);
    (id, text)
}

/// The value at a dotted path below `top`.
fn field<'a>(top: &'a RawValue, path: &[&str]) -> Option<&'a RawValue> {
    let mut cur = top;
    for key in path {
        let map: std::collections::HashMap<String, &'a RawValue> =
            serde_json::from_str(cur.get()).ok()?;
        cur = map.get(*key).copied()?;
    }
    Some(cur)
}

/// What kind of JSON value `raw` is, for a message.
fn kind(raw: &str) -> &'static str {
    match raw.as_bytes().first() {
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

/// `line` (a JSON object) with the field `newsclean_duplicate_of` (the
/// JSON `kept`) added before its closing brace; every other byte kept.
fn mark_duplicate(line: &[u8], kept: &str) -> Vec<u8> {
    let Some(close) = line.iter().rposition(|&b| b == b'}') else {
        return line.to_vec();
    };
    let empty = line[..close]
        .iter()
        .rev()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{');
    let mut out = Vec::with_capacity(line.len() + kept.len() + 28);
    out.extend_from_slice(&line[..close]);
    if !empty {
        out.push(b',');
    }
    out.extend_from_slice(b"\"newsclean_duplicate_of\":");
    out.extend_from_slice(kept.as_bytes());
    out.extend_from_slice(&line[close..]);
    out
}

/// `line` with the JSON string at `span` replaced by `text`.
fn splice(line: &[u8], span: &Range<usize>, text: &str) -> Vec<u8> {
    let new = serde_json::to_string(text).expect("a string serialises");
    let mut out = Vec::with_capacity(line.len() + new.len());
    out.extend_from_slice(&line[..span.start]);
    out.extend_from_slice(new.as_bytes());
    out.extend_from_slice(&line[span.end..]);
    out
}

impl DocSource for Corpus {
    fn len(&self) -> usize {
        self.docs.len()
    }

    fn name(&self, order: u32) -> &str {
        match &self.docs[order as usize] {
            Entry::File(i) => self.tree.name(*i as u32),
            Entry::Record { name, .. } | Entry::Tail { name, .. } => name,
            Entry::Unreadable { shard, .. } => &self.shards[*shard].file.rel,
            Entry::Stdin(_) => "-",
        }
    }

    fn out_rel(&self, order: u32) -> &Path {
        match &self.docs[order as usize] {
            Entry::File(i) => self.tree.out_rel(*i as u32),
            Entry::Record { shard, .. }
            | Entry::Tail { shard, .. }
            | Entry::Unreadable { shard, .. } => &self.shards[*shard].file.out_rel,
            Entry::Stdin(_) => Path::new("-"),
        }
    }

    fn analyse(&self, order: u32, cfg: &Config) -> Analysis {
        let (shard, line, span) = match &self.docs[order as usize] {
            Entry::File(i) => return self.tree.analyse(*i as u32, cfg),
            Entry::Stdin(bytes) => return analyse_stdin(bytes, order, cfg),
            Entry::Unreadable { error, .. } => {
                return Analysis::Failed {
                    error: FileError::Record(format!("cannot read shard: {error}")),
                    bytes: None,
                    bytes_in: 0,
                }
            }
            Entry::Tail { bytes, error, .. } => {
                return Analysis::Failed {
                    error: FileError::Record(error.clone()),
                    bytes: Some(bytes.clone()),
                    bytes_in: bytes.len() as u64,
                };
            }
            Entry::Record {
                shard, line, text, ..
            } => (*shard, *line, text),
        };
        let raw = match self.raw(shard, line) {
            Ok(raw) => raw,
            Err(e) => {
                return Analysis::Failed {
                    error: FileError::Record(format!("cannot read shard: {e}")),
                    bytes: None,
                    bytes_in: 0,
                }
            }
        };
        if !self.writes {
            self.settle(shard, line);
        }
        let raw = &raw[..];
        let failed = |why: String| Analysis::Failed {
            error: FileError::Record(why),
            bytes: Some(raw.to_vec()),
            bytes_in: raw.len() as u64,
        };
        let text = match span {
            Ok(span) => match Corpus::text(raw, line, span) {
                Ok(t) => {
                    // For `write`: did the cleaning change the text?
                    let mut g = self.shards[shard]
                        .input
                        .lock()
                        .unwrap_or_else(|p| p.into_inner());
                    if let Some((_, h)) = g.held.get_mut(&line) {
                        *h = Some((t.len(), xxhash_rust::xxh3::xxh3_64(t.as_bytes())));
                    }
                    t
                }
                Err(why) => return failed(why),
            },
            Err(why) => return failed(why.clone()),
        };
        let id = DocId {
            source: Source::Shard,
            name: self.shards[shard].file.rel.clone(),
            record: Some(line as u64 + 1),
        };
        let doc = Doc::new(id, order, text);
        crate::source::fingerprinted(doc, "utf-8".into(), raw.len() as u64, cfg).unwrap_or_else(
            |panic| failed(format!("line {}: {}", line + 1, FileError::Rule(panic))),
        )
    }

    fn read(&self, order: u32) -> Result<ReadText, Analysis> {
        match &self.docs[order as usize] {
            Entry::File(i) => self.tree.read(*i as u32),
            // A record is never huge: analysed whole.
            _ => Err(Analysis::Failed {
                error: FileError::Record("a record is not read in windows".into()),
                bytes: None,
                bytes_in: 0,
            }),
        }
    }

    fn text_again(&self, order: u32) -> Option<String> {
        match &self.docs[order as usize] {
            Entry::File(i) => self.tree.text_again(*i as u32),
            Entry::Stdin(bytes) => crate::source::decode_bytes(bytes.clone()).ok().map(|r| r.0),
            Entry::Record {
                shard,
                line,
                text: Ok(span),
                ..
            } => Corpus::text(&self.raw(*shard, *line).ok()?, *line, span).ok(),
            _ => None,
        }
    }

    fn rereads_in_order(&self) -> bool {
        !self.shards.is_empty()
    }

    fn write(&self, order: u32, out: &Tree, bytes: &[u8], fallback: bool) -> std::io::Result<()> {
        match &self.docs[order as usize] {
            Entry::File(i) => self.tree.write(*i as u32, out, bytes, fallback),
            Entry::Unreadable { .. } => Ok(()),
            Entry::Stdin(_) => self.write_own(order, bytes),
            Entry::Tail {
                shard, line, bytes, ..
            } => {
                let raw = bytes.clone();
                self.put_attrs(*shard, *line, || {
                    attribute_row(&(line + 1).to_string(), &[])
                });
                self.put_line(out, *shard, *line, raw)
            }
            Entry::Record {
                shard,
                line,
                text,
                id,
                ..
            } => {
                self.put_attrs(*shard, *line, || attribute_row(id, &[]));
                let (raw, hash) = match self.held(*shard, *line) {
                    Ok(x) => x,
                    Err(e) => {
                        let _ = self.put_line(out, *shard, *line, Vec::new());
                        return Err(e);
                    }
                };
                let changed = |span: &Range<usize>| match hash {
                    Some((len, h)) => len != bytes.len() || h != xxhash_rust::xxh3::xxh3_64(bytes),
                    None => Corpus::text(&raw, *line, span).map_or(true, |t| t.as_bytes() != bytes),
                };
                let spliced = match text {
                    Ok(span) if !fallback && changed(span) => std::str::from_utf8(bytes)
                        .ok()
                        .map(|cleaned| splice(&raw, span, cleaned)),
                    _ => None,
                };
                // Unchanged, bad, or failed: the line as it was (no longer
                // held, so mostly not copied).
                let new = spliced.unwrap_or_else(|| {
                    self.settle(*shard, *line);
                    std::sync::Arc::try_unwrap(raw).unwrap_or_else(|a| (*a).clone())
                });
                self.put_line(out, *shard, *line, new)
            }
        }
    }

    fn omit(&self, order: u32, out: &Tree, kept: &crate::index::Origin) -> std::io::Result<()> {
        match &self.docs[order as usize] {
            Entry::Record { shard, line, .. } => {
                let bytes = if self.keep_duplicates {
                    mark_duplicate(&self.raw(*shard, *line)?, &self.kept_copy(kept))
                } else {
                    Vec::new()
                };
                self.put_line(out, *shard, *line, bytes)
            }
            _ => Ok(()),
        }
    }

    fn writes_own(&self) -> bool {
        self.capture
    }

    fn note_changes(&self, order: u32, changes: &[crate::report::ChangeRecord]) {
        if let Entry::Record {
            shard, line, id, ..
        } = &self.docs[order as usize]
        {
            self.put_attrs(*shard, *line, || attribute_row(id, changes));
        }
    }

    fn write_own(&self, order: u32, bytes: &[u8]) -> std::io::Result<()> {
        if self.capture && matches!(self.docs[order as usize], Entry::Stdin(_)) {
            *self.stdout.lock().unwrap_or_else(|p| p.into_inner()) = Some(bytes.to_vec());
        }
        Ok(())
    }

    fn record(&self, order: u32) -> Option<(&str, &str, usize)> {
        match &self.docs[order as usize] {
            Entry::Record {
                shard, line, id, ..
            } => Some((&self.shards[*shard].file.rel, id, line + 1)),
            _ => None,
        }
    }
}

/// Analyse the text read on stdin as a file's bytes are (the same
/// decoding, the same `decode.replacement` flags). Bytes that are no text
/// (undecodable, or binary) fail: they are passed through to stdout
/// unchanged and the run exits 2.
fn analyse_stdin(bytes: &[u8], order: u32, cfg: &Config) -> Analysis {
    let bytes_in = bytes.len() as u64;
    let failed = |why: String| Analysis::Failed {
        error: FileError::Undecodable(format!("stdin: {why}")),
        bytes: Some(bytes.to_vec()),
        bytes_in,
    };
    let (text, encoding, replaced, _) = match crate::source::decode_bytes(bytes.to_vec()) {
        Ok(r) => r,
        Err(Analysis::Skipped { reason, .. }) => return failed(format!("not text: {reason}")),
        Err(Analysis::Failed { error, .. }) => return failed(error.to_string()),
        Err(a) => return a,
    };
    let mut doc = Doc::new(DocId::text("-"), order, text);
    doc.flags = crate::source::replacement_flags(&replaced, &encoding);
    crate::source::fingerprinted(doc, encoding, bytes_in, cfg).unwrap_or_else(|panic| {
        Analysis::Failed {
            error: FileError::Rule(panic),
            bytes: Some(bytes.to_vec()),
            bytes_in,
        }
    })
}

/// A shard's record's change records speak of the shard: `file` is the
/// shard, `record` the id, `line` the record's line in the shard (the line
/// within its text, which `column` counts in, becomes `text_line`), and
/// the byte offsets in its text `original` are given in code points too
/// (`cp_start`, `cp_end`).
pub(crate) fn in_shard(
    source: &dyn DocSource,
    order: u32,
    original: &str,
    changes: &mut [crate::report::ChangeRecord],
) {
    let Some((shard, id, line)) = source.record(order) else {
        return;
    };
    let bytes: Vec<usize> = changes.iter().flat_map(|c| [c.start, c.end]).collect();
    let cps = code_points(original, &bytes);
    for (c, cp) in changes.iter_mut().zip(cps.chunks_exact(2)) {
        c.file = shard.to_string();
        c.record = Some(crate::report::RecordAt {
            record: id.to_string(),
            text_line: c.line,
            cp_start: cp[0],
            cp_end: cp[1],
        });
        c.line = line;
    }
    source.note_changes(order, changes);
}

/// A record's row of its shard's attribute file, as dolma's taggers write
/// them: `{"id": …, "attributes": {"newsclean__FAMILY": [[start, end,
/// score], …], …}}`, one key per rule family (every family, empty when
/// nothing fired), spans in code points of the record's original text,
/// score 1.0 for an edit and 0.0 for a flag (a place to review).
fn attribute_row(id: &str, changes: &[crate::report::ChangeRecord]) -> Vec<u8> {
    let mut attrs = serde_json::Map::new();
    for fam in crate::rules::FAMILIES {
        let spans: Vec<serde_json::Value> = changes
            .iter()
            .filter(|c| c.rule.split('.').next() == Some(fam))
            .filter_map(|c| {
                let r = c.record.as_ref()?;
                let flag = c.start == c.end && c.before.is_empty() && c.after.is_empty();
                Some(serde_json::json!([
                    r.cp_start,
                    r.cp_end,
                    if flag { 0.0 } else { 1.0 }
                ]))
            })
            .collect();
        attrs.insert(format!("newsclean__{fam}"), spans.into());
    }
    let mut row = serde_json::to_vec(&serde_json::json!({"id": id, "attributes": attrs}))
        .expect("a row serialises");
    row.push(b'\n');
    row
}

/// Each byte offset of `at` (on char boundaries of `text`) as a count of
/// code points before it; one pass over the text for all of them.
pub(crate) fn code_points(text: &str, at: &[usize]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..at.len()).collect();
    order.sort_by_key(|&i| at[i]);
    let mut out = vec![0; at.len()];
    let (mut byte, mut cp) = (0, 0);
    for i in order {
        let to = at[i].min(text.len());
        if to > byte {
            cp += text[byte..to].chars().count();
            byte = to;
        }
        out[i] = cp;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Splicing any text into a line keeps every other byte, and the
        /// line's text field reads back as that text.
        #[test]
        fn splice_round_trips(
            old in "\\PC{0,40}",
            new in "(\\PC|[\u{0}-\u{1f}\u{2028}\"\\\\]){0,40}",
            pad in "[ \t]{0,3}",
        ) {
            let line = format!(
                "{{\"id\":1,{pad}\"text\":{pad}{}{pad},\"z\":\"\\u00e9\"}}\n",
                serde_json::to_string(&old).unwrap()
            );
            let (_, span) = locate(line.as_bytes(), &["text"], &["id"], "text");
            let span = span.unwrap();
            let out = splice(line.as_bytes(), &span, &new);
            let out = String::from_utf8(out).unwrap();
            let v: serde_json::Value = serde_json::from_str(&out).unwrap();
            prop_assert_eq!(v["text"].as_str().unwrap(), new.as_str());
            let tail = &line[span.end..];
            prop_assert!(out.starts_with(&line[..span.start]));
            prop_assert!(out.ends_with(tail));
        }
    }

    fn loc(line: &str, text: &str) -> (Option<String>, Located) {
        let p: Vec<&str> = text.split('.').collect();
        locate(line.as_bytes(), &p, &["id"], text)
    }

    #[test]
    fn the_text_span_is_the_string_value() {
        let l = r#"{"id": 7, "meta": {"body": "新闻\n正文"}, "text":"一 二"}"#;
        let (id, span) = loc(l, "text");
        assert_eq!(id.as_deref(), Some("7"));
        assert_eq!(&l[span.unwrap()], "\"一 二\"");
        let (_, span) = loc(l, "meta.body");
        assert_eq!(&l[span.unwrap()], r#""新闻\n正文""#);
    }

    #[test]
    fn bad_records_say_why() {
        assert!(loc("{\"text\": 1}", "text")
            .1
            .unwrap_err()
            .contains("not a string: a number"));
        assert!(loc("{\"id\": \"a\"}", "text")
            .1
            .unwrap_err()
            .contains("no text field `text`"));
        assert!(loc("{\"text\": \"a\"", "text")
            .1
            .unwrap_err()
            .starts_with("not JSON"));
        assert!(loc("[1]", "text")
            .1
            .unwrap_err()
            .contains("not a JSON object"));
        assert!(locate(b"{\"text\": \"\xff\"}", &["text"], &["id"], "text")
            .1
            .unwrap_err()
            .starts_with("not UTF-8"));
    }

    #[test]
    fn splice_keeps_every_other_byte() {
        let l = b"{\"a\" : 1.50,\"text\" :\"x\\u4e00\" , \"z\":[ ]}\n";
        let (_, span) = locate(l, &["text"], &["id"], "text");
        let out = splice(l, &span.unwrap(), "新\"");
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            "{\"a\" : 1.50,\"text\" :\"新\\\"\" , \"z\":[ ]}\n"
        );
    }

    #[test]
    fn a_kept_duplicate_gets_one_field_before_the_brace() {
        let l = b"{\"id\": 2 , \"text\":\"a\"}  \r\n";
        assert_eq!(
            mark_duplicate(l, "{\"line\":1}"),
            b"{\"id\": 2 , \"text\":\"a\",\"newsclean_duplicate_of\":{\"line\":1}}  \r\n"
        );
        assert_eq!(
            mark_duplicate(b"{ }\n", "1"),
            b"{ \"newsclean_duplicate_of\":1}\n"
        );
    }

    #[test]
    fn code_points_count_chars_before_each_offset() {
        let t = "a新😀b";
        // bytes: a=0, 新=1..4, 😀=4..8, b=8..9
        assert_eq!(code_points(t, &[8, 0, 4, 1, 9, 4]), [3, 0, 2, 1, 4, 2]);
    }

    #[test]
    fn names_give_the_compression() {
        for (n, c) in [
            ("a.jsonl", Some(Compression::Plain)),
            ("a.jsonl.gz", Some(Compression::Gzip)),
            ("a.json.gz", Some(Compression::Gzip)),
            ("a.jsonl.zst", Some(Compression::Zstd)),
            ("a.json", None),
            ("a.txt", None),
        ] {
            assert_eq!(Compression::of(Path::new(n)), c, "{n}");
        }
    }
}
