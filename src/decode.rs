//! Bytes → text, with the source encoding recorded.
//!
//! Order of tests: a BOM (UTF-8, UTF-16 LE/BE) decides; then a NUL byte in
//! the first 8 KiB marks a binary file (skipped, like git and ripgrep); then
//! valid UTF-8; then a file that is mostly valid UTF-8 with a few invalid
//! bytes is *not* guessed as a legacy encoding (that would turn good text
//! into mojibake) but reported undecodable; otherwise chardetng guesses
//! (GBK is decoded as its superset GB18030), and a decode with malformed
//! sequences is undecodable too. Undecodable files are copied through byte
//! for byte by the caller.

use encoding_rs::{Encoding, GB18030, GBK, UTF_16BE, UTF_16LE, UTF_8};

/// Result of decoding one file.
#[derive(Debug)]
pub enum Decoded {
    /// Text and the name of its source encoding.
    Text {
        /// Decoded text (BOM removed).
        text: String,
        /// Source encoding, e.g. `utf-8`, `utf-8-bom`, `gbk`, `big5`, `utf-16le`.
        encoding: String,
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

/// The common case of [`decode`], fast: plain UTF-8 (no BOM, no NUL in the
/// first 8 KiB, valid) becomes a `String`; anything else gives the bytes
/// back for [`decode`]. `Ok(t)` is exactly what
/// `decode` returns as `Text { text: t, encoding: "utf-8" }`.
pub fn plain_utf8(bytes: Vec<u8>) -> Result<String, Vec<u8>> {
    if bytes.starts_with(b"\xEF\xBB\xBF") || memchr_nul(&bytes[..bytes.len().min(8192)]).is_some() {
        return Err(bytes);
    }
    // SIMD validation, then one copy: without `unsafe` a `Vec<u8>` becomes
    // a `String` only through std's validator, which is ~10× slower on
    // Chinese text than validating here and copying.
    match simdutf8::basic::from_utf8(&bytes) {
        Ok(s) => Ok(s.to_owned()),
        Err(_) => Err(bytes),
    }
}

/// Decode file bytes.
pub fn decode(bytes: &[u8]) -> Decoded {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(rest) {
            Ok(s) => Decoded::Text {
                text: s.to_string(),
                encoding: "utf-8-bom".into(),
            },
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
            return decode_with(enc, &bytes[2..], name);
        }
    }
    let head = &bytes[..bytes.len().min(8192)];
    if let Some(pos) = memchr_nul(head) {
        return Decoded::Binary {
            reason: format!("binary file (NUL byte at offset {pos})"),
        };
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => {
            return Decoded::Text {
                text: s.to_string(),
                encoding: "utf-8".into(),
            }
        }
        Err(e) => {
            if mostly_utf8(bytes) {
                return Decoded::Undecodable {
                    reason: format!(
                        "invalid UTF-8 at byte {} (the rest of the file is UTF-8)",
                        e.valid_up_to()
                    ),
                };
            }
        }
    }
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(bytes, true);
    let enc = det.guess(None, chardetng::Utf8Detection::Allow);
    let (enc, name) = if enc == GBK {
        (GB18030, "gbk")
    } else {
        (enc, enc.name())
    };
    decode_with(enc, bytes, &name.to_ascii_lowercase())
}

fn decode_with(enc: &'static Encoding, bytes: &[u8], name: &str) -> Decoded {
    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    if had_errors {
        return Decoded::Undecodable {
            reason: format!("malformed {name} byte sequence"),
        };
    }
    if enc == UTF_8 {
        return Decoded::Text {
            text: text.into_owned(),
            encoding: "utf-8".into(),
        };
    }
    Decoded::Text {
        text: text.into_owned(),
        encoding: name.to_string(),
    }
}

fn memchr_nul(b: &[u8]) -> Option<usize> {
    b.iter().position(|&x| x == 0)
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
                // SAFETY-free: `ok` is valid UTF-8 per valid_up_to.
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
mod tests {
    use super::*;

    #[test]
    fn in_place_agrees_with_decode() {
        let gbk = encoding_rs::GBK
            .encode("新闻联播：今天的主要内容")
            .0
            .into_owned();
        for b in [
            b"".to_vec(),
            "新闻联播\n".as_bytes().to_vec(),
            b"\xEF\xBB\xBFtext".to_vec(),
            b"\xFF\xFEa\0".to_vec(),
            b"a\0b".to_vec(),
            b"ok \xFF bad".to_vec(),
            gbk,
        ] {
            match plain_utf8(b.clone()) {
                Ok(t) => assert_eq!(text(decode(&b)), (t, "utf-8".to_string())),
                Err(back) => {
                    assert_eq!(back, b);
                    assert!(
                        !matches!(decode(&b), Decoded::Text { ref encoding, .. } if encoding == "utf-8"),
                        "{b:?}"
                    );
                }
            }
        }
    }

    fn text(d: Decoded) -> (String, String) {
        match d {
            Decoded::Text { text, encoding } => (text, encoding),
            other => panic!("expected text, got {other:?}"),
        }
    }

    #[test]
    fn utf8_and_bom() {
        assert_eq!(
            text(decode("中文".as_bytes())),
            ("中文".into(), "utf-8".into())
        );
        assert_eq!(
            text(decode(b"\xEF\xBB\xBFabc")),
            ("abc".into(), "utf-8-bom".into())
        );
    }

    #[test]
    fn utf16_with_bom() {
        let mut b = vec![0xFF, 0xFE];
        for u in "中文,ok".encode_utf16() {
            b.extend(u.to_le_bytes());
        }
        assert_eq!(text(decode(&b)), ("中文,ok".into(), "utf-16le".into()));
    }

    #[test]
    fn gbk_and_big5() {
        let s = "新华社北京8月5日电，记者从中国科学院广州地球化学研究所获悉，该所研究人员在黑龙江省发现了陨石坑。";
        let (g, _, _) = GBK.encode(s);
        assert_eq!(text(decode(&g)), (s.into(), "gbk".into()));
        let t = "新華社北京8月5日電，記者從中國科學院廣州地球化學研究所獲悉，該所研究人員在黑龍江省發現了隕石坑。";
        let (b, _, _) = encoding_rs::BIG5.encode(t);
        assert_eq!(text(decode(&b)), (t.into(), "big5".into()));
    }

    #[test]
    fn binary_and_broken() {
        assert!(matches!(decode(b"ab\0cd"), Decoded::Binary { .. }));
        let mut b = "中文中文中文中文中文".as_bytes().to_vec();
        b.push(0xFF);
        b.extend("中文".as_bytes());
        assert!(matches!(decode(&b), Decoded::Undecodable { .. }));
    }
}
