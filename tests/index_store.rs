//! The on-disk index store (`src/index/store.rs`): provenance across runs,
//! re-runs and drops, damaged files, two writers, SIGKILL during commits.
//!
//! Keys are those of the lines of `fixtures/corpus` (xxh3 of each line),
//! each kept at its real file and line; the kill loop adds synthetic
//! nights of keys large enough that a commit takes a while.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use newsclean::index::store::{self, DiskIndex, IndexError, RunRecord};
use newsclean::index::{Here, Key, Origin, SeenIndex};
use proptest::prelude::*;
use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

use common::*;

/// One document of the fixture corpus: its path relative to the corpus
/// and the keys of its non-empty lines with their 1-based line numbers.
struct Doc {
    path: String,
    lines: Vec<(Key, u32)>,
}

fn key_of(text: &str) -> Key {
    Key {
        hash: xxh3_64(text.as_bytes()),
        check: xxh3_64_with_seed(text.as_bytes(), 1) as u32,
    }
}

fn corpus_docs() -> Vec<Doc> {
    let base = corpus();
    let mut files: Vec<PathBuf> = walk(&base);
    files.sort();
    files
        .into_iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            let lines = text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .map(|(i, l)| (key_of(l.trim()), i as u32 + 1))
                .collect();
            Some(Doc {
                path: p
                    .strip_prefix(&base)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                lines,
            })
        })
        .collect()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.extension().is_some_and(|x| x == "txt") {
            out.push(p);
        }
    }
    out
}

/// Runs one "night" over `docs` the way resolve does (lookup, insert the
/// misses) and commits it; returns what each lookup answered.
fn night(dir: &Path, run: &str, docs: &[&Doc]) -> Vec<Option<Origin>> {
    let mut ix = DiskIndex::open(dir, run, false).unwrap();
    let mut answers = Vec::new();
    for (d, doc) in docs.iter().enumerate() {
        for &(key, line) in &doc.lines {
            let a = ix.lookup(key);
            if a.is_none() {
                ix.insert(
                    key,
                    Here {
                        doc: d as u32,
                        line,
                    },
                );
            }
            answers.push(a);
        }
    }
    let n = ix.inserted() as u64;
    ix.commit(RunRecord {
        date: "2026-12-01T02:00:00Z".into(),
        inputs: vec![format!("dumps/{run}")],
        docs: docs.iter().map(|d| d.path.clone()).collect(),
        blocks_added: n,
        near: None,
        near_keep: None,
    })
    .unwrap();
    answers
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn a_later_run_sees_the_kept_copy_with_run_path_and_line() {
    let docs = corpus_docs();
    let t = tmp();
    let dir = t.path().join("index");
    let first: Vec<&Doc> = docs.iter().take(8).collect();
    night(&dir, "2026-11-28", &first);
    let ix = DiskIndex::open_read_only(&dir, "2026-11-29").unwrap();
    let doc = first[3];
    let (key, line) = doc.lines[2];
    // The first copy of that line in corpus order is the kept one.
    let kept = first
        .iter()
        .flat_map(|d| d.lines.iter().map(move |l| (d.path.clone(), *l)))
        .find(|(_, (k, _))| *k == key)
        .unwrap();
    assert_eq!(
        ix.lookup(key),
        Some(Origin::Earlier {
            run: "2026-11-28".into(),
            path: kept.0.clone(),
            line: kept.1 .1,
        })
    );
    assert!(line >= kept.1 .1 || kept.0 != doc.path);
    // A line of a document the first night did not read is unknown.
    let unseen = docs[12].lines.iter().find(|(k, _)| ix.lookup(*k).is_none());
    assert!(unseen.is_some(), "some line of {} is new", docs[12].path);
    // Every lookup of the second night over all documents: the first
    // night's keys are earlier, the rest kept now.
    let all: Vec<&Doc> = docs.iter().collect();
    let answers = night(&dir, "2026-11-29", &all);
    let earlier = answers
        .iter()
        .filter(|a| matches!(a, Some(Origin::Earlier { run, .. }) if run == "2026-11-28"))
        .count();
    let first_keys: std::collections::HashSet<Key> = first
        .iter()
        .flat_map(|d| d.lines.iter().map(|l| l.0))
        .collect();
    let in_first = all
        .iter()
        .flat_map(|d| &d.lines)
        .filter(|l| first_keys.contains(&l.0))
        .count();
    assert_eq!(earlier, in_first);
    assert!(earlier > 0 && earlier < answers.len());
    let s = store::stats(&dir).unwrap();
    assert_eq!(
        s.runs.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["2026-11-28", "2026-11-29"]
    );
    assert_eq!(s.runs[1].files, docs.len() as u64);
    assert_eq!(s.keys, s.runs.iter().map(|r| r.keys).sum::<u64>());
    let v = store::verify(&dir).unwrap();
    assert_eq!(v.keys, s.keys);
}

#[test]
fn one_run_over_three_nights_equals_three_nightly_runs() {
    let docs = corpus_docs();
    let parts: Vec<Vec<&Doc>> = docs.chunks(6).map(|c| c.iter().collect()).collect();
    let t = tmp();
    let nightly = t.path().join("nightly");
    let mut kept_nightly = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        for a in night(&nightly, &format!("n{i}"), p) {
            kept_nightly.push(a.is_none());
        }
    }
    let once = t.path().join("once");
    let all: Vec<&Doc> = docs.iter().collect();
    let kept_once: Vec<bool> = night(&once, "all", &all)
        .iter()
        .map(Option::is_none)
        .collect();
    assert_eq!(kept_nightly, kept_once);
    assert_eq!(
        store::stats(&nightly).unwrap().keys,
        store::stats(&once).unwrap().keys
    );
}

