//! The ward's registry: collection points (TDPs, organisations, the office desk), departments,
//! fields (lĩnh vực) with Vietnamese labels, and the office's entries in the working-day calendar.
//! It lives in the ward document, written by the office and read by every device.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::lang::Lang;

/// What kind of place collects petitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PointKind {
    /// Tổ dân phố: a residential group, led by a tổ trưởng.
    Tdp,
    /// A mass organisation or the Fatherland Front (MTTQ).
    Org,
    /// The ward office's own reception desk.
    Office,
}

impl PointKind {
    pub fn code(self) -> &'static str {
        match self {
            PointKind::Tdp => "tdp",
            PointKind::Org => "org",
            PointKind::Office => "office",
        }
    }
    pub fn parse(s: &str) -> Option<PointKind> {
        match crate::text::fold(s).as_str() {
            "tdp" | "to dan pho" => Some(PointKind::Tdp),
            "org" | "to chuc" | "organisation" | "organization" => Some(PointKind::Org),
            "office" | "van phong" => Some(PointKind::Office),
            _ => None,
        }
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            PointKind::Tdp => lang.pick("Tổ dân phố", "Residential group"),
            PointKind::Org => lang.pick("Tổ chức", "Organisation"),
            PointKind::Office => lang.pick("Văn phòng", "Office desk"),
        }
    }
}

/// A collection point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Point {
    pub id: String,
    pub kind: PointKind,
    pub name: String,
    /// The point's root intake document, so that office devices can find its petitions.
    #[serde(default)]
    pub intake: Option<String>,
}

/// A specialist department (bộ phận chuyên môn) that answers what it is assigned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    pub id: String,
    pub name: String,
}

/// A field (lĩnh vực) used to classify petitions in the ward's reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub code: String,
    pub label_vi: String,
    pub label_en: String,
}

impl Field {
    pub fn label(&self, lang: Lang) -> &str {
        lang.pick(&self.label_vi, &self.label_en)
    }
}

/// How the office sets a day of the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A day off: an extra holiday, a bridge day, a Tết day placed otherwise than by default.
    Off,
    /// A working day: a Saturday worked in exchange (ngày làm bù), or a default holiday the
    /// government's decision moved elsewhere.
    Work,
}

impl DayKind {
    pub fn code(self) -> &'static str {
        match self {
            DayKind::Off => "off",
            DayKind::Work => "work",
        }
    }

    pub fn parse(s: &str) -> Option<DayKind> {
        match s {
            "off" => Some(DayKind::Off),
            "work" => Some(DayKind::Work),
            _ => None,
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            DayKind::Off => lang.pick("nghỉ", "day off"),
            DayKind::Work => lang.pick("làm việc", "working day"),
        }
    }
}

/// The office's entry for one day, over the computed calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarEntry {
    pub kind: DayKind,
    /// Why: the decision it follows ("Thông báo 9441/TB-BNV"), the day it is exchanged for.
    #[serde(default)]
    pub note: String,
}

/// The office's edits of the working-day calendar (see [`crate::workdays`] for the computed
/// defaults they override) and the years it has confirmed against the government's decisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct WardCalendar {
    pub days: BTreeMap<NaiveDate, CalendarEntry>,
    /// Confirmed years, each with the office's note.
    #[serde(default)]
    pub confirmed: BTreeMap<i32, String>,
}

/// The ward's registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Registry {
    pub ward_name: String,
    pub points: Vec<Point>,
    pub departments: Vec<Department>,
    pub fields: Vec<Field>,
    /// The office's entries in the working-day calendar.
    #[serde(default)]
    pub calendar: WardCalendar,
}

impl Registry {
    /// The registry a device uses before it is enrolled: the standard fields and departments,
    /// no collection points, no office calendar entries (the national calendar is computed).
    pub fn builtin() -> Registry {
        Registry {
            ward_name: String::new(),
            points: Vec::new(),
            departments: default_departments(),
            fields: default_fields(),
            calendar: WardCalendar::default(),
        }
    }

