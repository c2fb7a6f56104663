//! Build info for `newsclean -V`: the commit (`git describe`) and the
//! build date (SOURCE_DATE_EPOCH when set, else now). No network; outside
//! a git checkout (a tarball) both fall back cleanly.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    // Only this project's own checkout: a tarball unpacked inside some
    // other repository must not report that repository's commit.
    let own = git(&["rev-parse", "--show-toplevel"])
        .zip(std::env::var_os("CARGO_MANIFEST_DIR"))
        .is_some_and(|(top, dir)| {
            let canon = |p: PathBuf| p.canonicalize().unwrap_or(p);
            canon(PathBuf::from(top)) == canon(PathBuf::from(dir))
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
    println!("cargo:rerun-if-changed=build.rs");
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
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(mo <= 2);
    format!("{y:04}-{mo:02}-{d:02}")
}