#[test]
fn a_rerun_of_a_run_id_replaces_its_earlier_attempt() {
    let docs = corpus_docs();
    let t = tmp();
    let dir = t.path().join("index");
    let a: Vec<&Doc> = docs.iter().take(5).collect();
    let b: Vec<&Doc> = docs.iter().skip(5).take(5).collect();
    night(&dir, "n1", &a);
    let first_try = night(&dir, "n2", &b);
    // The re-run does not see its own earlier attempt: same answers.
    let again = night(&dir, "n2", &b);
    assert_eq!(first_try, again);
    // A re-run over fewer documents: the keys of the others are gone.
    let fewer: Vec<&Doc> = b.iter().take(2).copied().collect();
    night(&dir, "n2", &fewer);
    let ix = DiskIndex::open_read_only(&dir, "n3").unwrap();
    let gone = b[4]
        .lines
        .iter()
        .filter(|(k, _)| matches!(ix.lookup(*k), Some(Origin::Earlier { run, .. }) if run == "n2"));
    assert_eq!(gone.count(), 0);
    let s = store::stats(&dir).unwrap();
    assert_eq!(
        s.runs.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["n1", "n2"]
    );
    assert_eq!(store::verify(&dir).unwrap().keys, s.keys);
}

#[test]
fn a_dropped_runs_keys_are_new_again() {
    let docs = corpus_docs();
    let t = tmp();
    let dir = t.path().join("index");
    let a: Vec<&Doc> = docs.iter().take(6).collect();
    let b: Vec<&Doc> = docs.iter().skip(6).collect();
    let before = night(&dir, "n1", &a);
    night(&dir, "n2", &b);
    let digest_before = store::verify(&dir).unwrap().digest;
    let gone = store::drop_run(&dir, "n1", false).unwrap();
    assert_eq!(gone.id, "n1");
    let v = store::verify(&dir).unwrap();
    assert_ne!(v.digest, digest_before);
    assert!(v.unnamed.is_empty());
    // Running n1's documents again now keeps them as the first time.
    let again = night(&dir, "n3", &a);
    let ix = DiskIndex::open_read_only(&dir, "n4").unwrap();
    for (x, y) in before.iter().zip(&again) {
        // What n1 kept is kept by n3 now, unless n2 kept it since.
        if x.is_none() {
            assert!(
                y.is_none() || matches!(y, Some(Origin::Earlier { run, .. }) if run == "n2"),
                "{y:?}"
            );
        }
    }
    assert!(ix.runs().iter().all(|r| r.id != "n1"));
    let e = store::drop_run(&dir, "n1", false).unwrap_err();
    assert_eq!(e.exit_code(), 64);
    assert!(e.to_string().contains("n1"), "{e}");
    let o = newsclean(["index", "drop", dir.to_str().unwrap(), "n9"]);
    assert_eq!(code(&o), 64);
}

