//! The kill loop (issue 10): SIGKILL a run at random moments, again and
//! again into the same output, then check that no output name ever holds a
//! partial file, that the next run leaves no temp file, and that its output
//! is byte-identical to an uninterrupted run's.
//!
//! In the suite: 10 kills over 10 copies of `fixtures/corpus` (a few
//! seconds), once with unnamed `O_TMPFILE` files and once with named temp
//! files (`NEWSCLEAN_PORTABLE_WRITES`, the path without `O_TMPFILE`). `scripts/kill-loop [N]` runs it with N kills
//! (`NEWSCLEAN_KILLS`; `NEWSCLEAN_KILL_COPIES` sets the corpus size,
//! `NEWSCLEAN_KILL_SEED` replays a seed) and prints the totals.

mod common;

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use common::*;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn sigkill_at_random_moments_leaves_no_partial_file() {
    kill_loop(false);
}

/// The same with named temp files (the path taken where `O_TMPFILE` is
/// missing): kills leave temp files, the next run removes them.
#[test]
fn sigkill_with_named_temp_files_leaves_no_partial_file() {
    kill_loop(true);
}

fn kill_loop(portable: bool) {
    let kills = env_num("NEWSCLEAN_KILLS", 10);
    let copies = env_num("NEWSCLEAN_KILL_COPIES", 10) as usize;
    let seed = env_num(
        "NEWSCLEAN_KILL_SEED",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
            | 1,
    );
    let mut rng = Rng(seed);
    let tmp = tempfile::tempdir().unwrap();
    let input = big_corpus(tmp.path(), copies);

    // The uninterrupted run, timed: kill moments are drawn over its length.
    let ref_out = tmp.path().join("reference");
    let args = |out: &Path| -> Vec<OsString> {
        vec![
            "clean".into(),
            input.clone().into(),
            "--out".into(),
            out.into(),
            "-q".into(),
        ]
    };
    let t0 = Instant::now();
    assert_code(&newsclean(args(&ref_out)), 0);
    let run_time = t0.elapsed();
    let want_out = tree(&ref_out);
    let want_report = report_files(&report_of(&ref_out));
    let want_summary = summary_without_run(&report_of(&ref_out));

    let out = tmp.path().join("out");
    let report = report_of(&out);
    let (mut landed, mut partial, mut temps_seen) = (0u64, 0u64, 0u64);
    for _ in 0..kills {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_newsclean"));
        if portable {
            cmd.env(newsclean::emit::PORTABLE_ENV, "1");
        }
        landed += u64::from(kill_at_random(cmd.args(args(&out)), run_time, &mut rng));
        // Every output name holds a complete file of some run.
        for (rel, bytes) in tree(&out) {
            if rel.rsplit('/').next().unwrap().starts_with(".newsclean-") {
                temps_seen += 1;
            } else if want_out.get(&rel) != Some(&bytes) {
                eprintln!("kill-loop: partial or foreign file {rel}");
                partial += 1;
            }
        }
        for (rel, bytes) in report_files(&report) {
            if rel.rsplit('/').next().unwrap().starts_with(".newsclean-") {
                temps_seen += 1;
            } else if want_report.get(&rel) != Some(&bytes) {
                eprintln!("kill-loop: partial or foreign report file {rel}");
                partial += 1;
            }
        }
        if report.join("summary.json").exists() && summary_without_run(&report) != want_summary {
            eprintln!("kill-loop: summary.json of another run");
            partial += 1;
        }
    }
    // The next run completes, cleans up and matches the uninterrupted one.
    assert_code(&newsclean(args(&out)), 0);
    let temps_left = (temp_files(&out).len() + temp_files(&report).len()) as u64;
    let mut mismatches = 0u64;
    let got_out = tree(&out);
    for rel in want_out.keys().chain(got_out.keys()) {
        if want_out.get(rel) != got_out.get(rel) {
            eprintln!("kill-loop: re-run differs at {rel}");
            mismatches += 1;
        }
    }
    let got_report = report_files(&report);
    for rel in want_report.keys().chain(got_report.keys()) {
        if want_report.get(rel) != got_report.get(rel) {
            eprintln!("kill-loop: re-run report differs at {rel}");
            mismatches += 1;
        }
    }
    if summary_without_run(&report) != want_summary {
        eprintln!("kill-loop: re-run summary.json differs");
        mismatches += 1;
    }
    eprintln!(
        "kill-loop{}: seed {seed}, {} files, run {:.2} s; kills {kills} ({landed} mid-run), \
         partial files {partial}, temp files seen after kills {temps_seen}, \
         temp files left after re-run {temps_left}, mismatches {mismatches}",
        if portable { " (named temp files)" } else { "" },
        want_out.len(),
        run_time.as_secs_f64()
    );
    assert!(landed > 0 || kills == 0, "no kill landed during a run");
    assert_eq!(partial, 0, "partial files under output names");
    assert_eq!(temps_left, 0, "temp files left after the re-run");
    assert_eq!(mismatches, 0, "re-run differs from an uninterrupted run");
}
