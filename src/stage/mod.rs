//! The per-document core: `fingerprint → resolve → apply`, the one
//! sequence every way of running newsclean goes through (see "Where the
//! house is going" in the design).
//!
//! ```text
//!  Doc ──fingerprint──► DocPrints ──resolve──► DocDecisions ──apply──► Cleaned
//!  (id, order key,      (normalised text      (per removed block:      (cleaned text,
//!   decoded text,        with its edits,       rule and kept copy)      every edit in
//!   decoder flags,       blocks with 96-bit                             coordinates of
//!   piece)               keys and lines)                                the text, tally)
//! ```
//!
//! - [`fingerprint`] is pure and per document (run in parallel): the rule
//!   stages ([`crate::normalize`]), blocks and keys ([`crate::segment`]),
//!   each block's line in the document's text ([`LineIndex`]), and the
//!   duplicate settings `resolve` applies, so that `resolve` needs nothing
//!   but the prints and an index.
//! - [`resolve`] is the only step that depends on other documents: it asks
//!   a [`SeenIndex`] about each block's key, in corpus order (the first
//!   order key wins), and tells it the keys of the blocks that survive —
//!   only those, so a kept copy is always a block present in some cleaned
//!   output (see `resolve.rs`).
//! - [`apply`] is pure and per document again: the removal edits
//!   (`dedup::removal_edits`), the layout settled across the
//!   removed blocks, and the composed edits in coordinates of the text.
//!
//! [`clean_doc`] runs the three in a row on one document. The chunked
//! pipeline (`pipeline.rs`) runs them as three phases over many documents,
//! the windowed path (`window.rs`) runs `clean_doc` on each window of a
//! huge file, and [`crate::pipeline::clean_str`] on one text.
//!
//! Every boundary type is `serde` (de)serialisable and carries a
//! [`Schema`] header, refused when it is not this build's: a driver that
//! runs the stages in other processes (shards, a cluster) hands them over
//! as they are. Identities are stable across runs and shards: a document
//! is a [`DocId`] (its source and its name in it, a record number for
//! records), a block a [`BlockRef`] (document and block number); the order
//! key (`order`) is only the document's place in this run's corpus order.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::config::Config;
use crate::edit::{Composed, Edit};
use crate::index::{Origin, SeenIndex};
use crate::normalize;
use crate::segment::{self, Block, BlockKind};

mod lines;
mod resolve;

pub use lines::{count_breaks, count_lines, LineCursor, LineIndex};
pub use resolve::{document_key, resolve, resolve_document, resolve_run, resolve_with, DOC_DOMAIN};

/// Version of the serialised stage types; bumped on any change of their
/// shape or meaning.
pub const SCHEMA: u32 = 1;

/// The versioned header of every boundary type: serialised as
/// [`SCHEMA`]; another version is refused when read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Schema;

impl Serialize for Schema {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(SCHEMA)
    }
}

impl<'de> Deserialize<'de> for Schema {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = u32::deserialize(d)?;
        if v == SCHEMA {
            Ok(Schema)
        } else {
            Err(serde::de::Error::custom(format!(
                "stage data of schema {v}; this build reads schema {SCHEMA}"
            )))
        }
    }
}

/// Where a document comes from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A file of an input tree; its name is the shown output path (relative
    /// to the common folder of the inputs, so the same inputs give the same
    /// names on every run).
    Tree,
    /// A record of a JSONL shard; its name is the shard's, `record` the
    /// record's number (or id) in it.
    Shard,
    /// The text on stdin, or a text handed in by a library caller.
    Text,
}

/// A document's identity, stable across runs and shards.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DocId {
    /// Which kind of source.
    pub source: Source,
    /// Its name in that source (a tree's shown path, a shard's name).
    pub name: String,
    /// The record in a shard.
    pub record: Option<u64>,
}

impl DocId {
    /// A file of an input tree, by its shown name.
    pub fn tree(name: impl Into<String>) -> DocId {
        DocId {
            source: Source::Tree,
            name: name.into(),
            record: None,
        }
    }

    /// A text with no file behind it.
    pub fn text(name: impl Into<String>) -> DocId {
        DocId {
            source: Source::Text,
            name: name.into(),
            record: None,
        }
    }
}

