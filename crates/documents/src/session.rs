//! The session report (báo cáo kết quả tiếp xúc, đối thoại) and the minutes (biên bản).

use chrono::{Datelike, NaiveDate};
use doithoai_model::session::{
    Category, ChairRole, Session, SessionKind, Summary, step_description, step_label,
};
use doithoai_model::time::format_date;
use doithoai_model::{Lang, Registry};

use crate::{AdminDoc, Block, Letterhead, Run, Signature, upper};

/// What the office chooses for a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportOptions {
    pub letterhead: Letterhead,
    pub signer: Signature,
    pub recipients: Vec<String>,
    /// The office's own assessment, added after the figures.
    pub assessment: String,
    /// Recommendations, added after the standard follow-up.
    pub recommendations: String,
    pub lang: Lang,
}

/// What the office chooses for the minutes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinutesOptions {
    pub letterhead: Letterhead,
    pub secretary: Signature,
    pub chair: Signature,
    pub recipients: Vec<String>,
    pub lang: Lang,
}

/// The ward's name without its prefix: "Phường Dĩnh Kế" → "Dĩnh Kế".
pub fn place_of(reg: &Registry) -> String {
    let n = reg.ward_name.trim();
    for p in ["Phường ", "phường ", "PHƯỜNG ", "Ward ", "ward "] {
        if let Some(rest) = n.strip_prefix(p) {
            return rest.trim().to_owned();
        }
    }
    n.to_owned()
}

/// "phường Dĩnh Kế" (for use inside a sentence).
fn ward_in_sentence(reg: &Registry, lang: Lang) -> String {
    let place = place_of(reg);
    match (lang, place.is_empty()) {
        (Lang::Vi, true) => "phường".into(),
        (Lang::Vi, false) => format!("phường {place}"),
        (Lang::En, true) => "the ward".into(),
        (Lang::En, false) => format!("{place} ward"),
    }
}

/// The ward's People's Committee as the issuer of a document, over two lines.
pub fn issuer(reg: &Registry, lang: Lang) -> String {
    let place = place_of(reg);
    let place = if place.is_empty() {
        "……".to_owned()
    } else {
        place
    };
    match lang {
        Lang::Vi => format!("ỦY BAN NHÂN DÂN\nPHƯỜNG {}", upper(&place)),
        Lang::En => format!("PEOPLE'S COMMITTEE\nOF {} WARD", upper(&place)),
    }
}

fn chair_name(s: &Session, role: ChairRole) -> String {
    s.chairs
        .iter()
        .find(|c| c.role == role)
        .map(|c| c.name.clone())
        .unwrap_or_default()
}

/// The usual report: issued by the ward's People's Committee, signed by its chair.
pub fn report_defaults(s: &Session, reg: &Registry, date: NaiveDate, lang: Lang) -> ReportOptions {
    ReportOptions {
        letterhead: Letterhead {
            parent: String::new(),
            issuer: issuer(reg, lang),
            number: if s.report_no.trim().is_empty() {
                "      /BC-UBND".into()
            } else {
                s.report_no.clone()
            },
            place: place_of(reg),
            date,
        },
        signer: Signature {
            on_behalf: lang.pick("TM. ỦY BAN NHÂN DÂN", "ON BEHALF OF THE PEOPLE'S COMMITTEE").into(),
            title: lang.pick("CHỦ TỊCH", "CHAIR").into(),
            name: chair_name(s, ChairRole::ChuTichUbnd),
        },
        recipients: match lang {
            Lang::Vi => vec![
                "TT Đảng ủy, HĐND, UBND, UB MTTQ phường;".into(),
                "Các bộ phận chuyên môn được giao;".into(),
                "Các tổ dân phố;".into(),
                "Lưu: VT.".into(),
            ],
            Lang::En => vec![
                "Standing committees of the Party Committee, People's Council, People's Committee and Fatherland Front;".into(),
                "The departments assigned;".into(),
                "The residential groups;".into(),
                "Filed: office.".into(),
            ],
        },
        assessment: String::new(),
        recommendations: String::new(),
        lang,
    }
}

