//! Print the layout decision of every boundary of one file (debugging):
//! `cargo run --example boundary_dump -- FILE [LINE]`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = std::path::Path::new(&args[1]);
    if path.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(path)
            .expect("folder")
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f)
                .unwrap_or_default()
                .replace("\r\n", "\n");
            dump(&f.display().to_string(), &text, None);
        }
        return;
    }
    let text = std::fs::read_to_string(path).expect("readable file");
    let text = text.replace("\r\n", "\n");
    let only: Option<usize> = args.get(2).and_then(|s| s.parse().ok());
    dump("", &text, only);
}

fn dump(name: &str, text: &str, only: Option<usize>) {
    let lines: Vec<&str> = text.split('\n').collect();
    let cfg = newsclean::Config::default();
    for r in newsclean::normalize::layout::boundaries(text, &cfg) {
        if only.is_some_and(|l| l != r.line_a && l != r.line_b) {
            continue;
        }
        if only.is_none() && !r.join && r.score < 0 {
            continue;
        }
        let a = lines[r.line_a - 1];
        let b = lines[r.line_b - 1];
        let at: String = a
            .chars()
            .rev()
            .take(20)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let bh: String = b.chars().take(20).collect();
        println!(
            "{name} {} l.{} {}⏎{}  [{} {}]",
            if r.join { "JOIN" } else { "keep" },
            r.line_a,
            at,
            bh,
            r.score,
            r.signals.join(" ")
        );
    }
}
