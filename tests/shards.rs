//! JSONL shards (issue 17): each record is a document, cleaned and
//! deduplicated exactly as a file; the output shard keeps every byte of a
//! line but the text field's string, the line order and the compression;
//! bad records and truncated streams are reported with shard and line,
//! passed through unchanged, and exit 2.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

/// The texts of the example corpus (`fixtures/corpus`, excerpts of
/// `../shared/corpora`, see its SOURCES.md), in corpus order.
fn corpus_texts() -> Vec<String> {
    tree(&corpus())
        .into_iter()
        .filter(|(rel, _)| rel.ends_with(".txt"))
        .map(|(_, b)| String::from_utf8(b).expect("the example corpus is UTF-8"))
        .collect()
}

/// One line per text: fields around the text written in odd ways (spaces,
/// escapes, numbers as written, nested objects) that must survive.
fn shard_lines(texts: &[String]) -> Vec<String> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            format!(
                "{{\"id\":\"{i:03}\", \"url\" : \"https:\\/\\/news.example\\/{i}\",\"score\":1.50e0,\"meta\":{{ \"src\":\"\\u65b0\\u534e\" }},\"text\": {} ,\"tail\":[ ]}}\n",
                serde_json::to_string(t).unwrap()
            )
        })
        .collect()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(data)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn lines_of(data: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(data)
        .split_inclusive('\n')
        .map(str::to_string)
        .collect()
}

/// The text field of a line.
fn text_of(line: &str) -> String {
    let v: Value = serde_json::from_str(line).unwrap();
    v["text"].as_str().unwrap().to_string()
}

/// The duplicate removals of a run: (document, rule, start, end, before,
/// after, kept copy's document and line), documents named by `name`.
fn removals(report: &Path, name: &dyn Fn(&Value) -> String) -> Vec<Vec<String>> {
    changes(report)
        .iter()
        .filter(|c| c["rule"].as_str().unwrap().starts_with("dedup."))
        .map(|c| {
            let kept = &c["duplicate_of"];
            let kept_doc = kept["file"]
                .as_str()
                .unwrap_or("")
                .rsplit(['#', '/'])
                .next()
                .unwrap()
                .trim_end_matches(".txt")
                .to_string();
            vec![
                name(c),
                c["rule"].to_string(),
                c["start"].to_string(),
                c["end"].to_string(),
                c["before"].to_string(),
                c["after"].to_string(),
                kept_doc,
                kept["line"].to_string(),
            ]
        })
        .collect()
}

#[test]
fn a_shard_cleans_as_one_file_per_record() {
    let texts = corpus_texts();
    assert!(texts.len() >= 15, "the example corpus is there");
    let d = tempfile::tempdir().unwrap();
    let (files, shards) = (d.path().join("files"), d.path().join("shards"));
    for (i, t) in texts.iter().enumerate() {
        write(&files, &format!("{i:03}.txt"), t);
    }
    write(&shards, "news.jsonl", shard_lines(&texts).concat());
    let (fo, so) = (d.path().join("fo"), d.path().join("so"));
    clean(&files, &fo, &[], 0);
    clean(&shards, &so, &[], 0);
    let out = std::fs::read(so.join("news.jsonl")).unwrap();
    let lines = lines_of(&out);
    // A record removed as a duplicate document is left out of the shard,
    // as a duplicate file gets no cleaned copy: the same documents go.
    let id_of = |l: &str| -> usize {
        let v: Value = serde_json::from_str(l).unwrap();
        v["id"].as_str().unwrap().parse().unwrap()
    };
    let kept: Vec<usize> = lines.iter().map(|l| id_of(l)).collect();
    let files_kept: Vec<usize> = (0..texts.len())
        .filter(|i| fo.join(format!("{i:03}.txt")).exists())
        .collect();
    assert_eq!(kept, files_kept);
    assert!(
        kept.len() < texts.len(),
        "the example corpus has whole-document copies"
    );
    for l in &lines {
        let i = id_of(l);
        let file = std::fs::read_to_string(fo.join(format!("{i:03}.txt"))).unwrap();
        assert_eq!(text_of(l), file, "record {i:03}");
    }
    let by_file = removals(&report_of(&fo), &|c| {
        c["file"].as_str().unwrap().trim_end_matches(".txt").into()
    });
    let by_record = removals(&report_of(&so), &|c| {
        assert_eq!(c["file"], "news.jsonl");
        c["record"].as_str().unwrap().into()
    });
    assert!(
        by_file.len() > 5,
        "the corpus has duplicates: {}",
        by_file.len()
    );
    assert_eq!(by_file, by_record);
    let s = summary(&report_of(&so));
    let row = file_row(&s, "news.jsonl");
    assert_eq!(row["records"]["records"], texts.len());
    assert_eq!(row["records"]["duplicate"], texts.len() - kept.len());
    assert_eq!(row["status"], "cleaned");
    let fs = summary(&report_of(&fo));
    for k in ["edits", "blocks", "duplicates_removed"] {
        assert_eq!(row[k], fs["totals"][k], "{k}");
    }
    // Every record change names its line in the shard, and its span in
    // bytes and in code points of the record's text (dolma's offsets).
    let mut wide = 0;
    for c in changes(&report_of(&so)) {
        let id: usize = c["record"].as_str().unwrap().parse().unwrap();
        assert_eq!(c["line"], id + 1);
        assert!(c["text_line"].as_u64().unwrap() >= 1);
        let t = &texts[id];
        let at = |k: &str| c[k].as_u64().unwrap() as usize;
        let before = c["before"].as_str().unwrap();
        assert_eq!(&t[at("start")..at("end")], before);
        let by_cp: String = t
            .chars()
            .skip(at("cp_start"))
            .take(at("cp_end") - at("cp_start"))
            .collect();
        assert_eq!(by_cp, before);
        wide += usize::from(at("cp_start") < at("start"));
    }
    assert!(wide > 10, "offsets past Han text differ: {wide}");
}