/// The usual minutes: dated the day of the session, signed by the secretary and the chair.
pub fn minutes_defaults(s: &Session, reg: &Registry, lang: Lang) -> MinutesOptions {
    let chair = s
        .chairs
        .iter()
        .find(|c| c.role == ChairRole::ChuTichUbnd)
        .or_else(|| s.chairs.first());
    MinutesOptions {
        letterhead: Letterhead {
            parent: String::new(),
            issuer: issuer(reg, lang),
            number: "      /BB-UBND".into(),
            place: place_of(reg),
            date: s.date,
        },
        secretary: Signature {
            on_behalf: String::new(),
            title: lang.pick("THƯ KÝ", "SECRETARY").into(),
            name: s.secretary.clone(),
        },
        chair: Signature {
            on_behalf: String::new(),
            title: lang.pick("CHỦ TRÌ", "CHAIR").into(),
            name: chair.map(|c| c.name.clone()).unwrap_or_default(),
        },
        recipients: Vec::new(),
        lang,
    }
}

fn dept_name(reg: &Registry, id: &str) -> String {
    reg.department(id)
        .map(|d| d.name.clone())
        .unwrap_or_else(|| id.to_owned())
}

/// Dates joined: "29/10/2026, 16/12/2026".
fn dates(d: &[NaiveDate]) -> String {
    d.iter()
        .map(|x| format_date(*x))
        .collect::<Vec<_>>()
        .join(", ")
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

fn time_words(t: &str, lang: Lang) -> String {
    match (lang, t.split_once(':')) {
        (Lang::Vi, Some((h, m))) => format!("{h} giờ {m}"),
        _ => t.to_owned(),
    }
}

fn when(s: &Session, lang: Lang) -> String {
    let date = format_date(s.date);
    let start = s.start_time();
    match (lang, start, s.end.clone()) {
        (Lang::Vi, Some(a), Some(b)) => format!(
            "từ {} đến {}, ngày {date}",
            time_words(&a, lang),
            time_words(&b, lang)
        ),
        (Lang::Vi, Some(a), None) => format!("từ {}, ngày {date}", time_words(&a, lang)),
        (Lang::Vi, None, _) => format!("ngày {date}"),
        (Lang::En, Some(a), Some(b)) => format!("from {a} to {b} on {date}"),
        (Lang::En, Some(a), None) => format!("from {a} on {date}"),
        (Lang::En, None, _) => format!("on {date}"),
    }
}

fn chairs_text(s: &Session, lang: Lang) -> String {
    if s.chairs.is_empty() {
        return "……".into();
    }
    s.chairs
        .iter()
        .map(|c| match lang {
            Lang::Vi => format!("đồng chí {} - {}", c.name, c.title(lang)),
            Lang::En => format!("{}, {}", c.name, c.title(lang)),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Ends a sentence with a full stop unless it already ends with punctuation.
fn sentence(s: &str) -> String {
    let t = s.trim();
    if t.is_empty() || t.ends_with(['.', '!', '?', '…', ':', ';']) {
        t.to_owned()
    } else {
        format!("{t}.")
    }
}

fn or_dots(s: &str) -> String {
    if s.trim().is_empty() {
        "……".into()
    } else {
        s.trim().to_owned()
    }
}

fn attendance_table(s: &Session, lang: Lang) -> Option<Block> {
    let rows: Vec<Vec<String>> = Category::ALL
        .iter()
        .filter_map(|c| {
            let a = s.attendance.iter().find(|a| a.category == *c);
            let named = s.attendees.iter().filter(|x| x.category == *c).count();
            if a.is_none() && named == 0 {
                return None;
            }
            Some(vec![
                String::new(),
                c.label(lang).to_owned(),
                a.and_then(|a| a.invited)
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "—".into()),
                s.present_in(*c).to_string(),
            ])
        })
        .enumerate()
        .map(|(i, mut r)| {
            r[0] = (i + 1).to_string();
            r
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    Some(Block::Table {
        widths: vec![6, 58, 18, 18],
        header: vec![
            lang.pick("STT", "No.").into(),
            lang.pick("Thành phần", "Category").into(),
            lang.pick("Được mời", "Invited").into(),
            lang.pick("Có mặt", "Present").into(),
        ],
        rows,
        total: Some(vec![
            String::new(),
            lang.pick("Tổng cộng", "Total").into(),
            s.invited_total().to_string(),
            s.present_total().to_string(),
        ]),
    })
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        "0".into()
    } else {
        format!("{:.0}", part as f64 * 100.0 / whole as f64)
    }
}

/// The session report.
pub fn session_report(s: &Session, sum: &Summary, reg: &Registry, o: &ReportOptions) -> AdminDoc {
    let lang = o.lang;
    let title = s.display_title(lang);
    let ward = ward_in_sentence(reg, lang);
    let date = format_date(s.date);
    let mut b: Vec<Block> = Vec::new();
    b.push(Block::para(match lang {
        Lang::Vi => format!(
            "Thực hiện Kế hoạch tiếp xúc, đối thoại trực tiếp của người đứng đầu Đảng ủy, HĐND, UBND với cán bộ, đảng viên và các tầng lớp Nhân dân trên địa bàn phường năm {}, ngày {date} Ủy ban nhân dân {ward} tổ chức {}. Ủy ban nhân dân {ward} báo cáo kết quả như sau:",
            s.date.year(),
            lower_first(&title)
        ),
        Lang::En => format!(
            "Under the {} plan for direct contact and dialogue between the heads of the Party Committee, People's Council and People's Committee and residents, the People's Committee of {ward} held a {} on {date}. It reports as follows:",
            s.date.year(),
            lower_first(&title)
        ),
    }));

    // I. Preparation
    b.push(Block::Heading(
        lang.pick("I. CÔNG TÁC CHUẨN BỊ", "I. PREPARATION").into(),
    ));
    let walk_ins = sum.registered_speakers - sum.registered_beforehand;
    b.push(Block::para(match lang {
        Lang::Vi => format!(
            "Văn phòng Đảng ủy - HĐND - UBND phường phối hợp với Ủy ban MTTQ và các tổ chức chính trị - xã hội nắm bắt, tổng hợp ý kiến, kiến nghị của Nhân dân trước hội nghị: {} người đăng ký phát biểu qua các tổ dân phố và điểm tiếp nhận; tại hội nghị có thêm {walk_ins} người đăng ký phát biểu trực tiếp.",
            sum.registered_beforehand
        ),
        Lang::En => format!(
            "The ward office, with the Fatherland Front and the mass organisations, gathered residents' petitions before the conference: {} residents registered to speak through the residential groups and collection points; {walk_ins} more registered at the hall.",
            sum.registered_beforehand
        ),
    }));
    if s.kind == SessionKind::ChuyenDe || !s.topic.trim().is_empty() {
        b.push(Block::para(match lang {
            Lang::Vi => format!(
                "Hình thức: đối thoại {}; chủ đề: {}.",
                lower_first(s.kind.label(lang)),
                or_dots(&s.topic)
            ),
            Lang::En => format!(
                "Form: {} dialogue; topic: {}.",
                lower_first(s.kind.label(lang)),
                or_dots(&s.topic)
            ),
        }));
    }

    // II. Time, place, participants
    b.push(Block::Heading(
        lang.pick(
            "II. THỜI GIAN, ĐỊA ĐIỂM, THÀNH PHẦN",
            "II. TIME, PLACE AND PARTICIPANTS",
        )
        .into(),
    ));
    b.push(Block::para(format!(
        "{} {}.",
        lang.pick("1. Thời gian:", "1. Time:"),
        when(s, lang)
    )));
    b.push(Block::para(format!(
        "{} {}.",
        lang.pick("2. Địa điểm:", "2. Place:"),
        or_dots(&s.place)
    )));
    b.push(Block::para(format!(
        "{} {}.",
        lang.pick("3. Chủ trì:", "3. Chaired by:"),
        chairs_text(s, lang)
    )));
    b.push(Block::para(format!(
        "{} {}.",
        lang.pick("4. Thư ký:", "4. Secretary:"),
        or_dots(&s.secretary)
    )));
    b.push(Block::para(match lang {
        Lang::Vi => format!(
            "5. Thành phần: có {} người dự/{} người được mời.",
            sum.present, sum.invited
        ),
        Lang::En => format!(
            "5. Participants: {} present of {} invited.",
            sum.present, sum.invited
        ),
    }));
    if let Some(t) = attendance_table(s, lang) {
        b.push(t);
    }

    // III. Results
    b.push(Block::Heading(
        lang.pick("III. KẾT QUẢ TIẾP XÚC, ĐỐI THOẠI", "III. RESULTS")
            .into(),
    ));
    b.push(Block::para(match lang {
        Lang::Vi => format!(
            "1. Ý kiến, kiến nghị của Nhân dân: tại hội nghị có {} lượt ý kiến phát biểu, nêu {} nội dung; trong đó {} nội dung được trả lời trực tiếp tại hội nghị, {} nội dung được giao các bộ phận chuyên môn giải quyết, {} nội dung được tiếp thu, ghi nhận.",
            sum.speeches, sum.total, sum.on_spot, sum.assigned, sum.noted
        ),
        Lang::En => format!(
            "1. Residents' petitions: {} speeches raised {} matters; {} were answered on the spot, {} assigned to departments, {} noted.",
            sum.speeches, sum.total, sum.on_spot, sum.assigned, sum.noted
        ),
    }));
    if !sum.by_field.is_empty() {
        let rows: Vec<Vec<String>> = sum
            .by_field
            .iter()
            .enumerate()
            .map(|(i, f)| {
                vec![
                    (i + 1).to_string(),
                    reg.field_label(&f.field, lang).to_owned(),
                    f.opinions.to_string(),
                    f.on_spot.to_string(),
                    f.assigned.to_string(),
                    f.noted.to_string(),
                ]
            })
            .collect();
        b.push(Block::Table {
            widths: vec![6, 42, 13, 13, 13, 13],
            header: vec![
                lang.pick("STT", "No.").into(),
                lang.pick("Lĩnh vực", "Field").into(),
                lang.pick("Số ý kiến", "Matters").into(),
                lang.pick("Trả lời tại chỗ", "Answered on the spot").into(),
                lang.pick("Giao giải quyết", "Assigned").into(),
                lang.pick("Ghi nhận", "Noted").into(),
            ],
            rows,
            total: Some(vec![
                String::new(),
                lang.pick("Tổng cộng", "Total").into(),
                sum.total.to_string(),
                sum.on_spot.to_string(),
                sum.assigned.to_string(),
                sum.noted.to_string(),
            ]),
        });
    }
    let answered: Vec<_> = s.speeches.iter().filter(|sp| sp.on_spot).collect();
    b.push(Block::para(lang.pick(
        "2. Nội dung đã được trả lời trực tiếp tại hội nghị:",
        "2. Matters answered on the spot:",
    )));
    if answered.is_empty() {
        b.push(Block::para(lang.pick("Không có.", "None.")));
    }
    for sp in answered {
        let who = if sp.unit.is_empty() {
            sp.name.clone()
        } else {
            format!("{} ({})", sp.name, sp.unit)
        };
        let mut runs = vec![Run::plain(format!(
            "- {who}: {}",
            sp.summary.trim_end_matches('.')
        ))];
        runs.push(Run::plain(". "));
        let by = if sp.answered_by.is_empty() {
            lang.pick("Chủ trì", "The chair").to_owned()
        } else {
            sp.answered_by.clone()
        };
        let answer = if sp.answer.is_empty() {
            lang.pick(
                "đã trả lời, giải thích tại hội nghị",
                "answered at the conference",
            )
            .to_owned()
        } else {
            sp.answer.clone()
        };
        runs.push(Run::italic(format!(
            "{by} {} {}",
            lang.pick("trả lời:", "answered:"),
            answer.trim_end_matches('.')
        )));
        runs.push(Run::plain("."));
        // Answered here, but handed to a department by a conclusion: counted as assigned.
        let handed: Vec<usize> = sum
            .opinions
            .iter()
            .filter(|o| o.speech.as_deref() == Some(sp.id.as_str()))
            .filter_map(|o| o.conclusion.as_deref())
            .filter_map(|c| sum.conclusions.iter().find(|f| f.id == c))
            .map(|f| f.position)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if !handed.is_empty() {
            let list = handed
                .iter()
                .map(|p| format!("#{p}"))
                .collect::<Vec<_>>()
                .join(", ");
            runs.push(Run::plain(match lang {
                Lang::Vi => format!(" Nội dung này được giao bộ phận chuyên môn giải quyết theo kết luận {list} (mục 3)."),
                Lang::En => format!(" This matter is assigned to a department by conclusion {list} (item 3)."),
            }));
        }
        b.push(Block::runs(runs));
    }
    b.push(Block::para(lang.pick(
        "3. Kết luận của chủ trì và phân công thực hiện:",
        "3. The chair's conclusions and assignments:",
    )));
    if s.conclusions.is_empty() {
        b.push(Block::para(lang.pick("Không có.", "None.")));
    } else {
        // The same figures as the counts above: each matter once, with the deadline the
        // handling record got.
        let rows: Vec<Vec<String>> = s
            .conclusions
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let fig = sum.conclusions.iter().find(|f| f.id == c.id);
                vec![
                    (i + 1).to_string(),
                    c.text.clone(),
                    c.department
                        .as_deref()
                        .map(|d| dept_name(reg, d))
                        .unwrap_or_else(|| "—".into()),
                    match fig.map(|f| f.deadlines.as_slice()) {
                        Some(d) if !d.is_empty() => dates(d),
                        _ => "—".into(),
                    },
                    if c.department.is_some() {
                        fig.map_or(0, |f| f.matters).to_string()
                    } else {
                        "—".into()
                    },
                ]
            })
            .collect();
        b.push(Block::Table {
            widths: vec![6, 40, 24, 17, 13],
            header: vec![
                lang.pick("STT", "No.").into(),
                lang.pick("Nội dung kết luận", "Conclusion").into(),
                lang.pick("Bộ phận thực hiện", "Department").into(),
                lang.pick("Thời hạn", "Deadline").into(),
                lang.pick("Số ý kiến", "Matters").into(),
            ],
            rows,
            total: None,
        });
    }

    // IV. Assessment, V. Follow-up
    b.push(Block::Heading(
        lang.pick("IV. ĐÁNH GIÁ", "IV. ASSESSMENT").into(),
    ));
    let steps_done = s.steps.iter().filter(|st| st.at.is_some()).count();
    b.push(Block::para(match lang {
        Lang::Vi => format!(
            "Hội nghị được tổ chức theo trình tự {steps_done}/6 bước của Kế hoạch; {}/{} nội dung (tỷ lệ {}%) được trả lời ngay tại hội nghị; {} nội dung được giao các bộ phận chuyên môn giải quyết, có thời hạn cụ thể.",
            sum.on_spot,
            sum.total,
            percent(sum.on_spot, sum.total),
            sum.assigned
        ),
        Lang::En => format!(
            "The conference followed {steps_done} of the plan's 6 steps; {}/{} matters ({}%) were answered on the spot; {} were assigned to departments with deadlines.",
            sum.on_spot,
            sum.total,
            percent(sum.on_spot, sum.total),
            sum.assigned
        ),
    }));
    for p in o.assessment.lines().filter(|l| !l.trim().is_empty()) {
        b.push(Block::para(p.trim()));
    }
    b.push(Block::Heading(
        lang.pick(
            "V. TỔ CHỨC THỰC HIỆN, KIẾN NGHỊ",
            "V. FOLLOW-UP AND RECOMMENDATIONS",
        )
        .into(),
    ));
    b.push(Block::para(lang.pick(
        "Các bộ phận chuyên môn được giao khẩn trương giải quyết, trả lời kiến nghị của Nhân dân trong thời hạn; Văn phòng Đảng ủy - HĐND - UBND phường theo dõi, đôn đốc và thông báo kết quả giải quyết đến Nhân dân; đề nghị Ủy ban MTTQ và các tổ chức chính trị - xã hội phường giám sát việc thực hiện kết luận sau tiếp xúc, đối thoại.",
        "The departments assigned resolve and answer the residents' petitions within the deadlines; the ward office follows up and informs the residents of the results; the Fatherland Front and the mass organisations are asked to monitor how the conclusions are carried out.",
    )));
    for p in o.recommendations.lines().filter(|l| !l.trim().is_empty()) {
        b.push(Block::para(p.trim()));
    }
    b.push(Block::para(match lang {
        Lang::Vi => format!(
            "Trên đây là báo cáo kết quả {} ngày {date} của Ủy ban nhân dân {ward}./.",
            lower_first(&title)
        ),
        Lang::En => format!(
            "This is the report of the People's Committee of {ward} on the {} of {date}.",
            lower_first(&title)
        ),
    }));
    AdminDoc {
        letterhead: o.letterhead.clone(),
        title: lang.pick("BÁO CÁO", "REPORT").into(),
        subtitle: match lang {
            Lang::Vi => format!("Kết quả {} ngày {date}", lower_first(&title)),
            Lang::En => format!("Results of the {} of {date}", lower_first(&title)),
        },
        body: b,
        recipients: o.recipients.clone(),
        signatures: vec![o.signer.clone()],
        lang,
    }
    .in_registry_spelling(reg)
}

/// The minutes of the session.
pub fn session_minutes(s: &Session, sum: &Summary, reg: &Registry, o: &MinutesOptions) -> AdminDoc {
    let lang = o.lang;
    let title = s.display_title(lang);
    let ward = ward_in_sentence(reg, lang);
    let date = format_date(s.date);
    let mut b: Vec<Block> = Vec::new();
    let start = s
        .start_time()
        .map(|t| time_words(&t, lang))
        .unwrap_or_else(|| "……".into());
    b.push(Block::para(match lang {
        Lang::Vi => format!(
            "Vào hồi {start} ngày {date}, tại {}, Ủy ban nhân dân {ward} tổ chức {}.",
            or_dots(&s.place),
            lower_first(&title)
        ),
        Lang::En => format!(
            "At {start} on {date}, at {}, the People's Committee of {ward} held a {}.",
            or_dots(&s.place),
            lower_first(&title)
        ),
    }));
    b.push(Block::Heading(
        lang.pick("I. THÀNH PHẦN THAM DỰ", "I. PARTICIPANTS").into(),
    ));
    b.push(Block::para(format!(
        "{} {}.",
        lang.pick("1. Chủ trì:", "1. Chaired by:"),
        chairs_text(s, lang)
    )));
    b.push(Block::para(format!(
        "{} {}.",
        lang.pick("2. Thư ký:", "2. Secretary:"),
        or_dots(&s.secretary)
    )));
    b.push(Block::para(match lang {
        Lang::Vi => format!(
            "3. Thành phần: có {} người dự/{} người được mời, gồm:",
            sum.present, sum.invited
        ),
        Lang::En => format!(
            "3. Participants: {} present of {} invited:",
            sum.present, sum.invited
        ),
    }));
    for c in Category::ALL {
        let a = s.attendance.iter().find(|a| a.category == c);
        let present = s.present_in(c);
        if a.is_none() && present == 0 {
            continue;
        }
        let invited = a
            .and_then(|a| a.invited)
            .map(|n| match lang {
                Lang::Vi => format!(" (mời {n})"),
                Lang::En => format!(" ({n} invited)"),
            })
            .unwrap_or_default();
        b.push(Block::para(match lang {
            Lang::Vi => format!("- {}: {present} người{invited};", c.label(lang)),
            Lang::En => format!("- {}: {present}{invited};", c.label(lang)),
        }));
    }
    if !s.attendees.is_empty() {
        b.push(Block::para(
            lang.pick("Danh sách người dự:", "List of those present:"),
        ));
        b.push(Block::Table {
            widths: vec![6, 34, 30, 30],
            header: vec![
                lang.pick("STT", "No.").into(),
                lang.pick("Họ và tên", "Name").into(),
                lang.pick("Đơn vị", "Unit").into(),
                lang.pick("Thành phần", "Category").into(),
            ],
            rows: s
                .attendees
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    vec![
                        (i + 1).to_string(),
                        a.name.clone(),
                        a.unit.clone(),
                        a.category.label(lang).to_owned(),
                    ]
                })
                .collect(),
            total: None,
        });
    }
    b.push(Block::Heading(
        lang.pick("II. DIỄN BIẾN HỘI NGHỊ", "II. PROCEEDINGS")
            .into(),
    ));
    for st in &s.steps {
        let mut runs = vec![Run::bold(format!("{}. {}", st.n, step_label(st.n, lang)))];
        if let Some(at) = &st.at {
            runs.push(Run::plain(match lang {
                Lang::Vi => format!(" (hồi {})", time_words(at, lang)),
                Lang::En => format!(" ({at})"),
            }));
        }
        runs.push(Run::plain(": "));
        let mut text = String::new();
        if !st.by.is_empty() {
            text.push_str(&match lang {
                Lang::Vi => format!("Đồng chí {} ", st.by),
                Lang::En => format!("{}: ", st.by),
            });
            text.push_str(&lower_first(step_description(st.n, lang)));
        } else {
            text.push_str(step_description(st.n, lang));
        }
        text.push('.');
        if !st.note.is_empty() {
            text.push(' ');
            text.push_str(st.note.trim());
        }
        runs.push(Run::plain(text));
        b.push(Block::runs(runs));
        match st.n {
            3 => {
                if s.speeches.is_empty() {
                    b.push(Block::para(
                        lang.pick("Không có ý kiến phát biểu.", "No one spoke."),
                    ));
                }
                for (i, sp) in s.speeches.iter().enumerate() {
                    let who = if sp.unit.is_empty() {
                        sp.name.clone()
                    } else {
                        format!("{}, {}", sp.name, sp.unit)
                    };
                    let at = if sp.at.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", sp.at)
                    };
                    b.push(Block::runs(vec![
                        Run::italic(match lang {
                            Lang::Vi => format!("Ý kiến thứ {} - {who}{at}: ", i + 1),
                            Lang::En => format!("Speech {} - {who}{at}: ", i + 1),
                        }),
                        Run::plain(sentence(&sp.summary)),
                    ]));
                }
            }
            4 => {
                let answered: Vec<(usize, _)> = s
                    .speeches
                    .iter()
                    .enumerate()
                    .filter(|(_, sp)| !sp.answer.is_empty() || !sp.answered_by.is_empty())
                    .collect();
                for (i, sp) in answered {
                    let by = if sp.answered_by.is_empty() {
                        lang.pick("Chủ trì", "The chair").to_owned()
                    } else {
                        sp.answered_by.clone()
                    };
                    let tag = if sp.on_spot {
                        lang.pick(" (trả lời tại chỗ)", " (on the spot)")
                    } else {
                        ""
                    };
                    b.push(Block::runs(vec![
                        Run::italic(match lang {
                            Lang::Vi => format!("Trả lời ý kiến thứ {} - {by}{tag}: ", i + 1),
                            Lang::En => format!("Answer to speech {} - {by}{tag}: ", i + 1),
                        }),
                        Run::plain(if sp.answer.is_empty() {
                            "……".to_owned()
                        } else {
                            sentence(&sp.answer)
                        }),
                    ]));
                }
            }
            6 => {
                let cal = doithoai_model::Calendar::of(reg);
                for (i, c) in s.conclusions.iter().enumerate() {
                    let mut t = format!("{}.{} {}", st.n, i + 1, sentence(&c.text));
                    if let Some(d) = &c.department {
                        let due = sum
                            .conclusions
                            .iter()
                            .find(|f| f.id == c.id)
                            .map(|f| f.deadlines.clone())
                            .filter(|d| !d.is_empty())
                            .unwrap_or_else(|| s.conclusion_deadlines(c, &cal));
                        t.push_str(&match lang {
                            Lang::Vi => {
                                format!(" Giao: {}; thời hạn: {}.", dept_name(reg, d), dates(&due))
                            }
                            Lang::En => format!(
                                " Assigned to: {}; deadline: {}.",
                                dept_name(reg, d),
                                dates(&due)
                            ),
                        });
                    }
                    b.push(Block::para(t));
                }
            }
            _ => {}
        }
    }
    if !s.minutes.trim().is_empty() {
        b.push(Block::Heading(
            lang.pick("III. GHI CHÉP CỦA THƯ KÝ", "III. SECRETARY'S NOTES")
                .into(),
        ));
        for p in s.minutes.lines().filter(|l| !l.trim().is_empty()) {
            b.push(Block::para(p.trim()));
        }
    }
    b.push(Block::para(match (lang, &s.end) {
        (Lang::Vi, Some(e)) => format!(
            "Hội nghị kết thúc vào hồi {} cùng ngày./.",
            time_words(e, lang)
        ),
        (Lang::Vi, None) => "Hội nghị kết thúc vào hồi …… cùng ngày./.".into(),
        (Lang::En, Some(e)) => format!("The conference ended at {e} the same day."),
        (Lang::En, None) => "The conference ended at …… the same day.".into(),
    }));
    AdminDoc {
        letterhead: o.letterhead.clone(),
        title: lang.pick("BIÊN BẢN", "MINUTES").into(),
        subtitle: format!("{title} {} {date}", lang.pick("ngày", "of")),
        body: b,
        recipients: o.recipients.clone(),
        signatures: vec![o.secretary.clone(), o.chair.clone()],
        lang,
    }
    .in_registry_spelling(reg)
}
