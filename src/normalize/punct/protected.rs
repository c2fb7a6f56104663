//! A-0 protected spans, matched on the bytes of one line: URLs, e-mail
//! addresses, Markdown link targets, character references, tags, inline
//! code and math, emoticons, abbreviations, file names and numbers with
//! separators. The punctuation rules never change a mark inside one; a
//! span is one opaque token of the line (`protected_at`), counted as a
//! DIGIT (numbers) or LATIN.

use super::*;

/// A protected span starting at byte `i`: its end, and whether it counts
/// as a DIGIT (numbers) rather than LATIN.
///
/// `after_letter`: the character before is a non-ASCII letter (Han), after
/// which `.ext` alone is a file name (`黑人問號.jpg`). It must be a letter,
/// not any non-ASCII character, because marks the stage converts (`--` →
/// `——`) must not change what is protected.
pub(super) fn protected_at(b: &[u8], i: usize, after_letter: bool) -> Option<(usize, bool)> {
    let x = b[i];
    let prev = i.checked_sub(1).map(|k| b[k]);
    let word_start = !prev.is_some_and(|p| p.is_ascii_alphanumeric());
    match x {
        b'<' => tag(b, i).map(|e| (e, false)),
        b']' => markdown_target(b, i).map(|e| (e, false)),
        b'&' => entity(b, i).map(|e| (e, false)),
        b'`' => delimited(b, i, b'`').map(|e| (e, false)),
        b'$' => math(b, i).map(|e| (e, false)),
        b':' | b';' => emoticon(b, i).map(|e| (e, false)),
        b'.' if after_letter => extension(b, i + 1).map(|e| (e, false)),
        _ if x.is_ascii_alphabetic() && word_start => url(b, i)
            .or_else(|| email(b, i))
            .or_else(|| abbreviation(b, i))
            .or_else(|| file_name(b, i))
            .map(|e| (e, false)),
        _ if x.is_ascii_digit() => {
            if word_start {
                if let Some(e) = email(b, i).or_else(|| file_name(b, i)) {
                    return Some((e, false));
                }
            }
            if prev.is_some_and(|p| p.is_ascii_digit()) {
                None
            } else {
                number(b, i).map(|e| (e, true))
            }
        }
        _ => None,
    }
}

fn starts_with_ci(b: &[u8], i: usize, s: &[u8]) -> bool {
    b.len() >= i + s.len() && b[i..i + s.len()].eq_ignore_ascii_case(s)
}

/// URL: `scheme://…` or `www.…`, printable ASCII, minus trailing punctuation
/// and an unbalanced `)` (GFM autolink rules).
fn url(b: &[u8], i: usize) -> Option<usize> {
    let mut j;
    if starts_with_ci(b, i, b"www.") {
        j = i + 4;
    } else {
        j = i + 1;
        while j < b.len()
            && j - i <= 16
            && (b[j].is_ascii_alphanumeric() || matches!(b[j], b'+' | b'.' | b'-'))
        {
            j += 1;
        }
        if !b[j..].starts_with(b"://") {
            return None;
        }
        j += 3;
    }
    let body = j;
    while j < b.len() && (0x21..=0x7E).contains(&b[j]) {
        j += 1;
    }
    loop {
        if j <= body {
            return None;
        }
        let last = b[j - 1];
        if matches!(
            last,
            b'?' | b'!' | b'.' | b',' | b':' | b'*' | b'_' | b'~' | b';' | b'"' | b'\''
        ) {
            j -= 1;
        } else if last == b')' {
            let open = b[i..j].iter().filter(|&&c| c == b'(').count();
            let close = b[i..j].iter().filter(|&&c| c == b')').count();
            if close > open {
                j -= 1;
            } else {
                break;
            }
        } else {
            break;
        }
    }
    Some(j)
}

fn label_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-'
}

/// The target of a Markdown link or image, `](url)` / `](/path "title")`:
/// from the `]` to the closing `)`, printable ASCII without spaces in the
/// target (a title may follow in quotes).
fn markdown_target(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i + 1) != Some(&b'(') {
        return None;
    }
    let s = i + 2;
    let body = &b[s..];
    let ok_start = url(b, s).is_some()
        || body.starts_with(b"/")
        || body.starts_with(b"#")
        || body.starts_with(b"./")
        || body.starts_with(b"mailto:");
    if !ok_start {
        return None;
    }
    let mut j = s;
    while j < b.len() && (0x21..=0x7E).contains(&b[j]) && b[j] != b')' {
        j += 1;
    }
    if b.get(j) == Some(&b' ') && b.get(j + 1) == Some(&b'"') {
        j += 2;
        while j < b.len() && b[j] != b'"' {
            j += 1;
        }
        j += 1;
    }
    (b.get(j) == Some(&b')')).then_some(j + 1)
}