/// Every byte of each output line but the text's JSON string is the input
/// line's, in the same order; the compression is the input's.
fn assert_kept_around_text(input: &[String], output: &[String]) {
    assert_eq!(input.len(), output.len());
    let mut changed = 0;
    for (a, b) in input.iter().zip(output) {
        let (ha, ta) = a.split_once("\"text\": ").unwrap();
        let (hb, tb) = b.split_once("\"text\": ").unwrap();
        assert_eq!(ha, hb);
        let tail_a = &ta[ta.rfind(" ,\"tail\"").unwrap()..];
        let tail_b = &tb[tb.rfind(" ,\"tail\"").unwrap()..];
        assert_eq!(tail_a, tail_b);
        changed += usize::from(a != b);
    }
    assert!(changed > 3, "the texts were cleaned: {changed}");
}

/// `lines` as three shards in `dir/in`: `a.jsonl`, `b.jsonl.gz` (two gzip
/// members, as concatenated shards are) and `c.jsonl.zst`.
fn three_shards(dir: &Path, lines: &[String]) -> PathBuf {
    let plain = lines.concat().into_bytes();
    let half = lines.len() / 2;
    let mut gz = gzip(lines[..half].concat().as_bytes());
    gz.extend(gzip(lines[half..].concat().as_bytes()));
    let zst = zstd::encode_all(plain.as_slice(), 3).unwrap();
    let input = dir.join("in");
    for (name, bytes) in [
        ("a.jsonl", &plain),
        ("b.jsonl.gz", &gz),
        ("c.jsonl.zst", &zst),
    ] {
        write(&input, name, bytes);
    }
    input
}

#[test]
fn plain_gzip_and_zstd_shards_keep_every_other_field() {
    let texts = corpus_texts();
    let lines = shard_lines(&texts);
    let d = tempfile::tempdir().unwrap();
    let input = three_shards(d.path(), &lines);
    let out = d.path().join("out");
    // Whole-document copies would be left out (see the test above): here
    // the bytes around the text are checked, on every record.
    clean(
        &input,
        &out,
        &["--jobs", "2", "--disable", "dedup.document"],
        0,
    );
    let a = std::fs::read(out.join("a.jsonl")).unwrap();
    let b = gunzip(&std::fs::read(out.join("b.jsonl.gz")).unwrap());
    let c = zstd::decode_all(std::fs::read(out.join("c.jsonl.zst")).unwrap().as_slice()).unwrap();
    assert_kept_around_text(&lines, &lines_of(&a));
    // The same records in the next shards are duplicates of the first's,
    // decided in corpus order: their texts differ from a's, their other
    // bytes do not.
    assert_kept_around_text(&lines, &lines_of(&b));
    assert_kept_around_text(&lines, &lines_of(&c));
    assert_eq!(b, c, "the same records after the same ones");
    // --jobs 1 writes the same.
    let out1 = d.path().join("out1");
    clean(
        &input,
        &out1,
        &["--jobs", "1", "--disable", "dedup.document"],
        0,
    );
    assert_eq!(std::fs::read(out1.join("a.jsonl")).unwrap(), a);
    let c1 = zstd::decode_all(std::fs::read(out1.join("c.jsonl.zst")).unwrap().as_slice()).unwrap();
    assert_eq!(c1, c);
    // --include still selects.
    let only = d.path().join("only");
    clean(&input, &only, &["--include", "*.jsonl.zst"], 0);
    assert_eq!(tree(&only).keys().collect::<Vec<_>>(), ["c.jsonl.zst"]);
}

#[test]
fn nested_text_and_id_fields() {
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("in");
    let line = "{\"doc\":{\"body\":\"央视网消息(新闻联播):今天,国务院召开常务会议.\",\"n\":1},\"meta\":{\"key\":\"k-1\"}}\n";
    write(&input, "s.jsonl", line);
    let out = d.path().join("out");
    clean(
        &input,
        &out,
        &["--text-field", "doc.body", "--id-field", "meta.key"],
        0,
    );
    let got = std::fs::read_to_string(out.join("s.jsonl")).unwrap();
    let v: Value = serde_json::from_str(&got).unwrap();
    assert_eq!(
        v["doc"]["body"],
        "央视网消息（新闻联播）：今天，国务院召开常务会议。"
    );
    assert!(
        got.ends_with(",\"n\":1},\"meta\":{\"key\":\"k-1\"}}\n"),
        "{got}"
    );
    let ch = changes(&report_of(&out));
    assert!(!ch.is_empty());
    assert!(ch.iter().all(|c| c["record"] == "k-1" && c["line"] == 1));
}

