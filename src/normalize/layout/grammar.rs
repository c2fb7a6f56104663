//! B-S11: a function word left hanging at the break.
//!
//! A Chinese sentence cannot begin with a structural or aspect particle
//! standing alone (`…74岁⏎的王忠芬…`, `…已经工作⏎了四个小时…`,
//! `…中欧关系⏎及共同关心的问题…`), and cannot end on a conjunction or a
//! bare adverb (`…全程325公里仅⏎需两个半小时…`). These are closed classes
//! of the grammar, listed here once; they are not counted from any corpus.
//! The character must be a word by itself: `的确`, `了解`, `首都`, `尤其`
//! are not function words, so the dictionary segmentation
//! (`words::word_across`, the word that spans a point) decides whether it
//! binds to its neighbour on its own side.
//!
//! B's side is strong evidence (+5, as strong as a mark that cannot start a
//! line, B-S3) and lifts the shape vetoes: a line cut before `的` looks
//! like a headline (`　　这样的试飞场景，是罗阳近年来⏎的工作常态。`), but no
//! paragraph opens with `的`. A's side is weaker (+3, no veto lifted): a
//! headline or a name can end in almost any character (`韩方先遣组访朝`,
//! `美以`, `主任换将`, `村民 许进和`), so only the characters that never
//! abbreviate or end a name in xwlb headlines are listed. A headline
//! does not end waiting for an object either: such a word, or a
//! preposition, at the end of a line without a colon or a space lifts the
//! headline veto (B-D3) alone ([`hanging_end`]), not the other vetoes.

use super::words;
use crate::normalize::han::is_han;

/// Single-character words that cannot end a sentence: conjunctions,
/// some prepositions and adverbs, demonstratives. Characters that also
/// abbreviate a name or stand as a word of their own at a headline's end
/// are not here (`访朝`, `美以`, `换将`, `说不`, `主因`, `仍在`,
/// `服务员：对`), nor the modal verbs and `的` (`…是…的`).
fn cannot_end(c: char) -> bool {
    matches!(
        c,
        '把' | '被'
            | '从'
            | '与'
            | '及'
            | '或'
            | '而'
            | '并'
            | '但'
            | '且'
            | '若'
            | '虽'
            | '都'
            | '也'
            | '又'
            | '再'
            | '就'
            | '很'
            | '仅'
            | '均'
            | '这'
            | '那'
            | '每'
            | '各'
            | '该'
    )
}

/// Single-character words that cannot begin a sentence: the structural
/// particles `的 地 之`, the aspect particles `了 着`, the plural suffix
/// `们`, the conjunction `及` and the sentence-final particles.
fn cannot_begin(c: char) -> bool {
    matches!(
        c,
        '的' | '地' | '之' | '了' | '着' | '们' | '及' | '吗' | '呢' | '吧' | '嘛'
    )
}

/// B opens with a single-character word that cannot begin a sentence
/// (`的王忠芬`, `了四个小时`; not `的确`, `了解`): B continues A's
/// sentence whatever A's shape, so this also lifts the shape vetoes.
pub(super) fn bound_opening(ta: &str, tb: &str) -> Option<char> {
    let ca = ta.chars().next_back()?;
    let cb = tb.chars().next()?;
    if !is_han(ca) || !cannot_begin(cb) {
        return None;
    }
    // A word by itself: no dictionary word starts with it.
    let first = &tb[..cb.len_utf8()];
    words::word_across(first, &tb[first.len()..])
        .is_none()
        .then_some(cb)
}

/// A ends with a single-character word that cannot end a sentence
/// (`…中欧关系⏎及共同…` is B's side; `…全程325公里仅⏎需…`, `…这个⏎业绩`
/// is `这个`, a word, so not this). Weaker than [`bound_opening`]: a
/// name can end in any character (`村民 许进和`), so this is evidence in
/// the score and lifts no veto.
pub(super) fn dangling_end(ta: &str, tb: &str) -> Option<char> {
    let ca = ta.chars().next_back()?;
    let cb = tb.chars().next()?;
    if !is_han(cb) || !cannot_end(ca) {
        return None;
    }
    alone_at_end(ta, ca)
}

