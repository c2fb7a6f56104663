//! What `src/cli.rs` of the main crate reads at compile time for `-V`:
//! the commit and the build date, by the main crate's own code for them.

use std::path::Path;

#[path = "../build/version.rs"]
mod version;

fn main() {
    version::emit(&Path::new(env!("CARGO_MANIFEST_DIR")).join(".."));
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=../build/version.rs");
}