/// A shard with one good record on each side of `bad`: exit 2, stderr
/// names the shard, the line and `why`, the bad line is in the output
/// unchanged and the good ones are cleaned.
fn bad_record(bad: &[u8], why: &str) {
    let good1 = "{\"id\":1,\"text\":\"今天,国务院召开会议.\"}\n";
    let good3 = "{\"id\":3,\"text\":\"明天,代表团出发.\"}\n";
    let mut shard = good1.as_bytes().to_vec();
    shard.extend_from_slice(bad);
    shard.extend_from_slice(good3.as_bytes());
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("in");
    write(&input, "s.jsonl", &shard);
    let out = d.path().join("out");
    let o = clean(&input, &out, &[], 2);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("s.jsonl: 1 bad record: passed through unchanged: line 2: ")
            && err.contains(why),
        "{err}"
    );
    let got = std::fs::read(out.join("s.jsonl")).unwrap();
    let mut want = "{\"id\":1,\"text\":\"今天，国务院召开会议。\"}\n"
        .as_bytes()
        .to_vec();
    want.extend_from_slice(bad);
    want.extend_from_slice("{\"id\":3,\"text\":\"明天，代表团出发。\"}\n".as_bytes());
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(&want)
    );
    assert_eq!(got, want);
    let s = summary(&report_of(&out));
    let row = file_row(&s, "s.jsonl");
    assert_eq!(row["status"], "failed");
    assert_eq!(
        row["records"],
        serde_json::json!({"records": 3, "cleaned": 2, "failed": 1})
    );
    assert_eq!(s["files"].as_array().unwrap().len(), 1, "one row per shard");
    assert_eq!(row["bytes_out"], want.len());
}

#[test]
fn a_line_that_is_not_json_passes_through() {
    bad_record(b"{\"id\":2,\"text\":\"\xe6\x96\xb0\n", "not JSON");
}

#[test]
fn a_record_without_text_passes_through() {
    bad_record(
        b"{\"id\":2,\"title\":\"\xe6\x96\xb0\"}\n",
        "no text field `text`",
    );
}

#[test]
fn a_non_string_text_passes_through() {
    bad_record(b"{\"id\":2,\"text\":[\"a\"]}\n", "not a string: an array");
}

#[test]
fn invalid_utf8_passes_through() {
    bad_record(b"{\"id\":2,\"text\":\"\xff\xfe\"}\n", "not UTF-8");
}

#[test]
fn a_lone_surrogate_passes_through() {
    bad_record(
        b"{\"id\":2,\"text\":\"a\\ud800b\"}\n",
        "no valid JSON string",
    );
}

/// A compressed shard cut short: the records before the cut are cleaned,
/// the rest of the line at the cut passes through, exit 2 naming the line.
fn truncated(name: &str, compress: fn(&[u8]) -> Vec<u8>, what: &str) {
    // Four times the corpus (several zstd blocks of 128 KiB).
    let texts: Vec<String> = (0..4).flat_map(|_| corpus_texts()).collect();
    let lines = shard_lines(&texts);
    let full = compress(lines.concat().as_bytes());
    // gzip: cut at two thirds; zstd: its last bytes cut (a zstd block of
    // 128 KiB decodes only whole, so the blocks before the last one do).
    let cut = if what == "gzip" {
        &full[..full.len() * 2 / 3]
    } else {
        &full[..full.len() - 64]
    };
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("in");
    write(&input, name, cut);
    let out = d.path().join("out");
    // Every record kept (the corpus four times over would otherwise be
    // left as its first copy): the lines are compared one to one.
    let o = clean(&input, &out, &["--disable", "dedup.document"], 2);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!("{name}: 1 bad record"))
            && err.contains(&format!("truncated {what} stream")),
        "{err}"
    );
    let got = std::fs::read(out.join(name)).unwrap();
    let got = if what == "gzip" {
        gunzip(&got)
    } else {
        zstd::decode_all(got.as_slice()).unwrap()
    };
    let got = lines_of(&got);
    assert!(got.len() > 10 && got.len() < lines.len(), "{}", got.len());
    // Whole lines before the cut: records; the last one is the partial
    // line, as read.
    let last = got.last().unwrap();
    assert!(!last.ends_with('\n'));
    let cut_line = lines[got.len() - 1].as_bytes();
    let last = last.trim_end_matches('\u{fffd}');
    assert!(cut_line.starts_with(last.as_bytes()));
    assert!(
        err.contains(&format!("line {}: truncated", got.len())),
        "{err}"
    );
}

#[test]
fn a_truncated_gzip_shard_keeps_what_was_read() {
    truncated("t.jsonl.gz", gzip, "gzip");
}