/// `ca`, A's last character, when it is a word by itself: no dictionary
/// word ends in it (`首都`, `尤其`).
fn alone_at_end(ta: &str, ca: char) -> Option<char> {
    let head = &ta[..ta.len() - ca.len_utf8()];
    words::word_across(head, &ta[head.len()..])
        .is_none()
        .then_some(ca)
}

/// A headline does not end on a preposition or a conjunction waiting for
/// its object: A ends with a single-character word of [`cannot_end`]
/// (but the demonstratives `这 那`) or a
/// preposition (`为 向 在 同 对 给 跟 让 由 于`), a word by itself
/// (`…金颖颖不仅为⏎客户理财…`, `…习近平主席同⏎萨勒曼国王…`,
/// `…林郑月娥向⏎在场的…`). Lifts the headline veto (B-D3), not the
/// others. Of the 9,517 indented lines of xwlb without a final stop that
/// an indented line follows (headlines, list items, names), three end so,
/// all after a colon (`北京某酒楼服务员：对`, an answer) or on `将`, which
/// is not listed (`足球运动管理中心主任换将`); a line with a colon or a
/// space is not read.
pub(super) fn hanging_end(ta: &str, tb: &str) -> Option<char> {
    let ca = ta.chars().next_back()?;
    let cb = tb.chars().next()?;
    let preposition = matches!(
        ca,
        '为' | '向' | '在' | '同' | '对' | '给' | '跟' | '让' | '由' | '于'
    );
    // Not the demonstratives: a name can end in `那` (`萨那`, a capital
    // the dictionary lacks, `…空袭也门首都萨那`, xwlb/2024/20240323.txt).
    if !is_han(cb)
        || !((cannot_end(ca) && !matches!(ca, '这' | '那')) || preposition)
        || ta.contains(['：', ':', ' ', '\u{3000}', '\u{a0}'])
    {
        return None;
    }
    alone_at_end(ta, ca)
}

#[cfg(test)]
mod tests {
    use super::{bound_opening as b, dangling_end as e};

    #[test]
    fn function_words_at_the_break() {
        assert_eq!(e("全程325公里仅", "需两个半小时。"), Some('仅'));
        assert_eq!(b("就中欧关系", "及共同关心的问题"), Some('及'));
        assert_eq!(b("前往看望了74岁", "的王忠芬。"), Some('的'));
        assert_eq!(b("增长率达到74", "的地区"), None, "A ends in a digit");
        assert_eq!(b("售票员已经工作", "了四个小时。"), Some('了'));
        // Bound in a word on its own side: no evidence.
        assert_eq!(e("这座城市是中国的首都", "北京举行会议。"), None);
        assert_eq!(b("中国经济保持平稳增长", "的确令人鼓舞。"), None);
        assert_eq!(b("双方深入交换了看法", "了解彼此关切。"), None);
        // Headline ends that read like function words are not listed.
        assert_eq!(e("韩方先遣组访朝", "由韩国统一部"), None);
        assert_eq!(e("足球运动管理中心主任换将", "国家体育总局"), None);
        // Not Han at the joint.
        assert_eq!(e("仅", "2012年"), None);
        let h = super::hanging_end;
        assert_eq!(h("金颖颖不仅为", "客户理财提供贴心服务"), Some('为'));
        assert_eq!(
            h("习近平主席同", "萨勒曼国王和穆罕默德王储的会晤"),
            Some('同')
        );
        // An answer after a colon; a word (`成为`, `存在`); `将` unlisted.
        assert_eq!(h("北京某酒楼服务员：对", "记者：他们这个标准"), None);
        assert_eq!(h("中国将成为", "世界第一大市场"), None);
        assert_eq!(h("问题依然存在", "专家认为"), None);
        assert_eq!(h("足球运动管理中心主任换将", "国家体育总局"), None);
        // A name the dictionary lacks, ending in a demonstrative.
        assert_eq!(
            h(
                "胡塞武装称美英战机空袭也门首都萨那",
                "塞武装控制的马西拉电视台"
            ),
            None
        );
    }
}
