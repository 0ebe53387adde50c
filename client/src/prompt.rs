//! `doithoai petition add` in a terminal with no flags: the petition asked for field by field.
//!
//! Every answer is checked at its own prompt (the model's rules: `doithoai_model::petition`)
//! and asked again with the specific error, so one typo never throws the entry away. The
//! answers so far are kept as a *draft* in the store's `meta` table after each one (the store
//! writes with `synchronous=FULL`), so an interrupted command (Ctrl-C, a closed or killed
//! terminal, a flat battery) loses at most the answer being typed; the next `petition add`
//! offers to go on with it.
//!
//! Lines are read with `rustyline`, which puts the terminal in non-canonical (raw) mode: the
//! kernel's canonical line buffer (4096 bytes on Linux) would otherwise cut a long pasted text
//! (a petition's content may hold 20,000 characters, up to 80 KB of UTF-8), often in the middle
//! of a multi-byte character, which made `read_line` fail with "stream did not contain valid
//! UTF-8" and left the rest of the paste to the shell. In raw mode the line is as long as the
//! model allows and is read as characters. rustyline also gives line editing, and the field
//! prompt suggests the ward's fields as the user types (diacritics ignored) and completes them
//! with Tab.

use std::borrow::Cow;

use doithoai_model::petition::{
    MAX_SHORT_CHARS, MAX_TEXT_CHARS, check_date, check_id_number, check_len, check_phone,
    parse_people,
};
use doithoai_model::time::{format_datetime, parse_datetime, to_stored, ward_now};
use doithoai_model::{
    Lang, Localize, NewPetition, PetitionKind, Registry, Resident, ValidationError,
};
use doithoai_store::Store;
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{Config, Context, Editor, Helper};
use serde::{Deserialize, Serialize};

/// The meta key of the draft of an interactive `petition add`.
pub const DRAFT_KEY: &str = "petition.draft";

/// The answers given so far; `None` is a question not answered yet, an empty string an
/// optional one left blank.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    /// When the entry was started (RFC 3339, ward time).
    pub started_at: String,
    pub date: Option<String>,
    pub name: Option<String>,
    pub address: Option<String>,
    pub tdp: Option<String>,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub people: Option<u32>,
    pub kind: Option<String>,
    pub field: Option<String>,
    pub content: Option<String>,
    pub request: Option<String>,
    pub place: Option<String>,
    pub speak: Option<bool>,
}

impl Draft {
    /// The petition the answers make (every answer was checked when it was given).
    pub fn to_new(&self) -> Result<NewPetition, ValidationError> {
        let opt = |s: &Option<String>| s.clone().filter(|x| !x.trim().is_empty());
        Ok(NewPetition {
            residents: vec![Resident {
                name: self.name.clone().unwrap_or_default(),
                address: self.address.clone().unwrap_or_default(),
                tdp: self.tdp.clone().unwrap_or_default(),
                phone: opt(&self.phone),
                id_number: opt(&self.id_number),
            }],
            people_count: self.people,
            kind: self.kind.as_deref().and_then(PetitionKind::parse),
            field: opt(&self.field),
            content: self.content.clone().unwrap_or_default(),
            request: self.request.clone().unwrap_or_default(),
            place: self.place.clone().unwrap_or_default(),
            wants_to_speak: self.speak.unwrap_or(false),
            created_at: opt(&self.date).map(|d| parse_datetime(&d)).transpose()?,
        })
    }
}

/// Why the questions stopped.
#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    /// Ctrl-C or Ctrl-D: the draft is kept.
    #[error("interrupted; the draft is kept")]
    Interrupted,
    #[error("terminal: {0}")]
    Terminal(String),
    #[error(transparent)]
    Store(#[from] doithoai_store::StoreError),
}

impl Localize for PromptError {
    fn localize(&self, lang: Lang) -> String {
        match (self, lang) {
            (PromptError::Interrupted, Lang::Vi) => "Đã dừng. Những gì đã nhập được giữ làm bản nháp; chạy lại doithoai petition add để ghi tiếp.".into(),
            (PromptError::Interrupted, Lang::En) => "Stopped. What you typed is kept as a draft; run doithoai petition add again to go on.".into(),
            (PromptError::Terminal(e), Lang::Vi) => format!("Lỗi đọc bàn phím: {e}"),
            (PromptError::Terminal(e), Lang::En) => format!("Cannot read the keyboard: {e}"),
            (PromptError::Store(e), l) => e.localize(l),
        }
    }
}

