//! Petitions (ý kiến, kiến nghị, phản ánh) as a collection point records them.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ValidationError;
use crate::registry::Registry;
use crate::time::ward_now;

/// The most characters a free-text field may hold (about ten pages of text).
pub const MAX_TEXT_CHARS: usize = 20_000;
/// The most characters a short field (name, address, place) may hold.
pub const MAX_SHORT_CHARS: usize = 500;
/// The most residents one petition may list by name.
pub const MAX_RESIDENTS: usize = 200;
/// The most people a petition may say are concerned by the same matter.
pub const MAX_PEOPLE: u32 = 100_000;

/// The type of a petition. Complaints and denunciations follow other laws: they are recorded,
/// flagged and routed out of the ordinary flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum PetitionKind {
    /// Kiến nghị: a recommendation.
    KienNghi,
    /// Phản ánh: a report of a problem.
    PhanAnh,
    /// Ý kiến: an opinion or a question.
    YKien,
    /// Khiếu nại: a complaint (Law on Complaints), flagged.
    KhieuNai,
    /// Tố cáo: a denunciation (Law on Denunciations), flagged.
    ToCao,
}

impl PetitionKind {
    /// Every kind, in the order forms list them.
    pub const ALL: [PetitionKind; 5] = [
        PetitionKind::KienNghi,
        PetitionKind::PhanAnh,
        PetitionKind::YKien,
        PetitionKind::KhieuNai,
        PetitionKind::ToCao,
    ];

    /// The code stored in documents and the index.
    pub fn code(self) -> &'static str {
        match self {
            PetitionKind::KienNghi => "kien_nghi",
            PetitionKind::PhanAnh => "phan_anh",
            PetitionKind::YKien => "y_kien",
            PetitionKind::KhieuNai => "khieu_nai",
            PetitionKind::ToCao => "to_cao",
        }
    }

    /// Parses a code, or a Vietnamese label typed with or without diacritics.
    pub fn parse(s: &str) -> Option<PetitionKind> {
        let f = crate::text::fold(s).replace([' ', '-'], "_");
        PetitionKind::ALL.into_iter().find(|k| k.code() == f)
    }

    /// The label in `lang`.
    pub fn label(self, lang: crate::Lang) -> &'static str {
        match self {
            PetitionKind::KienNghi => lang.pick("Kiến nghị", "Recommendation"),
            PetitionKind::PhanAnh => lang.pick("Phản ánh", "Report"),
            PetitionKind::YKien => lang.pick("Ý kiến", "Opinion"),
            PetitionKind::KhieuNai => lang.pick("Khiếu nại", "Complaint"),
            PetitionKind::ToCao => lang.pick("Tố cáo", "Denunciation"),
        }
    }

    /// Complaints and denunciations are handled under other laws and must be flagged.
    pub fn is_flagged(self) -> bool {
        matches!(self, PetitionKind::KhieuNai | PetitionKind::ToCao)
    }
}

/// A resident who raised a petition. Phone and ID number are optional: collect only what is
/// needed (personal data law).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Resident {
    /// Họ và tên.
    pub name: String,
    /// Địa chỉ.
    pub address: String,
    /// The TDP the resident lives in (a point id or a free name).
    pub tdp: String,
    /// Số điện thoại.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Số CCCD/CMND.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
}

/// The TDP leader's mark that the office's answer was relayed to the resident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relay {
    /// When it was relayed (RFC 3339, ward time).
    pub at: String,
    /// Who relayed it.
    pub by: String,
    /// How, or any remark.
    #[serde(default)]
    pub note: String,
}

