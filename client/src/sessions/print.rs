//! Printing a session, its speakers, speeches and conclusions.

use super::*;

// ---------------------------------------------------------------------------------------------
// Printing
// ---------------------------------------------------------------------------------------------

/// One category's attendance, each figure once: those present (counted, or from the named
/// list), the invited when known, and the whole session's figures only when other categories
/// add to them.
pub(super) fn print_attendance(
    out: &mut dyn Write,
    s: &Session,
    category: Category,
    lang: Lang,
) -> Result<(), CliError> {
    let a = s.attendance.iter().find(|a| a.category == category);
    let named = s
        .attendees
        .iter()
        .filter(|x| x.category == category)
        .count();
    let present = s.present_in(category);
    let invited = a.and_then(|a| a.invited);
    let counted = a.and_then(|a| a.present).is_some();
    let mut line = match lang {
        Lang::Vi => format!(
            "Thành phần {}: {present} người có mặt",
            category.label(lang)
        ),
        Lang::En => format!("Attendance, {}: {present} present", category.label(lang)),
    };
    if let Some(i) = invited {
        line.push_str(&match lang {
            Lang::Vi => format!("/{i} người được mời"),
            Lang::En => format!(" of {i} invited"),
        });
    }
    if named > 0 {
        line.push_str(&match (lang, counted) {
            (Lang::Vi, false) => " (theo danh sách có tên)".to_owned(),
            (Lang::En, false) => " (from the list of names)".to_owned(),
            (Lang::Vi, true) => format!(" ({named} người trong danh sách có tên)"),
            (Lang::En, true) => format!(" ({named} named)"),
        });
    }
    writeln!(out, "{line}.")?;
    let others = Category::ALL.iter().any(|c| {
        *c != category && (s.present_in(*c) > 0 || s.attendance.iter().any(|a| a.category == *c))
    });
    if others {
        let (p, i) = (s.present_total(), s.invited_total());
        match (lang, i) {
            (Lang::Vi, 0) => writeln!(out, "Cả hội nghị: {p} người có mặt.")?,
            (Lang::Vi, i) => writeln!(out, "Cả hội nghị: {p} người có mặt/{i} người được mời.")?,
            (Lang::En, 0) => writeln!(out, "Whole session: {p} present.")?,
            (Lang::En, i) => writeln!(out, "Whole session: {p} present of {i} invited.")?,
        }
    }
    Ok(())
}

pub(super) fn print_speakers(out: &mut dyn Write, s: &Session, lang: Lang) -> Result<(), CliError> {
    writeln!(
        out,
        "{} ({}):",
        lang.pick("Người đăng ký phát biểu", "Registered speakers"),
        s.speakers.len()
    )?;
    for (i, sp) in s.speakers.iter().enumerate() {
        let unit = if sp.unit.is_empty() {
            String::new()
        } else {
            format!(" ({})", sp.unit)
        };
        let done = if s.has_spoken(sp) {
            lang.pick(" — đã phát biểu", " — has spoken")
        } else {
            ""
        };
        writeln!(
            out,
            "  #{} {}{unit} — {}{}{done}",
            i + 1,
            sp.name,
            sp.source.label(lang),
            if sp.petitions.is_empty() {
                String::new()
            } else {
                format!(
                    " — {} {}",
                    lang.pick("ý kiến", "petition"),
                    petitions_list(&sp.petitions)
                )
            }
        )?;
        if !sp.topic.is_empty() {
            writeln!(out, "      {}", truncate(&sp.topic, 90))?;
        }
    }
    Ok(())
}

