//! Bytes → text, with the source encoding recorded.
//!
//! Order of tests:
//!
//! 1. A BOM (UTF-8, UTF-16 LE/BE) decides.
//! 2. A binary file is skipped: a known magic number (PNG, JPEG, GIF, PDF,
//!    ZIP, gzip, zstd, xz, bzip2, 7z, ELF, …) at the start, or more than
//!    one byte in ten a NUL or another control byte that text does not use
//!    (a run of NUL padding at the end does not count: real articles end
//!    so). Stray control bytes in text are left to the `whitespace.control`
//!    rule, which deletes them with an edit each.
//! 3. Valid UTF-8.
//! 4. Mostly valid UTF-8 with a few invalid bytes is *not* guessed as a
//!    legacy encoding (that would turn good text into mojibake) but
//!    undecodable; so is a file that holds a run of valid UTF-8 Chinese and
//!    bytes that are not UTF-8 (two encodings mixed: no one decoding of
//!    the file is right).
//! 5. chardetng guesses. A multi-byte guess (GBK, Big5, Shift_JIS, EUC-*)
//!    that decodes without error is taken, except that a short file that
//!    also reads as plausible GBK is GBK (chardetng has little to go on).
//! 6. Otherwise GBK (decoded as its superset GB18030) and Big5 are tried
//!    with their malformed sequences counted: a decoding with at most one
//!    bad sequence per hundred characters (plus one) whose Han characters
//!    are mostly common ones of that character set (GB2312 for GBK, Big5
//!    level 1 for Big5) is taken. This is how a GBK file cut inside its
//!    last character, or with one corrupt byte, is read as GBK.
//! 7. A single-byte guess (windows-1252, koi8-u, …) is taken only when the
//!    text looks like it: words of letters of normal length, few symbols,
//!    and for Latin scripts mostly ASCII letters with an accented one here
//!    and there. Chinese read as windows-1252 has none of that.
//! 8. Anything else is undecodable.
//!
//! A malformed sequence inside an accepted decoding becomes one U+FFFD in
//! the text and a [`Replacement`]; the pipeline records a
//! `decode.replacement` flag there (a fact about the input, recorded
//! whatever the rule config says) and the run exits 2. Undecodable files
//! are copied through byte for byte by the caller.

use encoding_rs::{
    DecoderResult, Encoding, BIG5, GB18030, GBK, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252,
};

use crate::normalize::han::is_han;

// The ids and descriptions of this module's rules: the rule catalog
// (`src/rules/catalog.rs`).
pub use crate::rules::catalog::decode::RULES;

/// Result of decoding one file.
#[derive(Debug)]
pub enum Decoded {
    /// Text and the name of its source encoding.
    Text {
        /// Decoded text (BOM removed).
        text: String,
        /// Source encoding, e.g. `utf-8`, `utf-8-bom`, `gbk`, `big5`, `utf-16le`.
        encoding: String,
        /// Malformed sequences decoded as U+FFFD (empty for a clean decoding).
        replaced: Vec<Replacement>,
    },
    /// Binary file: skipped.
    Binary {
        /// Why it is considered binary.
        reason: String,
    },
    /// Not decodable: copied through unchanged.
    Undecodable {
        /// Why.
        reason: String,
    },
}

/// One malformed byte sequence of the source, decoded as U+FFFD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    /// Byte offset of the U+FFFD in the decoded text.
    pub at: usize,
    /// Byte offset of the malformed sequence in the file.
    pub source: usize,
    /// The malformed bytes.
    pub bytes: Vec<u8>,
}

impl Replacement {
    /// The flag's note, e.g. `malformed gbk bytes D6 at byte 1234, decoded as U+FFFD`.
    pub fn note(&self, encoding: &str) -> String {
        let hex: Vec<String> = self.bytes.iter().map(|b| format!("{b:02X}")).collect();
        format!(
            "malformed {encoding} bytes {} at byte {}, decoded as U+FFFD",
            hex.join(" "),
            self.source
        )
    }
}

