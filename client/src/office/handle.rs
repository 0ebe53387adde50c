//! `doithoai handle`: the office's handling, command by command.

use super::*;

// ---------------------------------------------------------------------------------------------
// doithoai handle
// ---------------------------------------------------------------------------------------------

pub async fn run_handle(
    app: &App,
    cmd: HandleCmd,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    app.refresh_handling().await.map_err(office_err)?;
    handle(app, cmd, lang, out).await
}

pub(super) async fn handle(
    app: &App,
    cmd: HandleCmd,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let reg = app.registry().await?;
    let l = lang;
    match cmd {
        HandleCmd::Receive { ids, all, date } => {
            let date = date_opt(&date)?;
            let mut targets = ids;
            if all {
                targets.extend(
                    app.collected_rows()
                        .map_err(office_err)?
                        .into_iter()
                        .map(|r| r.id),
                );
            }
            if targets.is_empty() {
                if all {
                    writeln!(
                        out,
                        "{}",
                        l.pick(
                            "Không có ý kiến nào chờ vào sổ.",
                            "No petition is waiting to be registered."
                        )
                    )?;
                    return Ok(());
                }
                return Err(usage(
                    "Cần ghi mã ý kiến, hoặc --all để vào sổ mọi ý kiến đang chờ.",
                    "Give petition ids, or --all to register every waiting petition.",
                ));
            }
            let cal = Calendar::of(&reg);
            for t in targets {
                let (row, no) = app.office_receive(&t, date).await.map_err(office_err)?;
                let d = date.unwrap_or_else(today);
                writeln!(
                    out,
                    "{} {no} ({} {}): {}",
                    l.pick("Đã vào sổ số", "Registered as no."),
                    l.pick("ngày", "on"),
                    format_date(d),
                    describe(&row, None, l)
                )?;
                writeln!(
                    out,
                    "  {}: {}",
                    l.pick(
                        "Hạn thông báo cho người dân việc thụ lý (10 ngày làm việc)",
                        "Tell the resident whether it is accepted by (10 working days)"
                    ),
                    format_date(cal.ten_working_days(d))
                        + &crate::calendar::unconfirmed_mark(&cal, d, cal.ten_working_days(d), l)
                )?;
            }
            let d = date.unwrap_or_else(today);
            if let Some(hint) =
                crate::calendar::unconfirmed_hint(&cal, d, cal.ten_working_days(d), l)
            {
                writeln!(out, "{hint}")?;
            }
            Ok(())
        }
        HandleCmd::Classify {
            id,
            kind,
            field,
            competence,
            prior,
        } => {
            let input = Classify {
                kind: kind.as_deref().map(parse_kind).transpose()?,
                field: field.as_deref().map(|f| parse_field(f, &reg)).transpose()?,
                competence: competence.as_deref().map(parse_competence).transpose()?,
                prior,
            };
            let (row, st, ci) = app.office_classify(&id, input).await.map_err(office_err)?;
            let view = app.office_view(&row.id).await.map_err(office_err)?;
            writeln!(
                out,
                "{} {}: {} — {} — {}: {}. {}: {}.",
                l.pick("Đã phân loại", "Classified"),
                describe(&row, view.number(), l),
                ci.kind.label(l),
                reg.field_label(&ci.field, l),
                l.pick("thẩm quyền", "competence"),
                ci.competence.label(l),
                l.pick("Trạng thái", "Status"),
                st.label(l)
            )?;
            let sid = short(&row.id);
            if ci.kind.is_flagged() {
                writeln!(
                    out,
                    "  ⚠ {}",
                    match l {
                        Lang::Vi => format!(
                            "Đơn {} phải xử lý theo {}: chuyển đơn hoặc trả lại đơn và hướng dẫn: doithoai handle forward {sid} --to \"...\" [--guide]",
                            ci.kind.label(l).to_lowercase(),
                            if ci.kind == PetitionKind::ToCao {
                                "Luật Tố cáo"
                            } else {
                                "Luật Khiếu nại"
                            }
                        ),
                        Lang::En => format!(
                            "A {} is handled under its own law: forward it or return it with guidance: doithoai handle forward {sid} --to \"...\" [--guide]",
                            ci.kind.label(l).to_lowercase()
                        ),
                    }
                )?;
            } else if ci.competence != Competence::Ward {
                writeln!(
                    out,
                    "  ⚠ {} doithoai handle forward {sid} --to \"...\" --letter \"...\"",
                    l.pick(
                        "Không thuộc thẩm quyền của phường: hãy chuyển đơn:",
                        "Outside the ward's competence: forward it:"
                    )
                )?;
            }
            let sugg = app
                .office_duplicates(Some(&row.id), doithoai_model::handling::DUPLICATE_THRESHOLD)
                .await
                .map_err(office_err)?;
            if !sugg.is_empty() {
                writeln!(
                    out,
                    "  {}",
                    l.pick("Có thể trùng với:", "Possible duplicates:")
                )?;
                let rows = app
                    .rows_of(sugg.iter().map(|s| s.candidate))
                    .map_err(office_err)?;
                let me = app
                    .store
                    .index_get(&row.id)
                    .map_err(AppError::from)?
                    .unwrap_or_else(|| row.clone());
                for s in sugg.iter().take(5) {
                    if let Some(r) = rows.get(&s.candidate) {
                        writeln!(
                            out,
                            "    {} ({} {:.2})",
                            describe(r, r.register_no.as_deref().and_then(RegisterNo::parse), l),
                            l.pick("độ giống", "similarity"),
                            s.score()
                        )?;
                        let (dup, orig) = later_first(&me, r);
                        writeln!(
                            out,
                            "      {} doithoai handle merge {} --into {}",
                            l.pick("Gộp nếu đúng là trùng:", "Merge if it is a duplicate:"),
                            short(&dup.id),
                            short(&orig.id)
                        )?;
                    }
                }
            }
            Ok(())
        }
        HandleCmd::Duplicates { id, min_score } => {
            if !(0.0..=1.0).contains(&min_score) {
                return Err(usage(
                    "--min-score phải từ 0 đến 1.",
                    "--min-score must be between 0 and 1.",
                ));
            }
            let sugg = app
                .office_duplicates(id.as_deref(), min_score)
                .await
                .map_err(office_err)?;
            if sugg.is_empty() {
                writeln!(
                    out,
                    "{}",
                    l.pick(
                        "Không thấy ý kiến nào có vẻ trùng nhau.",
                        "No likely duplicates found."
                    )
                )?;
                return Ok(());
            }
            let rows = app
                .rows_of(sugg.iter().flat_map(|s| [s.id, s.candidate]))
                .map_err(office_err)?;
            let no = |r: &PetitionRow| r.register_no.as_deref().and_then(RegisterNo::parse);
            for s in &sugg {
                let (Some(a), Some(b)) = (rows.get(&s.id), rows.get(&s.candidate)) else {
                    continue;
                };
                writeln!(
                    out,
                    "• {} {:.2} ({} {:.2}, {} {:.2})",
                    l.pick("Độ giống", "Similarity"),
                    s.score(),
                    l.pick("nội dung", "content"),
                    s.content_score,
                    l.pick("địa điểm", "place"),
                    s.place_score
                )?;
                writeln!(out, "    {}", describe(a, no(a), l))?;
                writeln!(out, "    {}", describe(b, no(b), l))?;
                let (dup, orig) = later_first(a, b);
                writeln!(
                    out,
                    "    {} doithoai handle merge {} --into {}",
                    l.pick("Gộp:", "Merge:"),
                    short(&dup.id),
                    short(&orig.id)
                )?;
            }
            Ok(())
        }
        HandleCmd::Merge { id, into } => {
            let (row, root) = app.office_merge(&id, &into).await.map_err(office_err)?;
            let h = app.handling_state().await.map_err(office_err)?;
            let root_id = Uuid::parse_str(&root.id).unwrap_or_default();
            let group = h.group(&root_id);
            let rows = app.rows_of(group.iter().copied()).map_err(office_err)?;
            let people: i64 = rows.values().map(|r| r.people_count).sum();
            let no = |r: &PetitionRow| {
                Uuid::parse_str(&r.id)
                    .ok()
                    .and_then(|u| h.get(&u))
                    .and_then(Item::number)
            };
            writeln!(
                out,
                "{} {} {} {}.",
                l.pick("Đã gộp", "Merged"),
                describe(&row, no(&row), l),
                l.pick("vào ý kiến gốc", "into the original"),
                describe(&root, no(&root), l)
            )?;
            writeln!(
                out,
                "  {}",
                match l {
                    Lang::Vi => format!(
                        "Nhóm có {} ý kiến, {} người; trả lời một lần ở ý kiến gốc.",
                        group.len(),
                        people
                    ),
                    Lang::En => format!(
                        "The group has {} petitions, {} people; answer once, on the original.",
                        group.len(),
                        people
                    ),
                }
            )?;
            Ok(())
        }
        HandleCmd::Forward {
            id,
            to,
            letter,
            date,
            guide,
        } => {
            let mode = if guide {
                ForwardMode::Guide
            } else {
                ForwardMode::Forward
            };
            let row = app
                .office_forward(
                    &id,
                    ForwardInput {
                        mode,
                        to: to.clone(),
                        letter_no: letter.clone(),
                        date: date_opt(&date)?,
                    },
                )
                .await
                .map_err(office_err)?;
            let view = app.office_view(&row.id).await.map_err(office_err)?;
            writeln!(
                out,
                "{}: {} → {}{}.",
                mode.label(l),
                describe(&row, view.number(), l),
                to.trim(),
                if letter.trim().is_empty() {
                    String::new()
                } else {
                    format!(
                        " ({} {})",
                        l.pick("văn bản số", "letter no."),
                        letter.trim()
                    )
                }
            )?;
            writeln!(
                out,
                "  {} doithoai handle notify {} --channel van_ban",
                l.pick("Khi đã báo cho người dân:", "Once the resident is told:"),
                short(&row.id)
            )?;
            Ok(())
        }
        HandleCmd::File { id, reason } => {
            let row = app.office_file(&id, &reason).await.map_err(office_err)?;
            let view = app.office_view(&row.id).await.map_err(office_err)?;
            writeln!(
                out,
                "{} {}: {}",
                l.pick("Đã lưu, không xử lý", "Filed without action"),
                describe(&row, view.number(), l),
                reason.trim()
            )?;
            Ok(())
        }
        HandleCmd::Assign {
            id,
            department,
            deadline,
            note,
        } => {
            let (row, d) = app
                .office_assign(&id, &department, date_opt(&deadline)?, &note)
                .await
                .map_err(office_err)?;
            let view = app.office_view(&row.id).await.map_err(office_err)?;
            let dept = view
                .item
                .as_ref()
                .and_then(|i| i.assignment.as_ref())
                .map(|a| dept_name(&reg, &a.department))
                .unwrap_or_default();
            let received = view
                .item
                .as_ref()
                .and_then(|i| i.received.as_ref())
                .map(|r| r.date);
            let wd = received
                .map(|r| Calendar::of(&reg).working_days_between(r, d))
                .unwrap_or_default();
            writeln!(
                out,
                "{} {}: {dept}, {} {} ({} {} {}){}.",
                l.pick("Đã giao xử lý", "Assigned"),
                describe(&row, view.number(), l),
                l.pick("hạn", "due"),
                format_date(d),
                wd,
                l.pick(
                    "ngày làm việc kể từ ngày vào sổ",
                    "working days from registration"
                ),
                received.map(format_date).unwrap_or_default(),
                received
                    .map(|r| crate::calendar::unconfirmed_mark(&Calendar::of(&reg), r, d, l))
                    .unwrap_or_default()
            )?;
            Ok(())
        }
        HandleCmd::Answer {
            id,
            text,
            legal_basis,
            doc_no,
            answered_by,
            on_spot,
            date,
        } => {
            let (row, st) = app
                .office_answer(
                    &id,
                    AnswerInput {
                        text,
                        legal_basis,
                        doc_no,
                        answered_by,
                        on_spot,
                        date: date_opt(&date)?,
                    },
                )
                .await
                .map_err(office_err)?;
            let view = app.office_view(&row.id).await.map_err(office_err)?;
            writeln!(
                out,
                "{} {}. {}: {}.",
                if on_spot {
                    l.pick(
                        "Đã ghi trả lời tại chỗ cho",
                        "Recorded the on-the-spot answer to",
                    )
                } else {
                    l.pick("Đã ghi trả lời cho", "Recorded the answer to")
                },
                describe(&row, view.number(), l),
                l.pick("Trạng thái", "Status"),
                st.label(l)
            )?;
            if !on_spot {
                writeln!(
                    out,
                    "  {} doithoai handle approve {}",
                    l.pick("Tiếp theo, duyệt trả lời:", "Next, approve the answer:"),
                    short(&row.id)
                )?;
            }
            Ok(())
        }
        HandleCmd::Approve { id, approver, note } => {
            let row = app
                .office_approve(&id, &approver, &note)
                .await
                .map_err(office_err)?;
            let view = app.office_view(&row.id).await.map_err(office_err)?;
            writeln!(
                out,
                "{} {}.",
                l.pick("Đã duyệt trả lời", "Approved the answer to"),
                describe(&row, view.number(), l)
            )?;
            writeln!(
                out,
                "  {} doithoai handle notify {} --channel to_truong",
                l.pick(
                    "Tiếp theo, thông báo cho người dân:",
                    "Next, tell the resident:"
                ),
                short(&row.id)
            )?;
            Ok(())
        }
        HandleCmd::Notify {
            id,
            channel,
            date,
            note,
            relayed,
        } => {
            let channel = channel.as_deref().map(parse_channel).transpose()?;
            let date = date_opt(&date)?;
            let targets: Vec<String> = match (id, relayed) {
                (Some(id), false) => vec![id],
                (None, true) => app
                    .relayed_approved()
                    .await
                    .map_err(office_err)?
                    .into_iter()
                    .map(|r| r.id)
                    .collect(),
                (Some(_), true) => {
                    return Err(usage(
                        "Dùng hoặc mã ý kiến, hoặc --relayed, không dùng cả hai.",
                        "Give either a petition id or --relayed, not both.",
                    ));
                }
                (None, false) => {
                    return Err(usage(
                        "Cần ghi mã ý kiến (hoặc --relayed).",
                        "Give a petition id (or --relayed).",
                    ));
                }
            };
            if targets.is_empty() {
                writeln!(
                    out,
                    "{}",
                    l.pick(
                        "Không có ý kiến đã duyệt nào được tổ trưởng báo đã chuyển trả lời.",
                        "No approved petition has a relay mark."
                    )
                )?;
            }
            for t in targets {
                let (row, ch) = app
                    .office_notify(&t, if relayed { None } else { channel }, date, &note)
                    .await
                    .map_err(office_err)?;
                let view = app.office_view(&row.id).await.map_err(office_err)?;
                writeln!(
                    out,
                    "{} {} ({}).",
                    l.pick(
                        "Đã ghi thông báo cho người dân:",
                        "Recorded that the resident was told:"
                    ),
                    describe(&row, view.number(), l),
                    ch.label(l).to_lowercase()
                )?;
            }
            Ok(())
        }
        HandleCmd::Close { id, note } => {
            let row = app.office_close(&id, &note).await.map_err(office_err)?;
            let view = app.office_view(&row.id).await.map_err(office_err)?;
            writeln!(
                out,
                "{} {}.",
                l.pick("Đã kết thúc", "Closed"),
                describe(&row, view.number(), l)
            )?;
            Ok(())
        }
        HandleCmd::Reopen { id, reason } => {
            let (row, st) = app.office_reopen(&id, &reason).await.map_err(office_err)?;
            let view = app.office_view(&row.id).await.map_err(office_err)?;
            writeln!(
                out,
                "{} {}. {}: {}.",
                l.pick("Đã mở lại", "Reopened"),
                describe(&row, view.number(), l),
                l.pick("Trạng thái", "Status"),
                st.label(l)
            )?;
            Ok(())
        }
        HandleCmd::Overdue { date, json } => {
            let day = date_opt(&date)?.unwrap_or_else(today);
            let list = app.office_overdue(day).await.map_err(office_err)?;
            if json {
                serde_json::to_writer_pretty(&mut *out, &list).map_err(std::io::Error::other)?;
                writeln!(out)?;
                return Ok(());
            }
            if list.is_empty() {
                writeln!(
                    out,
                    "{} {}.",
                    l.pick(
                        "Không có ý kiến nào quá hạn tính đến ngày",
                        "No petition is overdue as of"
                    ),
                    format_date(day)
                )?;
                return Ok(());
            }
            let h = app.handling_state().await.map_err(office_err)?;
            let rows = app.rows_of(list.iter().map(|o| o.id)).map_err(office_err)?;
            writeln!(
                out,
                "{} {} ({}):",
                l.pick("Ý kiến quá hạn tính đến ngày", "Overdue petitions as of"),
                format_date(day),
                list.len()
            )?;
            // Why each is late, as its state is (a classified petition is not "not classified").
            let why = |o: &doithoai_model::handling::Overdue| {
                let status = h.get(&o.id).map_or(Status::Collected, |i| i.status);
                o.kind.label_as(status, l)
            };
            let why_width = list
                .iter()
                .map(|o| why(o).chars().count())
                .max()
                .unwrap_or(0);
            writeln!(
                out,
                "{} {} {} {} {} {}",
                pad(l.pick("Số vào sổ", "Reg. no."), 10),
                pad(l.pick("Mã", "Id"), 8),
                pad(l.pick("Loại", "Why"), why_width),
                pad(l.pick("Hạn", "Due"), 10),
                pad(l.pick("Quá", "Late"), 8),
                l.pick("Bộ phận / nội dung", "Department / content")
            )?;
            for o in &list {
                let item = h.get(&o.id);
                let no = item
                    .and_then(Item::number)
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "—".into());
                let dept = item
                    .and_then(|i| i.assignment.as_ref())
                    .filter(|_| o.kind == OverdueKind::Deadline)
                    .map(|a| format!("{}: ", dept_name(&reg, &a.department)))
                    .unwrap_or_default();
                let content = rows.get(&o.id).map(|r| r.content.as_str()).unwrap_or("");
                writeln!(
                    out,
                    "{} {} {} {} {} {}{}",
                    pad(&no, 10),
                    pad(&short(&o.id.to_string()), 8),
                    pad(why(o), why_width),
                    pad(&format_date(o.due), 10),
                    pad(&format!("{} {}", o.days_late, l.pick("ngày", "days")), 8),
                    dept,
                    truncate(content, 50)
                )?;
            }
            Ok(())
        }
        HandleCmd::Conflicts { json } => {
            let list = app.office_conflicts().await.map_err(office_err)?;
            if json {
                serde_json::to_writer_pretty(&mut *out, &list).map_err(std::io::Error::other)?;
                writeln!(out)?;
                return Ok(());
            }
            let issues = app.intake_issues()?;
            if !list.is_empty() || issues.is_empty() {
                print_conflicts(app, &list, l, out)?;
            }
            crate::integrity::print_issues(&issues, &reg, l, out)?;
            Ok(())
        }
        HandleCmd::Renumber { id, keep, reason } => {
            let keep = keep.as_deref().map(parse_no).transpose()?;
            let (row, before, no) = app
                .office_renumber(&id, keep, &reason)
                .await
                .map_err(office_err)?;
            let before: Vec<String> = before
                .iter()
                .filter(|n| **n != no)
                .map(|n| n.to_string())
                .collect();
            writeln!(
                out,
                "{} {}: {} → {no}. {}",
                l.pick("Đã đánh lại số vào sổ cho", "Renumbered"),
                describe(&row, None, l),
                before.join(", "),
                l.pick(
                    "Số cũ không được cấp lại; việc đổi số đã ghi vào nhật ký.",
                    "The old number is never given again; the change is in the log."
                )
            )?;
            Ok(())
        }
        HandleCmd::Resolve { id, status, note } => {
            let st = parse_status(&status)?;
            let row = app
                .office_resolve_status(&id, st, &note)
                .await
                .map_err(office_err)?;
            writeln!(
                out,
                "{} {}: {}.",
                l.pick("Đã chọn trạng thái cho", "Resolved the status of"),
                describe(&row, None, l),
                st.label(l)
            )?;
            Ok(())
        }
        HandleCmd::Show { id, json } => {
            let view = app.office_view(&id).await.map_err(office_err)?;
            if json {
                serde_json::to_writer_pretty(&mut *out, &view).map_err(std::io::Error::other)?;
                writeln!(out)?;
                return Ok(());
            }
            print_view(&view, &reg, l, out)?;
            Ok(())
        }
    }
}