#[test]
fn a_truncated_zstd_shard_keeps_what_was_read() {
    truncated("t.jsonl.zst", |b| zstd::encode_all(b, 3).unwrap(), "zstd");
}

/// The shipped shards (`fixtures/shards`, built by
/// `scripts/make-shard-fixtures` from `fixtures/corpus`): each output has
/// the input's compression, ids and line order, and every byte before the
/// text field (the last field) is the input's.
#[test]
fn the_fixture_shards_keep_ids_order_and_fields() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    // Every record kept (bbc's two whole-document copies would be left out).
    clean(
        &root().join("fixtures/shards"),
        &out,
        &["--disable", "dedup.document"],
        0,
    );
    let decode = |name: &str, b: Vec<u8>| -> Vec<u8> {
        if name.ends_with(".gz") {
            assert_eq!(&b[..2], b"\x1f\x8b", "{name} is gzip");
            gunzip(&b)
        } else if name.ends_with(".zst") {
            assert_eq!(&b[..4], b"\x28\xb5\x2f\xfd", "{name} is zstd");
            zstd::decode_all(b.as_slice()).unwrap()
        } else {
            b
        }
    };
    let mut inputs = tree(&root().join("fixtures/shards"));
    inputs
        .remove("SOURCES.md")
        .expect("the shards' sources are noted");
    let outputs = tree(&out);
    assert_eq!(
        inputs.keys().collect::<Vec<_>>(),
        outputs.keys().collect::<Vec<_>>()
    );
    let mut changed = 0;
    for (name, bytes) in inputs {
        let a = lines_of(&decode(&name, bytes));
        let b = lines_of(&decode(&name, outputs[&name].clone()));
        assert_eq!(a.len(), b.len(), "{name}");
        for (x, y) in a.iter().zip(&b) {
            let at = x.find("\"text\": ").unwrap();
            assert_eq!(x[..at], y[..at], "{name}");
            let (mut vx, mut vy): (Value, Value) = (
                serde_json::from_str(x).unwrap(),
                serde_json::from_str(y).unwrap(),
            );
            vx["text"].take();
            vy["text"].take();
            assert_eq!(vx, vy);
            changed += usize::from(x != y);
        }
    }
    assert!(changed >= 8, "{changed}");
}

/// Records are named `SHARD#ID` in diffs: an id is escaped as every
/// shown name is, and a repeated id gets its line.
#[test]
fn record_names_are_escaped_and_unique() {
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("in");
    let shard = "{\"id\":\"a\",\"text\":\"今天,会议召开.\"}\n\
                 {\"id\":\"a\",\"text\":\"明天,代表团出发.\"}\n\
                 {\"id\":\"b\\u202e\",\"text\":\"后天,会议闭幕.\"}\n";
    write(&input, "s.jsonl", shard);
    let o = newsclean(["clean".as_ref(), input.as_os_str(), "--diff".as_ref()]);
    assert_code(&o, 1);
    let diff = String::from_utf8(o.stdout).unwrap();
    let heads: Vec<&str> = diff.lines().filter(|l| l.starts_with("+++ ")).collect();
    assert_eq!(heads.len(), 3, "{diff}");
    assert!(heads[0].ends_with("s.jsonl#a"), "{heads:?}");
    assert!(heads[1].ends_with("s.jsonl#a@2"), "{heads:?}");
    assert!(heads[2].ends_with("s.jsonl#b\\u{202E}"), "{heads:?}");
}

/// `newsclean ARGS` in `cwd` with `input` on stdin.
fn with_stdin(args: &[&str], input: &[u8], cwd: &Path) -> std::process::Output {
    use std::process::{Command, Stdio};
    let mut c = Command::new(env!("CARGO_BIN_EXE_newsclean"))
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run newsclean");
    let mut w = c.stdin.take().unwrap();
    let input = input.to_vec();
    // Written from a thread: a big text would fill the pipe before
    // newsclean reads it all.
    let t = std::thread::spawn(move || w.write_all(&input));
    let o = c.wait_with_output().unwrap();
    // A refused run exits without reading its stdin: the pipe is closed.
    match t.join().unwrap() {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        r => r.unwrap(),
    }
    o
}

/// The example corpus's text with the most edits, and its cleaned copy
/// and change records from a run over it as a file.
fn a_dirty_text(d: &Path) -> (String, Vec<u8>, Vec<Value>) {
    let texts = corpus_texts();
    let files = d.join("files");
    for (i, t) in texts.iter().enumerate() {
        write(&files, &format!("{i:03}.txt"), t);
    }
    let fo = d.join("fo");
    clean(&files, &fo, &["--disable", "dedup.*"], 0);
    let s = summary(&report_of(&fo));
    let best = s["files"]
        .as_array()
        .unwrap()
        .iter()
        .max_by_key(|r| r["edits"].as_u64().unwrap())
        .unwrap();
    let name = best["path"].as_str().unwrap().to_string();
    assert!(best["edits"].as_u64().unwrap() > 5, "{best}");
    let i: usize = name.trim_end_matches(".txt").parse().unwrap();
    let cleaned = std::fs::read(fo.join(&name)).unwrap();
    let records = changes(&report_of(&fo))
        .into_iter()
        .filter(|c| c["file"] == name.as_str())
        .collect();
    (texts[i].clone(), cleaned, records)
}