#[test]
fn many_nights_merge_and_every_key_keeps_its_provenance() {
    let t = tmp();
    let dir = t.path().join("index");
    let mut expect = Vec::new();
    for n in 0..22u32 {
        let mut ix = DiskIndex::open(&dir, &format!("night-{n:02}"), false).unwrap();
        for i in 0..300u32 {
            let key = synth(n, i);
            ix.insert(
                key,
                Here {
                    doc: i % 7,
                    line: i,
                },
            );
            expect.push((key, n, i));
        }
        let r = ix
            .commit(RunRecord {
                date: format!("2026-11-{:02}T02:00:00Z", n + 1),
                inputs: vec!["dump".into()],
                docs: (0..7).map(|d| format!("night{n}/doc{d}.txt")).collect(),
                blocks_added: 300,
                near: None,
                near_keep: None,
            })
            .unwrap();
        assert!(r.segments <= 8, "{r:?}");
    }
    let ix = DiskIndex::open_read_only(&dir, "next").unwrap();
    for (key, n, i) in expect {
        assert_eq!(
            ix.lookup(key),
            Some(Origin::Earlier {
                run: format!("night-{n:02}"),
                path: format!("night{n}/doc{}.txt", i % 7),
                line: i
            })
        );
    }
    assert_eq!(ix.lookup(synth(99, 1)), None);
    let s = store::stats(&dir).unwrap();
    assert_eq!(s.keys, 22 * 300);
    assert_eq!(s.entries, 22 * 300);
    assert!(s.segments < 8, "{}", s.segments);
    // Nothing but the manifest, the lock and the named segments is left.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), s.segments + 2);
}

fn synth(night: u32, i: u32) -> Key {
    let b = [night.to_le_bytes(), i.to_le_bytes()].concat();
    Key {
        hash: xxh3_64(&b),
        check: xxh3_64_with_seed(&b, 7) as u32,
    }
}

#[test]
fn a_second_writer_is_refused_at_once_naming_the_index_and_the_holder() {
    let docs = corpus_docs();
    let t = tmp();
    let dir = t.path().join("index");
    let a: Vec<&Doc> = docs.iter().take(4).collect();
    night(&dir, "n1", &a);
    let mut first = DiskIndex::open(&dir, "2026-12-01", false).unwrap();
    first.insert(key_of("第一个写入者的段落。"), Here { doc: 0, line: 1 });
    let e = DiskIndex::open(&dir, "2026-12-02", false).unwrap_err();
    assert_eq!(e.exit_code(), 75);
    let m = e.to_string();
    assert!(
        m.contains(dir.to_str().unwrap()) && m.contains("run 2026-12-01"),
        "{m}"
    );
    // Another process: refused within a second with that message.
    let started = Instant::now();
    let o = newsclean(["index", "drop", dir.to_str().unwrap(), "n1"]);
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(code(&o), 75);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("run 2026-12-01") && err.contains("in use"),
        "{err}"
    );
    // Readers are not refused; the first writer is unharmed.
    assert_eq!(
        code(&newsclean(["index", "verify", dir.to_str().unwrap()])),
        0
    );
    first
        .commit(RunRecord {
            date: "2026-12-01T02:00:00Z".into(),
            inputs: vec!["d".into()],
            docs: vec!["x.txt".into()],
            blocks_added: 1,
            near: None,
            near_keep: None,
        })
        .unwrap();
    let s = store::stats(&dir).unwrap();
    assert_eq!(s.runs.len(), 2);
    assert_eq!(s.runs[1].keys, 1);
    // The lock ended with the commit.
    drop(DiskIndex::open(&dir, "2026-12-02", false).unwrap());
}

#[test]
fn a_waiting_writer_gets_the_index_when_the_first_commits() {
    let t = tmp();
    let dir = t.path().join("index");
    let mut first = DiskIndex::open(&dir, "a", false).unwrap();
    first.insert(synth(1, 1), Here { doc: 0, line: 3 });
    let d2 = dir.clone();
    let waiter = std::thread::spawn(move || {
        let ix = DiskIndex::open(&d2, "b", true).unwrap();
        ix.lookup(synth(1, 1))
    });
    std::thread::sleep(Duration::from_millis(200));
    assert!(!waiter.is_finished());
    first
        .commit(RunRecord {
            date: "2026-12-01T02:00:00Z".into(),
            inputs: vec![],
            docs: vec!["a.txt".into()],
            blocks_added: 1,
            near: None,
            near_keep: None,
        })
        .unwrap();
    assert_eq!(
        waiter.join().unwrap(),
        Some(Origin::Earlier {
            run: "a".into(),
            path: "a.txt".into(),
            line: 3
        })
    );
}

/// An index of three runs (and so two or three segment files) over the
/// fixture corpus, in a fresh folder.
fn small_index() -> (tempfile::TempDir, PathBuf, Vec<Doc>) {
    let docs = corpus_docs();
    let t = tmp();
    let dir = t.path().join("index");
    for (i, c) in docs.chunks(6).enumerate() {
        let part: Vec<&Doc> = c.iter().collect();
        night(&dir, &format!("n{i}"), &part);
    }
    (t, dir, docs)
}

fn index_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.ends_with("LOCK"))
        .collect();
    v.sort();
    v
}

