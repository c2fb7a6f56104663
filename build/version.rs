//! Build info for `newsclean -V`, shared by the build scripts of the main
//! crate (`build.rs`) and of the Python package (`python/build.rs`, which
//! compiles `src/main.rs` itself): the commit (`git rev-parse`) and the
//! build date (SOURCE_DATE_EPOCH when set, else now), as the rustc
//! environment variables `NEWSCLEAN_COMMIT` and `NEWSCLEAN_BUILD_DATE`. No
//! network; outside this project's own checkout (a tarball) both fall back
//! cleanly.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Emit the two variables and the rerun triggers; `root` is the folder
/// the project's checkout must have as its top level.
pub(crate) fn emit(root: &Path) {
    // Only this project's own checkout: a tarball unpacked inside some
    // other repository must not report that repository's commit.
    let own = git(&["rev-parse", "--show-toplevel"]).is_some_and(|top| {
        let canon = |p: PathBuf| p.canonicalize().unwrap_or(p);
        canon(PathBuf::from(top)) == canon(root.to_path_buf())
    });
    let git = |args: &[&str]| if own { git(args) } else { None };
    let commit =
        git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown commit".into());
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
        });
    println!("cargo:rustc-env=NEWSCLEAN_COMMIT={commit}");
    println!("cargo:rustc-env=NEWSCLEAN_BUILD_DATE={}", date(secs));
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    // Rerun when HEAD moves: HEAD itself (a branch switch) and the branch
    // it names (a commit). In a worktree .git is a file: git says where.
    if let Some(head) = git(&["rev-parse", "--git-path", "HEAD"]) {
        println!("cargo:rerun-if-changed={head}");
    }
    if let Some(branch) =
        git(&["rev-parse", "--symbolic-full-name", "HEAD"]).filter(|r| r.starts_with("refs/"))
    {
        // A packed ref has no file of its own: watch packed-refs then
        // (a path that does not exist would rerun this every build).
        let loose = git(&["rev-parse", "--git-path", &branch]).map(PathBuf::from);
        let packed =
            git(&["rev-parse", "--git-common-dir"]).map(|d| PathBuf::from(d).join("packed-refs"));
        if let Some(p) = loose.into_iter().chain(packed).find(|p| p.exists()) {
            println!("cargo:rerun-if-changed={}", p.display());
        }
    }
}

/// The trimmed stdout of a successful git command.
fn git(args: &[&str]) -> Option<String> {
    Command::new("git")
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// YYYY-MM-DD (UTC) from seconds since the epoch.
fn date(secs: u64) -> String {
    let t = i64::try_from(secs)
        .ok()
        .and_then(|s| jiff::Timestamp::from_second(s).ok())
        .unwrap_or(jiff::Timestamp::MAX);
    t.strftime("%Y-%m-%d").to_string()
}