/// A petition as collected at a collection point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Petition {
    /// Made on the device that recorded it, so the same petition sent twice is one petition.
    pub id: Uuid,
    /// When it was recorded (ward time, +07:00).
    pub created_at: DateTime<FixedOffset>,
    /// Who recorded it (device or user name).
    pub created_by: String,
    /// The collection point (TDP, organisation, office desk) id.
    pub point: String,
    /// The resident(s) who raised it.
    pub residents: Vec<Resident>,
    /// How many people raised the same matter.
    pub people_count: u32,
    /// Kiến nghị / phản ánh / ý kiến / khiếu nại / tố cáo.
    pub kind: PetitionKind,
    /// Suggested field (lĩnh vực) code, if the collector chose one.
    pub field: Option<String>,
    /// What the resident says.
    pub content: String,
    /// What the resident asks for.
    pub request: String,
    /// Where the matter is (street, alley, landmark).
    pub place: String,
    /// The resident wishes to speak at a dialogue session.
    pub wants_to_speak: bool,
    /// Set when the TDP leader relayed the office's answer to the resident.
    pub relayed: Option<Relay>,
    /// Last change (ward time).
    pub updated_at: DateTime<FixedOffset>,
}

/// What a user types to make a petition; everything is checked by [`NewPetition::build`].
#[derive(Debug, Clone, Default)]
pub struct NewPetition {
    pub residents: Vec<Resident>,
    pub people_count: Option<u32>,
    pub kind: Option<PetitionKind>,
    pub field: Option<String>,
    pub content: String,
    pub request: String,
    pub place: String,
    pub wants_to_speak: bool,
    /// Defaults to now; a collector may back-date what was said at an earlier meeting.
    pub created_at: Option<DateTime<FixedOffset>>,
}

impl NewPetition {
    /// Validates and builds the petition with a fresh id.
    pub fn build(
        self,
        point: &str,
        created_by: &str,
        registry: &Registry,
    ) -> Result<Petition, ValidationError> {
        let now = ward_now();
        let p = Petition {
            id: Uuid::new_v4(),
            created_at: self.created_at.unwrap_or(now),
            created_by: created_by.trim().to_owned(),
            point: point.to_owned(),
            people_count: self
                .people_count
                .unwrap_or(self.residents.len().max(1) as u32),
            residents: self.residents.into_iter().map(Resident::trimmed).collect(),
            kind: self.kind.unwrap_or(PetitionKind::KienNghi),
            field: self
                .field
                .map(|f| f.trim().to_owned())
                .filter(|f| !f.is_empty()),
            content: self.content.trim().to_owned(),
            request: self.request.trim().to_owned(),
            place: self.place.trim().to_owned(),
            wants_to_speak: self.wants_to_speak,
            relayed: None,
            updated_at: now,
        };
        p.validate(registry)?;
        Ok(p)
    }
}

impl Resident {
    fn trimmed(self) -> Resident {
        let opt = |o: Option<String>| o.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        Resident {
            name: self.name.trim().to_owned(),
            address: self.address.trim().to_owned(),
            tdp: self.tdp.trim().to_owned(),
            phone: opt(self.phone),
            id_number: opt(self.id_number),
        }
    }
}

/// A phone number: 8 to 15 digits, with spaces, `+`, `.`, `-` or brackets between them.
pub fn check_phone(phone: &str) -> Result<(), ValidationError> {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let ok_chars = phone
        .chars()
        .all(|c| c.is_ascii_digit() || " +.-()".contains(c));
    if !ok_chars || !(8..=15).contains(&digits) {
        return Err(ValidationError::InvalidPhone {
            value: phone.to_owned(),
        });
    }
    Ok(())
}

/// A CCCD (12 digits) or an old CMND (9 digits) number.
pub fn check_id_number(idn: &str) -> Result<(), ValidationError> {
    let ok = idn.chars().all(|c| c.is_ascii_digit()) && matches!(idn.len(), 9 | 12);
    if !ok {
        return Err(ValidationError::InvalidIdNumber {
            value: idn.to_owned(),
        });
    }
    Ok(())
}

/// The number of people concerned: 1 to [`MAX_PEOPLE`].
pub fn check_people(n: i64) -> Result<(), ValidationError> {
    if n < 1 || n > i64::from(MAX_PEOPLE) {
        return Err(ValidationError::InvalidPeopleCount {
            value: n,
            max: MAX_PEOPLE,
        });
    }
    Ok(())
}