pub(super) fn print_conflicts(
    app: &App,
    list: &[Conflict],
    l: Lang,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    if list.is_empty() {
        writeln!(
            out,
            "{}",
            l.pick(
                "Không có xung đột nào cần giải quyết.",
                "No conflicts to resolve."
            )
        )?;
        return Ok(());
    }
    let ids = list.iter().flat_map(|c| match c {
        Conflict::SharedNumber { claims, .. } => claims.iter().map(|c| c.id).collect::<Vec<_>>(),
        Conflict::SeveralNumbers { id, .. }
        | Conflict::Status { id, .. }
        | Conflict::Inconsistent { id, .. } => vec![*id],
        Conflict::DuplicateLoop { ids } => ids.clone(),
    });
    let rows = app.rows_of(ids).map_err(office_err)?;
    let desc = |id: &Uuid| {
        rows.get(id)
            .map(|r| describe(r, None, l))
            .unwrap_or_else(|| short(&id.to_string()))
    };
    writeln!(
        out,
        "{} ({}):",
        l.pick("Xung đột cần giải quyết", "Conflicts to resolve"),
        list.len()
    )?;
    for c in list {
        match c {
            Conflict::SharedNumber { no, claims } => {
                writeln!(
                    out,
                    "• {} {no} {}:",
                    l.pick("Số vào sổ", "Register number"),
                    l.pick("bị cấp cho nhiều ý kiến", "was given to several petitions")
                )?;
                for cl in claims {
                    writeln!(
                        out,
                        "    {} ({} {}, {})",
                        desc(&cl.id),
                        l.pick("cấp bởi", "given by"),
                        cl.by,
                        cl.at.replace('T', " ").chars().take(16).collect::<String>()
                    )?;
                }
                if let Some(first) = claims.first() {
                    writeln!(
                        out,
                        "    {} {}",
                        l.pick(
                            "Giữ số cho ý kiến được cấp trước",
                            "Keep the number for the earliest:"
                        ),
                        short(&first.id.to_string())
                    )?;
                }
                for cl in claims.iter().skip(1) {
                    writeln!(
                        out,
                        "    doithoai handle renumber {}",
                        short(&cl.id.to_string())
                    )?;
                }
            }
            Conflict::SeveralNumbers { id, numbers } => {
                let ns: Vec<String> = numbers.iter().map(|n| n.to_string()).collect();
                writeln!(
                    out,
                    "• {} {} {}:",
                    desc(id),
                    l.pick("mang nhiều số vào sổ", "holds several register numbers"),
                    ns.join(", ")
                )?;
                if let Some(first) = numbers.first() {
                    writeln!(
                        out,
                        "    doithoai handle renumber {} --keep {first}",
                        short(&id.to_string())
                    )?;
                }
            }
            Conflict::Status { id, values } => {
                let vs: Vec<String> = values.iter().map(|s| format!("«{}»", s.label(l))).collect();
                writeln!(
                    out,
                    "• {} {}: {}",
                    desc(id),
                    l.pick(
                        "có các quyết định khác nhau từ các máy",
                        "has different decisions from different laptops"
                    ),
                    vs.join(", ")
                )?;
                for s in values {
                    writeln!(
                        out,
                        "    doithoai handle resolve {} --status {}",
                        short(&id.to_string()),
                        s.code()
                    )?;
                }
            }
            Conflict::DuplicateLoop { ids } => {
                writeln!(
                    out,
                    "• {}",
                    l.pick(
                        "Các ý kiến gộp vòng vào nhau:",
                        "Petitions merged into each other in a loop:"
                    )
                )?;
                for id in ids {
                    writeln!(out, "    {}", desc(id))?;
                }
                if let Some(first) = ids.first() {
                    writeln!(
                        out,
                        "    {} doithoai handle reopen {} --reason \"{}\"",
                        l.pick(
                            "Tách một ý kiến ra làm ý kiến gốc:",
                            "Split one off as the original:"
                        ),
                        short(&first.to_string()),
                        l.pick("Ý kiến gốc của nhóm", "Original of the group")
                    )?;
                }
            }
            Conflict::Inconsistent { id, problems } => {
                let ps: Vec<&str> = problems.iter().map(|p| p.label(l)).collect();
                writeln!(out, "• {}: {}", desc(id), ps.join("; "))?;
            }
        }
    }
    Ok(())
}

