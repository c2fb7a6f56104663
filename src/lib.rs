//! newsclean: clean corpora of scraped news text.
//!
//! The library holds all logic; the binary only parses arguments, builds a
//! [`Config`] and calls [`run`]. Pipeline (see `pipeline.rs`):
//! discover → analyse (parallel) → decide (sequential, corpus order) →
//! emit (parallel) → report. The cleaning core ([`normalize`], [`segment`],
//! [`dedup`]) is pure; only [`discover`], [`read`], [`emit`] and
//! [`report`] touch the filesystem.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod config;
pub mod decode;
pub mod dedup;
pub mod discover;
pub mod edit;
pub mod emit;
pub mod index;
pub mod normalize;
pub mod pipeline;
mod plan;
pub mod read;
pub mod report;
pub mod rules;
pub mod segment;
pub mod stage;
pub mod window;

pub use config::Config;
pub use pipeline::{run, RunOptions, RunOutcome};