/// The number of people as a user types it ("5", " 12 "); words ("năm") are refused with a
/// message that asks for digits.
pub fn parse_people(s: &str) -> Result<u32, ValidationError> {
    let t = s.trim();
    let n: i64 = t.parse().map_err(|_| ValidationError::NotANumber {
        what: "people_count",
        value: t.to_owned(),
    })?;
    check_people(n)?;
    u32::try_from(n).map_err(|_| ValidationError::InvalidPeopleCount {
        value: n,
        max: MAX_PEOPLE,
    })
}

/// A text field's length, in characters.
pub fn check_len(field: &'static str, value: &str, max: usize) -> Result<(), ValidationError> {
    let n = value.chars().count();
    if n > max {
        return Err(ValidationError::TooLong {
            field,
            max,
            actual: n,
        });
    }
    Ok(())
}

impl Petition {
    /// Checks every rule a petition must satisfy, against the ward's registry.
    pub fn validate(&self, registry: &Registry) -> Result<(), ValidationError> {
        if self.content.trim().is_empty() {
            return Err(ValidationError::EmptyContent);
        }
        check_len("content", &self.content, MAX_TEXT_CHARS)?;
        check_len("request", &self.request, MAX_TEXT_CHARS)?;
        check_len("place", &self.place, MAX_SHORT_CHARS)?;
        check_len("created_by", &self.created_by, MAX_SHORT_CHARS)?;
        if self.residents.is_empty() {
            return Err(ValidationError::NoResident);
        }
        if self.residents.len() > MAX_RESIDENTS {
            return Err(ValidationError::TooManyResidents { max: MAX_RESIDENTS });
        }
        for (i, r) in self.residents.iter().enumerate() {
            if r.name.trim().is_empty() {
                return Err(ValidationError::EmptyResidentName { index: i + 1 });
            }
            check_len("name", &r.name, MAX_SHORT_CHARS)?;
            check_len("address", &r.address, MAX_SHORT_CHARS)?;
            check_len("tdp", &r.tdp, MAX_SHORT_CHARS)?;
            if let Some(phone) = &r.phone {
                check_phone(phone)?;
            }
            if let Some(idn) = &r.id_number {
                check_id_number(idn)?;
            }
        }
        check_people(i64::from(self.people_count))?;
        if let Some(field) = &self.field
            && registry.field(field).is_none()
        {
            {
                return Err(ValidationError::UnknownField {
                    value: field.clone(),
                    known: registry.fields.iter().map(|f| f.code.clone()).collect(),
                });
            }
        }
        check_date(self.created_at)?;
        if self.point.trim().is_empty() {
            return Err(ValidationError::NoCollectionPoint);
        }
        Ok(())
    }

    /// The local (ward) calendar date it was recorded on.
    pub fn date(&self) -> NaiveDate {
        self.created_at.date_naive()
    }

    /// The residents' names joined for display.
    pub fn resident_names(&self) -> String {
        self.residents
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The short id users type: the first 8 hexadecimal digits.
    pub fn short_id(&self) -> String {
        short_id(&self.id)
    }
}

/// The first 8 hexadecimal digits of an id.
pub fn short_id(id: &Uuid) -> String {
    id.simple().to_string()[..8].to_owned()
}

/// The earliest date a petition may carry.
pub fn earliest_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// A recording date must be after 2000 and not in the future (one day of clock skew allowed).
pub fn check_date(at: DateTime<FixedOffset>) -> Result<(), ValidationError> {
    let latest = Utc::now() + chrono::Duration::days(1);
    if at.with_timezone(&Utc) > latest || at.date_naive() < earliest_date() {
        return Err(ValidationError::ImpossibleDate {
            value: at.format("%d/%m/%Y").to_string(),
        });
    }
    Ok(())
}
