use super::*;

const GB_TEXT: &str = "新华社北京8月5日电，记者从中国科学院广州地球化学研究所获悉，该所研究人员在黑龙江省发现了陨石坑。";
const BIG5_TEXT: &str = "新華社北京8月5日電，記者從中國科學院廣州地球化學研究所獲悉，該所研究人員在黑龍江省發現了隕石坑。";

fn gbk(s: &str) -> Vec<u8> {
    GBK.encode(s).0.into_owned()
}

fn big5(s: &str) -> Vec<u8> {
    BIG5.encode(s).0.into_owned()
}

#[test]
fn in_place_agrees_with_decode() {
    for b in [
        b"".to_vec(),
        "新闻联播\n".as_bytes().to_vec(),
        b"\xEF\xBB\xBFtext".to_vec(),
        b"\xFF\xFEa\0".to_vec(),
        b"a\0b".to_vec(),
        b"ok \xFF bad".to_vec(),
        b"%PDF-1.4 plain".to_vec(),
        gbk("新闻联播：今天的主要内容"),
    ] {
        match plain_utf8(b.clone()) {
            Ok(t) => assert_eq!(text_of(decode(&b)), (t, "utf-8".to_string())),
            Err(back) => {
                assert_eq!(back, b);
                assert!(
                    !matches!(decode(&b), Decoded::Text { ref encoding, .. } if encoding == "utf-8")
                        || b.contains(&0),
                    "{b:?}"
                );
            }
        }
    }
}

fn decoded(d: Decoded) -> (String, String, Vec<Replacement>) {
    match d {
        Decoded::Text {
            text,
            encoding,
            replaced,
        } => (text, encoding, replaced),
        other => panic!("expected text, got {other:?}"),
    }
}

fn text_of(d: Decoded) -> (String, String) {
    let (t, e, r) = decoded(d);
    assert!(r.is_empty(), "unexpected replacements {r:?}");
    (t, e)
}

#[test]
fn utf8_and_bom() {
    assert_eq!(
        text_of(decode("中文".as_bytes())),
        ("中文".into(), "utf-8".into())
    );
    assert_eq!(
        text_of(decode(b"\xEF\xBB\xBFabc")),
        ("abc".into(), "utf-8-bom".into())
    );
}

#[test]
fn utf16_with_bom() {
    let mut b = vec![0xFF, 0xFE];
    for u in "中文,ok".encode_utf16() {
        b.extend(u.to_le_bytes());
    }
    assert_eq!(text_of(decode(&b)), ("中文,ok".into(), "utf-16le".into()));
}

#[test]
fn gbk_and_big5() {
    assert_eq!(
        text_of(decode(&gbk(GB_TEXT))),
        (GB_TEXT.into(), "gbk".into())
    );
    assert_eq!(
        text_of(decode(&big5(BIG5_TEXT))),
        (BIG5_TEXT.into(), "big5".into())
    );
}

/// Issue 10 row 5: a GBK file cut inside its last character was decoded as
/// windows-1252 mojibake. It is GBK, with the cut byte reported.
#[test]
fn gbk_cut_inside_the_last_character_is_gbk_with_one_replacement() {
    let mut b = gbk(GB_TEXT);
    b.push(0xD6); // first byte of 中
    let (t, enc, r) = decoded(decode(&b));
    assert_eq!(enc, "gbk");
    assert_eq!(t, format!("{GB_TEXT}\u{FFFD}"));
    assert_eq!(
        r,
        [Replacement {
            at: GB_TEXT.len(),
            source: b.len() - 1,
            bytes: vec![0xD6]
        }]
    );
    assert_eq!(
        r[0].note("gbk"),
        format!(
            "malformed gbk bytes D6 at byte {}, decoded as U+FFFD",
            b.len() - 1
        )
    );
}

#[test]
fn gbk_with_one_bad_byte_inside_is_gbk_with_one_replacement() {
    let head = gbk("新华社北京8月5日电，记者从中国科学院");
    let tail = gbk("广州地球化学研究所获悉，该所研究人员在黑龙江省发现了陨石坑。");
    let mut b = head.clone();
    b.push(0xFF);
    b.extend(&tail);
    let (t, enc, r) = decoded(decode(&b));
    assert_eq!(enc, "gbk");
    assert_eq!(
        t,
        "新华社北京8月5日电，记者从中国科学院\u{FFFD}广州地球化学研究所获悉，该所研究人员在黑龙江省发现了陨石坑。"
    );
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].source, head.len());
    assert_eq!(&t[r[0].at..r[0].at + 3], "\u{FFFD}");
}

#[test]
fn big5_cut_inside_the_last_character_is_big5_with_one_replacement() {
    let mut b = big5(BIG5_TEXT);
    b.push(0xA4); // first byte of 中
    let (t, enc, r) = decoded(decode(&b));
    assert_eq!(enc, "big5");
    assert_eq!(t, format!("{BIG5_TEXT}\u{FFFD}"));
    assert_eq!(r.len(), 1);
}

/// Short GBK files were guessed as koi8-u or windows-1252: every prefix of
/// a real sentence, from two characters up, decodes as GBK.
#[test]
fn short_gbk_texts_are_gbk() {
    let chars: Vec<char> = GB_TEXT.chars().collect();
    for n in 2..chars.len() {
        let s: String = chars[..n].iter().collect();
        let (t, enc, r) = decoded(decode(&gbk(&s)));
        assert_eq!((t.as_str(), enc.as_str()), (s.as_str(), "gbk"), "{n} chars");
        assert!(r.is_empty());
    }
    for s in ["新闻联播", "国内新闻\n", "央视网消息：", "习近平"] {
        assert_eq!(text_of(decode(&gbk(s))), (s.to_string(), "gbk".into()));
    }
}