/// Suggests the ward's fields for what is typed so far, and completes them with Tab.
struct FieldHelper {
    /// (code, label) of every field, in the registry's order.
    fields: Vec<(String, String)>,
    registry: Registry,
    /// Suggestions are on only at the field prompt.
    active: bool,
    lang: Lang,
}

impl FieldHelper {
    fn suggestions(&self, line: &str) -> Vec<(String, String)> {
        if !self.active || line.trim().is_empty() || line.trim().parse::<usize>().is_ok() {
            return Vec::new();
        }
        self.registry
            .suggest_fields(line)
            .into_iter()
            .map(|f| (f.code.clone(), f.label(self.lang).to_owned()))
            .collect()
    }
}

impl Hinter for FieldHelper {
    type Hint = String;
    fn hint(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> Option<String> {
        if pos < line.len() {
            return None;
        }
        let s = self.suggestions(line);
        let (code, label) = s.first()?;
        let more = match s.len() - 1 {
            0 => String::new(),
            n => match self.lang {
                Lang::Vi => format!(" (+{n} lĩnh vực khác, Tab để xem)"),
                Lang::En => format!(" (+{n} more, Tab to see them)"),
            },
        };
        Some(format!("  → {label} ({code}){more}"))
    }
}

impl Completer for FieldHelper {
    type Candidate = Pair;
    fn complete(
        &self,
        line: &str,
        _pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let s = self.suggestions(line);
        Ok((
            0,
            s.into_iter()
                .map(|(code, label)| Pair {
                    display: format!("{code} — {label}"),
                    replacement: code,
                })
                .collect(),
        ))
    }
}

impl Highlighter for FieldHelper {
    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        // Dim, so that the suggestion reads as a suggestion, not as typed text.
        Cow::Owned(format!("\x1b[2m{hint}\x1b[0m"))
    }
}
impl Validator for FieldHelper {}
impl Helper for FieldHelper {}

/// The terminal, and where the draft is kept.
pub struct Asker<'a> {
    editor: Editor<FieldHelper, DefaultHistory>,
    store: &'a Store,
    lang: Lang,
    registry: Registry,
}

/// What a yes/no answer says, if it is clear.
pub fn yes_no(s: &str) -> Option<bool> {
    match doithoai_model::text::fold(s).trim() {
        "c" | "co" | "y" | "yes" | "dung" | "u" | "uh" | "ok" => Some(true),
        "k" | "ko" | "khong" | "n" | "no" => Some(false),
        _ => None,
    }
}