#[test]
fn stdin_is_cleaned_onto_stdout_as_a_file_is() {
    let d = tempfile::tempdir().unwrap();
    let (text, cleaned, records) = a_dirty_text(d.path());
    let cwd = d.path().join("cwd");
    std::fs::create_dir(&cwd).unwrap();
    let o = with_stdin(
        &["clean", "-", "--disable", "dedup.*"],
        text.as_bytes(),
        &cwd,
    );
    assert_code(&o, 0);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&cleaned)
    );
    assert_eq!(o.stdout, cleaned);
    // The summary line is on stderr; no report folder is written.
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("1 file: 1 cleaned"), "{err}");
    assert_eq!(std::fs::read_dir(&cwd).unwrap().count(), 0);
    // --check: the exit code says whether it would change; `-` is listed
    // as a changed file is; the cleaned text is unchanged (idempotence).
    let o = with_stdin(
        &["clean", "-", "--check", "--disable", "dedup.*"],
        text.as_bytes(),
        &cwd,
    );
    assert_code(&o, 1);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "-\n");
    let o = with_stdin(
        &["clean", "-", "--check", "--disable", "dedup.*"],
        &cleaned,
        &cwd,
    );
    assert_code(&o, 0);
    assert!(o.stdout.is_empty());
    // --format jsonl: the change records of the file run, named `-`.
    let o = with_stdin(
        &["clean", "-", "--format", "jsonl", "--disable", "dedup.*"],
        text.as_bytes(),
        &cwd,
    );
    assert_code(&o, 0);
    let got: Vec<Value> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(got.len(), records.len());
    for (mut g, mut w) in got.into_iter().zip(records) {
        assert_eq!(g["file"], "-");
        g["file"].take();
        w["file"].take();
        assert_eq!(g, w);
    }
    // --format json: the summary object, one row for `-`.
    let o = with_stdin(
        &[
            "clean",
            "-",
            "--check",
            "--format",
            "json",
            "--disable",
            "dedup.*",
        ],
        text.as_bytes(),
        &cwd,
    );
    assert_code(&o, 1);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["files"][0]["path"], "-");
    assert_eq!(v["files"][0]["status"], "cleaned");
    assert_eq!(v["run"]["inputs"][0], "-");
    // A report folder only when asked for.
    let o = with_stdin(
        &[
            "clean",
            "-",
            "--report",
            "rep",
            "--quiet",
            "--disable",
            "dedup.*",
        ],
        text.as_bytes(),
        &cwd,
    );
    assert_code(&o, 0);
    assert_eq!(o.stdout, cleaned);
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let s = summary(&cwd.join("rep"));
    assert_eq!(s["files"][0]["path"], "-");
    assert_eq!(
        changes(&cwd.join("rep")).len(),
        s["files"][0]["edits"].as_u64().unwrap() as usize
            + s["files"][0]["flags"].as_u64().unwrap() as usize
    );
}

#[test]
fn stdin_refuses_other_inputs_and_out() {
    let d = tempfile::tempdir().unwrap();
    let o = with_stdin(&["clean", "-", "--out", "o"], b"a", d.path());
    assert_code(&o, 64);
    assert!(String::from_utf8_lossy(&o.stderr).contains("stdout"));
    let o = with_stdin(&["clean", "-", "."], b"a", d.path());
    assert_code(&o, 64);
    assert!(String::from_utf8_lossy(&o.stderr).contains("only input"));
    // Without `-`, --out is still required.
    let o = newsclean(["clean", "."]);
    assert_code(&o, 64);
    assert!(String::from_utf8_lossy(&o.stderr).contains("--out"));
}

#[test]
fn bad_encoding_on_stdin_is_an_error_and_passes_through() {
    let d = tempfile::tempdir().unwrap();
    // UTF-8 news text with two stray bytes: no legacy encoding fits.
    let mut bad = "今天,国务院召开常务会议.\n".repeat(20).into_bytes();
    bad.splice(30..30, [0xff, 0xfe]);
    let o = with_stdin(&["clean", "-"], &bad, d.path());
    assert_code(&o, 2);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("newsclean: -: stdin: invalid UTF-8"), "{err}");
    assert!(err.contains("copied through unchanged"), "{err}");
    assert_eq!(o.stdout, bad, "nothing lost");
    // Binary data is no text either.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let o = with_stdin(&["clean", "-", "--check"], &png, d.path());
    assert_code(&o, 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("stdin: not text"));
    assert!(o.stdout.is_empty());
    // GBK on stdin is decoded as a GBK file is: UTF-8 out.
    let (gbk, _, _) = encoding_rs::GBK.encode("今天,国务院召开常务会议.代表团出发了.");
    let o = with_stdin(&["clean", "-", "--quiet"], &gbk, d.path());
    assert_code(&o, 0);
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        "今天，国务院召开常务会议。代表团出发了。"
    );
}

