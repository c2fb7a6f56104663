//! Where documents come from: the [`DocSource`] seam the driver reads
//! through, and the one source of today, an input tree ([`TreeSource`]:
//! the files `discover` found, in corpus order); `shard.rs` puts the
//! records of JSONL shards beside them, behind the same seam.
//!
//! A source yields, per document in corpus order, its [`Analysis`]: read
//! and decoded (regular files only, see `read.rs`; bytes → text in
//! `decode.rs`) and fingerprinted ([`stage::fingerprint`]), or why not
//! (skipped, failed with a [`FileError`], or too big to hold whole: a
//! huge file is read again when it is decided, see `window.rs`). The
//! run's source is `shard::Corpus`: these files, and the records of the
//! JSONL shards among them.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use crate::config::Config;
use crate::decode::{decode, plain_utf8, Decoded, Replacement};
use crate::discover::SourceFile;
use crate::edit::Edit;
use crate::emit::{Durability, Tree};
use crate::pipeline::panic_message;
use crate::report::FileReport;
use crate::stage::{self, Doc, DocId, DocPrints};
use crate::window;

/// Where the driver gets its documents, in corpus order.
pub(crate) trait DocSource: Sync {
    /// Number of documents.
    fn len(&self) -> usize;
    /// The shown name of document `order` (reports, kept copies).
    fn name(&self, order: u32) -> &str;
    /// Where document `order`'s cleaned copy goes (relative, plain names).
    fn out_rel(&self, order: u32) -> &Path;
    /// Read, decode and fingerprint document `order` (any thread).
    fn analyse(&self, order: u32, cfg: &Config) -> Analysis;
    /// Read and decode document `order` whole (a huge one, when decided).
    fn read(&self, order: u32) -> Result<Read, Analysis>;
    /// Its decoded text again (a review page of an unchanged kept copy).
    fn text_again(&self, order: u32) -> Option<String>;
    /// Are texts read again ([`DocSource::text_again`]) best in corpus
    /// order (a shard is a stream)? Then the kept copies' pages have them
    /// read first, in that order, and held while the pages are written.
    fn rereads_in_order(&self) -> bool {
        false
    }
    /// Write document `order`'s output beneath `out`: its cleaned text, or
    /// (`fallback`) what a failed document passes through. A tree file is
    /// `bytes` at `out_rel`; a shard's record is a line of its shard.
    fn write(&self, order: u32, out: &Tree, bytes: &[u8], fallback: bool) -> std::io::Result<()> {
        let _ = fallback;
        out.write(self.out_rel(order), bytes, Durability::Deferred)
    }
    /// Document `order` has no output (a duplicate document, its kept
    /// copy at `kept`): a tree file gets none; a shard's record is left out
    /// of its shard (with `--keep-duplicates`, kept with the field
    /// `newsclean_duplicate_of`), which is written once each of its lines
    /// is settled.
    fn omit(&self, order: u32, out: &Tree, kept: &crate::index::Origin) -> std::io::Result<()> {
        let _ = (order, out, kept);
        Ok(())
    }
    /// A shard's record: the shard's shown name, the record's id and its
    /// 1-based line in the shard (`None` for a file).
    fn record(&self, order: u32) -> Option<(&str, &str, usize)> {
        let _ = order;
        None
    }
    /// Document `order`'s change records, in the shape `changes.jsonl`
    /// gets them (a shard's attribute row is made of them).
    fn note_changes(&self, order: u32, changes: &[crate::report::ChangeRecord]) {
        let _ = (order, changes);
    }
    /// Does this source write its documents' outputs itself, without an
    /// output folder (stdin's cleaned text, for stdout)? Then
    /// [`DocSource::write_own`] is called where a file would be written.
    fn writes_own(&self) -> bool {
        false
    }
    /// Document `order`'s output, for a source that [`writes_own`](DocSource::writes_own).
    fn write_own(&self, order: u32, bytes: &[u8]) -> std::io::Result<()> {
        let _ = (order, bytes);
        Ok(())
    }
}

/// The files of the input tree.
pub(crate) struct TreeSource {
    /// In corpus order (`id` = place in it).
    pub(crate) files: Vec<SourceFile>,
}

impl DocSource for TreeSource {
    fn len(&self) -> usize {
        self.files.len()
    }

    fn name(&self, order: u32) -> &str {
        &self.files[order as usize].rel
    }

    fn out_rel(&self, order: u32) -> &Path {
        &self.files[order as usize].out_rel
    }

    fn analyse(&self, order: u32, cfg: &Config) -> Analysis {
        analyse(&self.files[order as usize], cfg)
    }

    fn read(&self, order: u32) -> Result<Read, Analysis> {
        read_text(&self.files[order as usize])
    }

    fn text_again(&self, order: u32) -> Option<String> {
        let bytes = crate::read::read_regular(&self.files[order as usize].path).ok()?;
        match decode(&bytes) {
            Decoded::Text { text, .. } => Some(text),
            _ => None,
        }
    }
}