#[test]
fn short_big5_texts_are_big5() {
    for s in [
        "新聞聯播：臺灣與香港的報導。",
        "這是我們的國家，說話要算數。",
    ] {
        assert_eq!(text_of(decode(&big5(s))), (s.to_string(), "big5".into()));
    }
}

/// UTF-8 and GBK in one file: no single decoding is right, so the file is
/// undecodable (copied through byte for byte by the pipeline).
#[test]
fn utf8_and_gbk_mixed_is_undecodable() {
    let mut b = "新华社北京8月5日电，记者从中国科学院获悉。\n"
        .as_bytes()
        .to_vec();
    b.extend(gbk(
        "该所研究人员在黑龙江省发现了陨石坑。研究人员说，这是我国东北地区首次确认的陨石撞击坑。\n",
    ));
    match decode(&b) {
        Decoded::Undecodable { reason } => assert!(reason.contains("mixed encodings"), "{reason}"),
        other => panic!("{other:?}"),
    }
    // GBK first, UTF-8 after.
    let mut b = gbk(
        "该所研究人员在黑龙江省发现了陨石坑。研究人员说，这是我国东北地区首次确认的陨石撞击坑。\n",
    );
    b.extend("新华社北京8月5日电，记者从中国科学院获悉。\n".as_bytes());
    assert!(matches!(decode(&b), Decoded::Undecodable { .. }));
}

#[test]
fn latin1_text_is_windows_1252() {
    let s = "Le président a déclaré que l'économie française était en très bonne santé, \
             malgré les difficultés. Über die Straße gehen wir zu Fuß.\n";
    let b = encoding_rs::WINDOWS_1252.encode(s).0.into_owned();
    assert_eq!(text_of(decode(&b)), (s.to_string(), "windows-1252".into()));
}

/// BBC sport/199.txt: one `£` (A3) in English; chardetng says windows-1250 (`Ł`).
#[test]
fn a_pound_sign_in_english_is_windows_1252() {
    let b = b"It was a possible transfer fee for Mutu, a \xa315.8m signing.\n";
    assert_eq!(
        text_of(decode(b)),
        (
            "It was a possible transfer fee for Mutu, a \u{a3}15.8m signing.\n".into(),
            "windows-1252".into()
        )
    );
}

#[test]
fn russian_text_in_a_cyrillic_code_page_is_decoded() {
    let s = "Президент России заявил сегодня в Москве, что экономика страны растёт быстрее, \
             чем ожидали эксперты. Правительство обсудит бюджет на следующей неделе.\n";
    let b = encoding_rs::WINDOWS_1251.encode(s).0.into_owned();
    let (t, enc, _) = decoded(decode(&b));
    assert_eq!(t, s, "{enc}");
}

/// Bytes that are no supported encoding are never guessed into mojibake.
#[test]
fn random_high_bytes_are_undecodable_not_mojibake() {
    let mut x: u32 = 12345;
    let b: Vec<u8> = (0..300)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            0x80 | (x >> 24) as u8
        })
        .collect();
    assert!(
        matches!(decode(&b), Decoded::Undecodable { .. }),
        "{:?}",
        decode(&b)
    );
}

#[test]
fn binary_by_magic_number_or_share_of_control_bytes() {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    assert!(matches!(decode(&png), Decoded::Binary { reason } if reason.contains("PNG")));
    let mut gz = b"\x1F\x8B\x08\x00".to_vec();
    gz.extend(b"abc");
    assert!(matches!(decode(&gz), Decoded::Binary { .. }));
    assert!(matches!(decode(b"ab\0cd\x01\x02"), Decoded::Binary { .. }));
    assert!(matches!(decode(b"\0\0\0\0"), Decoded::Binary { .. }));
    // UTF-16 without a BOM: half the bytes NUL.
    let u16: Vec<u8> = "plain ascii text"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    assert!(matches!(decode(&u16), Decoded::Binary { .. }));
}

/// Issue 10 row 7: sogouc C000023/12.txt and 13.txt end in NUL padding
/// and were skipped as binary. Text with stray NULs is text; the
/// `whitespace.control` rule removes them.
#[test]
fn text_with_nul_padding_or_stray_controls_is_text() {
    let mut b = "新华社北京8月5日电，记者从中国科学院获悉。\n"
        .as_bytes()
        .to_vec();
    b.extend([0u8; 311]);
    let (t, enc) = text_of(decode(&b));
    assert_eq!(enc, "utf-8");
    assert_eq!(
        t,
        format!(
            "新华社北京8月5日电，记者从中国科学院获悉。\n{}",
            "\0".repeat(311)
        )
    );
    let s = "正文\0中间\x01有\x08控制字符。";
    assert_eq!(
        text_of(decode(s.as_bytes())),
        (s.to_string(), "utf-8".into())
    );
    let mut g = gbk("新华社北京8月5日电，记者从中国科学院获悉。");
    g.extend([0u8; 8]);
    assert_eq!(text_of(decode(&g)).1, "gbk");
}

#[test]
fn broken_utf8_is_undecodable() {
    let mut b = "中文中文中文中文中文".as_bytes().to_vec();
    b.push(0xFF);
    b.extend("中文".as_bytes());
    assert!(matches!(decode(&b), Decoded::Undecodable { .. }));
}