/// `local@domain.tld`.
fn email(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    while j < b.len()
        && j - i < 64
        && (b[j].is_ascii_alphanumeric() || matches!(b[j], b'.' | b'_' | b'%' | b'+' | b'-'))
    {
        j += 1;
    }
    if j == i || b.get(j) != Some(&b'@') {
        return None;
    }
    j += 1;
    let d = j;
    while j < b.len() && label_byte(b[j]) {
        j += 1;
    }
    if j == d {
        return None;
    }
    let mut dots = 0;
    while j + 1 < b.len() && b[j] == b'.' && label_byte(b[j + 1]) {
        j += 1;
        while j < b.len() && label_byte(b[j]) {
            j += 1;
        }
        dots += 1;
    }
    (dots > 0).then_some(j)
}

/// `&amp;`, `&#34;`, `&#x22;`.
fn entity(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    if b.get(j) == Some(&b'#') {
        j += 1;
        let hex = matches!(b.get(j), Some(b'x' | b'X'));
        if hex {
            j += 1;
        }
        let s = j;
        while j < b.len()
            && (if hex {
                b[j].is_ascii_hexdigit()
            } else {
                b[j].is_ascii_digit()
            })
        {
            j += 1;
        }
        if j == s {
            return None;
        }
    } else {
        if !b.get(j).is_some_and(|c| c.is_ascii_alphabetic()) {
            return None;
        }
        while j < b.len() && j - i < 32 && b[j].is_ascii_alphanumeric() {
            j += 1;
        }
    }
    (b.get(j) == Some(&b';')).then_some(j + 1)
}

/// An HTML tag `<a …>`, `</p>`, `<!-- … -->`: non-ASCII only inside
/// quoted attribute values.
fn tag(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    if matches!(b.get(j), Some(b'/' | b'!')) {
        j += 1;
    }
    if !b
        .get(j)
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'-')
    {
        return None;
    }
    let mut quote = 0u8;
    while j < b.len() && j - i < 1024 {
        let c = b[j];
        if quote != 0 {
            if c == quote {
                quote = 0;
            }
        } else if c == b'"' || c == b'\'' {
            quote = c;
        } else if c == b'>' {
            return Some(j + 1);
        } else if c == b'<' || c >= 0x80 {
            return None;
        }
        j += 1;
    }
    None
}

/// `` `code` ``: up to the next delimiter on the line.
fn delimited(b: &[u8], i: usize, d: u8) -> Option<usize> {
    let rest = &b[i + 1..];
    let k = rest.iter().position(|&c| c == d)?;
    (k > 0).then_some(i + 1 + k + 1)
}

/// `$…$` math (not a price: no digit or space after the opening `$`).
///
/// Nor a mark after the opening `$` that a space before it would be
/// removed for (a closing, pause or stop mark, or its ASCII twin), nor one
/// before the closing `$` that a space after it would be removed for (an
/// opening, pause or stop mark): this stage removes such spaces and turns
/// the twins into each other, and the span must be the same on the next
/// run. `$ 」$中中--$中` paired `$中中--$` once and, with the space
/// gone, `$」$` the second time.
fn math(b: &[u8], i: usize) -> Option<usize> {
    let first = *b.get(i + 1)?;
    if first.is_ascii_digit() || first == b' ' || first == b'$' {
        return None;
    }
    let rest = &b[i + 1..b.len().min(i + 1 + 120)];
    let k = rest.iter().position(|&c| c == b'$')?;
    let content = std::str::from_utf8(&rest[..k]).ok()?;
    let (head, tail) = (content.chars().next()?, content.chars().next_back()?);
    let stop = |c: char| {
        is_full_pause(c)
            || is_full_stop(c)
            || matches!(c, '、' | '…' | ',' | ';' | ':' | '.' | '!' | '?')
    };
    if stop(head) || is_full_close(head) || head == ')' {
        return None;
    }
    if tail == ' ' || stop(tail) || is_full_open(tail) || tail == '(' {
        return None;
    }
    Some(i + 1 + k + 1)
}

/// `:)` `:-)` `;-)` `;)` `:D` `:P` `:-D` `:-P`.
fn emoticon(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    if b.get(j) == Some(&b'-') {
        j += 1;
    }
    match b.get(j)? {
        b')' => Some(j + 1),
        b'D' | b'P' if b[i] == b':' && !b.get(j + 1).is_some_and(|c| c.is_ascii_alphanumeric()) => {
            Some(j + 1)
        }
        _ => None,
    }
}