/// The common case of [`decode`], fast: plain UTF-8 (no BOM, no NUL, no
/// binary magic number, valid) becomes a `String`; anything else gives the
/// bytes back for [`decode`]. `Ok(t)` is exactly what `decode` returns as
/// `Text { text: t, encoding: "utf-8", replaced: [] }`.
pub fn plain_utf8(bytes: Vec<u8>) -> Result<String, Vec<u8>> {
    if bytes.starts_with(b"\xEF\xBB\xBF") || bytes.contains(&0) || magic(&bytes).is_some() {
        return Err(bytes);
    }
    // SIMD validation, then one copy: without `unsafe` a `Vec<u8>` becomes
    // a `String` only through std's validator, which is ~10× slower on
    // Chinese text than validating here and copying. Past 1 MiB the copy
    // would double the memory a huge file takes (window.rs holds it whole),
    // so the bytes become the string in place, through std's validator.
    if bytes.len() > 1 << 20 {
        return String::from_utf8(bytes).map_err(|e| e.into_bytes());
    }
    match simdutf8::basic::from_utf8(&bytes) {
        Ok(s) => Ok(s.to_owned()),
        Err(_) => Err(bytes),
    }
}

/// Decode file bytes.
pub fn decode(bytes: &[u8]) -> Decoded {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(rest) {
            Ok(s) => text(s.to_string(), "utf-8-bom"),
            Err(e) => Decoded::Undecodable {
                reason: format!("invalid UTF-8 at byte {}", e.valid_up_to() + 3),
            },
        };
    }
    for (bom, enc, name) in [
        (&b"\xFF\xFE"[..], UTF_16LE, "utf-16le"),
        (&b"\xFE\xFF"[..], UTF_16BE, "utf-16be"),
    ] {
        if bytes.starts_with(bom) {
            return decode_clean(enc, &bytes[2..], name);
        }
    }
    if let Some(reason) = binary_reason(bytes) {
        return Decoded::Binary { reason };
    }
    let bad_at = match std::str::from_utf8(bytes) {
        Ok(s) => return text(s.to_string(), "utf-8"),
        Err(e) => e.valid_up_to(),
    };
    if mostly_utf8(bytes) {
        return Decoded::Undecodable {
            reason: format!("invalid UTF-8 at byte {bad_at} (the rest of the file is UTF-8)"),
        };
    }
    if let Some((start, end)) = utf8_chinese_run(bytes) {
        return Decoded::Undecodable {
            reason: format!(
                "mixed encodings: bytes {start}..{end} are UTF-8 Chinese, but byte {bad_at} is not UTF-8"
            ),
        };
    }
    guess_legacy(bytes, bad_at)
}

/// Steps 5–8 of the module doc, for bytes that are not UTF-8.
fn guess_legacy(bytes: &[u8], bad_utf8_at: usize) -> Decoded {
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(bytes, true);
    let guess = det.guess(None, chardetng::Utf8Detection::Allow);
    let gbk = Candidate::new(GB18030, "gbk", bytes);
    let non_ascii = bytes.iter().filter(|b| !b.is_ascii()).count();
    if !guess.is_single_byte() && guess != UTF_8 {
        let short_gbk = guess != GBK && non_ascii < 64 && gbk.clean() && gbk.plausible();
        if !short_gbk {
            let (t, had_errors) = guess.decode_without_bom_handling(bytes);
            if !had_errors {
                let name = if guess == GBK { "gbk" } else { guess.name() };
                return text(t.into_owned(), &name.to_ascii_lowercase());
            }
        }
    }
    let big5 = Candidate::new(BIG5, "big5", bytes);
    // Both plausible: the one with fewer bad sequences, then chardetng's.
    let mut cands: Vec<Candidate> = [gbk, big5].into_iter().filter(|c| c.plausible()).collect();
    let guessed = |c: &Candidate| {
        if c.enc == BIG5 {
            guess == BIG5
        } else {
            guess == GBK || guess == GB18030
        }
    };
    cands.sort_by_key(|c| (c.replaced.len(), !guessed(c)));
    if let Some(c) = cands.into_iter().next() {
        return Decoded::Text {
            text: c.text,
            encoding: c.name.to_string(),
            replaced: c.replaced,
        };
    }
    if guess.is_single_byte() {
        // With a handful of non-ASCII bytes chardetng has little evidence
        // between Latin code pages (BBC sport/199.txt: `\xA315.8m` read as
        // windows-1250 `Ł15.8m`); English news with `£`, `€` or curly
        // quotes in windows-1252 is the common case.
        let mut order = vec![guess];
        if non_ascii <= 16 && guess != WINDOWS_1252 {
            order.insert(0, WINDOWS_1252);
        }
        for enc in order {
            let (t, had_errors) = enc.decode_without_bom_handling(bytes);
            if !had_errors && looks_like_single_byte_text(&t) {
                return text(t.into_owned(), &enc.name().to_ascii_lowercase());
            }
        }
    }
    Decoded::Undecodable {
        reason: format!(
            "no supported encoding fits: invalid UTF-8 at byte {bad_utf8_at}, not plausible GBK or Big5, \
             and as {} the text looks like mojibake",
            guess.name().to_ascii_lowercase()
        ),
    }
}

