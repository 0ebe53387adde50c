//! `doithoai session`: a dialogue session, from preparation to conclusions.

use super::*;

// ---------------------------------------------------------------------------------------------
// session
// ---------------------------------------------------------------------------------------------

pub(super) fn sel(s: &Sel) -> Option<&str> {
    s.session.as_deref()
}

pub async fn run_session(
    app: &App,
    cmd: SessionCmd,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let reg = app.registry().await?;
    match cmd {
        SessionCmd::Create(a) => {
            let plan_id = match a.plan.as_deref() {
                Some(p) => Some(full_plan_id(app, p).await?),
                None => None,
            };
            let new = NewSession {
                kind: parse_kind(&a.kind)?,
                topic: a.topic,
                title: a.title,
                date: parse_date(&a.date)?,
                start: parse_time_opt(a.start.as_deref())?,
                end: parse_time_opt(a.end.as_deref())?,
                place: a.place,
                chairs: parse_chairs(&a.chairs)?,
                secretary: a.secretary,
                plan_id,
            };
            let (doc_id, s) = app.create_session(new).await.map_err(cli_err)?;
            match lang {
                Lang::Vi => writeln!(
                    out,
                    "Đã tạo cuộc đối thoại {} — {} ngày {} (mã {}).\nĐây là cuộc đang ghi; các lệnh doithoai session ... sẽ ghi vào cuộc này.\nTiếp theo: doithoai session speaker import  (người dân đã đăng ký phát biểu), doithoai session step 1",
                    short_doc(&doc_id),
                    s.display_title(lang),
                    format_date(s.date),
                    doc_id
                )?,
                Lang::En => writeln!(
                    out,
                    "Created session {} — {} on {} (id {}).\nIt is the current session; doithoai session ... commands record into it.\nNext: doithoai session speaker import  (residents who asked to speak), doithoai session step 1",
                    short_doc(&doc_id),
                    s.display_title(lang),
                    format_date(s.date),
                    doc_id
                )?,
            }
            Ok(())
        }
        SessionCmd::List {
            year,
            json: as_json,
        } => {
            let list = app.list_sessions(year).await.map_err(cli_err)?;
            if as_json {
                return json(out, &list);
            }
            if list.is_empty() {
                writeln!(
                    out,
                    "{}",
                    lang.pick(
                        "Chưa có cuộc đối thoại nào. Tạo bằng: doithoai session create --kind dinh_ky --date dd/mm/yyyy",
                        "No session yet. Create one with: doithoai session create --kind dinh_ky --date dd/mm/yyyy"
                    )
                )?;
                return Ok(());
            }
            let current = app
                .store
                .meta_get(crate::sessions_app::CURRENT_SESSION)
                .map_err(crate::app::AppError::from)?
                .unwrap_or_default();
            for e in &list {
                writeln!(
                    out,
                    "{} {}  {}  {:<12} {:<14} {}",
                    if e.doc_id == current { "▶" } else { " " },
                    short_doc(&e.doc_id),
                    format_date(e.date),
                    e.kind.label(lang),
                    e.status.label(lang),
                    e.display_title(lang)
                )?;
            }
            Ok(())
        }
        SessionCmd::Use { id } => {
            let (doc_id, s) = app.use_session(&id).await.map_err(cli_err)?;
            writeln!(
                out,
                "{} {} — {} {}.",
                lang.pick("Cuộc đang ghi:", "Current session:"),
                short_doc(&doc_id),
                s.display_title(lang),
                format_date(s.date)
            )?;
            Ok(())
        }
        SessionCmd::Show {
            sel: sl,
            json: as_json,
        } => {
            let view = app.session_view(sel(&sl)).await.map_err(cli_err)?;
            if as_json {
                return json(out, &view);
            }
            print_session(out, &view, &reg, lang)
        }
        SessionCmd::Set(a) => {
            let plan_id = match a.plan.as_deref() {
                Some(p) => Some(Some(full_plan_id(app, p).await?)),
                None => None,
            };
            let edit = SessionEdit {
                kind: a.kind.as_deref().map(parse_kind).transpose()?,
                topic: a.topic,
                title: a.title,
                date: a.date.as_deref().map(parse_date).transpose()?,
                start: parse_time_opt(a.start.as_deref())?.map(Some),
                end: parse_time_opt(a.end.as_deref())?.map(Some),
                place: a.place,
                chairs: if a.chairs.is_empty() {
                    None
                } else {
                    Some(parse_chairs(&a.chairs)?)
                },
                secretary: a.secretary,
                plan_id,
                report_no: a.report_no,
            };
            let s = app.edit_session(sel(&a.sel), edit).await.map_err(cli_err)?;
            writeln!(
                out,
                "{} {} ({} {}).",
                lang.pick("Đã cập nhật", "Updated"),
                s.display_title(lang),
                lang.pick("ngày", "on"),
                format_date(s.date)
            )?;
            Ok(())
        }
        SessionCmd::Attend(a) => {
            let category = parse_category(&a.category)?;
            let sel = sel(&a.sel);
            let mut s = None;
            if a.invited.is_some() || a.present.is_some() {
                s = Some(
                    app.set_attendance(sel, category, a.invited, a.present)
                        .await
                        .map_err(cli_err)?,
                );
            }
            if !a.names.is_empty() {
                s = Some(
                    app.add_attendees(sel, &a.names, category, &a.unit)
                        .await
                        .map_err(cli_err)?,
                );
            }
            let Some(s) = s else {
                return Err(CliError::Usage {
                    vi: "Cần ghi --invited, --present hoặc --name.".into(),
                    en: "Give --invited, --present or --name.".into(),
                });
            };
            print_attendance(out, &s, category, lang)
        }
        SessionCmd::Speaker(c) => run_speaker(app, c, lang, out).await,
        SessionCmd::Announce { text, sel: sl } => {
            let text = match text {
                Some(t) => t,
                None => {
                    let view = app.session_view(sel(&sl)).await.map_err(cli_err)?;
                    crate::sessions_app::default_announcement(&view.session, lang)
                }
            };
            let a = app
                .announce_session(sel(&sl), &text)
                .await
                .map_err(cli_err)?;
            let place = if a.place.is_empty() { "…" } else { &a.place };
            match lang {
                Lang::Vi => {
                    writeln!(out, "Đã gửi thông báo: {}, tại {place}.", a.when)?;
                    writeln!(out, "  {}", a.text)?;
                    writeln!(
                        out,
                        "Máy của các tổ dân phố thấy thông báo trong «Lịch tiếp xúc, đối thoại» sau khi đồng bộ (doithoai sync)."
                    )?;
                }
                Lang::En => {
                    writeln!(out, "Announced: {}, at {place}.", a.when)?;
                    writeln!(out, "  {}", a.text)?;
                    writeln!(
                        out,
                        "The TDP laptops show it on their schedule page once synced (doithoai sync)."
                    )?;
                }
            }
            Ok(())
        }
        SessionCmd::Remark {
            conclusion,
            text,
            sel: sl,
        } => {
            let (r, n, c) = app
                .remark_conclusion(sel(&sl), &conclusion, &text)
                .await
                .map_err(cli_err)?;
            match lang {
                Lang::Vi => writeln!(
                    out,
                    "Đã ghi ý kiến giám sát về kết luận #{n} ({}): {}\nVăn phòng phường thấy ý kiến sau khi đồng bộ (doithoai sync).",
                    c.text, r.text
                )?,
                Lang::En => writeln!(
                    out,
                    "Remark written on conclusion #{n} ({}): {}\nThe ward office sees it once synced (doithoai sync).",
                    c.text, r.text
                )?,
            }
            Ok(())
        }
        SessionCmd::Step {
            n,
            at,
            by,
            note,
            sel: sl,
        } => {
            let s = app
                .record_step(sel(&sl), n, at, by, note)
                .await
                .map_err(cli_err)?;
            let st = s.step(n);
            writeln!(
                out,
                "{} {n}. {} — {}.",
                lang.pick("Bước", "Step"),
                step_label(n, lang),
                st.and_then(|x| x.at.clone()).unwrap_or_default()
            )?;
            if n == 3 && !s.speakers.is_empty() {
                let waiting: Vec<String> = s
                    .speakers
                    .iter()
                    .enumerate()
                    .filter(|(_, sp)| !s.has_spoken(sp))
                    .take(3)
                    .map(|(i, sp)| format!("#{} {}", i + 1, sp.name))
                    .collect();
                if !waiting.is_empty() {
                    writeln!(
                        out,
                        "{} {}",
                        lang.pick("Người phát biểu tiếp theo:", "Next speakers:"),
                        waiting.join(", ")
                    )?;
                }
            }
            Ok(())
        }
        SessionCmd::Speech(c) => run_speech(app, c, &reg, lang, out).await,
        SessionCmd::Conclusion(c) => run_conclusion(app, c, &reg, lang, out).await,
        SessionCmd::Conclude {
            end,
            sel: sl,
            json: as_json,
        } => {
            let end = parse_time_opt(end.as_deref())?;
            let r = app.conclude_session(sel(&sl), end).await.map_err(cli_err)?;
            if as_json {
                return json(out, &r);
            }
            print_conclude(out, &r, &reg, lang)
        }
        SessionCmd::Minutes(a) => {
            let sel = sel(&a.sel);
            let text = match (&a.set, &a.file) {
                (Some(t), _) => Some(t.clone()),
                (None, Some(f)) => Some(std::fs::read_to_string(f)?),
                (None, None) => None,
            };
            if let Some(t) = text {
                app.write_minutes(sel, &t, false).await.map_err(cli_err)?;
                writeln!(
                    out,
                    "{}",
                    lang.pick(
                        "Đã lưu ghi chép của thư ký.",
                        "Saved the secretary's notes."
                    )
                )?;
            }
            if let Some(t) = &a.append {
                app.write_minutes(sel, t, true).await.map_err(cli_err)?;
                writeln!(
                    out,
                    "{}",
                    lang.pick("Đã thêm vào ghi chép.", "Added to the notes.")
                )?;
            }
            let edited = a.set.is_some() || a.file.is_some() || a.append.is_some();
            if edited && a.format.is_none() && a.output.is_none() {
                return Ok(());
            }
            let format = a.format.clone().unwrap_or_else(|| {
                if a.output
                    .as_ref()
                    .and_then(|p| p.extension())
                    .is_some_and(|e| e == "docx")
                {
                    "docx".into()
                } else {
                    "text".into()
                }
            });
            render(
                app,
                sel,
                DocKind::Minutes,
                &format,
                a.output,
                &a.doc,
                None,
                None,
                lang,
                out,
            )
            .await
        }
        SessionCmd::Report(a) => {
            render(
                app,
                sel(&a.sel),
                DocKind::Report,
                &a.format,
                a.output,
                &a.doc,
                a.assessment,
                a.recommendation,
                lang,
                out,
            )
            .await
        }
    }
}