/// `U.S.`, `e.g.`, `a.k.a`, and `Mr.` `Mrs.` `Dr.` `vs.` `etc.` ….
fn abbreviation(b: &[u8], i: usize) -> Option<usize> {
    let alnum = |k: usize| b.get(k).is_some_and(|c| c.is_ascii_alphanumeric());
    let mut j = i + 1;
    let mut parts = 0;
    while b.get(j) == Some(&b'.')
        && b.get(j + 1).is_some_and(|c| c.is_ascii_alphabetic())
        && !alnum(j + 2)
    {
        j += 2;
        parts += 1;
    }
    if parts > 0 && !alnum(j) {
        if b.get(j) == Some(&b'.') {
            j += 1;
        }
        return Some(j);
    }
    const WORDS: [&[u8]; 15] = [
        b"Mr", b"Mrs", b"Ms", b"Dr", b"Jr", b"Sr", b"St", b"vs", b"etc", b"Inc", b"Ltd", b"Co",
        b"Corp", b"Prof", b"No",
    ];
    let mut k = i;
    while alnum(k) {
        k += 1;
    }
    if b.get(k) == Some(&b'.') && WORDS.iter().any(|w| *w == &b[i..k]) {
        return Some(k + 1);
    }
    None
}

const EXTENSIONS: [&[u8]; 40] = [
    b"com", b"cn", b"org", b"net", b"gov", b"edu", b"html", b"htm", b"pdf", b"doc", b"docx",
    b"jpg", b"jpeg", b"png", b"gif", b"txt", b"xls", b"xlsx", b"ppt", b"pptx", b"zip", b"rar",
    b"mp3", b"mp4", b"io", b"info", b"hk", b"tw", b"uk", b"jp", b"php", b"asp", b"aspx", b"js",
    b"css", b"json", b"xml", b"csv", b"md", b"exe",
];

/// The longest of [`EXTENSIONS`].
const MAX_EXTENSION: usize = {
    let mut m = 0;
    let mut k = 0;
    while k < EXTENSIONS.len() {
        if EXTENSIONS[k].len() > m {
            m = EXTENSIONS[k].len();
        }
        k += 1;
    }
    m
};

fn name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

/// `ext` at `i` (after a `.`), ending at a word boundary: the end.
fn extension(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    while j < b.len() && b[j].is_ascii_alphanumeric() {
        j += 1;
    }
    if j == i || j < b.len() && name_byte(b[j]) {
        return None;
    }
    EXTENSIONS
        .iter()
        .any(|e| b[i..j].eq_ignore_ascii_case(e))
        .then_some(j)
}

/// `name(.name)*.ext`: file and domain names.
fn file_name(b: &[u8], i: usize) -> Option<usize> {
    // A segment that runs past the 255-byte bound ends the name, and only
    // an extension can still count there, which is short: its scan stops
    // at `stop`, with the same result. Unbounded, a 20 KB run of words
    // joined by `-` (`up-to-the-secondup-to-the-…`) was scanned to its end
    // from each word start: 147 KB of Reuters text took 3 s, nearly all
    // of it here (fuzz input 416211 of seed 2 over the corpora).
    file_name_until(b, i, i + 255 + MAX_EXTENSION)
}

/// [`file_name`] with its segments scanned up to byte `stop`.
fn file_name_until(b: &[u8], i: usize, stop: usize) -> Option<usize> {
    let mut j = i;
    let mut best = None;
    let mut segs = 0;
    while j - i < 255 {
        let s = j;
        while j < b.len() && j < stop && name_byte(b[j]) {
            j += 1;
        }
        if j == s {
            break;
        }
        if segs > 0 && extension(b, s) == Some(j) {
            best = Some(j);
        }
        segs += 1;
        if j + 1 < b.len() && b[j] == b'.' && name_byte(b[j + 1]) {
            j += 1;
        } else {
            break;
        }
    }
    best
}

/// `\d+([.,:/]\d+)+`: decimals, thousands, times, ratios, dates, versions.
fn number(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    while j < b.len() && b[j].is_ascii_digit() {
        j += 1;
    }
    let mut groups = 0;
    while j + 1 < b.len() && matches!(b[j], b'.' | b',' | b':' | b'/') && b[j + 1].is_ascii_digit()
    {
        j += 1;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        groups += 1;
    }
    (groups > 0).then_some(j)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names whose segments straddle the 255-byte bound, from every start:
    /// the stopped scan finds what the whole scan found.
    #[test]
    fn file_name_scan_stops_with_the_same_result() {
        assert_eq!(MAX_EXTENSION, 4);
        let mut texts = Vec::new();
        for n in 245..=265 {
            for ext in ["txt", "docx", "jpeg5", "c"] {
                texts.push(format!("{}.{ext} x", "a".repeat(n)));
                texts.push(format!("w.{}.{ext}", "b".repeat(n)));
                texts.push(format!("w.{ext}.{}", "b-".repeat(n / 2)));
                texts.push(format!("{}.{ext}", "up-to-".repeat(n / 6)));
                texts.push(format!("{}.{ext}.{ext}-y", "a.b".repeat(n / 3)));
                texts.push(format!("{}{ext}.{ext}", "a_".repeat(n / 2)));
            }
        }
        let mut found = 0;
        for t in &texts {
            let b = t.as_bytes();
            for i in 0..b.len() {
                let r = file_name(b, i);
                assert_eq!(r, file_name_until(b, i, usize::MAX), "{t:?} at {i}");
                found += usize::from(r.is_some());
            }
        }
        assert!(found > 0);
    }
}
