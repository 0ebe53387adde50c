//! How wide a text is in Times New Roman (and the metric-compatible Liberation Serif that
//! LibreOffice uses in its place), for laying out what is printed: column widths that hold
//! their headings, rules as long as their text, spreadsheet rows as tall as their wrapped text.
//!
//! The advance widths are the font's, in thousandths of an em, for the printable ASCII letters;
//! a Vietnamese letter is as wide as its base letter (the tone marks and the hook of ơ, ư sit
//! above or beside it without widening it, apart from ơ/ư, which are counted a little wider).

/// Advance widths of Times New Roman, regular, for ' ' (32) to '~' (126).
const REGULAR: [u16; 95] = [
    250, 333, 408, 500, 500, 833, 778, 180, 333, 333, 500, 564, 250, 333, 250, 278, 500, 500, 500,
    500, 500, 500, 500, 500, 500, 500, 278, 278, 564, 564, 564, 444, 921, 722, 667, 667, 722, 611,
    556, 722, 722, 333, 389, 722, 611, 889, 722, 722, 556, 722, 667, 556, 611, 722, 722, 944, 722,
    722, 611, 333, 278, 333, 469, 500, 333, 444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500,
    278, 778, 500, 500, 500, 500, 333, 389, 278, 500, 500, 722, 500, 500, 444, 480, 200, 480, 541,
];

/// Advance widths of Times New Roman, bold, for ' ' (32) to '~' (126).
const BOLD: [u16; 95] = [
    250, 333, 555, 500, 500, 1000, 833, 278, 333, 333, 500, 570, 250, 333, 250, 278, 500, 500, 500,
    500, 500, 500, 500, 500, 500, 500, 333, 333, 570, 570, 570, 500, 930, 722, 667, 722, 722, 667,
    611, 778, 778, 389, 500, 778, 667, 944, 722, 778, 611, 778, 722, 556, 667, 722, 722, 1000, 722,
    722, 667, 333, 278, 333, 581, 500, 333, 500, 556, 444, 556, 444, 333, 500, 556, 278, 333, 556,
    278, 833, 556, 500, 556, 556, 444, 389, 333, 556, 500, 722, 500, 500, 444, 394, 220, 394, 520,
];

/// The width of one character, in thousandths of an em.
fn advance(c: char, bold: bool) -> u32 {
    let table = if bold { &BOLD } else { &REGULAR };
    let b = if c.is_ascii() {
        c
    } else {
        let base = doithoai_model::text::fold(&c.to_string());
        let mut chars = base.chars();
        match (chars.next(), chars.next()) {
            (Some(b), None) if b.is_ascii() => b,
            _ => c,
        }
    };
    // fold lower-cases: keep the case of the original letter.
    let b = if c.is_uppercase() {
        b.to_ascii_uppercase()
    } else {
        b
    };
    let extra = if matches!(c, 'ơ' | 'ư' | 'Ơ' | 'Ư') || "ờớởỡợừứửữựỜỚỞỠỢỪỨỬỮỰ".contains(c)
    {
        60
    } else {
        0
    };
    match b {
        ' '..='~' => u32::from(table[b as usize - 32]) + extra,
        '—' | '–' => 1000,
        '…' => 1000,
        '\t' => 1000,
        _ => 600,
    }
}

/// The width of `text` on one line, in points, at `size` points.
pub fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    let em: u32 = text.chars().map(|c| advance(c, bold)).sum();
    f64::from(em) * size / 1000.0
}

/// The width of the longest word of `text`, in points: what a column must hold for no word to
/// break.
pub fn longest_word(text: &str, size: f64, bold: bool) -> f64 {
    text.split_whitespace()
        .map(|w| text_width(w, size, bold))
        .fold(0.0, f64::max)
}

/// How many lines `text` takes when wrapped at word boundaries into `width` points, each of
/// its paragraphs (split at line breaks) starting a new line; a word wider than the line is
/// broken across lines as the spreadsheet and word processor do. An empty text takes one line.
pub fn wrapped_lines(text: &str, width: f64, size: f64, bold: bool) -> u32 {
    let space = text_width(" ", size, bold);
    let width = width.max(size);
    let mut lines = 0u32;
    for para in text.split('\n') {
        let mut used = 0.0f64;
        let mut count = 1u32;
        for word in para.split_whitespace() {
            let w = text_width(word, size, bold);
            if used > 0.0 && used + space + w <= width {
                used += space + w;
                continue;
            }
            if used > 0.0 {
                count += 1;
            }
            if w > width {
                // A word longer than the line runs over several.
                count += (w / width).ceil() as u32 - 1;
                used = w % width;
            } else {
                used = w;
            }
        }
        lines += count;
    }
    lines.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths() {
        // 12 digits of a CCCD at 10 pt: 60 pt.
        assert!((text_width("024123456789", 10.0, false) - 60.0).abs() < 1e-9);
        // Vietnamese letters are as wide as their base letters.
        assert_eq!(
            text_width("Đặng", 12.0, true),
            text_width("Dang", 12.0, true)
        );
        assert!(text_width("STT", 13.0, true) > 20.0);
        assert_eq!(
            longest_word("Số CCCD/CMND", 10.0, false),
            text_width("CCCD/CMND", 10.0, false)
        );
    }

    #[test]
    fn wrapping() {
        assert_eq!(wrapped_lines("", 50.0, 10.0, false), 1);
        assert_eq!(wrapped_lines("một hai", 500.0, 10.0, false), 1);
        assert_eq!(wrapped_lines("một\nhai", 500.0, 10.0, false), 2);
        // Each word alone on its line.
        let w = text_width("nghị", 10.0, false);
        assert_eq!(wrapped_lines("kiến nghị", w + 1.0, 10.0, false), 2);
        // A word three lines long.
        let long = "x".repeat(30);
        let w = text_width(&long, 10.0, false);
        assert_eq!(wrapped_lines(&long, w / 3.0 + 0.01, 10.0, false), 3);
    }
}
