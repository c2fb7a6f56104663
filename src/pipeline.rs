//! Pipeline (in progress).
/// Options.
pub struct RunOptions;
/// Outcome.
pub struct RunOutcome;
/// Run.
pub fn run() {}
