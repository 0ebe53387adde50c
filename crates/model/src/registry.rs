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

    /// Finds a field by code or by its Vietnamese or English label typed with or without diacritics.
    pub fn find_field(&self, s: &str) -> Option<&Field> {
        let f = crate::text::fold(s);
        self.fields.iter().find(|x| {
            x.code == s.trim()
                || crate::text::fold(&x.code.replace('_', " ")) == f
                || crate::text::fold(&x.label_vi) == f
                || crate::text::fold(&x.label_en) == f
        })
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
