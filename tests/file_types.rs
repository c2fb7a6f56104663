//! Only regular files are read (issue 10, row 6): a link to a FIFO made
//! `fs::read` block forever (the whole run hung, no summary) and a link to
//! `/dev/zero` read until memory ran out. Now FIFOs, devices and sockets
//! are `skipped` with their reason, the other files are cleaned, and the
//! run ends. Each run here has a time bound, so a regression fails instead
//! of hanging the suite.
#![cfg(unix)]

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// `newsclean clean IN --out OUT`, killed and failed after 60 s.
fn clean_bounded(input: &Path, out: &Path) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_newsclean"))
        .arg("clean")
        .arg(input)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run newsclean");
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("newsclean did not finish within 60 s: it blocked on a special file");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn mkfifo(p: &Path) {
    let st = Command::new("mkfifo").arg(p).status().expect("mkfifo");
    assert!(st.success());
}

#[test]
fn links_to_fifo_device_and_socket_are_skipped_and_the_run_ends() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    write(
        &input,
        "a.txt",
        "新华社北京8月5日电,记者从中国科学院广州地球化学研究所获悉。\n",
    );
    // The special files live outside the walked folder; links point at them.
    let fifo = tmp.path().join("fifo");
    mkfifo(&fifo);
    let sock = tmp.path().join("sock");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    for (name, target) in [
        ("fifo.txt", fifo.as_path()),
        ("zero.txt", Path::new("/dev/zero")),
        ("null.txt", Path::new("/dev/null")),
        ("sock.txt", sock.as_path()),
    ] {
        std::os::unix::fs::symlink(target, input.join(name)).unwrap();
    }
    let out = tmp.path().join("out");
    let o = clean_bounded(&input, &out);
    // Skipped is not failed: the run is done.
    assert_code(&o, 0);
    let s = summary(&report_of(&out));
    for (name, kind) in [
        ("fifo.txt", "FIFO"),
        ("zero.txt", "character device"),
        ("null.txt", "character device"),
        ("sock.txt", "socket"),
    ] {
        let row = file_row(&s, name);
        assert_eq!(row["status"], "skipped", "{row}");
        assert_eq!(
            row["reason"],
            format!("not a regular file: {kind}"),
            "{row}"
        );
        assert!(!out.join(name).exists(), "{name} written");
    }
    assert_eq!(file_row(&s, "a.txt")["status"], "cleaned");
    assert_eq!(
        std::fs::read_to_string(out.join("a.txt")).unwrap(),
        "新华社北京8月5日电，记者从中国科学院广州地球化学研究所获悉。\n"
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("fifo.txt: skipped: not a regular file: FIFO"),
        "{stderr}"
    );
}

/// A file swapped for a FIFO after discovery: the open never blocks, the
/// type is checked on the open descriptor (the library entry point the
/// pipeline calls for every file).
#[test]
fn a_path_that_became_a_fifo_is_refused_without_blocking() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("a.txt");
    std::fs::write(&p, "正文").unwrap();
    assert_eq!(
        newsclean::read::read_regular(&p).unwrap(),
        "正文".as_bytes()
    );
    std::fs::remove_file(&p).unwrap();
    mkfifo(&p);
    let (tx, rx) = std::sync::mpsc::channel();
    let q = p.clone();
    std::thread::spawn(move || {
        let _ = tx.send(newsclean::read::read_regular(&q).map_err(|e| e.to_string()));
    });
    let r = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("opening a FIFO blocked");
    assert_eq!(r, Err("not a regular file: FIFO".to_string()));
}