/// `--keep-duplicates`: a record removed as a duplicate document stays in
/// its shard (plain, gzip, zstd) with one field added, naming its kept
/// copy; every other byte of its line is the input's, and the other
/// records are as without the flag.
#[test]
fn kept_duplicates_stay_with_their_kept_copy_named() {
    let texts = corpus_texts();
    let lines = shard_lines(&texts);
    let d = tempfile::tempdir().unwrap();
    let input = three_shards(d.path(), &lines);
    let (keep, drop) = (d.path().join("keep"), d.path().join("drop"));
    clean(&input, &keep, &["--keep-duplicates"], 0);
    clean(&input, &drop, &[], 0);
    let read = |dir: &Path, name: &str| -> Vec<String> {
        let b = std::fs::read(dir.join(name)).unwrap();
        let b = match name {
            n if n.ends_with(".gz") => gunzip(&b),
            n if n.ends_with(".zst") => zstd::decode_all(b.as_slice()).unwrap(),
            _ => b,
        };
        lines_of(&b)
    };
    let field = ",\"newsclean_duplicate_of\":";
    let a_kept = read(&keep, "a.jsonl");
    let mut marked = 0;
    for name in ["a.jsonl", "b.jsonl.gz", "c.jsonl.zst"] {
        let (k, dr) = (read(&keep, name), read(&drop, name));
        assert_eq!(k.len(), lines.len(), "{name}: every record is there");
        let mut unmarked = Vec::new();
        for (n, (got, was)) in k.iter().zip(&lines).enumerate() {
            let Some(at) = got.find(field) else {
                unmarked.push(got.clone());
                continue;
            };
            marked += 1;
            // The input line, byte for byte, with the field before its brace.
            let end = got.rfind('}').unwrap();
            let rebuilt = format!("{}{}", &got[..at], &got[end..]);
            assert_eq!(&rebuilt, was, "{name} line {}", n + 1);
            let v: Value = serde_json::from_str(got).unwrap();
            let of = &v["newsclean_duplicate_of"];
            assert_eq!(of["shard"], "a.jsonl", "{name}: {of}");
            let line = of["line"].as_u64().unwrap() as usize;
            assert!(name != "a.jsonl" || line < n + 1, "{of}");
            let kept_line = &a_kept[line - 1];
            assert!(!kept_line.contains(field), "{kept_line}");
            let kv: Value = serde_json::from_str(kept_line).unwrap();
            assert_eq!(of["id"], kv["id"]);
        }
        // The records that were not duplicates: as without the flag.
        assert_eq!(unmarked, dr, "{name}");
    }
    // b and c repeat a whole: each of their records is a duplicate.
    assert!(marked > 2 * lines.len(), "{marked}");
    let s = summary(&report_of(&keep));
    let row = file_row(&s, "c.jsonl.zst");
    assert_eq!(row["records"]["duplicate"], lines.len());
    // Run again with --prune: an output shard whose every record went is
    // still this run's output (not stale), kept whole, with or without
    // its duplicates.
    for (dir, extra) in [
        (&keep, &["--keep-duplicates", "--prune"][..]),
        (&drop, &["--prune"]),
    ] {
        let before = read(dir, "c.jsonl.zst");
        clean(&input, dir, extra, 0);
        let s = summary(&report_of(dir));
        assert_eq!(s["stale"], serde_json::json!([]), "{extra:?}");
        assert_eq!(read(dir, "c.jsonl.zst"), before, "{extra:?}");
    }
}

/// The review page lists each shard with its changed records under it
/// (`SHARD#ID`), each opening its own section; `changes.diff` has a
/// `SHARD#ID` file per changed record.
#[test]
fn the_review_page_lists_records_and_opens_one() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    clean(&root().join("fixtures/shards"), &out, &[], 0);
    let rep = report_of(&out);
    let index = std::fs::read_to_string(rep.join("index.html")).unwrap();
    let data = index
        .split("<script type=\"application/json\" id=\"data\">")
        .nth(1)
        .unwrap()
        .split("</script>")
        .next()
        .unwrap();
    let data: Value = serde_json::from_str(data).unwrap();
    let rows = data["files"].as_array().unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r[0].as_str().unwrap()).collect();
    let records: Vec<&Value> = rows
        .iter()
        .filter(|r| r[0].as_str().unwrap().starts_with("xwlb.jsonl#"))
        .collect();
    assert!(names.contains(&"xwlb.jsonl"), "{names:?}");
    assert!(records.len() >= 3, "{names:?}");
    // Under their shard's row, in corpus order.
    let at = names.iter().position(|n| *n == "xwlb.jsonl").unwrap();
    assert!(names[at + 1].starts_with("xwlb.jsonl#"), "{names:?}");
    let diff = std::fs::read_to_string(rep.join("changes.diff")).unwrap();
    for r in records {
        let (name, page) = (r[0].as_str().unwrap(), r[6].as_str().unwrap());
        let (file, anchor) = page.split_once('#').unwrap();
        let html = std::fs::read_to_string(rep.join(file)).unwrap();
        let section = html
            .split(&format!("id=\"{anchor}\""))
            .nth(1)
            .unwrap_or_else(|| panic!("{page}"));
        let head = section.split("</h2>").next().unwrap();
        assert!(
            head.ends_with(&format!(">{name}")),
            "{name} on {page}: {head}"
        );
        assert!(diff.contains(&format!("+++ {name}\n")), "{name}");
    }
}