/// After damage to `file`: opening (both ways) or verifying fails with a
/// message naming the file, or — for damage only a block read finds —
/// lookups report it through `health` and the commit is refused. Never a
/// panic, never an index that quietly reads as fine.
fn assert_damage_found(dir: &Path, file: &Path, docs: &[Doc]) {
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    let names_file = |e: &IndexError| {
        let m = e.to_string();
        assert!(m.contains(&name), "{m} does not name {name}");
        assert!(matches!(e.exit_code(), 78), "{m}: exit {}", e.exit_code());
    };
    let v = store::verify(dir);
    match &v {
        Err(e) => names_file(e),
        Ok(v) => panic!("verify passed a damaged {name}: {v:?}"),
    }
    match DiskIndex::open_read_only(dir, "next") {
        Err(e) => names_file(&e),
        Ok(ix) => {
            for d in docs {
                for &(k, _) in &d.lines {
                    let _ = ix.lookup(k);
                }
            }
            let e = ix.health().expect_err("lookups met the damaged block");
            names_file(&e);
        }
    }
    match DiskIndex::open(dir, "next", false) {
        Err(e) => names_file(&e),
        Ok(mut ix) => {
            for d in docs {
                for &(k, l) in &d.lines {
                    if ix.lookup(k).is_none() {
                        ix.insert(k, Here { doc: 0, line: l });
                    }
                }
            }
            let e = ix
                .commit(RunRecord {
                    docs: vec!["x".into()],
                    ..RunRecord::default()
                })
                .unwrap_err();
            names_file(&e);
        }
    }
    let o = newsclean(["index", "verify", dir.to_str().unwrap()]);
    assert_eq!(code(&o), 78);
    assert!(String::from_utf8_lossy(&o.stderr).contains(&name));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn a_truncated_file_is_named_never_read(pick in 0usize..16, cut in 0.0f64..1.0) {
        let (_t, dir, docs) = small_index();
        let files = index_files(&dir);
        let file = &files[pick % files.len()];
        let len = std::fs::metadata(file).unwrap().len();
        let keep = ((len as f64) * cut) as u64;
        let f = std::fs::OpenOptions::new().write(true).open(file).unwrap();
        f.set_len(keep.min(len - 1)).unwrap();
        drop(f);
        assert_damage_found(&dir, file, &docs);
    }

    #[test]
    fn a_flipped_bit_is_found(pick in 0usize..16, at in 0.0f64..1.0, bit in 0u8..8) {
        let (_t, dir, docs) = small_index();
        let files = index_files(&dir);
        let file = &files[pick % files.len()];
        let mut bytes = std::fs::read(file).unwrap();
        let i = (((bytes.len() as f64) * at) as usize).min(bytes.len() - 1);
        bytes[i] ^= 1 << bit;
        std::fs::write(file, &bytes).unwrap();
        assert_damage_found(&dir, file, &docs);
    }
}

#[test]
fn a_newer_format_is_refused_with_exit_78() {
    let (_t, dir, _docs) = small_index();
    let m = dir.join("MANIFEST");
    let text = std::fs::read_to_string(&m).unwrap();
    std::fs::write(
        &m,
        text.replacen("newsclean-index 1 ", "newsclean-index 2 ", 1),
    )
    .unwrap();
    let e = DiskIndex::open(&dir, "x", false).unwrap_err();
    assert_eq!(e.exit_code(), 78);
    assert!(
        e.to_string().contains("newer") && e.to_string().contains("MANIFEST"),
        "{e}"
    );
    std::fs::write(&m, text).unwrap();
    // A segment of format 2.
    let seg = index_files(&dir)
        .into_iter()
        .find(|p| p.extension().is_some_and(|x| x == "ncx"))
        .unwrap();
    let mut b = std::fs::read(&seg).unwrap();
    assert_eq!(b[8], 2, "this build writes segment format 2");
    b[8] = 3;
    std::fs::write(&seg, &b).unwrap();
    let e = DiskIndex::open_read_only(&dir, "x").unwrap_err();
    assert!(matches!(e, IndexError::NewerFormat { found: 3, .. }), "{e}");
    let o = newsclean(["index", "stats", dir.to_str().unwrap()]);
    assert_eq!(code(&o), 78);
    assert!(String::from_utf8_lossy(&o.stderr).contains("newer newsclean"));
}

/// The segment files of `dir` (sorted by name).
fn segment_files(dir: &Path) -> Vec<PathBuf> {
    index_files(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "ncx"))
        .collect()
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

