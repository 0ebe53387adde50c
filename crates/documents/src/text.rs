//! The plain-text rendering: the same layout in 80 columns, for a screen, a printer without
//! Word, or a message.

use crate::{AdminDoc, Block, Signature, date_line, national_name, number_line};

const WIDTH: usize = 80;
const LEFT: usize = 32;

fn len(s: &str) -> usize {
    s.chars().count()
}

fn center(s: &str, w: usize) -> String {
    let n = len(s);
    if n >= w {
        return s.to_owned();
    }
    let pad = (w - n) / 2;
    format!("{}{}{}", " ".repeat(pad), s, " ".repeat(w - n - pad))
}

/// Greedy word wrap; words longer than the width are cut.
pub(crate) fn wrap(text: &str, width: usize, first_indent: usize) -> Vec<String> {
    let width = width.max(8);
    let mut out = Vec::new();
    for para in text.replace('\r', "").split('\n') {
        let mut line = " ".repeat(first_indent);
        let mut empty = true;
        for word in para.split_whitespace() {
            let mut word = word.to_owned();
            while len(&word) > width {
                if !empty {
                    out.push(line.trim_end().to_owned());
                    line = String::new();
                }
                let head: String = word.chars().take(width).collect();
                out.push(head);
                word = word.chars().skip(width).collect();
                empty = true;
            }
            let extra = if empty { 0 } else { 1 };
            if len(&line) + extra + len(&word) > width && !empty {
                out.push(line.trim_end().to_owned());
                line = String::new();
                empty = true;
            }
            if !empty {
                line.push(' ');
            }
            line.push_str(&word);
            empty = false;
        }
        if !empty || out.is_empty() || para.trim().is_empty() {
            out.push(line.trim_end().to_owned());
        }
    }
    out
}

fn side_by_side(left: &[String], right: &[String], lw: usize, rw: usize) -> Vec<String> {
    let n = left.len().max(right.len());
    (0..n)
        .map(|i| {
            let l = left.get(i).map(String::as_str).unwrap_or("");
            let r = right.get(i).map(String::as_str).unwrap_or("");
            format!("{}{}", center(l, lw), center(r, rw))
                .trim_end()
                .to_owned()
        })
        .collect()
}

fn rule(n: usize) -> String {
    "─".repeat(n)
}

fn signature_lines(s: &Signature) -> Vec<String> {
    let mut v = Vec::new();
    if !s.on_behalf.trim().is_empty() {
        v.push(s.on_behalf.trim().to_owned());
    }
    v.push(s.title.trim().to_owned());
    v.extend(std::iter::repeat_n(String::new(), 3));
    v.push(s.name.trim().to_owned());
    v
}

fn table(
    widths: &[u32],
    header: &[String],
    rows: &[Vec<String>],
    total: Option<&Vec<String>>,
) -> Vec<String> {
    let cols = header.len().max(1);
    let inner = WIDTH - (cols + 1);
    let sum: u32 = widths.iter().take(cols).sum::<u32>().max(1);
    let mut w: Vec<usize> = (0..cols)
        .map(|i| (widths.get(i).copied().unwrap_or(1) as usize * inner / sum as usize).max(3))
        .collect();
    let used: usize = w.iter().sum();
    if used < inner
        && let Some(last) = w.iter_mut().max()
    {
        *last += inner - used;
    }
    let sep = |l: char, m: char, r: char| {
        let mut s = String::new();
        s.push(l);
        for (i, cw) in w.iter().enumerate() {
            s.push_str(&"─".repeat(*cw));
            s.push(if i + 1 == w.len() { r } else { m });
        }
        s
    };
    let row_lines = |cells: &[String]| -> Vec<String> {
        let wrapped: Vec<Vec<String>> = (0..cols)
            .map(|i| wrap(cells.get(i).map(String::as_str).unwrap_or(""), w[i] - 1, 0))
            .collect();
        let h = wrapped.iter().map(Vec::len).max().unwrap_or(1);
        (0..h)
            .map(|k| {
                let mut s = String::from("│");
                for (i, cw) in w.iter().enumerate() {
                    let t = wrapped[i].get(k).map(String::as_str).unwrap_or("");
                    s.push_str(t);
                    s.push_str(&" ".repeat(cw.saturating_sub(len(t))));
                    s.push('│');
                }
                s
            })
            .collect()
    };
    let mut out = vec![sep('┌', '┬', '┐')];
    out.extend(row_lines(header));
    out.push(sep('├', '┼', '┤'));
    for r in rows {
        out.extend(row_lines(r));
    }
    if let Some(t) = total {
        out.push(sep('├', '┼', '┤'));
        out.extend(row_lines(t));
    }
    out.push(sep('└', '┴', '┘'));
    out
}