/// `--attributes DIR`: one attribute file per shard, read as dolma's mixer
/// reads one beside its documents: the same name and compression, one row
/// per record in the same order with the same id, and every span
/// `[start, end, score]` inside the record's text in code points, over
/// exactly the text its change record names.
#[test]
fn attribute_files_line_up_with_their_shards() {
    let texts = corpus_texts();
    let mut lines = shard_lines(&texts);
    // A bad record gets its row too (no spans): rows stay aligned.
    lines.insert(3, "{\"id\":\"bad\",\"text\":7}\n".into());
    let plain = lines.concat().into_bytes();
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("in");
    write(&input, "a.jsonl.gz", gzip(&plain));
    write(
        &input,
        "b.jsonl.zst",
        zstd::encode_all(plain.as_slice(), 3).unwrap(),
    );
    let (out, attrs) = (d.path().join("out"), d.path().join("attrs"));
    let a = attrs.to_str().unwrap();
    clean(&input, &out, &["--attributes", a], 2);
    let ch = changes(&report_of(&out));
    for (name, decode) in [
        ("a.jsonl.gz", gunzip as fn(&[u8]) -> Vec<u8>),
        ("b.jsonl.zst", |b: &[u8]| zstd::decode_all(b).unwrap()),
    ] {
        let rows = lines_of(&decode(&std::fs::read(attrs.join(name)).unwrap()));
        assert_eq!(rows.len(), lines.len(), "{name}: one row per record");
        let (mut spans, mut dups) = (0, 0);
        for (doc, row) in lines.iter().zip(&rows) {
            let doc: Value = serde_json::from_str(doc).unwrap();
            let row: Value = serde_json::from_str(row).unwrap();
            assert_eq!(row["id"], doc["id"], "{name}");
            let at = row["attributes"].as_object().unwrap();
            assert_eq!(at.len(), 5, "every rule family: {row}");
            let Some(text) = doc["text"].as_str() else {
                assert!(at.values().all(|v| v == &Value::Array(vec![])), "{row}");
                continue;
            };
            let chars: Vec<char> = text.chars().collect();
            let recs: Vec<&Value> = ch
                .iter()
                .filter(|c| c["file"] == name && c["record"] == doc["id"])
                .collect();
            let mut n = 0;
            for (key, list) in at {
                let fam = key.strip_prefix("newsclean__").unwrap();
                for s in list.as_array().unwrap() {
                    let (b, e) = (
                        s[0].as_u64().unwrap() as usize,
                        s[1].as_u64().unwrap() as usize,
                    );
                    assert!(b <= e && e <= chars.len(), "{s} in {}", chars.len());
                    let score = s[2].as_f64().unwrap();
                    assert!(score == 1.0 || (score == 0.0 && b == e), "{s}");
                    let covered: String = chars[b..e].iter().collect();
                    assert!(
                        recs.iter().any(|c| {
                            c["rule"].as_str().unwrap().starts_with(&format!("{fam}."))
                                && c["cp_start"] == b
                                && c["before"] == covered.as_str()
                        }),
                        "{name} {}: {key} {s} covers {covered:?}",
                        doc["id"]
                    );
                    if fam == "dedup" && b == 0 && e == chars.len() {
                        dups += 1;
                    }
                    n += 1;
                }
            }
            assert_eq!(n, recs.len(), "a span per change record");
            spans += n;
        }
        if name == "a.jsonl.gz" {
            assert!(spans > 50, "{name}: {spans}");
        } else {
            // Every record of b repeats one of a: one whole-text span each.
            assert_eq!(dups, texts.len(), "{name}");
        }
    }
    // Not with --check; never inside an input.
    let o = newsclean([
        "clean".as_ref(),
        input.as_os_str(),
        "--out".as_ref(),
        d.path().join("o2").as_os_str(),
        "--attributes".as_ref(),
        input.join("x").as_os_str(),
    ]);
    assert_code(&o, 64);
}