/// Rewrites every segment file of `dir` as format 1 wrote it (the same
/// bytes without the key filter: version 1, header bytes 56..64 zero,
/// the tables checksum over bytes 0..48 and the fence to the end), and
/// the manifest's records of them.
fn rewrite_as_version_1(dir: &Path) {
    let m = dir.join("MANIFEST");
    let text = std::fs::read_to_string(&m).unwrap();
    let (head, body) = text.split_once('\n').unwrap();
    let mut j: serde_json::Value = serde_json::from_str(body).unwrap();
    for rec in j["segments"].as_array_mut().unwrap() {
        let path = dir.join(rec["file"].as_str().unwrap());
        let mut b = std::fs::read(&path).unwrap();
        assert_eq!(b[8], 2);
        let (entries, filters) = (u64_at(&b, 16), u64_at(&b, 56));
        b.truncate(b.len() - 64 * filters as usize);
        b[8] = 1;
        b[56..64].fill(0);
        let mut tables = b[0..48].to_vec();
        tables.extend_from_slice(&b[64 + 20 * entries as usize..]);
        let sum = xxh3_64(&tables);
        b[48..56].copy_from_slice(&sum.to_le_bytes());
        std::fs::write(&path, &b).unwrap();
        rec["bytes"] = b.len().into();
        rec["tables_sum"] = sum.into();
    }
    let body = serde_json::to_vec_pretty(&j).unwrap();
    let head = head.rsplit_once(' ').unwrap().0;
    let mut out = format!("{head} {:016x}\n", xxh3_64(&body)).into_bytes();
    out.extend_from_slice(&body);
    std::fs::write(&m, out).unwrap();
}

/// Commits night `n` of `keys` (7 documents) and returns what the keys
/// should answer from a later run.
fn synth_night(dir: &Path, n: u32, keys: &[Key]) -> Vec<(Key, Origin)> {
    let mut ix = DiskIndex::open(dir, &format!("night-{n:02}"), false).unwrap();
    let mut expect = Vec::new();
    for (i, &key) in keys.iter().enumerate() {
        let i = i as u32;
        if ix.lookup(key).is_none() {
            ix.insert(
                key,
                Here {
                    doc: i % 7,
                    line: i + 1,
                },
            );
            expect.push((
                key,
                Origin::Earlier {
                    run: format!("night-{n:02}"),
                    path: format!("night{n}/doc{}.txt", i % 7),
                    line: i + 1,
                },
            ));
        }
    }
    ix.commit(RunRecord {
        date: "2026-12-01T02:00:00Z".into(),
        inputs: vec!["dump".into()],
        docs: (0..7).map(|d| format!("night{n}/doc{d}.txt")).collect(),
        blocks_added: keys.len() as u64,
        near: None,
        near_keep: None,
    })
    .unwrap();
    expect
}

#[test]
fn a_version_1_index_is_read_and_its_merge_writes_version_2() {
    let t = tmp();
    let dir = t.path().join("index");
    let mut expect = Vec::new();
    // Three nights of one size tier: three segments, not merged yet.
    for n in 0..3 {
        let keys: Vec<Key> = (0..300).map(|i| synth(n, i)).collect();
        expect.extend(synth_night(&dir, n, &keys));
    }
    assert_eq!(segment_files(&dir).len(), 3);
    let before = store::verify(&dir).unwrap();
    rewrite_as_version_1(&dir);
    for f in segment_files(&dir) {
        assert_eq!(std::fs::read(&f).unwrap()[8], 1);
    }
    // Read as it was: the same entries, every key at its kept copy.
    let v = store::verify(&dir).unwrap();
    assert_eq!((v.keys, v.digest), (before.keys, before.digest));
    let ix = DiskIndex::open_read_only(&dir, "next").unwrap();
    for (key, origin) in &expect {
        assert_eq!(ix.lookup(*key), Some(origin.clone()));
    }
    assert_eq!(ix.lookup(synth(99, 1)), None);
    drop(ix);
    // A fourth night of the tier merges the four into one of version 2.
    let keys: Vec<Key> = (0..300).map(|i| synth(3, i)).collect();
    expect.extend(synth_night(&dir, 3, &keys));
    let files = segment_files(&dir);
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(std::fs::read(&files[0]).unwrap()[8], 2);
    let ix = DiskIndex::open_read_only(&dir, "next").unwrap();
    for (key, origin) in &expect {
        assert_eq!(ix.lookup(*key), Some(origin.clone()));
    }
    assert_eq!(store::verify(&dir).unwrap().keys, 1200);
}