pub(super) fn truncate(s: &str, n: usize) -> String {
    let one = s.replace('\n', " ");
    if one.chars().count() <= n {
        one
    } else {
        let mut t: String = one.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

pub(super) fn print_speeches(out: &mut dyn Write, s: &Session, lang: Lang) -> Result<(), CliError> {
    writeln!(
        out,
        "{} ({}):",
        lang.pick("Ý kiến phát biểu", "Speeches"),
        s.speeches.len()
    )?;
    for (i, sp) in s.speeches.iter().enumerate() {
        let unit = if sp.unit.is_empty() {
            String::new()
        } else {
            format!(" ({})", sp.unit)
        };
        writeln!(
            out,
            "  #{} {}{}{unit}: {}{}",
            i + 1,
            if sp.at.is_empty() {
                String::new()
            } else {
                format!("{} ", sp.at)
            },
            sp.name,
            sp.summary,
            if sp.petitions.is_empty() {
                String::new()
            } else {
                format!(" [{}]", petitions_list(&sp.petitions))
            }
        )?;
        if !sp.answer.is_empty() || !sp.answered_by.is_empty() || sp.on_spot {
            writeln!(
                out,
                "      ↳ {}{}{}",
                if sp.on_spot {
                    lang.pick("Trả lời tại chỗ", "Answered on the spot")
                } else {
                    lang.pick("Trả lời", "Answer")
                },
                if sp.answered_by.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", sp.answered_by)
                },
                if sp.answer.is_empty() {
                    String::new()
                } else {
                    format!(": {}", sp.answer)
                }
            )?;
        }
    }
    Ok(())
}

pub(super) fn print_conclusions(
    out: &mut dyn Write,
    s: &Session,
    reg: &Registry,
    lang: Lang,
) -> Result<(), CliError> {
    let cal = doithoai_model::Calendar::of(reg);
    writeln!(
        out,
        "{} ({}):",
        lang.pick("Kết luận", "Conclusions"),
        s.conclusions.len()
    )?;
    for (i, c) in s.conclusions.iter().enumerate() {
        let n = s.conclusion_petitions(c).len();
        writeln!(
            out,
            "  #{} {}{}",
            i + 1,
            c.text,
            match &c.department {
                Some(d) => format!(
                    " → {} ({} {}; {n} {})",
                    dept_label(reg, d),
                    lang.pick("hạn", "due"),
                    dates_list(&s.conclusion_deadlines(c, &cal)),
                    lang.pick("ý kiến", "petitions")
                ),
                None => String::new(),
            }
        )?;
    }
    Ok(())
}

pub(super) fn print_session(
    out: &mut dyn Write,
    v: &SessionView,
    reg: &Registry,
    lang: Lang,
) -> Result<(), CliError> {
    let s = &v.session;
    writeln!(
        out,
        "{} {} — {}",
        lang.pick("Cuộc đối thoại", "Session"),
        short_doc(&v.doc_id),
        s.display_title(lang)
    )?;
    let time = match (s.start_time(), &s.end) {
        (Some(a), Some(b)) => format!(" {a}–{b}"),
        (Some(a), None) => format!(" {a}"),
        _ => String::new(),
    };
    writeln!(
        out,
        "  {}: {} | {}: {}{time} | {}: {}",
        lang.pick("Loại", "Kind"),
        kind_topic(s.kind, &s.topic, lang),
        lang.pick("Ngày", "Date"),
        format_date(s.date),
        lang.pick("Địa điểm", "Place"),
        if s.place.is_empty() { "—" } else { &s.place }
    )?;
    let chairs: Vec<String> = s
        .chairs
        .iter()
        .map(|c| format!("{} ({})", c.name, c.title(lang)))
        .collect();
    writeln!(
        out,
        "  {}: {} | {}: {}",
        lang.pick("Chủ trì", "Chairs"),
        if chairs.is_empty() {
            "—".to_owned()
        } else {
            chairs.join(", ")
        },
        lang.pick("Thư ký", "Secretary"),
        if s.secretary.is_empty() {
            "—"
        } else {
            &s.secretary
        }
    )?;
    writeln!(
        out,
        "  {}: {}{}",
        lang.pick("Trạng thái", "Status"),
        s.status().label(lang),
        if s.report_no.is_empty() {
            String::new()
        } else {
            format!(
                " | {}: {}",
                lang.pick("Số báo cáo", "Report no."),
                s.report_no
            )
        }
    )?;
    writeln!(
        out,
        "{}: {} {} / {} {}",
        lang.pick("Thành phần", "Attendance"),
        s.present_total(),
        lang.pick("có mặt", "present"),
        s.invited_total(),
        lang.pick("được mời", "invited")
    )?;
    for c in Category::ALL {
        let a = s.attendance.iter().find(|a| a.category == c);
        let present = s.present_in(c);
        if a.is_none() && present == 0 {
            continue;
        }
        writeln!(
            out,
            "  - {}: {}/{}",
            c.label(lang),
            present,
            a.and_then(|a| a.invited)
                .map(|n| n.to_string())
                .unwrap_or_else(|| "—".into())
        )?;
    }
    writeln!(out, "{}:", lang.pick("Trình tự", "Proceedings"))?;
    for st in &s.steps {
        writeln!(
            out,
            "  {} {}. {}{}{}",
            if st.at.is_some() { "✓" } else { "·" },
            st.n,
            step_label(st.n, lang),
            st.at
                .as_ref()
                .map(|t| format!(" — {t}"))
                .unwrap_or_default(),
            if st.by.is_empty() {
                String::new()
            } else {
                format!(" — {}", st.by)
            }
        )?;
    }
    print_speakers(out, s, lang)?;
    print_speeches(out, s, lang)?;
    print_conclusions(out, s, reg, lang)?;
    let sum = &v.summary;
    match lang {
        Lang::Vi => writeln!(
            out,
            "Số liệu: {} nội dung — {} trả lời tại chỗ, {} giao xử lý, {} ghi nhận.",
            sum.total, sum.on_spot, sum.assigned, sum.noted
        )?,
        Lang::En => writeln!(
            out,
            "Figures: {} matters — {} answered on the spot, {} assigned, {} noted.",
            sum.total, sum.on_spot, sum.assigned, sum.noted
        )?,
    }
    if !s.minutes.trim().is_empty() {
        writeln!(
            out,
            "{}:",
            lang.pick("Ghi chép của thư ký", "Secretary's notes")
        )?;
        for l in s.minutes.lines() {
            writeln!(out, "  {l}")?;
        }
    }
    if s.status() == SessionStatus::Concluded {
        let n = s.applied.len();
        match lang {
            Lang::Vi => writeln!(
                out,
                "Đã kết luận: {n} việc đã ghi vào sổ xử lý của văn phòng."
            )?,
            Lang::En => writeln!(
                out,
                "Concluded: {n} items carried into the office's handling record."
            )?,
        }
    }
    Ok(())
}

pub(super) fn print_conclude(
    out: &mut dyn Write,
    r: &ConcludeReport,
    reg: &Registry,
    lang: Lang,
) -> Result<(), CliError> {
    let on_spot: Vec<_> = r
        .lines
        .iter()
        .filter(|l| matches!(l.result, ApplyResult::AnsweredOnSpot))
        .collect();
    let assigned: Vec<_> = r
        .lines
        .iter()
        .filter(|l| matches!(l.result, ApplyResult::Assigned { .. }))
        .collect();
    let already: Vec<_> = r
        .lines
        .iter()
        .filter(|l| matches!(l.result, ApplyResult::Already { .. }))
        .collect();
    let skipped: Vec<_> = r
        .lines
        .iter()
        .filter(|l| matches!(l.result, ApplyResult::Skipped { .. }))
        .collect();
    writeln!(
        out,
        "{} {}.",
        lang.pick("Đã kết luận cuộc đối thoại", "Concluded session"),
        short_doc(&r.doc_id)
    )?;
    let no = |l: &crate::sessions_app::ApplyLine| {
        l.register_no
            .as_ref()
            .map(|n| format!(" ({} {n})", lang.pick("số", "no.")))
            .unwrap_or_default()
    };
    writeln!(
        out,
        "  {}: {}",
        lang.pick(
            "Trả lời tại chỗ (chuyển thẳng sang «Đã thông báo»)",
            "Answered on the spot (straight to notified)"
        ),
        on_spot.len()
    )?;
    for l in on_spot {
        writeln!(
            out,
            "    - {}{} — {} #{}",
            short_pid(&l.pid),
            no(l),
            lang.pick("ý kiến phát biểu", "speech"),
            l.position
        )?;
    }
    writeln!(
        out,
        "  {}: {}",
        lang.pick("Giao xử lý theo kết luận", "Assigned by the conclusions"),
        assigned.len()
    )?;
    for l in assigned {
        if let ApplyResult::Assigned {
            department,
            deadline,
            conclusion_deadline,
        } = &l.result
        {
            writeln!(
                out,
                "    - {}{} → {}, {} {} ({} #{})",
                short_pid(&l.pid),
                no(l),
                dept_label(reg, department),
                lang.pick("hạn", "due"),
                format_date(*deadline),
                lang.pick("kết luận", "conclusion"),
                l.position
            )?;
            if let Some(asked) = conclusion_deadline {
                let why = match lang {
                    Lang::Vi => format!(
                        "      Hạn {} của kết luận trước ngày tiếp nhận ý kiến: tính 10 ngày làm việc từ ngày tiếp nhận.",
                        format_date(*asked)
                    ),
                    Lang::En => format!(
                        "      The conclusion's deadline {} is before the petition was received: 10 working days from the receipt given instead.",
                        format_date(*asked)
                    ),
                };
                writeln!(out, "{why}")?;
            }
        }
    }
    if !already.is_empty() {
        writeln!(
            out,
            "  {}: {}",
            lang.pick(
                "Đã ghi từ trước (không ghi lại)",
                "Already recorded (not repeated)"
            ),
            already.len()
        )?;
    }
    if !skipped.is_empty() {
        writeln!(
            out,
            "  {}: {}",
            lang.pick("Không thực hiện", "Not done"),
            skipped.len()
        )?;
        for l in skipped {
            if let ApplyResult::Skipped { vi, en } = &l.result {
                writeln!(
                    out,
                    "    - {}{}: {}",
                    short_pid(&l.pid),
                    no(l),
                    lang.pick(vi, en)
                )?;
            }
        }
    }
    if !r.unapplied.is_empty() {
        writeln!(
            out,
            "  {}: {}",
            lang.pick(
                "Kết luận chưa ghi được như đã nêu (lý do)",
                "Conclusions not carried out as written (why)"
            ),
            r.unapplied.len()
        )?;
        for u in &r.unapplied {
            writeln!(out, "    - {}", u.describe(lang))?;
        }
    }
    writeln!(
        out,
        "{}",
        lang.pick(
            "Sổ xử lý của văn phòng đã được cập nhật; khi có mạng chạy doithoai sync để gửi về máy chủ.",
            "The office's handling record is updated; run doithoai sync when online to send it to the server."
        )
    )?;
    Ok(())
}