impl<'a> Asker<'a> {
    /// Opens the terminal (`/dev/tty`, so prompts reach the user whatever stdout is).
    pub fn new(
        store: &'a Store,
        registry: &Registry,
        lang: Lang,
    ) -> Result<Asker<'a>, PromptError> {
        let config = Config::builder()
            .behavior(rustyline::Behavior::PreferTerm)
            .auto_add_history(false)
            .completion_type(rustyline::CompletionType::List)
            .build();
        let mut editor =
            Editor::with_config(config).map_err(|e| PromptError::Terminal(e.to_string()))?;
        editor.set_helper(Some(FieldHelper {
            fields: registry
                .fields
                .iter()
                .map(|f| (f.code.clone(), f.label(lang).to_owned()))
                .collect(),
            registry: registry.clone(),
            active: false,
            lang,
        }));
        Ok(Asker {
            editor,
            store,
            lang,
            registry: registry.clone(),
        })
    }

    fn say(&mut self, text: &str) {
        eprintln!("{text}");
    }

    fn line(&mut self, prompt: &str, fields: bool) -> Result<String, PromptError> {
        if let Some(h) = self.editor.helper_mut() {
            h.active = fields;
        }
        match self.editor.readline(&format!("{prompt}: ")) {
            Ok(l) => Ok(l.trim().to_owned()),
            Err(
                rustyline::error::ReadlineError::Interrupted | rustyline::error::ReadlineError::Eof,
            ) => Err(PromptError::Interrupted),
            Err(e) => Err(PromptError::Terminal(e.to_string())),
        }
    }

    /// Asks until the answer passes `check`, telling the user what is wrong each time.
    fn ask<T>(
        &mut self,
        prompt: &str,
        fields: bool,
        mut check: impl FnMut(&str, &Registry) -> Result<T, String>,
    ) -> Result<T, PromptError> {
        loop {
            let answer = self.line(prompt, fields)?;
            match check(&answer, &self.registry) {
                Ok(v) => return Ok(v),
                Err(msg) => {
                    let again = self.lang.pick("Hãy nhập lại.", "Please try again.");
                    self.say(&format!("  ✗ {msg} {again}"));
                }
            }
        }
    }

    /// Asks a yes/no question until the answer is clear.
    fn ask_yes_no(&mut self, prompt: &str, default: Option<bool>) -> Result<bool, PromptError> {
        let lang = self.lang;
        self.ask(prompt, false, |a, _| {
            if a.is_empty()
                && let Some(d) = default
            {
                return Ok(d);
            }
            yes_no(a).ok_or_else(|| {
                lang.pick(
                    "Câu trả lời chưa rõ: gõ c (có) hoặc k (không).",
                    "That answer is unclear: type y (yes) or n (no).",
                )
                .to_owned()
            })
        })
    }

    fn save(&self, d: &Draft) -> Result<(), PromptError> {
        self.store
            .meta_set(DRAFT_KEY, &serde_json::to_string(d).unwrap_or_default())?;
        Ok(())
    }

    /// The draft left by an earlier interrupted entry, if any.
    pub fn saved_draft(store: &Store) -> Result<Option<Draft>, PromptError> {
        Ok(store
            .meta_get(DRAFT_KEY)?
            .and_then(|s| serde_json::from_str(&s).ok()))
    }

    /// Forgets the draft (once the petition is saved).
    pub fn clear_draft(store: &Store) -> Result<(), PromptError> {
        store.meta_delete(DRAFT_KEY)?;
        Ok(())
    }

    /// Asks every question not answered yet, offering first to go on with a saved draft.
    pub fn petition(&mut self) -> Result<Draft, PromptError> {
        let lang = self.lang;
        let mut d = match Self::saved_draft(self.store)? {
            Some(old) => {
                let when = chrono::DateTime::parse_from_rfc3339(&old.started_at)
                    .map(|t| format_datetime(&t))
                    .unwrap_or_default();
                let who = old.name.clone().unwrap_or_default();
                self.say(&match lang {
                    Lang::Vi => format!(
                        "Có một ý kiến đang ghi dở (bắt đầu lúc {when}{}).",
                        if who.is_empty() {
                            String::new()
                        } else {
                            format!(", người dân: {who}")
                        }
                    ),
                    Lang::En => format!(
                        "A petition was left unfinished (started {when}{}).",
                        if who.is_empty() {
                            String::new()
                        } else {
                            format!(", resident: {who}")
                        }
                    ),
                });
                if self.ask_yes_no(
                    lang.pick("Ghi tiếp ý kiến đó? (c/k)", "Go on with it? (y/n)"),
                    None,
                )? {
                    old
                } else {
                    Self::clear_draft(self.store)?;
                    self.say(lang.pick("Đã bỏ bản nháp.", "Draft discarded."));
                    Draft::default()
                }
            }
            None => Draft::default(),
        };
        if d.started_at.is_empty() {
            d.started_at = to_stored(&ward_now());
        }
        self.say(lang.pick(
            "Ghi ý kiến mới (Enter để bỏ qua mục không bắt buộc; Ctrl-C để dừng, những gì đã nhập được giữ lại).",
            "New petition (press Enter to skip optional items; Ctrl-C to stop, what you typed is kept).",
        ));
        let err = |e: ValidationError| e.localize(lang);
        if d.date.is_none() {
            let today = doithoai_model::time::format_date(ward_now().date_naive());
            let prompt = match lang {
                Lang::Vi => format!("Ngày ghi nhận (dd/mm/yyyy, có thể kèm HH:MM) [{today}]"),
                Lang::En => format!("Date recorded (dd/mm/yyyy, optionally HH:MM) [{today}]"),
            };
            d.date = Some(self.ask(&prompt, false, |a, _| {
                if a.is_empty() {
                    return Ok(String::new());
                }
                let t = parse_datetime(a).map_err(err)?;
                check_date(t).map_err(err)?;
                Ok(a.to_owned())
            })?);
            self.save(&d)?;
        }
        if d.name.is_none() {
            d.name = Some(self.ask(
                lang.pick("Họ tên người dân", "Resident's name"),
                false,
                |a, _| {
                    if a.is_empty() {
                        return Err(err(ValidationError::EmptyResidentName { index: 1 }));
                    }
                    check_len("name", a, MAX_SHORT_CHARS).map_err(err)?;
                    Ok(a.to_owned())
                },
            )?);
            self.save(&d)?;
        }
        let short = |what: &'static str| {
            move |a: &str, _: &Registry| -> Result<String, String> {
                check_len(what, a, MAX_SHORT_CHARS).map_err(err)?;
                Ok(a.to_owned())
            }
        };
        if d.address.is_none() {
            d.address = Some(self.ask(lang.pick("Địa chỉ", "Address"), false, short("address"))?);
            self.save(&d)?;
        }
        if d.tdp.is_none() {
            d.tdp = Some(self.ask(
                lang.pick("Tổ dân phố", "Residential group"),
                false,
                short("tdp"),
            )?);
            self.save(&d)?;
        }
        if d.phone.is_none() {
            d.phone = Some(self.ask(
                lang.pick("Số điện thoại (không bắt buộc)", "Phone (optional)"),
                false,
                |a, _| {
                    if !a.is_empty() {
                        check_phone(a).map_err(err)?;
                    }
                    Ok(a.to_owned())
                },
            )?);
            self.save(&d)?;
        }
        if d.id_number.is_none() {
            d.id_number = Some(self.ask(
                lang.pick(
                    "Số CCCD (không bắt buộc, 12 chữ số)",
                    "ID card number (optional, 12 digits)",
                ),
                false,
                |a, _| {
                    if !a.is_empty() {
                        check_id_number(a).map_err(err)?;
                    }
                    Ok(a.to_owned())
                },
            )?);
            self.save(&d)?;
        }
        if d.people.is_none() {
            d.people = Some(self.ask(
                lang.pick("Số người cùng ý kiến [1]", "Number of people [1]"),
                false,
                |a, _| {
                    if a.is_empty() {
                        Ok(1)
                    } else {
                        parse_people(a).map_err(err)
                    }
                },
            )?);
            self.save(&d)?;
        }
        if d.kind.is_none() {
            let list: Vec<String> = PetitionKind::ALL
                .iter()
                .enumerate()
                .map(|(i, k)| format!("{}. {} ({})", i + 1, k.label(lang), k.code()))
                .collect();
            self.say(&format!(
                "{}: {}",
                lang.pick("Loại", "Type"),
                list.join("; ")
            ));
            d.kind = Some(self.ask(
                lang.pick(
                    "Loại (số hoặc tên) [1. Kiến nghị]",
                    "Type (number or name) [1. Recommendation]",
                ),
                false,
                |a, _| {
                    if a.is_empty() {
                        return Ok(PetitionKind::KienNghi.code().to_owned());
                    }
                    if let Ok(n) = a.parse::<usize>() {
                        return PetitionKind::ALL
                            .get(n.wrapping_sub(1))
                            .map(|k| k.code().to_owned())
                            .ok_or_else(|| {
                                err(ValidationError::UnknownKind {
                                    value: a.to_owned(),
                                })
                            });
                    }
                    PetitionKind::parse(a)
                        .map(|k| k.code().to_owned())
                        .ok_or_else(|| {
                            err(ValidationError::UnknownKind {
                                value: a.to_owned(),
                            })
                        })
                },
            )?);
            self.save(&d)?;
        }
        if d.field.is_none() {
            let fields: Vec<(String, String)> = self
                .editor
                .helper()
                .map(|h| h.fields.clone())
                .unwrap_or_default();
            self.say(lang.pick(
                "Lĩnh vực (gõ số, mã hoặc vài chữ của tên, có dấu hay không đều được; Tab để xem gợi ý):",
                "Field (type its number, code or a few words of its name; Tab shows suggestions):",
            ));
            for (i, (code, label)) in fields.iter().enumerate() {
                self.say(&format!("  {:>2}. {label} ({code})", i + 1));
            }
            d.field = Some(self.ask(
                lang.pick("Lĩnh vực (không bắt buộc)", "Field (optional)"),
                true,
                |a, reg| {
                    if a.is_empty() {
                        return Ok(String::new());
                    }
                    if let Ok(n) = a.parse::<usize>() {
                        return reg
                            .fields
                            .get(n.wrapping_sub(1))
                            .map(|f| f.code.clone())
                            .ok_or_else(|| match lang {
                                Lang::Vi => format!(
                                    "Không có lĩnh vực số {n} (từ 1 đến {}).",
                                    reg.fields.len()
                                ),
                                Lang::En => format!(
                                    "There is no field number {n} (1 to {}).",
                                    reg.fields.len()
                                ),
                            });
                    }
                    if let Some(f) = reg.find_field(a) {
                        return Ok(f.code.clone());
                    }
                    let s = reg.suggest_fields(a);
                    if s.is_empty() {
                        return Err(err(ValidationError::UnknownField {
                            value: a.to_owned(),
                            known: reg.fields.iter().map(|f| f.code.clone()).collect(),
                        }));
                    }
                    let options: Vec<String> = s
                        .iter()
                        .map(|f| {
                            let n = reg
                                .fields
                                .iter()
                                .position(|x| x.code == f.code)
                                .unwrap_or(0)
                                + 1;
                            format!("{n}. {}", f.label(lang))
                        })
                        .collect();
                    Err(match lang {
                        Lang::Vi => format!(
                            "«{a}» có thể là: {}. Gõ số của lĩnh vực cần chọn.",
                            options.join("; ")
                        ),
                        Lang::En => format!(
                            "{a:?} may be: {}. Type the number of the one you mean.",
                            options.join("; ")
                        ),
                    })
                },
            )?);
            self.save(&d)?;
        }
        if d.content.is_none() {
            d.content = Some(self.ask(lang.pick("Nội dung", "Content"), false, |a, _| {
                if a.is_empty() {
                    return Err(err(ValidationError::EmptyContent));
                }
                check_len("content", a, MAX_TEXT_CHARS).map_err(err)?;
                Ok(a.to_owned())
            })?);
            self.save(&d)?;
        }
        if d.request.is_none() {
            d.request = Some(self.ask(
                lang.pick("Đề nghị của người dân", "What the resident asks for"),
                false,
                |a, _| {
                    check_len("request", a, MAX_TEXT_CHARS).map_err(err)?;
                    Ok(a.to_owned())
                },
            )?);
            self.save(&d)?;
        }
        if d.place.is_none() {
            d.place = Some(self.ask(lang.pick("Địa điểm", "Place"), false, short("place"))?);
            self.save(&d)?;
        }
        if d.speak.is_none() {
            d.speak = Some(self.ask_yes_no(
                lang.pick(
                    "Muốn phát biểu tại buổi đối thoại? (c/k) [k]",
                    "Wishes to speak at a session? (y/n) [n]",
                ),
                Some(false),
            )?);
            self.save(&d)?;
        }
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yes_and_no_in_both_languages_and_nothing_else() {
        for y in ["c", "Có", "co", "y", "YES"] {
            assert_eq!(yes_no(y), Some(true), "{y}");
        }
        for n in ["k", "Không", "khong", "n", "no"] {
            assert_eq!(yes_no(n), Some(false), "{n}");
        }
        for unclear in ["có lẽ", "maybe", "", "ck"] {
            assert_eq!(yes_no(unclear), None, "{unclear}");
        }
    }

    #[test]
    fn a_full_draft_makes_a_valid_petition() {
        let d = Draft {
            started_at: to_stored(&ward_now()),
            date: Some(String::new()),
            name: Some("Nguyễn Văn Đức".into()),
            address: Some(String::new()),
            tdp: Some(String::new()),
            phone: Some(String::new()),
            id_number: Some("024123456789".into()),
            people: Some(5),
            kind: Some("phan_anh".into()),
            field: Some("ha_tang".into()),
            content: Some("Đèn đường hỏng".into()),
            request: Some(String::new()),
            place: Some(String::new()),
            speak: Some(true),
        };
        let p = d
            .to_new()
            .unwrap()
            .build("tdp-03", "Hoa", &Registry::builtin())
            .unwrap();
        assert_eq!(p.residents[0].id_number.as_deref(), Some("024123456789"));
        assert_eq!(p.residents[0].phone, None);
        assert_eq!(p.people_count, 5);
        assert_eq!(p.kind, PetitionKind::PhanAnh);
        assert!(p.wants_to_speak);
    }
}