/// Why a file failed: the cause, kept typed until it becomes the row's
/// reason.
#[derive(Debug)]
pub(crate) enum FileError {
    /// It could not be read.
    Read(crate::read::ReadError),
    /// Its bytes are no text the decoder accepts (why).
    Undecodable(String),
    /// A rule panicked while it was fingerprinted (the panic's message).
    Rule(String),
    /// A panic while its edits were applied (the panic's message).
    Apply(String),
    /// A bad record of a shard, or a shard that ends early (where, why).
    Record(String),
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileError::Read(e) => write!(f, "{e}"),
            FileError::Undecodable(why) => f.write_str(why),
            FileError::Rule(p) => write!(f, "internal error in a rule: {p}"),
            FileError::Apply(p) => write!(f, "internal error applying edits: {p}"),
            FileError::Record(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for FileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FileError::Read(e) => Some(e),
            _ => None,
        }
    }
}

/// Analysis of one file: everything that depends only on its bytes.
pub(crate) enum Analysis {
    Text(Box<TextFile>),
    Skipped {
        reason: String,
        bytes_in: u64,
    },
    /// Copied through unchanged (undecodable, or a rule panicked).
    Failed {
        error: FileError,
        bytes: Option<Vec<u8>>,
        bytes_in: u64,
    },
    /// Too big to hold whole: read and cleaned in windows when decided.
    Huge,
    /// A huge file, cleaned and written: its row and spilled records (or
    /// why they could not be spilled).
    Windowed(Box<(FileReport, Result<Option<std::fs::File>, String>)>),
}

/// A decoded, fingerprinted text file.
pub(crate) struct TextFile {
    pub(crate) doc: Doc<'static>,
    pub(crate) encoding: String,
    pub(crate) prints: DocPrints,
    pub(crate) bytes_in: u64,
}

/// Analyse one file: read, decode, normalize, segment. Pure but for the read.
/// A file too big to hold whole is only marked (see `window.rs`).
fn analyse(f: &SourceFile, cfg: &Config) -> Analysis {
    if std::fs::metadata(&f.path)
        .is_ok_and(|m| m.is_file() && m.len() > window::Settings::get().threshold())
    {
        return Analysis::Huge;
    }
    let (original, encoding, replaced, bytes_in) = match read_text(f) {
        Ok(x) => x,
        Err(a) => return a,
    };
    let mut doc = Doc::new(DocId::tree(f.rel.as_str()), f.id, original);
    doc.flags = replacement_flags(&replaced, &encoding);
    fingerprinted(doc, encoding, bytes_in, cfg).unwrap_or_else(|panic| Analysis::Failed {
        error: FileError::Rule(panic),
        bytes: crate::read::read_regular(&f.path).ok(),
        bytes_in,
    })
}

/// A decoded document through stage 1 (`stage::fingerprint`), the one
/// place every source (files, shard records, stdin) calls it: a panic of a
/// rule is caught and comes back as its message, for the caller to report
/// the document `failed` with the bytes it has.
pub(crate) fn fingerprinted(
    doc: Doc<'static>,
    encoding: String,
    bytes_in: u64,
    cfg: &Config,
) -> Result<Analysis, String> {
    match catch_unwind(AssertUnwindSafe(|| stage::fingerprint(&doc, cfg))) {
        Ok(prints) => Ok(Analysis::Text(Box::new(TextFile {
            doc,
            encoding,
            prints,
            bytes_in,
        }))),
        Err(panic) => Err(panic_message(&panic)),
    }
}

/// A decoded file: text, encoding, the malformed sequences decoded as
/// U+FFFD, and the bytes read.
pub(crate) type Read = (String, String, Vec<Replacement>, u64);

/// Read (regular files only, see `read.rs`) and decode one file, or the
/// analysis of a file that is not text.
pub(crate) fn read_text(f: &SourceFile) -> Result<Read, Analysis> {
    let bytes = match crate::read::read_regular(&f.path) {
        Ok(b) => b,
        Err(e @ crate::read::ReadError::NotRegular(_)) => {
            return Err(Analysis::Skipped {
                reason: e.to_string(),
                bytes_in: 0,
            })
        }
        Err(e) => {
            return Err(Analysis::Failed {
                error: FileError::Read(e),
                bytes: None,
                bytes_in: 0,
            })
        }
    };
    decode_bytes(bytes)
}

/// Decode bytes read (a file's, or stdin's) as [`read_text`] does.
pub(crate) fn decode_bytes(bytes: Vec<u8>) -> Result<Read, Analysis> {
    let bytes_in = bytes.len() as u64;
    match plain_utf8(bytes) {
        Ok(text) => Ok((text, "utf-8".to_string(), Vec::new(), bytes_in)),
        Err(bytes) => match decode(&bytes) {
            Decoded::Text {
                text,
                encoding,
                replaced,
            } => Ok((text, encoding, replaced, bytes_in)),
            Decoded::Binary { reason } => Err(Analysis::Skipped { reason, bytes_in }),
            Decoded::Undecodable { reason } => Err(Analysis::Failed {
                error: FileError::Undecodable(reason),
                bytes: Some(bytes),
                bytes_in,
            }),
        },
    }
}

/// The `decode.replacement` flags of a decoded text.
pub(crate) fn replacement_flags(replaced: &[Replacement], encoding: &str) -> Vec<Edit> {
    replaced
        .iter()
        .map(|r| Edit::flag(r.at, "decode.replacement", r.note(encoding)))
        .collect()
}
