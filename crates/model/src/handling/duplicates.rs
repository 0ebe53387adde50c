//! Likely duplicates.

use super::*;

// ---------------------------------------------------------------------------------------------
// Duplicates
// ---------------------------------------------------------------------------------------------

/// Folded words too common to tell two petitions apart.
const STOPWORDS: &[&str] = &[
    "va", "la", "cua", "cac", "nhung", "mot", "da", "bi", "duoc", "cho", "voi", "o", "tai",
    "trong", "tren", "khi", "thi", "ma", "nay", "do", "co", "khong", "rat", "lam", "nhieu", "de",
    "nghi", "xin", "phuong", "nguoi", "dan", "ve", "nhu", "den", "tu", "hay", "can", "dang", "the",
    "and", "of", "to", "in", "is",
];

fn word_set(s: &str) -> BTreeSet<String> {
    fold_words(s)
        .into_iter()
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .collect()
}

/// How alike two word sets are: the Dice coefficient, 0 to 1.
fn dice(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let common = a.intersection(b).count();
    2.0 * common as f64 / (a.len() + b.len()) as f64
}

/// A likely duplicate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DuplicateSuggestion {
    pub id: Uuid,
    pub candidate: Uuid,
    /// How alike the contents are, 0 to 1.
    pub content_score: f64,
    /// How alike the places are, 0 to 1.
    pub place_score: f64,
}

impl DuplicateSuggestion {
    pub fn score(&self) -> f64 {
        self.content_score.max(self.place_score)
    }
}

/// The default similarity from which two petitions are suggested as duplicates.
pub const DUPLICATE_THRESHOLD: f64 = 0.5;

/// Suggests likely duplicates among the registered petitions that are not merged: same field
/// (as classified, else as suggested at collection) and similar content or place, ignoring case
/// and diacritics. With `only`, suggestions for that petition alone. Best first.
pub fn suggest_duplicates(
    petitions: &[Petition],
    handling: &Handling,
    only: Option<Uuid>,
    threshold: f64,
) -> Vec<DuplicateSuggestion> {
    struct Cand<'a> {
        id: Uuid,
        field: &'a str,
        content: BTreeSet<String>,
        place: BTreeSet<String>,
    }
    let cands: Vec<Cand<'_>> = petitions
        .iter()
        .filter_map(|p| {
            let item = handling.get(&p.id)?;
            if matches!(item.status, Status::Merged | Status::Collected) {
                return None;
            }
            let field = item.field().or(p.field.as_deref())?;
            Some(Cand {
                id: p.id,
                field,
                content: word_set(&format!("{} {}", p.content, p.request)),
                place: word_set(&p.place),
            })
        })
        .collect();
    let mut out = Vec::new();
    for (i, a) in cands.iter().enumerate() {
        for b in cands.iter().skip(i + 1) {
            if a.field != b.field {
                continue;
            }
            let (id, cand) = match only {
                Some(o) if o == a.id => (a.id, b.id),
                Some(o) if o == b.id => (b.id, a.id),
                Some(_) => continue,
                None => (a.id, b.id),
            };
            if handling.root(&a.id) == handling.root(&b.id) {
                continue;
            }
            let s = DuplicateSuggestion {
                id,
                candidate: cand,
                content_score: dice(&a.content, &b.content),
                place_score: dice(&a.place, &b.place),
            };
            if s.score() >= threshold {
                out.push(s);
            }
        }
    }
    out.sort_by(|a, b| {
        b.score()
            .partial_cmp(&a.score())
            .unwrap_or(std::cmp::Ordering::Equal)
            .then((a.id, a.candidate).cmp(&(b.id, b.candidate)))
    });
    out
}