#[test]
fn a_damaged_filter_byte_is_found_at_open() {
    let (_t, dir, docs) = small_index();
    for (pick, file) in segment_files(&dir).iter().enumerate() {
        let good = std::fs::read(file).unwrap();
        let filters = u64_at(&good, 56) as usize;
        assert!(filters > 0);
        // A byte inside the filter (the file's last 64·F bytes).
        let mut bad = good.clone();
        let at = good.len() - 64 * filters + (pick * 37) % (64 * filters);
        bad[at] ^= 0x10;
        std::fs::write(file, &bad).unwrap();
        let e = DiskIndex::open_read_only(&dir, "next").unwrap_err();
        assert!(e.to_string().contains("filter"), "{e}");
        assert_damage_found(&dir, file, &docs);
        std::fs::write(file, &good).unwrap();
    }
    assert!(store::verify(&dir).is_ok());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// No false negatives through the filters, before and after merges:
    /// every key of every night is found at its kept copy, whatever the
    /// keys (random hashes, nights of any size, repeats across nights).
    #[test]
    fn every_stored_key_is_found_through_the_filters(
        nights in proptest::collection::vec(
            proptest::collection::vec((any::<u64>(), any::<u32>()), 1..400), 1..7),
        repeat in any::<prop::sample::Index>(),
    ) {
        let t = tmp();
        let dir = t.path().join("index");
        let mut expect: Vec<(Key, Origin)> = Vec::new();
        for (n, keys) in nights.iter().enumerate() {
            let mut keys: Vec<Key> =
                keys.iter().map(|&(hash, check)| Key { hash, check }).collect();
            // A key of an earlier night again: found there, not added.
            if !expect.is_empty() {
                keys.push(expect[repeat.index(expect.len())].0);
            }
            let ix = DiskIndex::open_read_only(&dir, "probe").unwrap();
            for (key, origin) in &expect {
                prop_assert_eq!(ix.lookup(*key), Some(origin.clone()));
            }
            drop(ix);
            expect.extend(synth_night(&dir, n as u32, &keys));
        }
        let ix = DiskIndex::open_read_only(&dir, "probe").unwrap();
        for (key, origin) in &expect {
            prop_assert_eq!(ix.lookup(*key), Some(origin.clone()));
        }
    }
}

#[test]
fn a_folder_that_is_not_an_index_is_refused_not_read_as_empty() {
    let t = tmp();
    let dir = t.path().join("index");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "corpus notes").unwrap();
    let e = DiskIndex::open(&dir, "x", false).unwrap_err();
    assert_eq!(e.exit_code(), 78);
    assert!(e.to_string().contains("MANIFEST"), "{e}");
    // Segment files without a manifest: damage, not an empty index.
    let (_t2, dir2, _docs) = small_index();
    std::fs::remove_file(dir2.join("MANIFEST")).unwrap();
    assert_eq!(
        DiskIndex::open_read_only(&dir2, "x")
            .unwrap_err()
            .exit_code(),
        78
    );
    assert_eq!(
        code(&newsclean(["index", "stats", dir2.to_str().unwrap()])),
        78
    );
    // No folder at all: stats says so (66); a read-only open is empty.
    let none = t.path().join("none");
    assert_eq!(
        code(&newsclean(["index", "stats", none.to_str().unwrap()])),
        66
    );
    assert_eq!(
        DiskIndex::open_read_only(&none, "x").unwrap().runs().len(),
        0
    );
    assert!(!none.exists());
}

#[test]
fn stats_prints_runs_keys_and_bytes() {
    let (_t, dir, _docs) = small_index();
    let o = newsclean(["index", "stats", dir.to_str().unwrap()]);
    assert_eq!(code(&o), 0);
    let out = String::from_utf8_lossy(&o.stdout);
    for id in ["n0", "n1", "n2"] {
        assert!(
            out.lines()
                .any(|l| l.starts_with(id) && l.contains("dumps/")),
            "{out}"
        );
    }
    let s = store::stats(&dir).unwrap();
    assert!(out.contains(&format!("{} keys", s.keys)), "{out}");
    assert!(out.contains("bytes on disk"), "{out}");
    let o = newsclean(["index", "stats", "--json", dir.to_str().unwrap()]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["keys"], s.keys);
    assert_eq!(j["runs"][2]["id"], "n2");
}

// ---- The kill loop -------------------------------------------------------