/// A block's identity: its document and its number among the document's
/// blocks (in text order, paragraphs before their lines).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BlockRef {
    /// The document.
    pub doc: DocId,
    /// Index into the document's [`DocPrints::blocks`].
    pub block: u32,
}

/// Which part of a document a [`Doc`] is: the whole of it (the default),
/// or a window of a huge file (`window.rs`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Piece {
    /// The paragraph convention of the whole document (one paragraph per
    /// line), when the piece cannot read it from its own text.
    pub per_line: Option<bool>,
    /// The piece starts inside a line: its first block is a fragment.
    pub cut_start: bool,
    /// The piece ends inside a line: its last block is a fragment.
    pub cut_end: bool,
    /// Lines of the document before the piece.
    pub line_base: u32,
}

/// A document as a source yields it, decoded: the input of [`fingerprint`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Doc<'a> {
    /// Versioned header.
    pub schema: Schema,
    /// Stable identity.
    pub id: DocId,
    /// Order key: the document's place in corpus order in this run.
    pub order: u32,
    /// The decoded text.
    #[serde(borrow)]
    pub text: Cow<'a, str>,
    /// Flags of the decoded text (the decoder's `decode.replacement`), in
    /// order.
    pub flags: Vec<Edit>,
    /// Whole document or a piece of one.
    pub piece: Piece,
}

impl<'a> Doc<'a> {
    /// A whole document without flags.
    pub fn new(id: DocId, order: u32, text: impl Into<Cow<'a, str>>) -> Doc<'a> {
        Doc {
            schema: Schema,
            id,
            order,
            text: text.into(),
            flags: Vec::new(),
            piece: Piece::default(),
        }
    }
}

/// What `resolve` applies of the config: read once by [`fingerprint`], so
/// that the prints are all `resolve` needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DedupRules {
    /// `dedup.paragraph` is on.
    pub paragraph: bool,
    /// `dedup.line` is on.
    pub line: bool,
    /// `dedup.document` is on.
    #[serde(default)]
    pub document: bool,
    /// Blocks with a shorter key are never removed nor remembered.
    pub min_chars: u32,
    /// The near-duplicate rules (`dedup.near-*`, `[dedup.near]`).
    #[serde(default)]
    pub near: crate::near::NearRules,
    /// Which repeats across documents are duplicates (`[dedup] scope`).
    #[serde(default)]
    pub scope: crate::config::ScopeRules,
}

impl DedupRules {
    /// The settings of `cfg`.
    pub fn of(cfg: &Config) -> DedupRules {
        DedupRules {
            paragraph: cfg.on("dedup.paragraph"),
            line: cfg.on("dedup.line"),
            document: cfg.on("dedup.document"),
            min_chars: cfg.dedup_min_chars as u32,
            near: crate::near::NearRules::of(cfg),
            scope: cfg.scope,
        }
    }
}

/// The fingerprints of one document: the output of [`fingerprint`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DocPrints {
    /// Versioned header.
    pub schema: Schema,
    /// The document.
    pub id: DocId,
    /// Its order key.
    pub order: u32,
    /// The normalised text with its edits (in coordinates of the
    /// document's text).
    pub text: Composed,
    /// Blocks of the normalised text, with keys.
    pub blocks: Vec<Block>,
    /// 1-based line in the document of each block's first character
    /// (`line_base` of the piece included).
    pub lines: Vec<u32>,
    /// The duplicate settings.
    pub rules: DedupRules,
    /// Near-duplicate prints (shingle sets, band keys): empty when the
    /// near rules are off or for a piece of a huge file.
    #[serde(default)]
    pub near: crate::near::NearPrints,
}

impl DocPrints {
    /// The stable identity of block `i`.
    pub fn block_ref(&self, i: usize) -> BlockRef {
        BlockRef {
            doc: self.id.clone(),
            block: i as u32,
        }
    }
}

/// Which rule removes a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DupRule {
    /// A whole paragraph (`dedup.paragraph`).
    Paragraph,
    /// A line of a multi-line paragraph (`dedup.line`).
    Line,
    /// A paragraph near-identical to a kept one (`dedup.near-paragraph`,
    /// with `near_paragraph = "remove"`).
    NearParagraph,
}

