//! What the petition forms send, read into the operations' own inputs ([`NewPetition`],
//! [`PetitionEdit`]), as the CLI reads its flags; the rules themselves are the model's. Errors are
//! kept by form field so each is shown beside its input, with what was typed.

use std::collections::BTreeMap;

use doithoai_model::petition::MAX_PEOPLE;
use doithoai_model::time::{parse_date, parse_datetime, ward_now};
use doithoai_model::{
    Lang, Localize, NewPetition, Petition, PetitionKind, Registry, Resident, ValidationError,
};

use crate::app::{PetitionEdit, ResidentEdit};

/// A form's values as typed and its errors by field name.
#[derive(Debug, Clone, Default)]
pub struct FormView {
    pub values: BTreeMap<String, String>,
    pub errors: BTreeMap<String, String>,
}

impl FormView {
    pub fn of(values: BTreeMap<String, String>) -> FormView {
        FormView {
            values,
            errors: BTreeMap::new(),
        }
    }
    /// Puts a validation error the model gave on saving beside its field (the date's field is
    /// named `date_key` in the form); returns it when it belongs to no field.
    pub fn place_error(
        &mut self,
        e: &ValidationError,
        lang: Lang,
        date_key: &str,
    ) -> Option<String> {
        let k = match field_of(e) {
            "meeting_date" => date_key,
            k => k,
        };
        if k == "general" {
            return Some(e.localize(lang));
        }
        self.errors.insert(k.to_owned(), e.localize(lang));
        None
    }

    /// What was typed in `k` (empty when nothing).
    pub fn v(&self, k: &str) -> &str {
        self.values.get(k).map(String::as_str).unwrap_or("")
    }
    /// The error beside `k`.
    pub fn e(&self, k: &str) -> Option<&str> {
        self.errors.get(k).map(String::as_str)
    }
    /// `aria-invalid` for `k`.
    pub fn invalid(&self, k: &str) -> &'static str {
        if self.errors.contains_key(k) {
            "true"
        } else {
            "false"
        }
    }
    pub fn checked(&self, k: &str) -> bool {
        matches!(self.v(k), "on" | "1" | "true")
    }
    pub fn selected(&self, k: &str, code: &str) -> bool {
        self.v(k) == code
    }
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
}

/// The form field a validation error belongs to.
pub fn field_of(e: &ValidationError) -> &'static str {
    match e {
        ValidationError::EmptyContent => "content",
        ValidationError::NoResident | ValidationError::EmptyResidentName { .. } => "name",
        ValidationError::TooManyResidents { .. } => "name",
        ValidationError::TooLong { field, .. } => match *field {
            "content" => "content",
            "request" => "request",
            "place" => "place",
            "name" => "name",
            "address" => "address",
            "tdp" => "tdp",
            _ => "general",
        },
        ValidationError::UnknownField { .. } => "field",
        ValidationError::UnknownKind { .. } => "kind",
        ValidationError::ImpossibleDate { .. } | ValidationError::BadDate { .. } => "meeting_date",
        ValidationError::InvalidPhone { .. } => "phone",
        ValidationError::InvalidIdNumber { .. } => "id_number",
        ValidationError::InvalidPeopleCount { .. } => "people",
        _ => "general",
    }
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// The fields the capture and the edit forms share, read; errors go into `view`.
struct Common {
    people: Option<u32>,
    kind: Option<PetitionKind>,
    field: Option<String>,
    created_at: Option<chrono::DateTime<chrono::FixedOffset>>,
}

fn read_common(
    view: &mut FormView,
    reg: &Registry,
    lang: Lang,
    date_key: &str,
    keep_date: Option<chrono::NaiveDate>,
) -> Common {
    let mut err = |k: &str, e: ValidationError| {
        view.errors.entry(k.to_owned()).or_insert(e.localize(lang));
    };
    let v = |k: &str| view.values.get(k).cloned().unwrap_or_default();
    let mut field_error = None;
    let people = match v("people").trim() {
        "" => None,
        t => match t.parse::<i64>() {
            Ok(n) if (1..=i64::from(MAX_PEOPLE)).contains(&n) => Some(n as u32),
            Ok(n) => {
                err(
                    "people",
                    ValidationError::InvalidPeopleCount {
                        value: n,
                        max: MAX_PEOPLE,
                    },
                );
                None
            }
            Err(_) => {
                err(
                    "people",
                    ValidationError::Invalid {
                        what: "people",
                        value: t.to_owned(),
                    },
                );
                None
            }
        },
    };
    let kind = match v("kind").trim() {
        "" => None,
        t => match PetitionKind::parse(t) {
            Some(k) => Some(k),
            None => {
                err(
                    "kind",
                    ValidationError::UnknownKind {
                        value: t.to_owned(),
                    },
                );
                None
            }
        },
    };
    let field = match v("field").trim() {
        "" => None,
        t => match reg.find_field(t) {
            Some(f) => Some(f.code.clone()),
            None => {
                // The labels, which is what the list offers (the model's message names codes).
                let labels: Vec<&str> = reg.fields.iter().map(|f| f.label(lang)).collect();
                field_error = Some(match lang {
                    Lang::Vi => format!(
                        "Lĩnh vực «{t}» không có trong danh mục của phường. Hãy chọn trong danh sách: {}.",
                        labels.join("; ")
                    ),
                    Lang::En => format!(
                        "The field {t:?} is not in the ward's list. Pick one of: {}.",
                        labels.join("; ")
                    ),
                });
                None
            }
        },
    };
    let created_at = match v(date_key).trim() {
        "" => None,
        t => match parse_date(t) {
            // The same day as the petition's (or today, for a new one): its time stays.
            Ok(d) if Some(d) == keep_date => None,
            Ok(d) => {
                let at = format!(
                    "{} {}",
                    doithoai_model::time::format_date(d),
                    ward_now().format("%H:%M")
                );
                match parse_datetime(&at) {
                    Ok(dt) => Some(dt),
                    Err(e) => {
                        err(date_key, e);
                        None
                    }
                }
            }
            Err(e) => {
                err(date_key, e);
                None
            }
        },
    };
    if let Some(e) = field_error {
        view.errors.entry("field".into()).or_insert(e);
    }
    Common {
        people,
        kind,
        field,
        created_at,
    }
}