fn text(text: String, encoding: &str) -> Decoded {
    Decoded::Text {
        text,
        encoding: encoding.to_string(),
        replaced: Vec::new(),
    }
}

/// Decode with `enc`; any malformed sequence makes the file undecodable.
fn decode_clean(enc: &'static Encoding, bytes: &[u8], name: &str) -> Decoded {
    let (t, had_errors) = enc.decode_without_bom_handling(bytes);
    if had_errors {
        return Decoded::Undecodable {
            reason: format!("malformed {name} byte sequence"),
        };
    }
    text(t.into_owned(), name)
}

/// A legacy CJK decoding with its malformed sequences and the statistics
/// that say whether it reads as text.
struct Candidate {
    enc: &'static Encoding,
    name: &'static str,
    text: String,
    replaced: Vec<Replacement>,
}

impl Candidate {
    fn new(enc: &'static Encoding, name: &'static str, bytes: &[u8]) -> Self {
        let (text, replaced) = decode_counting(enc, bytes);
        Candidate {
            enc,
            name,
            text,
            replaced,
        }
    }

    fn clean(&self) -> bool {
        self.replaced.is_empty()
    }

    /// Few bad sequences, and the Han characters are mostly the common ones
    /// of the character set, with few characters from unrelated scripts
    /// (kana, Greek, box drawing, private use) — which is what Big5 read as
    /// GBK, or GBK read as Big5, produces.
    fn plausible(&self) -> bool {
        let mut chars = 0usize;
        let mut han = 0usize;
        let mut common = 0usize;
        let mut non_ascii = 0usize;
        let mut odd = 0usize;
        let mut buf = [0u8; 4];
        for c in self.text.chars() {
            chars += 1;
            if c.is_ascii() || c == '\u{FFFD}' {
                continue;
            }
            non_ascii += 1;
            if is_han(c) {
                han += 1;
                // Sampling the first 4,000 is enough to tell.
                if han <= 4000 && self.is_common(c.encode_utf8(&mut buf)) {
                    common += 1;
                }
            } else if !is_cjk_text_symbol(c) {
                odd += 1;
            }
        }
        let han = han.min(4000);
        han > 0
            && self.replaced.len() <= 1 + chars / 100
            && common * 100 >= han * 85
            && odd * 5 <= non_ascii
    }

    /// GB2312's 6,763 Hanzi for GBK, Big5's 5,401 frequent characters for Big5.
    fn is_common(&self, c: &str) -> bool {
        let (b, _, unmappable) = self.enc.encode(c);
        if unmappable || b.len() != 2 {
            return false;
        }
        let code = u16::from_be_bytes([b[0], b[1]]);
        if self.enc == BIG5 {
            (0xA440..=0xC67E).contains(&code)
        } else {
            (0xB0A1..=0xF7FE).contains(&code) && b[1] >= 0xA1
        }
    }
}

