//! `doithoai plan`: the year's planned sessions and the compliance check.

use super::*;

// ---------------------------------------------------------------------------------------------
// plan
// ---------------------------------------------------------------------------------------------

pub async fn run_plan(
    app: &App,
    cmd: PlanCmd,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    match cmd {
        PlanCmd::Add {
            year,
            month,
            kind,
            topic,
            chairs,
            note,
        } => {
            let kind = parse_kind(&kind)?;
            let mut chairs = parse_chairs(&chairs)?;
            if chairs.is_empty() {
                chairs = kind
                    .plan_chairs()
                    .iter()
                    .map(|r| Chair {
                        role: *r,
                        title: String::new(),
                        name: String::new(),
                    })
                    .collect();
            }
            let ids = app
                .plan_add(&[NewPlanned {
                    year,
                    month,
                    kind,
                    topic: topic.unwrap_or_default(),
                    chairs,
                    note: note.unwrap_or_default(),
                }])
                .await
                .map_err(cli_err)?;
            let id = ids.first().map(|i| plan_ref(i)).unwrap_or_default();
            match lang {
                Lang::Vi => writeln!(
                    out,
                    "Đã thêm vào kế hoạch năm {year}: đối thoại {} tháng {month} (mã {id}).",
                    kind.label(lang).to_lowercase()
                )?,
                Lang::En => writeln!(
                    out,
                    "Added to the {year} plan: a {} session in month {month} (id {id}).",
                    kind.label(lang).to_lowercase()
                )?,
            }
            Ok(())
        }
        PlanCmd::Template { year, topic } => {
            let added = app.plan_template(year, &topic).await.map_err(cli_err)?;
            if added.is_empty() {
                writeln!(
                    out,
                    "{}",
                    match lang {
                        Lang::Vi => format!(
                            "Kế hoạch năm {year} đã có đối thoại định kỳ và chuyên đề; không thêm gì."
                        ),
                        Lang::En => format!(
                            "The {year} plan already has a periodic and a thematic session; nothing added."
                        ),
                    }
                )?;
            }
            for p in added {
                match lang {
                    Lang::Vi => writeln!(
                        out,
                        "Đã thêm: tháng {} — {} (mã {}).",
                        p.month,
                        kind_topic(p.kind, &p.topic, lang),
                        plan_ref(&p.id)
                    )?,
                    Lang::En => writeln!(
                        out,
                        "Added: month {} — {} (id {}).",
                        p.month,
                        kind_topic(p.kind, &p.topic, lang),
                        plan_ref(&p.id)
                    )?,
                }
            }
            Ok(())
        }
        PlanCmd::List {
            year,
            json: as_json,
        } => {
            let plan = app.plan(year).await.map_err(cli_err)?;
            if as_json {
                return json(out, &plan);
            }
            if plan.is_empty() {
                writeln!(
                    out,
                    "{}",
                    lang.pick(
                        "Chưa có kế hoạch. Thêm bằng: doithoai plan template --year <năm>  hoặc  doithoai plan add ...",
                        "No plan yet. Add one with: doithoai plan template --year <year>  or  doithoai plan add ..."
                    )
                )?;
                return Ok(());
            }
            let mut last_year = None;
            for (i, p) in plan.iter().enumerate() {
                if last_year != Some(p.year) {
                    writeln!(
                        out,
                        "{} {}:",
                        lang.pick("Kế hoạch tiếp xúc, đối thoại năm", "Dialogue plan for"),
                        p.year
                    )?;
                    last_year = Some(p.year);
                }
                let chairs: Vec<String> = p
                    .chairs
                    .iter()
                    .map(|c| {
                        if c.name.is_empty() {
                            c.title(lang)
                        } else {
                            format!("{} {}", c.title(lang), c.name)
                        }
                    })
                    .collect();
                writeln!(
                    out,
                    "  {}. [{}] {} {:>2} — {}{}",
                    i + 1,
                    plan_ref(&p.id),
                    lang.pick("tháng", "month"),
                    p.month,
                    kind_topic(p.kind, &p.topic, lang),
                    if chairs.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " — {}: {}",
                            lang.pick("chủ trì", "chairs"),
                            chairs.join(", ")
                        )
                    }
                )?;
            }
            Ok(())
        }
        PlanCmd::Remove { id } => {
            let p = app.plan_remove(&id).await.map_err(cli_err)?;
            match lang {
                Lang::Vi => writeln!(
                    out,
                    "Đã bỏ khỏi kế hoạch năm {}: tháng {} — {}.",
                    p.year,
                    p.month,
                    kind_topic(p.kind, &p.topic, lang)
                )?,
                Lang::En => writeln!(
                    out,
                    "Removed from the {} plan: month {} — {}.",
                    p.year,
                    p.month,
                    kind_topic(p.kind, &p.topic, lang)
                )?,
            }
            Ok(())
        }
        PlanCmd::Check {
            year,
            date,
            strict,
            json: as_json,
        } => {
            let today = match date {
                Some(d) => parse_date(&d)?,
                None => ward_now().date_naive(),
            };
            let c = app.plan_check(year, today).await.map_err(cli_err)?;
            if as_json {
                json(out, &c)?;
            } else {
                print_compliance(out, &c, lang)?;
            }
            if strict && c.verdict != Verdict::Met {
                return Err(CliError::Usage {
                    vi: format!("Kế hoạch năm {year}: {}.", c.verdict.label(Lang::Vi)),
                    en: format!("The {year} plan: {}.", c.verdict.label(Lang::En)),
                });
            }
            Ok(())
        }
    }
}