pub(crate) fn write(d: &AdminDoc) -> String {
    let lh = &d.letterhead;
    let (nation, motto) = national_name(d.lang);
    let rw = WIDTH - LEFT;
    let mut left: Vec<String> = Vec::new();
    if !lh.parent.trim().is_empty() {
        left.push(lh.parent.trim().to_owned());
    }
    left.extend(lh.issuer.trim().lines().map(|l| l.trim().to_owned()));
    left.push(rule(10));
    let right = vec![nation.to_owned(), motto.to_owned(), rule(len(motto))];
    let mut out: Vec<String> = side_by_side(&left, &right, LEFT, rw);
    out.extend(side_by_side(
        &[number_line(&lh.number, d.lang)],
        &[date_line(&lh.place, lh.date, d.lang)],
        LEFT,
        rw,
    ));
    out.push(String::new());
    out.push(center(&d.title, WIDTH).trim_end().to_owned());
    for l in wrap(d.subtitle.trim(), WIDTH - 8, 0) {
        out.push(center(&l, WIDTH).trim_end().to_owned());
    }
    out.push(center(&rule(16), WIDTH).trim_end().to_owned());
    out.push(String::new());
    for b in &d.body {
        match b {
            Block::Heading(t) => {
                out.push(String::new());
                out.extend(wrap(t, WIDTH, 0));
            }
            Block::Para { runs, align } => {
                let text: String = runs.iter().map(|r| r.text.as_str()).collect();
                match align {
                    crate::Align::Center => {
                        for l in wrap(&text, WIDTH, 0) {
                            out.push(center(&l, WIDTH).trim_end().to_owned());
                        }
                    }
                    crate::Align::Left => out.extend(wrap(&text, WIDTH, 0)),
                    crate::Align::Justify => out.extend(wrap(&text, WIDTH, 4)),
                }
            }
            Block::Table {
                widths,
                header,
                rows,
                total,
            } => {
                out.extend(table(widths, header, rows, total.as_ref()));
            }
            // A chart: its numbers in words, as its alternative text says them.
            Block::Image { alt, .. } => out.extend(wrap(alt, WIDTH, 0)),
        }
    }
    out.push(String::new());
    let recipients: Vec<String> = if d.recipients.is_empty() {
        Vec::new()
    } else {
        std::iter::once(d.lang.pick("Nơi nhận:", "Recipients:").to_owned())
            .chain(d.recipients.iter().map(|r| format!("- {}", r.trim())))
            .collect()
    };
    match d.signatures.as_slice() {
        [one] => {
            let sig = signature_lines(one);
            let n = recipients.len().max(sig.len());
            for i in 0..n {
                let l = recipients.get(i).map(String::as_str).unwrap_or("");
                let r = sig.get(i).map(String::as_str).unwrap_or("");
                let lpad = format!("{l}{}", " ".repeat(40usize.saturating_sub(len(l))));
                out.push(format!("{lpad}{}", center(r, 40)).trim_end().to_owned());
            }
        }
        sigs => {
            for pair in sigs.chunks(2) {
                let a = signature_lines(&pair[0]);
                let b = pair.get(1).map(signature_lines).unwrap_or_default();
                out.extend(side_by_side(&a, &b, 40, 40));
                out.push(String::new());
            }
            out.extend(recipients);
        }
    }
    let mut s = out.join("\n");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_vietnamese_words() {
        let lines = wrap(
            "Đề nghị phường sửa chữa đèn chiếu sáng ngõ 12 đường Lê Lợi",
            20,
            4,
        );
        assert!(lines.iter().all(|l| len(l) <= 20), "{lines:?}");
        assert!(lines[0].starts_with("    Đề nghị"));
        assert_eq!(lines.join(" ").split_whitespace().count(), 13);
    }
}