/// CJK punctuation, full-width forms and the symbols GBK and Big5 texts use.
fn is_cjk_text_symbol(c: char) -> bool {
    matches!(c as u32,
        0x00A0..=0x00BF | 0x00D7 | 0x00F7
        | 0x2000..=0x206F   // general punctuation
        | 0x2100..=0x218F   // letterlike, number forms (℃, Ⅳ)
        | 0x2190..=0x21FF   // arrows
        | 0x2460..=0x24FF   // enclosed numbers ①
        | 0x25A0..=0x25FF   // geometric shapes ■●
        | 0x2600..=0x26FF   // ★☆
        | 0x3000..=0x303F   // CJK punctuation
        | 0x3200..=0x33FF   // enclosed CJK, CJK compatibility (㈠ ㎡)
        | 0xFE30..=0xFE4F   // CJK compatibility forms
        | 0xFF00..=0xFFEF) // full-width forms
}

/// Decode with `enc`, each malformed sequence becoming one U+FFFD and a
/// [`Replacement`].
fn decode_counting(enc: &'static Encoding, bytes: &[u8]) -> (String, Vec<Replacement>) {
    let mut dec = enc.new_decoder_without_bom_handling();
    let cap = dec
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(3));
    let mut out = String::with_capacity(cap.saturating_add(16));
    let mut replaced = Vec::new();
    let mut pos = 0;
    loop {
        let (res, read) = dec.decode_to_string_without_replacement(&bytes[pos..], &mut out, true);
        pos += read;
        match res {
            DecoderResult::InputEmpty => break,
            DecoderResult::OutputFull => {
                let more = dec
                    .max_utf8_buffer_length_without_replacement(bytes.len() - pos)
                    .unwrap_or(1024);
                out.reserve(more.max(16));
            }
            DecoderResult::Malformed(bad, after) => {
                let end = pos - after as usize;
                let start = end.saturating_sub(bad as usize);
                if out.capacity() - out.len() < 3 {
                    out.reserve(16);
                }
                replaced.push(Replacement {
                    at: out.len(),
                    source: start,
                    bytes: bytes[start..end].to_vec(),
                });
                out.push('\u{FFFD}');
            }
        }
    }
    (out, replaced)
}

/// The first run of at least six consecutive valid 3-byte UTF-8 sequences
/// that decode to Chinese (Han, CJK or full-width punctuation), as a byte
/// range. GBK text forms such a run by accident with a probability below
/// 10⁻¹⁰ per position (UTF-8 lead bytes E0–EF, then two bytes 80–BF, six
/// times); 2-byte sequences are not counted, GBK forms them often.
fn utf8_chinese_run(bytes: &[u8]) -> Option<(usize, usize)> {
    const MIN: usize = 6;
    let mut i = 0;
    let mut run_start = 0;
    let mut run = 0;
    while i + 3 <= bytes.len() {
        let s = &bytes[i..i + 3];
        let ch = (0xE0..=0xEF).contains(&s[0])
            && (0x80..=0xBF).contains(&s[1])
            && (0x80..=0xBF).contains(&s[2]);
        let chinese = ch
            && std::str::from_utf8(s)
                .ok()
                .and_then(|t| t.chars().next())
                .is_some_and(|c| is_han(c) || is_cjk_text_symbol(c));
        if chinese {
            if run == 0 {
                run_start = i;
            }
            run += 1;
            i += 3;
            if run >= MIN {
                return Some((run_start, i));
            }
        } else {
            run = 0;
            i += 1;
        }
    }
    None
}

/// Does a single-byte decoding read as text of its script? Words (runs of
/// letters) that hold non-ASCII letters are of normal length, there are
/// few non-letter symbols among the non-ASCII characters, and where the
/// letters are Latin, most are ASCII (accents are the exception). Chinese
/// read as windows-1252 gives long runs of `ÐÂÎÅ`; read as koi8-u, box
/// drawing and Cyrillic without spaces.
fn looks_like_single_byte_text(t: &str) -> bool {
    let mut letters = 0usize;
    let mut ascii_letters = 0usize;
    let mut latin_non_ascii = 0usize;
    let mut non_ascii = 0usize;
    let mut symbols = 0usize;
    let mut word = 0usize;
    let mut word_has_non_ascii = false;
    let mut long_words = 0usize;
    let mut words = 0usize;
    let mut end_word = |word: &mut usize, has: &mut bool| {
        if *has {
            words += 1;
            if *word > 20 {
                long_words += 1;
            }
        }
        *word = 0;
        *has = false;
    };
    for c in t.chars() {
        if c.is_alphabetic() {
            letters += 1;
            word += 1;
            if c.is_ascii() {
                ascii_letters += 1;
            } else {
                non_ascii += 1;
                word_has_non_ascii = true;
                if ('\u{C0}'..='\u{24F}').contains(&c) {
                    latin_non_ascii += 1;
                }
            }
        } else {
            if !c.is_ascii() {
                non_ascii += 1;
                if !matches!(c, '\u{A0}'..='\u{BF}' | '\u{2010}'..='\u{2044}' | '\u{20AC}' | '\u{2122}')
                {
                    symbols += 1;
                }
            }
            end_word(&mut word, &mut word_has_non_ascii);
        }
    }
    end_word(&mut word, &mut word_has_non_ascii);
    if non_ascii == 0 {
        return true;
    }
    let latin = latin_non_ascii * 2 >= non_ascii;
    symbols * 10 <= non_ascii
        && long_words * 10 <= words
        && (!latin || (latin_non_ascii * 100 <= letters * 30 && ascii_letters > 0))
}