    pub fn field(&self, code: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.code == code)
    }

    /// Finds a field by code or by its Vietnamese or English label typed with or without
    /// diacritics, whole or one of its parts ("giao thông" is a part of "Hạ tầng, giao thông,
    /// chiếu sáng, thoát nước"); what names one field only.
    pub fn find_field(&self, s: &str) -> Option<&Field> {
        match lookup(s, &self.fields, |f| {
            vec![f.code.clone(), f.label_vi.clone(), f.label_en.clone()]
        }) {
            Lookup::One(f) => Some(f),
            _ => None,
        }
    }

    /// The fields what a user typed may mean, the likeliest first (for suggestions as they
    /// type): every word typed begins a word of the field's code or labels, diacritics ignored.
    pub fn suggest_fields(&self, s: &str) -> Vec<&Field> {
        suggest(s, &self.fields, |f| {
            vec![f.code.clone(), f.label_vi.clone(), f.label_en.clone()]
        })
    }

    /// Finds a department by id or by its name, whole or one of its parts ("địa chính"),
    /// with or without diacritics; what names one department only.
    pub fn find_department(&self, s: &str) -> Option<&Department> {
        match lookup(s, &self.departments, |d| vec![d.id.clone(), d.name.clone()]) {
            Lookup::One(d) => Some(d),
            _ => None,
        }
    }

    pub fn point(&self, id: &str) -> Option<&Point> {
        self.points.iter().find(|p| p.id == id)
    }

    pub fn department(&self, id: &str) -> Option<&Department> {
        self.departments.iter().find(|d| d.id == id)
    }

    /// Whether `d` is a holiday in this ward's calendar.
    pub fn is_holiday(&self, d: NaiveDate) -> bool {
        crate::workdays::Calendar::of(self).is_holiday(d)
    }

    /// The field's label in `lang`, or the code itself when the field is unknown.
    pub fn field_label<'a>(&'a self, code: &'a str, lang: Lang) -> &'a str {
        self.field(code).map(|f| f.label(lang)).unwrap_or(code)
    }
}

/// What a lookup of a typed name found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<'a, T> {
    /// Exactly one entry.
    One(&'a T),
    /// Several entries match equally well.
    Several(Vec<&'a T>),
    /// Nothing.
    None,
}

/// A name folded for matching: no case, no diacritics, `_`, `-` and punctuation as spaces.
fn norm(s: &str) -> String {
    let f = crate::text::fold(s);
    let spaced: String = f
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The parts of a label: the whole, and what commas, dashes, semicolons and brackets separate.
fn parts(s: &str) -> Vec<String> {
    let f = crate::text::fold(s);
    let mut v = vec![norm(&f)];
    for p in f
        .split([',', ';', '(', ')', '/'])
        .flat_map(|p| p.split(" - "))
    {
        let n = norm(p);
        if !n.is_empty() && !v.contains(&n) {
            v.push(n);
        }
    }
    v
}

/// How well `typed` names an entry with these names: 0 a whole name, 1 a part of one, 2 every
/// word typed begins a word of the names (in order or not); `None` when it does not.
pub fn match_rank(typed: &str, names: &[String]) -> Option<u8> {
    let t = norm(typed);
    if t.is_empty() {
        return None;
    }
    if names.iter().any(|n| norm(n) == t) {
        return Some(0);
    }
    if names.iter().any(|n| parts(n).contains(&t)) {
        return Some(1);
    }
    let words: Vec<String> = names
        .iter()
        .flat_map(|n| norm(n).split(' ').map(str::to_owned).collect::<Vec<_>>())
        .collect();
    if t.split(' ').all(|w| words.iter().any(|x| x.starts_with(w))) {
        return Some(2);
    }
    None
}

/// Finds the one entry `typed` names best (see [`match_rank`]).
pub fn lookup<'a, T>(
    typed: &str,
    items: &'a [T],
    names: impl Fn(&T) -> Vec<String>,
) -> Lookup<'a, T> {
    let ranked: Vec<(u8, &T)> = items
        .iter()
        .filter_map(|i| match_rank(typed, &names(i)).map(|r| (r, i)))
        .collect();
    let Some(best) = ranked.iter().map(|(r, _)| *r).min() else {
        return Lookup::None;
    };
    let top: Vec<&T> = ranked
        .into_iter()
        .filter(|(r, _)| *r == best)
        .map(|(_, i)| i)
        .collect();
    match top.as_slice() {
        [one] => Lookup::One(one),
        _ => Lookup::Several(top),
    }
}

/// Every entry `typed` may name, the best matches first.
pub fn suggest<'a, T>(
    typed: &str,
    items: &'a [T],
    names: impl Fn(&T) -> Vec<String>,
) -> Vec<&'a T> {
    let mut ranked: Vec<(u8, usize, &T)> = items
        .iter()
        .enumerate()
        .filter_map(|(k, i)| match_rank(typed, &names(i)).map(|r| (r, k, i)))
        .collect();
    ranked.sort_by_key(|(r, k, _)| (*r, *k));
    ranked.into_iter().map(|(_, _, i)| i).collect()
}