/// The full id of a planned session from what the user typed.
pub(super) async fn full_plan_id(app: &App, typed: &str) -> Result<String, CliError> {
    let plan = app.plan(None).await.map_err(cli_err)?;
    let keys: Vec<String> = plan.iter().map(|p| p.id.clone()).collect();
    session::find_ref("plan", &keys, typed).map_err(|_| {
        s_err(SessionError::NoSuchPlanned {
            typed: typed.to_owned(),
        })
    })
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn render(
    app: &App,
    sel: Option<&str>,
    kind: DocKind,
    format: &str,
    output: Option<PathBuf>,
    d: &DocArgs,
    assessment: Option<String>,
    recommendations: Option<String>,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let docx = match doithoai_model::text::fold(format).as_str() {
        "docx" | "word" => true,
        "text" | "txt" | "van ban" => false,
        other => {
            return Err(CliError::Usage {
                vi: format!("Định dạng «{other}» không hỗ trợ: docx hoặc text."),
                en: format!("Unsupported format {other:?}: docx or text."),
            });
        }
    };
    let overrides = DocOverrides {
        parent: d.parent.clone(),
        issuer: d.issuer.clone(),
        number: d.number.clone(),
        date: d.doc_date.as_deref().map(parse_date).transpose()?,
        locality: d.locality.clone(),
        signer: d.signer.clone(),
        signer_title: d.signer_title.clone(),
        on_behalf: d.on_behalf.clone(),
        recipients: d.recipients.clone(),
        assessment,
        recommendations,
        lang: d.doc_lang.unwrap_or(Lang::Vi),
    };
    let (view, doc) = app
        .session_document(sel, kind, &overrides)
        .await
        .map_err(cli_err)?;
    let stem = match kind {
        DocKind::Report => "bao-cao-doi-thoai",
        DocKind::Minutes => "bien-ban-doi-thoai",
    };
    let date = view.session.date.format("%Y-%m-%d");
    if docx {
        let bytes = doc
            .to_docx()
            .map_err(|e| cli_err(SessionsError::Document(e)))?;
        let path = output.unwrap_or_else(|| PathBuf::from(format!("{stem}-{date}.docx")));
        write_file(&path, &bytes)?;
        writeln!(
            out,
            "{} {} ({} KB).",
            match kind {
                DocKind::Report => lang.pick("Đã xuất báo cáo:", "Report written:"),
                DocKind::Minutes => lang.pick("Đã xuất biên bản:", "Minutes written:"),
            },
            path.display(),
            bytes.len().div_ceil(1024)
        )?;
    } else {
        let text = doc.to_text();
        match output {
            Some(path) => {
                write_file(&path, text.as_bytes())?;
                writeln!(
                    out,
                    "{} {}.",
                    lang.pick("Đã xuất:", "Written:"),
                    path.display()
                )?;
            }
            None => out.write_all(text.as_bytes())?,
        }
    }
    Ok(())
}

pub(super) async fn run_speaker(
    app: &App,
    cmd: SpeakerCmd,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    match cmd {
        SpeakerCmd::Add {
            name,
            unit,
            content,
            field,
            petitions,
            sel: sl,
        } => {
            let reg = app.registry().await?;
            let field = field
                .map(|f| {
                    reg.find_field(&f).map(|x| x.code.clone()).ok_or_else(|| {
                        doithoai_model::ValidationError::UnknownField {
                            value: f.clone(),
                            known: reg.fields.iter().map(|x| x.code.clone()).collect(),
                        }
                    })
                })
                .transpose()?;
            let field_label = field
                .as_deref()
                .map(|f| reg.field_label(f, lang).to_owned());
            let (s, key, created) = app
                .add_walk_in(
                    sel(&sl),
                    &name,
                    &unit,
                    content.as_deref(),
                    field,
                    &petitions,
                )
                .await
                .map_err(cli_err)?;
            let field_label =
                field_label.unwrap_or_else(|| reg.field_label("khac", lang).to_owned());
            let pos = s
                .speakers
                .iter()
                .position(|x| x.key == key)
                .map(|p| p + 1)
                .unwrap_or(0);
            match lang {
                Lang::Vi => writeln!(
                    out,
                    "Đã đăng ký phát biểu #{pos}: {}{}.",
                    name.trim(),
                    created
                        .map(|(p, no)| format!(
                            " — ý kiến ghi vào sổ tiếp nhận với mã {}, số {no}, lĩnh vực {field_label}",
                            short_pid(&p)
                        ))
                        .unwrap_or_default()
                )?,
                Lang::En => writeln!(
                    out,
                    "Registered speaker #{pos}: {}{}.",
                    name.trim(),
                    created
                        .map(|(p, no)| format!(
                            " — petition recorded in the register with id {}, no. {no}, field {field_label}",
                            short_pid(&p)
                        ))
                        .unwrap_or_default()
                )?,
            }
            Ok(())
        }
        SpeakerCmd::Import {
            from,
            point,
            sel: sl,
        } => {
            let filter = ImportFilter {
                from: from.as_deref().map(parse_date).transpose()?,
                point,
            };
            let (s, added) = app
                .import_speakers(sel(&sl), &filter)
                .await
                .map_err(cli_err)?;
            match lang {
                Lang::Vi => writeln!(
                    out,
                    "Đã thêm {} người đăng ký phát biểu từ các ý kiến gửi trước; danh sách có {} người.",
                    added.len(),
                    s.speakers.len()
                )?,
                Lang::En => writeln!(
                    out,
                    "Added {} speakers from petitions sent beforehand; the register has {}.",
                    added.len(),
                    s.speakers.len()
                )?,
            }
            print_speakers(out, &s, lang)
        }
        SpeakerCmd::List { sel: sl } => {
            let view = app.session_view(sel(&sl)).await.map_err(cli_err)?;
            print_speakers(out, &view.session, lang)
        }
        SpeakerCmd::Skip { speaker, sel: sl } => {
            let s = app
                .skip_speaker(sel(&sl), &speaker)
                .await
                .map_err(cli_err)?;
            // Skipped: now the last in the register.
            if let Some(sp) = s.speakers.last() {
                match lang {
                    Lang::Vi => writeln!(
                        out,
                        "Đã chuyển {} xuống cuối danh sách (#{}), để mời lại sau.",
                        sp.name,
                        s.speakers.len()
                    )?,
                    Lang::En => writeln!(
                        out,
                        "Moved {} to the end of the list (#{}), to be called again later.",
                        sp.name,
                        s.speakers.len()
                    )?,
                }
            }
            print_speakers(out, &s, lang)
        }
        SpeakerCmd::Move {
            speaker,
            to,
            sel: sl,
        } => {
            let s = app
                .order_speaker(sel(&sl), &speaker, to)
                .await
                .map_err(cli_err)?;
            print_speakers(out, &s, lang)
        }
    }
}

pub(super) async fn run_speech(
    app: &App,
    cmd: SpeechCmd,
    reg: &Registry,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    match cmd {
        SpeechCmd::Add {
            speaker,
            name,
            unit,
            summary,
            petitions,
            field,
            at,
            on_spot,
            answer,
            answered_by,
            sel: sl,
        } => {
            let speech = NewSpeech {
                speaker: None,
                name,
                unit,
                at: parse_time_opt(at.as_deref())?,
                summary,
                field,
                petitions: Vec::new(),
                on_spot,
                answer,
                answered_by,
            };
            let (s, id) = app
                .add_speech(sel(&sl), speaker.as_deref(), speech, &petitions)
                .await
                .map_err(cli_err)?;
            let pos = s.speeches.iter().position(|x| x.id == id).unwrap_or(0) + 1;
            if let Some(sp) = s.speech(&id) {
                match lang {
                    Lang::Vi => writeln!(
                        out,
                        "Đã ghi ý kiến phát biểu #{pos} của {}{}{}.",
                        sp.name,
                        if sp.at.is_empty() {
                            String::new()
                        } else {
                            format!(" lúc {}", sp.at)
                        },
                        if sp.on_spot {
                            " — đã trả lời tại chỗ"
                        } else {
                            ""
                        }
                    )?,
                    Lang::En => writeln!(
                        out,
                        "Recorded speech #{pos} by {}{}{}.",
                        sp.name,
                        if sp.at.is_empty() {
                            String::new()
                        } else {
                            format!(" at {}", sp.at)
                        },
                        if sp.on_spot {
                            " — answered on the spot"
                        } else {
                            ""
                        }
                    )?,
                }
                if !sp.petitions.is_empty() {
                    writeln!(
                        out,
                        "  {} {}",
                        lang.pick("Ý kiến trong sổ:", "Petitions:"),
                        petitions_list(&sp.petitions)
                    )?;
                }
            }
            let _ = reg;
            Ok(())
        }
        SpeechCmd::Answer {
            speech,
            answer,
            answered_by,
            on_spot,
            sel: sl,
        } => {
            let s = app
                .answer_speech(sel(&sl), &speech, &answer, &answered_by, on_spot)
                .await
                .map_err(cli_err)?;
            let _ = s;
            writeln!(
                out,
                "{} {}{}.",
                lang.pick("Đã ghi trả lời cho ý kiến", "Recorded the answer to speech"),
                speech.trim_start_matches('#'),
                if on_spot {
                    lang.pick(" (trả lời tại chỗ)", " (on the spot)")
                } else {
                    ""
                }
            )?;
            Ok(())
        }
        SpeechCmd::List { sel: sl } => {
            let view = app.session_view(sel(&sl)).await.map_err(cli_err)?;
            print_speeches(out, &view.session, lang)
        }
    }
}

pub(super) async fn run_conclusion(
    app: &App,
    cmd: ConclusionCmd,
    reg: &Registry,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    match cmd {
        ConclusionCmd::Add {
            text,
            department,
            deadline,
            petitions,
            speeches,
            sel: sl,
        } => {
            let department = department
                .map(|d| session::find_department(reg, &d))
                .transpose()
                .map_err(s_err)?;
            let deadline = deadline.as_deref().map(parse_date).transpose()?;
            let (s, id) = app
                .add_conclusion(sel(&sl), &text, department, deadline, &petitions, &speeches)
                .await
                .map_err(cli_err)?;
            let pos = s.conclusions.iter().position(|c| c.id == id).unwrap_or(0) + 1;
            if let Some(c) = s.conclusions.iter().find(|c| c.id == id) {
                let cal = doithoai_model::Calendar::of(reg);
                let n = s.conclusion_petitions(c).len();
                let due = dates_list(&s.conclusion_deadlines(c, &cal));
                match (&c.department, lang) {
                    (Some(d), Lang::Vi) => writeln!(
                        out,
                        "Đã ghi kết luận #{pos}: giao {} — hạn {due} — {n} ý kiến trong sổ.",
                        dept_label(reg, d),
                    )?,
                    (Some(d), Lang::En) => writeln!(
                        out,
                        "Recorded conclusion #{pos}: assigned to {} — due {due} — {n} petitions.",
                        dept_label(reg, d),
                    )?,
                    (None, _) => writeln!(
                        out,
                        "{} #{pos}.",
                        lang.pick("Đã ghi kết luận", "Recorded conclusion")
                    )?,
                }
                // What concluding will do otherwise than written, said now.
                if c.department.is_some() && n > 0 {
                    for u in session::conclusion_plan(&s, &cal).unapplied {
                        let mine = match &u {
                            session::Unapplied::OnSpotThenAssigned { conclusion, .. } => {
                                *conclusion == pos
                            }
                            session::Unapplied::AssignedEarlier { conclusion, .. }
                            | session::Unapplied::SpeechWithoutPetition { conclusion, .. } => {
                                *conclusion == c.id
                            }
                            session::Unapplied::NamesNothing { .. } => false,
                        };
                        if mine {
                            writeln!(
                                out,
                                "  {} {}",
                                lang.pick("Lưu ý:", "Note:"),
                                u.describe(lang)
                            )?;
                        }
                    }
                }
                if c.department.is_some() && n == 0 {
                    writeln!(
                        out,
                        "  {}",
                        if c.speeches.is_empty() {
                            lang.pick(
                                "Lưu ý: kết luận chưa gắn với ý kiến nào trong sổ (--petition hoặc --speech) nên sẽ không tạo việc giao xử lý.",
                                "Note: the conclusion names no petition (--petition or --speech), so it will assign nothing in the handling record.",
                            )
                        } else {
                            lang.pick(
                                "Lưu ý: ý kiến phát biểu đã nêu không gắn với ý kiến nào trong sổ nên kết luận sẽ không tạo việc giao xử lý; ghi ý kiến vào sổ rồi thêm --petition <mã>.",
                                "Note: the speeches named raised no petition of the register, so the conclusion will assign nothing in the handling record; record the petition and add --petition <id>.",
                            )
                        }
                    )?;
                }
            }
            Ok(())
        }
        ConclusionCmd::List { sel: sl } => {
            let view = app.session_view(sel(&sl)).await.map_err(cli_err)?;
            print_conclusions(out, &view.session, reg, lang)
        }
    }
}
