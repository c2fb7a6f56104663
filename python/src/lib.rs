//! `newsclean._native`: newsclean's command line run in-process, for the
//! Python package (`newsclean.ray` runs the stage subcommands as Ray
//! tasks). Rust does all file I/O; Python passes argument lists and gets
//! exit codes back, the same codes as the binary's.
//!
//! The binary's own `src/main.rs` (and through it `src/cli.rs`) is
//! compiled in here, so the module parses exactly the binary's options
//! and prints exactly its messages (stdout and stderr are the process's).

use std::ffi::OsString;

use pyo3::prelude::*;

#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../../src/main.rs"]
mod cli_main;

/// Run `newsclean ARGS...` in this process and return its exit code
/// (`run(["clean", "in", "--out", "out"])`). The GIL is released while
/// it runs.
#[pyfunction]
fn run(py: Python<'_>, args: Vec<OsString>) -> u8 {
    let mut argv = Vec::with_capacity(args.len() + 1);
    argv.push(OsString::from("newsclean"));
    argv.extend(args);
    py.detach(|| cli_main::run(argv))
}

/// The version line of `newsclean -V`.
#[pyfunction]
fn version() -> String {
    format!("newsclean {}", env!("CARGO_PKG_VERSION"))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    Ok(())
}