pub(super) fn print_compliance(
    out: &mut dyn Write,
    c: &Compliance,
    lang: Lang,
) -> Result<(), CliError> {
    match lang {
        Lang::Vi => writeln!(
            out,
            "Kiểm tra thực hiện kế hoạch tiếp xúc, đối thoại năm {} (tính đến {})",
            c.year,
            format_date(c.today)
        )?,
        Lang::En => writeln!(
            out,
            "Dialogue plan check for {} (as of {})",
            c.year,
            format_date(c.today)
        )?,
    }
    writeln!(
        out,
        "{}: {}",
        lang.pick("Kết quả", "Verdict"),
        c.verdict.label(lang)
    )?;
    let by_kind: Vec<String> = SessionKind::ALL
        .iter()
        .map(|k| {
            format!(
                "{} {}",
                k.label(lang).to_lowercase(),
                c.by_kind.get(k).copied().unwrap_or(0)
            )
        })
        .collect();
    writeln!(
        out,
        "{}: {} {} ({})",
        lang.pick("Đã tổ chức", "Held"),
        c.held.len(),
        lang.pick("cuộc", "sessions"),
        by_kind.join(", ")
    )?;
    let mark = |ok: bool| if ok { "✓" } else { "✗" };
    let lines: [(bool, String); 3] = [
        (
            c.periodic >= session::REQUIRED_PERIODIC,
            match lang {
                Lang::Vi => format!(
                    "Đối thoại định kỳ (kể cả chuyên đề): {}/{} (Kế hoạch: ít nhất 02 lần/năm)",
                    c.periodic,
                    session::REQUIRED_PERIODIC
                ),
                Lang::En => format!(
                    "Periodic sessions (thematic included): {}/{} (the plan: at least 2 a year)",
                    c.periodic,
                    session::REQUIRED_PERIODIC
                ),
            },
        ),
        (
            c.thematic >= 1,
            match lang {
                Lang::Vi => format!(
                    "Đối thoại chuyên đề: {}/1 (Kế hoạch: ít nhất 01 lần/năm)",
                    c.thematic
                ),
                Lang::En => format!(
                    "Thematic sessions: {}/1 (the plan: at least 1 a year)",
                    c.thematic
                ),
            },
        ),
        (
            c.conferences >= 1,
            match lang {
                Lang::Vi => format!(
                    "Hội nghị đối thoại do Chủ tịch UBND chủ trì: {}/1 (Luật Thực hiện dân chủ ở cơ sở 2022, Điều 32)",
                    c.conferences
                ),
                Lang::En => format!(
                    "Dialogue conferences chaired by the People's Committee chair: {}/1 (Law on Grassroots Democracy 2022, art. 32)",
                    c.conferences
                ),
            },
        ),
    ];
    for (ok, l) in lines {
        writeln!(out, "  {} {l}", mark(ok))?;
    }
    if !c.planned.is_empty() {
        writeln!(out, "{}:", lang.pick("Theo kế hoạch", "Against the plan"))?;
        for p in &c.planned {
            let what = kind_topic(p.planned.kind, &p.planned.topic, lang);
            let (m, state) = match (&p.state, lang) {
                (PlannedState::Held { date, .. }, Lang::Vi) => {
                    ("✓", format!("đã tổ chức ngày {}", format_date(*date)))
                }
                (PlannedState::Held { date, .. }, Lang::En) => {
                    ("✓", format!("held on {}", format_date(*date)))
                }
                (PlannedState::HeldLate { date, .. }, Lang::Vi) => {
                    ("✓", format!("tổ chức muộn, ngày {}", format_date(*date)))
                }
                (PlannedState::HeldLate { date, .. }, Lang::En) => {
                    ("✓", format!("held late, on {}", format_date(*date)))
                }
                (PlannedState::Scheduled { date, .. }, Lang::Vi) => {
                    ("·", format!("đang chuẩn bị, ngày {}", format_date(*date)))
                }
                (PlannedState::Scheduled { date, .. }, Lang::En) => {
                    ("·", format!("in preparation, on {}", format_date(*date)))
                }
                (PlannedState::Late, Lang::Vi) => ("✗", "QUÁ HẠN, chưa tổ chức".to_owned()),
                (PlannedState::Late, Lang::En) => ("✗", "LATE, not held".to_owned()),
                (PlannedState::Upcoming, Lang::Vi) => ("·", "chưa đến hạn".to_owned()),
                (PlannedState::Upcoming, Lang::En) => ("·", "not due yet".to_owned()),
            };
            writeln!(
                out,
                "  {m} {} {:>2} — {what} — {state}",
                lang.pick("Tháng", "Month"),
                p.planned.month
            )?;
        }
    }
    let failures: Vec<_> = c.findings.iter().filter(|f| f.is_failure()).collect();
    let notes: Vec<_> = c.findings.iter().filter(|f| !f.is_failure()).collect();
    if !failures.is_empty() {
        writeln!(
            out,
            "{}:",
            lang.pick("Còn thiếu hoặc chậm", "Missing or late")
        )?;
        for f in failures {
            writeln!(out, "  - {}", f.describe(lang))?;
        }
    }
    if !notes.is_empty() {
        writeln!(out, "{}:", lang.pick("Lưu ý", "Remarks"))?;
        for f in notes {
            writeln!(out, "  - {}", f.describe(lang))?;
        }
    }
    Ok(())
}