impl DupRule {
    /// The rule id.
    pub fn id(self) -> &'static str {
        match self {
            DupRule::Paragraph => "dedup.paragraph",
            DupRule::Line => "dedup.line",
            DupRule::NearParagraph => "dedup.near-paragraph",
        }
    }
}

/// A block to remove.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removal {
    /// Index into the document's blocks.
    pub block: usize,
    /// The rule.
    pub rule: DupRule,
    /// The kept copy (always a block that survives).
    pub kept: Origin,
    /// For a near-duplicate: how similar it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near: Option<crate::near::Similarity>,
}

/// The duplicate decisions of one document: the output of [`resolve`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocDecisions {
    /// Versioned header.
    pub schema: Schema,
    /// Blocks to remove, in text order.
    pub removals: Vec<Removal>,
    /// The whole document goes (`dedup.document`): where the document
    /// with the same key sequence is kept. Then `removals` is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<Origin>,
    /// The document is near-identical to a kept one
    /// (`dedup.near-document`): removed as one unit when `remove` (then
    /// `removals` is empty), else flagged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near_document: Option<crate::near::NearMatch>,
    /// Paragraphs flagged as near-identical to a kept paragraph
    /// (`dedup.near-paragraph`; those removed are in `removals`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub near_paragraphs: Vec<crate::near::NearMatch>,
}

/// A cleaned document: the output of [`apply`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Cleaned {
    /// Versioned header.
    pub schema: Schema,
    /// The cleaned text.
    pub text: String,
    /// Every edit (flags included), sorted, in coordinates of the
    /// document's text.
    pub edits: Vec<Edit>,
    /// Blocks the document had.
    pub blocks: usize,
}

/// The counts a report row shows of a set of edits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Edits that change text.
    pub edits: usize,
    /// Flags.
    pub flags: usize,
    /// `dedup.*` edits.
    pub duplicates_removed: usize,
    /// Edits (and flags) per rule.
    pub rules: std::collections::BTreeMap<&'static str, usize>,
}

impl Tally {
    /// Count `edits` in.
    pub fn add(&mut self, edits: &[Edit]) {
        for e in edits {
            if e.is_flag() {
                self.flags += 1;
            } else {
                self.edits += 1;
            }
            if e.rule.starts_with("dedup.") && !e.is_flag() {
                self.duplicates_removed += 1;
            }
            *self.rules.entry(e.rule).or_default() += 1;
        }
    }

    /// The row's reason for a text with malformed bytes decoded as U+FFFD
    /// (`encoding` the source encoding), if it has any.
    pub fn replacement_reason(&self, encoding: Option<&str>) -> Option<String> {
        let n = *self.rules.get("decode.replacement")?;
        Some(format!(
            "{n} malformed {} byte sequence{} decoded as U+FFFD (decode.replacement flags)",
            encoding.unwrap_or("source"),
            if n == 1 { "" } else { "s" }
        ))
    }
}

/// Fingerprint one document: the rule stages, its blocks and their keys
/// and lines. Pure.
pub fn fingerprint(doc: &Doc<'_>, cfg: &Config) -> DocPrints {
    let text = normalize::normalize_flagged(&doc.text, cfg, doc.flags.clone());
    fingerprint_composed(doc, text, cfg)
}

/// The blocks, keys and lines of `doc` normalised as `text`.
fn fingerprint_composed(doc: &Doc<'_>, text: Composed, cfg: &Config) -> DocPrints {
    let p = doc.piece;
    let mut blocks = match p.per_line {
        None => segment::blocks(&text.text),
        Some(per_line) => segment::blocks_with(&text.text, per_line),
    };
    if p.cut_start || p.cut_end {
        exclude_cut_blocks(&mut blocks, p.cut_start, p.cut_end);
    }
    let index = LineIndex::new(&doc.text);
    let lines = blocks
        .iter()
        .map(|b| p.line_base + index.line(text.to_original(b.start)) as u32)
        .collect();
    let rules = DedupRules::of(cfg);
    // Near-duplicates are decided on whole documents only.
    let near = if rules.near.any() && p == Piece::default() {
        crate::near::prints(&text.text, &blocks, &rules.near)
    } else {
        Default::default()
    };
    DocPrints {
        schema: Schema,
        id: doc.id.clone(),
        order: doc.order,
        text,
        blocks,
        lines,
        rules,
        near,
    }
}