/// Hard strings: a literal U+2028 (JSON allows it unescaped), an escaped
/// surrogate pair, and a long text (the example corpus in one record,
/// 79 KB) keep every other byte and read back as the cleaned text.
#[test]
fn hard_strings_in_records() {
    let texts = corpus_texts();
    let long = texts.join("\n\n");
    assert!(long.len() > 50_000, "{}", long.len());
    let shard = format!(
        "{{\"id\":\"sep\",\"text\":\"第一段,\u{2028}第二段.\"}}\n\
         {{\"id\":\"pair\",\"text\":\"笑\\ud83d\\ude00,好.\",\"k\":\"\\ud83d\\ude00\"}}\n\
         {{\"id\":\"long\",\"text\":{},\"z\":0}}\n",
        serde_json::to_string(&long).unwrap()
    );
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("in");
    write(&input, "s.jsonl", &shard);
    let out = d.path().join("out");
    clean(&input, &out, &["--reports", "summary"], 0);
    let got = std::fs::read_to_string(out.join("s.jsonl")).unwrap();
    let lines: Vec<&str> = got.lines().collect();
    assert_eq!(lines.len(), 3);
    let v: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // U+2028 is a line break to the rules, as in a file.
    assert_eq!(v[0]["text"], "第一段，\n第二段。");
    assert_eq!(v[1]["text"], "笑😀，好。");
    // The field after the text, escapes and all, is the input's.
    assert!(
        lines[1].ends_with(",\"k\":\"\\ud83d\\ude00\"}"),
        "{}",
        lines[1]
    );
    assert!(lines[2].ends_with(",\"z\":0}"));
    let t = v[2]["text"].as_str().unwrap();
    assert!(t != long && t.len() > long.len() / 2, "{}", t.len());
    assert_eq!(
        t,
        newsclean::pipeline::clean_str(&long, &newsclean::Config::default())
    );
}

/// Cleaning the output shards again changes nothing (plain, gzip, zstd).
#[test]
fn cleaning_shards_again_changes_nothing() {
    let d = tempfile::tempdir().unwrap();
    let (once, twice) = (d.path().join("once"), d.path().join("twice"));
    clean(&root().join("fixtures/shards"), &once, &[], 0);
    let o = clean(&once, &twice, &["--check"], 0);
    assert!(
        o.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    clean(&once, &twice, &[], 0);
    let (a, b) = (tree(&once), tree(&twice));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        let (x, y) = if name.ends_with(".gz") {
            (gunzip(bytes), gunzip(&b[name]))
        } else if name.ends_with(".zst") {
            (
                zstd::decode_all(bytes.as_slice()).unwrap(),
                zstd::decode_all(b[name].as_slice()).unwrap(),
            )
        } else {
            (bytes.clone(), b[name].clone())
        };
        assert_eq!(
            String::from_utf8_lossy(&x),
            String::from_utf8_lossy(&y),
            "{name}"
        );
    }
}

/// A shard of many more records than the run holds at once (the driver's
/// chunks of 256, the first reading's batches of 1024 lines), read as a
/// stream and written as its lines arrive, out of order: its output has
/// every line in its place (blank lines too), every other field kept,
/// the same bytes with `--jobs 1` and `--jobs 2`, one attribute row per
/// record, and each text as cleaning it as a file gives.
#[test]
fn a_long_shard_streams_in_line_order() {
    let texts = corpus_texts();
    // Each text with its number; the repeated paragraphs are removed as
    // duplicates.
    let many: Vec<String> = (0..2600)
        .map(|i| format!("第{i}条。\n\n{}", texts[i % texts.len()]))
        .collect();
    let mut lines = shard_lines(&many);
    lines.insert(1500, "  \n".into());
    let plain = lines.concat().into_bytes();
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("in");
    write(
        &input,
        "s.jsonl.zst",
        zstd::encode_all(plain.as_slice(), 3).unwrap(),
    );
    let run = |jobs: &str| {
        let out = d.path().join(format!("out{jobs}"));
        let attrs = d.path().join(format!("attrs{jobs}"));
        let a = attrs.to_str().unwrap().to_string();
        clean(
            &input,
            &out,
            &[
                "--jobs",
                jobs,
                "--attributes",
                &a,
                "--reports",
                "summary",
                // Whole-document removals would leave lines out.
                "--disable",
                "dedup.document",
                "--disable",
                "dedup.near-*",
            ],
            0,
        );
        let got = zstd::decode_all(std::fs::read(out.join("s.jsonl.zst")).unwrap().as_slice());
        let rows = zstd::decode_all(std::fs::read(attrs.join("s.jsonl.zst")).unwrap().as_slice());
        (got.unwrap(), rows.unwrap())
    };
    let (got, rows) = run("2");
    assert_eq!(run("1"), (got.clone(), rows.clone()), "--jobs 1 and 2");
    let out = lines_of(&got);
    assert_eq!(out[1500], "  \n", "the blank line in its place");
    let (mut a, mut b) = (lines.clone(), out.clone());
    a.remove(1500);
    b.remove(1500);
    assert_kept_around_text(&a, &b);
    assert_eq!(lines_of(&rows).len(), many.len(), "one row per record");
    // The first records are cleaned as the files they came from (no
    // earlier copy of their paragraphs); later ones lose repeats.
    let first = newsclean::pipeline::clean_str(&many[0], &newsclean::Config::default());
    assert_eq!(text_of(&b[0]), first);
    let shorter = (0..many.len())
        .filter(|&i| text_of(&b[i]).len() < many[i].len() / 2)
        .count();
    assert!(shorter > many.len() / 2, "repeats removed: {shorter}");
}
