//! Text helpers: diacritic- and case-insensitive folding for search and duplicate detection.
//!
//! Vietnamese marks tones and vowel qualities with combining diacritics (ễ = e + circumflex +
//! tilde) which Unicode canonical decomposition (NFD) separates from the base letter, so they can
//! be dropped. `đ`/`Đ` is different: it is a letter of its own (U+0111/U+0110) with no
//! decomposition, so it is mapped to `d` explicitly. Folding makes `nguyen van` match
//! `Nguyễn Văn` and `duong` match `đường`.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Folds `s` for search: lower case, no diacritics, `đ` as `d`, runs of white space as one space.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_space = true;
    for c in s.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'đ' | 'Đ' => 'd',
            c => c,
        };
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
            continue;
        }
        last_space = false;
        for l in c.to_lowercase() {
            out.push(l);
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// The words of `s` after folding, split on anything that is not a letter or a digit.
pub fn fold_words(s: &str) -> Vec<String> {
    fold(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese_names_and_streets() {
        assert_eq!(fold("Nguyễn Văn Đức"), "nguyen van duc");
        assert_eq!(fold("đường Lê Lợi"), "duong le loi");
        assert_eq!(fold("ĐƯỜNG  Xương   Giang"), "duong xuong giang");
        assert_eq!(fold("Phường Dĩnh Kế"), "phuong dinh ke");
        assert_eq!(fold("Trần Thị Thủy"), "tran thi thuy");
        assert_eq!(fold("Hoàng Quốc Việt"), "hoang quoc viet");
    }

    #[test]
    fn folds_precomposed_and_decomposed_alike() {
        let precomposed = "Nguyễn";
        let decomposed: String = precomposed.nfd().collect();
        assert_ne!(precomposed, decomposed);
        assert_eq!(fold(precomposed), fold(&decomposed));
    }

    #[test]
    fn splits_words() {
        assert_eq!(
            fold_words("Số 12, ngõ 5/3 Đường Lê Lợi"),
            vec!["so", "12", "ngo", "5", "3", "duong", "le", "loi"]
        );
    }
}