fn field(code: &str, vi: &str, en: &str) -> Field {
    Field {
        code: code.into(),
        label_vi: vi.into(),
        label_en: en.into(),
    }
}

/// The fields used in ward reports (domain notes).
pub fn default_fields() -> Vec<Field> {
    vec![
        field("dat_dai", "Đất đai", "Land"),
        field(
            "xay_dung",
            "Xây dựng, trật tự đô thị",
            "Construction, urban order",
        ),
        field(
            "ha_tang",
            "Hạ tầng, giao thông, chiếu sáng, thoát nước",
            "Infrastructure, transport, lighting, drainage",
        ),
        field("moi_truong", "Môi trường, rác thải", "Environment, waste"),
        field(
            "an_ninh",
            "An ninh trật tự, an toàn giao thông, phòng cháy",
            "Security and order, road safety, fire prevention",
        ),
        field(
            "chinh_sach",
            "Chính sách xã hội",
            "Social policy (people with merit, poor households, insurance)",
        ),
        field("y_te_giao_duc", "Y tế, giáo dục", "Health, education"),
        field("van_hoa", "Văn hoá, thông tin", "Culture, information"),
        field("dien_nuoc", "Điện, nước", "Power, water"),
        field("thu_tuc", "Thủ tục hành chính", "Administrative procedures"),
        field(
            "can_bo",
            "Cán bộ, xây dựng Đảng và chính quyền",
            "Officials' conduct, Party and government building",
        ),
        field("khac", "Khác", "Other"),
    ]
}

fn dept(id: &str, name: &str) -> Department {
    Department {
        id: id.into(),
        name: name.into(),
    }
}

/// The usual specialist departments of a ward.
pub fn default_departments() -> Vec<Department> {
    vec![
        dept("dia_chinh", "Địa chính - Xây dựng - Đô thị và Môi trường"),
        dept("van_hoa_xa_hoi", "Văn hoá - Xã hội"),
        dept("tu_phap", "Tư pháp - Hộ tịch"),
        dept("tai_chinh", "Tài chính - Kế toán"),
        dept("cong_an", "Công an phường"),
        dept("quan_su", "Ban Chỉ huy Quân sự phường"),
        dept("van_phong", "Văn phòng Đảng ủy - HĐND - UBND"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_by_code_label_or_part_with_or_without_diacritics() {
        let r = Registry::builtin();
        let code = |s: &str| r.find_field(s).map(|f| f.code.as_str());
        assert_eq!(code("ha_tang"), Some("ha_tang"));
        assert_eq!(code("Hạ tầng"), Some("ha_tang"));
        assert_eq!(code("giao thông"), Some("ha_tang"));
        assert_eq!(code("giao thong"), Some("ha_tang"));
        assert_eq!(code("THOÁT NƯỚC"), Some("ha_tang"));
        assert_eq!(code("rac thai"), Some("moi_truong"));
        assert_eq!(code("Môi trường, rác thải"), Some("moi_truong"));
        assert_eq!(code("land"), Some("dat_dai"));
        assert_eq!(code("dat"), Some("dat_dai"));
        assert_eq!(code("xay dung"), Some("xay_dung"));
        assert_eq!(code("không có"), None);
        assert_eq!(code("!!!"), None);
        // "an" begins words of several fields: not one.
        assert_eq!(code("an"), None);
        let s: Vec<&str> = r
            .suggest_fields("giao thong")
            .iter()
            .map(|f| f.code.as_str())
            .collect();
        assert_eq!(s.first(), Some(&"ha_tang"));
        assert!(s.contains(&"an_ninh"), "{s:?}");
    }

    #[test]
    fn departments_by_id_name_or_part() {
        let r = Registry::builtin();
        let id = |s: &str| r.find_department(s).map(|d| d.id.as_str());
        assert_eq!(id("dia_chinh"), Some("dia_chinh"));
        assert_eq!(id("Địa chính"), Some("dia_chinh"));
        assert_eq!(id("cong an"), Some("cong_an"));
        assert_eq!(id("Công an phường"), Some("cong_an"));
        assert_eq!(id("tu phap"), Some("tu_phap"));
        assert_eq!(id("bộ phận lạ"), None);
    }
}