/// Keys a night of the kill loop (`NEWSCLEAN_INDEX_KILL_KEYS`, default
/// 10 000; the script uses 40 000).
fn kill_night_keys() -> u32 {
    std::env::var("NEWSCLEAN_INDEX_KILL_KEYS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

/// The nights a child commits: night `n` has `kill_night_keys()` keys, a
/// tenth of them repeating night `n - 1`'s.
fn kill_night(dir: &Path, n: u32, announce: bool) -> Duration {
    let mut ix = DiskIndex::open(dir, &format!("night-{n:02}"), false).unwrap();
    for i in 0..kill_night_keys() {
        let key = if i % 10 == 0 && n > 0 {
            synth(n - 1, i)
        } else {
            synth(n, i)
        };
        if ix.lookup(key).is_none() {
            ix.insert(
                key,
                Here {
                    doc: i / 100,
                    line: i % 100 + 1,
                },
            );
        }
    }
    let docs = (0..kill_night_keys() / 100)
        .map(|d| format!("n{n}/{d:04}.txt"))
        .collect();
    if announce {
        // The parent reads this to aim kills into the commit.
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "commit {n}");
        let _ = out.flush();
    }
    let t = Instant::now();
    ix.commit(RunRecord {
        date: format!("2026-11-{:02}T02:00:00Z", n + 1),
        inputs: vec![format!("dumps/{n}")],
        docs,
        blocks_added: 0,
        near: None,
        near_keep: None,
    })
    .unwrap();
    t.elapsed()
}

/// The child of the kill loop (with `NEWSCLEAN_INDEX_KILL_DIR` set):
/// commits the nights after the last committed one, up to
/// `NEWSCLEAN_INDEX_KILL_NIGHTS`. Alone, it commits one night into a
/// fresh folder and checks it.
#[test]
fn kill_child() {
    match std::env::var_os("NEWSCLEAN_INDEX_KILL_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            let nights: u32 = std::env::var("NEWSCLEAN_INDEX_KILL_NIGHTS")
                .unwrap()
                .parse()
                .unwrap();
            let done = DiskIndex::open_read_only(&dir, "").unwrap().runs().len() as u32;
            for n in done..nights {
                kill_night(&dir, n, true);
            }
        }
        None => {
            let t = tmp();
            kill_night(t.path(), 0, false);
            assert_eq!(
                store::verify(t.path()).unwrap().keys,
                u64::from(kill_night_keys())
            );
        }
    }
}