/// Reads the capture form into a [`NewPetition`]; `Err` when a field could not be read (the
/// errors are in `view`).
pub fn new_petition(view: &mut FormView, reg: &Registry, lang: Lang) -> Option<NewPetition> {
    let today = ward_now().date_naive();
    let c = read_common(view, reg, lang, "meeting_date", Some(today));
    let new = NewPetition {
        residents: vec![Resident {
            name: view.v("name").to_owned(),
            address: view.v("address").to_owned(),
            tdp: view.v("tdp").to_owned(),
            phone: opt(view.v("phone")),
            id_number: None,
        }],
        people_count: c.people,
        kind: c.kind,
        field: c.field,
        content: view.v("content").to_owned(),
        request: view.v("request").to_owned(),
        place: view.v("place").to_owned(),
        wants_to_speak: view.checked("speak"),
        created_at: c.created_at,
    };
    if view.has_errors() {
        // The model's own check of the rest, so that its error shows beside its field too.
        if let Err(e) = new.build("-", "-", reg) {
            view.errors
                .entry(field_of(&e).to_owned())
                .or_insert(e.localize(lang));
        }
        return None;
    }
    Some(new)
}

/// The edit form's values for a petition.
pub fn values_of(p: &Petition, reg: &Registry, lang: Lang) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    let first = p.residents.first();
    let put = |m: &mut BTreeMap<String, String>, k: &str, v: &str| {
        m.insert(k.to_owned(), v.to_owned());
    };
    put(&mut m, "name", first.map(|r| r.name.as_str()).unwrap_or(""));
    put(
        &mut m,
        "address",
        first.map(|r| r.address.as_str()).unwrap_or(""),
    );
    put(&mut m, "tdp", first.map(|r| r.tdp.as_str()).unwrap_or(""));
    put(
        &mut m,
        "phone",
        first.and_then(|r| r.phone.as_deref()).unwrap_or(""),
    );
    put(&mut m, "people", &p.people_count.to_string());
    put(&mut m, "kind", p.kind.code());
    put(
        &mut m,
        "field",
        p.field
            .as_deref()
            .map(|f| reg.field_label(f, lang))
            .unwrap_or(""),
    );
    put(&mut m, "content", &p.content);
    put(&mut m, "request", &p.request);
    put(&mut m, "place", &p.place);
    put(
        &mut m,
        "date",
        &doithoai_model::time::format_date(p.created_at.date_naive()),
    );
    if p.wants_to_speak {
        put(&mut m, "speak", "on");
    }
    m
}

/// Reads the edit form into a [`PetitionEdit`] of `p`.
pub fn edit_of(
    view: &mut FormView,
    p: &Petition,
    reg: &Registry,
    lang: Lang,
) -> Option<PetitionEdit> {
    let c = read_common(view, reg, lang, "date", Some(p.created_at.date_naive()));
    if view.has_errors() {
        return None;
    }
    // Only a petition of one resident has its resident edited here; the CLI edits several.
    // An empty phone removes it; the ID number is not on this form and stays as it is.
    let residents = if p.residents.len() <= 1 {
        vec![ResidentEdit {
            name: Some(view.v("name").to_owned()),
            address: Some(view.v("address").to_owned()),
            tdp: Some(view.v("tdp").to_owned()),
            phone: Some(view.v("phone").to_owned()),
            id_number: None,
        }]
    } else {
        Vec::new()
    };
    Some(PetitionEdit {
        residents,
        people_count: c.people,
        kind: c.kind,
        field: Some(c.field),
        content: Some(view.v("content").to_owned()),
        request: Some(view.v("request").to_owned()),
        place: Some(view.v("place").to_owned()),
        wants_to_speak: Some(view.checked("speak")),
        created_at: c.created_at,
        relayed: None,
    })
}