/// Apply the decisions to a fingerprinted document: remove the decided
/// blocks (each edit names its kept copy; `kept_name` gives the shown
/// name of a document of this run by its order key), settle the text
/// around them, and return the cleaned text with every edit. Pure.
pub fn apply(
    doc: &Doc<'_>,
    prints: DocPrints,
    decisions: &DocDecisions,
    cfg: &Config,
    kept_name: &dyn Fn(u32) -> String,
) -> Cleaned {
    let DocPrints {
        text: mut composed,
        blocks,
        ..
    } = prints;
    let n = blocks.len();
    composed.push_flags(crate::dedup::near_flags(&blocks, decisions, kept_name));
    if !decisions.removals.is_empty() {
        let rm =
            crate::dedup::removal_edits(&composed.text, &blocks, &decisions.removals, kept_name);
        drop(blocks);
        composed.push_stage(&doc.text, rm);
        let settled = (composed.text.len(), composed.edits.len());
        normalize::renormalize(&mut composed, &doc.text, cfg);
        if (composed.text.len(), composed.edits.len()) != settled {
            remove_new_repeats(doc, &mut composed, cfg, kept_name);
        }
    } else {
        drop(blocks);
    }
    let (text, edits) = composed.into_edits();
    Cleaned {
        schema: Schema,
        text,
        edits,
        blocks: n,
    }
}

/// After removals, the layout stage can join the new neighbours into
/// blocks that repeat one another inside the document (`X⏎⏎Y` left twice
/// makes `XY` twice), which a second run removes. So the settled text is
/// fingerprinted again and its repeats within the document are removed
/// (the first copy kept, as `resolve` does), until none is left; repeats
/// of other documents' blocks are not looked for (issue 10, fuzz inputs
/// 38371 and 60031, seed 1).
fn remove_new_repeats(
    doc: &Doc<'_>,
    composed: &mut Composed,
    cfg: &Config,
    kept_name: &dyn Fn(u32) -> String,
) {
    for _ in 0..4 {
        let c = std::mem::replace(composed, Composed::new(String::new()));
        let prints = fingerprint_composed(doc, c, cfg);
        let decisions = resolve(&mut crate::index::memory::MemoryIndex::new(), &prints);
        let DocPrints {
            text: c, blocks, ..
        } = prints;
        *composed = c;
        if decisions.removals.is_empty() {
            return;
        }
        let rm =
            crate::dedup::removal_edits(&composed.text, &blocks, &decisions.removals, kept_name);
        composed.push_stage(&doc.text, rm);
        let settled = (composed.text.len(), composed.edits.len());
        normalize::renormalize(composed, &doc.text, cfg);
        if (composed.text.len(), composed.edits.len()) == settled {
            return;
        }
    }
}

/// `fingerprint`, `resolve` against `index`, `apply`: one document
/// cleaned. The decisions are returned too (their kept copies).
pub fn clean_doc(
    doc: &Doc<'_>,
    index: &mut dyn SeenIndex,
    cfg: &Config,
    kept_name: &dyn Fn(u32) -> String,
) -> (Cleaned, DocDecisions) {
    let prints = fingerprint(doc, cfg);
    let decisions = resolve(index, &prints);
    let cleaned = apply(doc, prints, &decisions, cfg, kept_name);
    (cleaned, decisions)
}

/// Blocks that hold a cut inside a line (the first paragraph of a piece
/// that starts inside a line, the last of one that ends inside one) are
/// fragments: marked so that they are never removed nor remembered.
fn exclude_cut_blocks(blocks: &mut [Block], starts_mid: bool, ends_mid: bool) {
    let (Some(first), Some(last)) = (blocks.first().cloned(), blocks.last().map(|b| b.para)) else {
        return;
    };
    let last_end = blocks
        .iter()
        .filter(|b| b.kind == BlockKind::Paragraph && b.para == last)
        .map(|b| b.end)
        .next()
        .unwrap_or(0);
    for b in blocks.iter_mut() {
        let head = starts_mid && b.para == first.para && b.start == first.start;
        let tail = ends_mid && b.para == last && b.end == last_end;
        if head || tail {
            b.furniture = true;
        }
    }
}

#[cfg(test)]
mod tests;
