//! newsclean: clean corpora of scraped news text.
//!
//! The library holds all logic; the binary only parses arguments, builds
//! [`RunOptions`] and calls [`run`]. Every document goes through one
//! per-document core, [`stage`]: `fingerprint` (the rule stages of
//! [`normalize`], blocks and keys of [`segment`]) → `resolve` (against an
//! [`index::SeenIndex`], in corpus order) → `apply` (the removal edits of
//! `dedup.rs`, the text settled). [`pipeline::run`] is the local driver:
//! options resolved into a plan (`plan.rs`), discovery, the stages over
//! chunks of corpus order, the writes and reports; `window.rs` runs the core
//! on each window of a huge file, and [`pipeline::clean_str`] on one text.
//! The core is pure; only [`discover`], [`read`], [`emit`] and [`report`]
//! touch the filesystem.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod config;
mod dateline;
pub mod decode;
mod dedup;
pub mod discover;
pub mod edit;
pub mod emit;
pub mod index;
pub mod near;
pub mod normalize;
pub mod pipeline;
mod plan;
pub mod read;
pub mod report;
mod reporting;
pub mod rules;
pub mod segment;
pub mod shard;
mod sink;
mod source;
pub mod stage;
pub mod staged;
mod window;

pub use config::Config;
pub use pipeline::{run, RunOptions, RunOutcome};
pub use window::set_huge_file_hook;