pub(super) fn print_view(
    v: &OfficeView,
    reg: &Registry,
    l: Lang,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let r = &v.row;
    writeln!(out, "{} {}", l.pick("Ý kiến", "Petition"), r.id)?;
    writeln!(
        out,
        "  {}: {}",
        l.pick("Người dân", "Residents"),
        r.residents
    )?;
    writeln!(out, "  {}: {}", l.pick("Nội dung", "Content"), r.content)?;
    let Some(item) = &v.item else {
        writeln!(
            out,
            "  {}: {} — {} doithoai handle receive {}",
            l.pick("Trạng thái", "Status"),
            Status::Collected.label(l),
            l.pick("vào sổ:", "register it:"),
            short(&r.id)
        )?;
        return Ok(());
    };
    let mut status = item.status.label(l).to_owned();
    if !item.status_conflict.is_empty() {
        let vs: Vec<&str> = item.status_conflict.iter().map(|s| s.label(l)).collect();
        status.push_str(&format!(
            " ⚠ {} {}",
            l.pick("xung đột:", "conflict:"),
            vs.join(" / ")
        ));
    }
    writeln!(out, "  {}: {status}", l.pick("Trạng thái", "Status"))?;
    if let Some(rc) = &item.received {
        let ns: Vec<String> = item.numbers.iter().map(|n| n.to_string()).collect();
        writeln!(
            out,
            "  {}: {} — {} {}",
            l.pick("Số vào sổ", "Register no."),
            ns.join(", "),
            l.pick("ngày", "on"),
            format_date(rc.date)
        )?;
    }
    if let Some(c) = &item.classification {
        writeln!(
            out,
            "  {}: {} — {} — {}: {}{}",
            l.pick("Phân loại", "Classification"),
            c.kind.label(l),
            reg.field_label(&c.field, l),
            l.pick("thẩm quyền", "competence"),
            c.competence.label(l),
            if c.prior.is_empty() {
                String::new()
            } else {
                format!(
                    " — {}: {}",
                    l.pick("đã giải quyết", "handled before by"),
                    c.prior
                )
            }
        )?;
    }
    if let (Some(m), Status::Merged) = (&item.merged, item.status) {
        writeln!(
            out,
            "  {}: {}",
            l.pick("Gộp vào", "Merged into"),
            short(&m.into.to_string())
        )?;
    }
    if let Some(f) = &item.forwarded {
        writeln!(
            out,
            "  {}: {} ({} {}, {})",
            f.mode.label(l),
            f.to,
            l.pick("văn bản số", "letter no."),
            f.letter_no,
            format_date(f.date)
        )?;
    }
    if let Some(f) = &item.filed {
        writeln!(
            out,
            "  {}: {}",
            l.pick("Lý do lưu", "Filed because"),
            f.reason
        )?;
    }
    if let Some(a) = &item.assignment {
        writeln!(
            out,
            "  {}: {} — {} {}{}",
            l.pick("Giao xử lý", "Assigned to"),
            dept_name(reg, &a.department),
            l.pick("hạn", "due"),
            format_date(a.deadline)
                + &item.received.as_ref().map_or_else(String::new, |r| {
                    crate::calendar::unconfirmed_mark(&Calendar::of(reg), r.date, a.deadline, l)
                }),
            if a.note.is_empty() {
                String::new()
            } else {
                format!(" — {}", a.note)
            }
        )?;
    }
    if let Some(a) = &item.answer {
        writeln!(
            out,
            "  {}{}: {} ({}, {})",
            l.pick("Trả lời", "Answer"),
            if a.on_spot {
                l.pick(" tại chỗ", " on the spot")
            } else {
                ""
            },
            a.text,
            a.answered_by,
            format_date(a.date)
        )?;
        if !a.legal_basis.is_empty() {
            writeln!(
                out,
                "    {}: {}",
                l.pick("Căn cứ", "Legal basis"),
                a.legal_basis
            )?;
        }
        if !a.doc_no.is_empty() {
            writeln!(
                out,
                "    {}: {}",
                l.pick("Văn bản số", "Document no."),
                a.doc_no
            )?;
        }
    }
    if let Some(a) = &item.approval {
        writeln!(
            out,
            "  {}: {}",
            l.pick("Người duyệt", "Approved by"),
            a.approver
        )?;
    }
    if let Some(n) = &item.notification {
        writeln!(
            out,
            "  {}: {} — {}{}",
            l.pick("Thông báo", "Notified"),
            n.channel.label(l),
            format_date(n.date),
            if n.note.is_empty() {
                String::new()
            } else {
                format!(" — {}", n.note)
            }
        )?;
    }
    writeln!(out, "{}", l.pick("Nhật ký xử lý:", "Handling log:"))?;
    for e in &item.events {
        let op = doithoai_model::handling::Op::parse(&e.op)
            .map(|o| o.done_label(l).to_owned())
            .unwrap_or_else(|| e.op.clone());
        let at = chrono::DateTime::parse_from_rfc3339(&e.at)
            .map(|d| doithoai_model::time::format_datetime(&d))
            .unwrap_or_else(|_| e.at.clone());
        let change = match (e.from, e.to) {
            (Some(a), Some(b)) if a != b => format!(" ({} → {})", a.label(l), b.label(l)),
            _ => String::new(),
        };
        let note = event_note(&e.op, &e.note, reg, l);
        writeln!(
            out,
            "  • {at} — {} — {op}{change}{}",
            e.by,
            if note.is_empty() {
                String::new()
            } else {
                format!(": {note}")
            }
        )?;
    }
    Ok(())
}

/// An event's note as the clerk reads it: the handling log stores codes ("phan_anh; ha_tang;
/// phuong", "dia_chinh; 2026-10-30"), shown here as labels and dd/mm/yyyy dates.
pub(super) fn event_note(op: &str, note: &str, reg: &Registry, l: Lang) -> String {
    let parts: Vec<&str> = note.split("; ").collect();
    match (op, parts.as_slice()) {
        ("classify", [kind, field, competence]) => format!(
            "{}; {}; {}",
            PetitionKind::parse(kind).map_or(*kind, |k| k.label(l)),
            reg.field_label(field, l),
            Competence::parse(competence).map_or(*competence, |c| c.label(l)),
        ),
        ("assign", [dept, deadline]) => format!(
            "{}; {} {}",
            dept_name(reg, dept),
            l.pick("hạn", "due"),
            NaiveDate::parse_from_str(deadline, "%Y-%m-%d")
                .map(format_date)
                .unwrap_or_else(|_| (*deadline).to_owned())
        ),
        _ => note.to_owned(),
    }
}