/// Known binary formats, by their first bytes.
const MAGIC: &[(&[u8], &str)] = &[
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xFF\xD8\xFF", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"PK\x05\x06", "ZIP archive"),
    (b"\x1F\x8B", "gzip data"),
    (b"\x28\xB5\x2F\xFD", "zstd data"),
    (b"\xFD7zXZ\x00", "xz data"),
    (b"7z\xBC\xAF\x27\x1C", "7z archive"),
    (b"Rar!\x1A\x07", "RAR archive"),
    (b"\x7FELF", "ELF executable"),
    (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "MS Office document"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"\x00asm", "WebAssembly module"),
    (b"\xCA\xFE\xBA\xBE", "Java class or Mach-O file"),
];

fn magic(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"BZh") && bytes.get(4..10) == Some(b"1AY&SY") {
        return Some("bzip2 data");
    }
    MAGIC
        .iter()
        .find(|(m, _)| bytes.starts_with(m))
        .map(|&(_, what)| what)
}

/// Control bytes that text does not use: C0 but TAB, LF, VT, FF, CR, ESC.
fn is_binary_byte(b: u8) -> bool {
    matches!(b, 0x00..=0x08 | 0x0E..=0x1A | 0x1C..=0x1F)
}

/// Why these bytes are a binary file, if they are (step 2 of the module doc).
fn binary_reason(bytes: &[u8]) -> Option<String> {
    if let Some(what) = magic(bytes) {
        return Some(format!("binary file ({what})"));
    }
    if bytes.is_empty() {
        return None;
    }
    // NUL padding at the end is a scrape artifact of real articles.
    let body = &bytes[..bytes.len() - bytes.iter().rev().take_while(|&&b| b == 0).count()];
    if body.is_empty() {
        return Some("binary file (only NUL bytes)".into());
    }
    let n = body.iter().filter(|&&b| is_binary_byte(b)).count();
    if n * 10 > body.len() {
        let first = body.iter().position(|&b| is_binary_byte(b)).unwrap_or(0);
        return Some(format!(
            "binary file ({n} of {} bytes are NUL or control bytes, the first at offset {first})",
            body.len()
        ));
    }
    None
}

/// Does the file look like UTF-8 with a few bad bytes: at least one valid
/// multi-byte sequence, and invalid bytes are rare?
fn mostly_utf8(mut bytes: &[u8]) -> bool {
    let mut good_multi = 0usize;
    let mut bad = 0usize;
    loop {
        match std::str::from_utf8(bytes) {
            Ok(s) => {
                good_multi += s.chars().filter(|c| !c.is_ascii()).count();
                break;
            }
            Err(e) => {
                let (ok, rest) = bytes.split_at(e.valid_up_to());
                good_multi += std::str::from_utf8(ok)
                    .map(|s| s.chars().filter(|c| !c.is_ascii()).count())
                    .unwrap_or(0);
                bad += 1;
                let skip = e.error_len().unwrap_or(rest.len()).max(1);
                bytes = &rest[skip.min(rest.len())..];
                if bytes.is_empty() {
                    break;
                }
            }
        }
    }
    good_multi >= 4 && bad * 2 <= good_multi
}

#[cfg(test)]
mod tests;