fn rng(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

/// SIGKILL the child at random moments; after each kill the index is
/// exactly the one after some number of whole nights (same digest as the
/// uninterrupted index after that many nights) and verifies. In the suite:
/// 12 kills over 8 nights; `scripts/index-kill-loop [KILLS]` runs more.
#[test]
fn sigkill_during_commits_leaves_the_old_index_or_the_new() {
    let kills: u32 = std::env::var("NEWSCLEAN_INDEX_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    let nights: u32 = std::env::var("NEWSCLEAN_INDEX_KILL_NIGHTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let mut seed: u64 = std::env::var("NEWSCLEAN_INDEX_KILL_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    let seed0 = seed;
    eprintln!("index kill loop: seed {seed0}");
    let t = tmp();
    // The uninterrupted index after each number of nights.
    let reference = t.path().join("reference");
    let mut digests = vec![0u64];
    let started = Instant::now();
    let mut committing = Duration::ZERO;
    for n in 0..nights {
        committing = committing.max(kill_night(&reference, n, false));
        digests.push(store::verify(&reference).unwrap().digest);
    }
    let per_night = started.elapsed() / nights;
    let dir = t.path().join("killed");
    let spawn = || {
        Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "kill_child", "--nocapture", "--test-threads=1"])
            .env("NEWSCLEAN_INDEX_KILL_DIR", &dir)
            .env("NEWSCLEAN_INDEX_KILL_NIGHTS", nights.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let (mut killed, mut mid, mut in_commit) = (0, 0, 0);
    while killed < kills {
        let before = runs_done(&dir);
        if before == nights as usize {
            // All nights done: start over so that kills keep landing
            // in commits of a growing index.
            std::fs::remove_dir_all(&dir).unwrap();
            continue;
        }
        let mut child = spawn();
        // Every other kill is aimed into a commit: after the child says
        // it begins one, within about the time a commit takes.
        let aimed = killed % 2 == 1;
        let window = if aimed { committing * 2 } else { per_night * 2 };
        if aimed {
            use std::io::BufRead;
            let out = child.stdout.take().unwrap();
            let mut lines = std::io::BufReader::new(out).lines();
            let skip = rng(&mut seed) % 2;
            let mut seen = 0;
            for l in lines.by_ref() {
                if l.unwrap().starts_with("commit") {
                    if seen == skip {
                        break;
                    }
                    seen += 1;
                }
            }
            in_commit += 1;
            std::thread::spawn(move || lines.for_each(drop));
        }
        let wait = rng(&mut seed) % (window.as_micros() as u64).max(1);
        std::thread::sleep(Duration::from_micros(wait));
        let finished = child.try_wait().unwrap().is_some();
        child.kill().ok();
        child.wait().unwrap();
        if !finished {
            killed += 1;
        }
        let after = runs_done(&dir);
        if after > before && !finished {
            mid += 1;
        }
        if !dir.join("MANIFEST").exists() {
            continue;
        }
        let v = store::verify(&dir).unwrap_or_else(|e| panic!("seed {seed0}: after a kill: {e}"));
        let s = store::stats(&dir).unwrap();
        let ids: Vec<String> = s.runs.iter().map(|r| r.id.clone()).collect();
        let want: Vec<String> = (0..ids.len()).map(|n| format!("night-{n:02}")).collect();
        assert_eq!(ids, want, "seed {seed0}");
        assert_eq!(
            v.digest,
            digests[ids.len()],
            "seed {seed0}: after {} nights",
            ids.len()
        );
    }
    eprintln!(
        "index kill loop: seed {seed0}, {killed} kills ({in_commit} aimed into a commit, {mid} after some commit of the child)"
    );
}

fn runs_done(dir: &Path) -> usize {
    if !dir.join("MANIFEST").exists() {
        return 0;
    }
    store::stats(dir).unwrap().runs.len()
}

// ---- Model check --------------------------------------------------------

/// A committed run of the model: key → (doc, line).
type ModelRun = std::collections::HashMap<u8, (u32, u32)>;

#[derive(Clone, Debug)]
enum Op {
    /// A night of run `id` over these keys (from a pool of 48).
    Night(u8, Vec<u8>),
    /// `index drop` of run `id`.
    Drop(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..5, proptest::collection::vec(0u8..48, 0..40)).prop_map(|(i, k)| Op::Night(i, k)),
        1 => (0u8..5).prop_map(Op::Drop),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// Any sequence of nights, re-runs of a run id and drops answers every
    /// lookup as a simple model does: the kept copy of the earliest
    /// committed run (other than the open one) that kept the key, else
    /// this run's own insert; and the index verifies after each step.
    #[test]
    fn the_store_answers_as_the_model(ops in proptest::collection::vec(op(), 1..14)) {
        let t = tmp();
        let dir = t.path().join("index");
        // Committed runs in commit order: id and its keys → (doc, line).
        let mut model: Vec<(String, ModelRun)> = Vec::new();
        for (step, op) in ops.into_iter().enumerate() {
            match op {
                Op::Night(id, keys) => {
                    let id = format!("run-{id}");
                    let mut ix = DiskIndex::open(&dir, &id, false).unwrap();
                    let mut mine = std::collections::HashMap::new();
                    for (i, &k) in keys.iter().enumerate() {
                        let here = Here { doc: (i % 3) as u32, line: step as u32 * 100 + i as u32 + 1 };
                        let want = model
                            .iter()
                            .filter(|(r, _)| *r != id)
                            .find_map(|(r, m)| m.get(&k).map(|&(d, l)| Origin::Earlier {
                                run: r.clone(),
                                path: format!("{r}/doc{d}.txt"),
                                line: l,
                            }))
                            .or_else(|| mine.get(&k).map(|&(d, l)| Origin::ThisRun(Here { doc: d, line: l })));
                        prop_assert_eq!(ix.lookup(synth(0, u32::from(k))), want.clone());
                        if want.is_none() {
                            ix.insert(synth(0, u32::from(k)), here);
                            mine.insert(k, (here.doc, here.line));
                        }
                    }
                    prop_assert_eq!(ix.inserted(), mine.len());
                    ix.commit(RunRecord {
                        date: "2026-12-01T02:00:00Z".into(),
                        inputs: vec![],
                        docs: (0..3).map(|d| format!("{id}/doc{d}.txt")).collect(),
                        blocks_added: mine.len() as u64,
                        near: None,
                        near_keep: None,
                    }).unwrap();
                    model.retain(|(r, _)| *r != id);
                    model.push((id, mine));
                }
                Op::Drop(id) => {
                    let id = format!("run-{id}");
                    let known = model.iter().any(|(r, _)| *r == id);
                    match store::drop_run(&dir, &id, false) {
                        Ok(r) => {
                            prop_assert!(known);
                            prop_assert_eq!(r.id, id.clone());
                        }
                        Err(e) => prop_assert!(!known, "{}", e),
                    }
                    model.retain(|(r, _)| *r != id);
                }
            }
            if dir.join("MANIFEST").exists() {
                let v = store::verify(&dir).unwrap();
                prop_assert_eq!(v.keys, model.iter().map(|(_, m)| m.len() as u64).sum::<u64>());
                prop_assert!(v.unnamed.is_empty());
                let ids: Vec<String> = store::stats(&dir).unwrap().runs.into_iter().map(|r| r.id).collect();
                let want: Vec<String> = model.iter().map(|(r, _)| r.clone()).collect();
                prop_assert_eq!(ids, want);
            }
        }
    }
}
