//! The printed page: the register and the summary (XLSX) and the session report and minutes
//! (DOCX) printed to PDF by LibreOffice as a clerk would print them, then read back with
//! poppler: every register row's text is on the page whole and no two words overlap, the
//! smallest text is at least 9 pt, the pages are A4 and numbered. The page images are kept in
//! `target/tmp/printed/` to be looked at.
//!
//! Needs `soffice` (Debian: libreoffice-calc-nogui, libreoffice-writer-nogui), `pdftotext`,
//! `pdfinfo`, `pdffonts`, `pdftoppm` (poppler-utils) and a Times New Roman–metric font
//! (fonts-liberation); `.ci/run` installs them. Without them the test says why and passes,
//! except on CI (`CI=true`), where it fails.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use automerge::Automerge;
use automerge::transaction::Transaction;
use chrono::NaiveDate;
use doithoai_documents::{minutes_defaults, report_defaults, session_minutes, session_report};
use doithoai_model::handling::{
    self, AnswerInput, AssignInput, Channel, ClassifyInput, Competence, Ctx, ForwardInput,
    ForwardMode, NotifyInput,
};
use doithoai_model::registry::{Point, PointKind};
use doithoai_model::session::{
    self, Category, Chair, NewConclusion, NewSession, NewSpeaker, NewSpeech, PetitionFact,
    SessionKind, SpeakerSource,
};
use doithoai_model::{Lang, Petition, PetitionKind, Registry, Resident};
use doithoai_reports::{Dataset, Period, Register, csv, register, summary, xlsx};
use uuid::Uuid;

fn day(s: &str) -> NaiveDate {
    doithoai_model::time::parse_date(s).unwrap()
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(0xbbbb_0000_0000_4000_8000_0000_0000_0000 + n)
}

/// The tools, or why they are missing. On CI a missing tool fails the test.
fn tools() -> Option<()> {
    let missing: Vec<&str> = ["soffice", "pdftotext", "pdfinfo", "pdffonts", "pdftoppm"]
        .into_iter()
        .filter(|t| {
            Command::new("sh")
                .arg("-c")
                .arg(format!("command -v {t}"))
                .output()
                .map_or(true, |o| !o.status.success())
        })
        .collect();
    if missing.is_empty() {
        return Some(());
    }
    let why = format!(
        "printing to PDF needs {} (apt-get install libreoffice-calc-nogui libreoffice-writer-nogui poppler-utils fonts-liberation)",
        missing.join(", ")
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{why}");
    }
    eprintln!("SKIPPED: {why}");
    None
}

fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("printed");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Prints `file` to PDF with LibreOffice, in a profile of its own (so that it neither waits
/// for nor disturbs another LibreOffice running on the machine).
fn to_pdf(file: &Path) -> PathBuf {
    let dir = file.parent().unwrap();
    let profile = dir.join(format!(
        "profile-{}",
        file.file_stem().unwrap().to_string_lossy()
    ));
    let out = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(dir)
        .arg(file)
        .output()
        .expect("soffice runs");
    let pdf = file.with_extension("pdf");
    assert!(
        out.status.success() && pdf.exists(),
        "soffice failed on {}: {}{}",
        file.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    pdf
}

fn run(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd).args(args).output().expect(cmd);
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A word on a page and its box, in points from the top left.
#[derive(Debug, Clone)]
struct Word {
    page: usize,
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
    text: String,
}

fn attr(tag: &str, name: &str) -> f64 {
    let key = format!("{name}=\"");
    let at = tag.find(&key).unwrap() + key.len();
    let rest = &tag[at..];
    rest[..rest.find('"').unwrap()].parse().unwrap()
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The words of a PDF with their boxes (`pdftotext -bbox`).
fn words(pdf: &Path) -> Vec<Word> {
    let html = run("pdftotext", &["-bbox", pdf.to_str().unwrap(), "-"]);
    let mut out = Vec::new();
    let mut page = 0;
    for part in html.split('<').skip(1) {
        if part.starts_with("page ") {
            page += 1;
        } else if let Some(w) = part.strip_prefix("word ") {
            let (tag, text) = w.split_once('>').unwrap();
            out.push(Word {
                page,
                x0: attr(tag, "xMin"),
                y0: attr(tag, "yMin"),
                x1: attr(tag, "xMax"),
                y1: attr(tag, "yMax"),
                text: unescape(text),
            });
        }
    }
    out
}

/// The size of each page, in points.
fn page_sizes(pdf: &Path) -> Vec<(f64, f64)> {
    let info = run("pdfinfo", &["-f", "1", "-l", "9999", pdf.to_str().unwrap()]);
    info.lines()
        .filter(|l| l.starts_with("Page") && l.contains("size:"))
        .map(|l| {
            let v: Vec<f64> = l
                .split_whitespace()
                .filter_map(|t| t.parse().ok())
                .collect();
            // "Page    1 size: 841.89 x 595.28 pts (A4)"
            (v[1], v[2])
        })
        .collect()
}

fn is_a4((w, h): (f64, f64)) -> bool {
    let near = |a: f64, b: f64| (a - b).abs() < 2.0;
    (near(w, 595.3) && near(h, 841.9)) || (near(w, 841.9) && near(h, 595.3))
}

/// The text of one page, laid out (`pdftotext -layout`).
fn page_text(pdf: &Path, page: usize) -> String {
    let p = page.to_string();
    run(
        "pdftotext",
        &["-layout", "-f", &p, "-l", &p, pdf.to_str().unwrap(), "-"],
    )
}

/// Keeps the page images for a person to look at.
fn page_images(pdf: &Path) {
    let stem = pdf.with_extension("");
    run(
        "pdftoppm",
        &[
            "-png",
            "-r",
            "70",
            pdf.to_str().unwrap(),
            stem.to_str().unwrap(),
        ],
    );
}

/// The fonts of a PDF (`pdffonts`): every one embedded and a Times New Roman–metric serif,
/// so the widths the layout was measured with are the printed ones.
fn check_fonts(pdf: &Path) {
    let fonts = run("pdffonts", &[pdf.to_str().unwrap()]);
    let names: Vec<&str> = fonts
        .lines()
        .skip(2)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(!names.is_empty(), "{fonts}");
    for n in &names {
        assert!(
            n.contains("LiberationSerif") || n.contains("TimesNewRoman") || n.contains("Times"),
            "{}: a font not metric-compatible with Times New Roman: {n}\n{fonts}",
            pdf.display()
        );
    }
}

/// A word's height divided by its font size, for a serif font as poppler boxes it (ascent plus
/// descent); measured on the DOCX body, which is set in 14 pt.
fn box_ratio(ws: &[Word]) -> f64 {
    let mut hs: Vec<f64> = ws.iter().map(|w| w.y1 - w.y0).collect();
    hs.sort_by(f64::total_cmp);
    // The body is most of the text: its height is the most common one, near the top of the list.
    let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
    for h in &hs {
        *counts.entry((h * 10.0).round() as i64).or_default() += 1;
    }
    let (mode, _) = counts.iter().max_by_key(|(_, n)| **n).unwrap();
    *mode as f64 / 10.0 / 14.0
}

/// The smallest font size of a PDF's words, in points.
fn smallest_font(ws: &[Word], ratio: f64) -> (f64, String) {
    ws.iter()
        .filter(|w| w.text.chars().any(char::is_alphanumeric))
        .map(|w| ((w.y1 - w.y0) / ratio, w.text.clone()))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .unwrap()
}

/// No two words overlap: text run over the row below, or clipped and printed on top of other
/// text, shows as boxes that intersect.
fn no_overlap(ws: &[Word], what: &str) {
    let mut by_page: HashMap<usize, Vec<&Word>> = HashMap::new();
    for w in ws {
        by_page.entry(w.page).or_default().push(w);
    }
    for (page, list) in by_page {
        for (i, a) in list.iter().enumerate() {
            for b in &list[i + 1..] {
                let dx = a.x1.min(b.x1) - a.x0.max(b.x0);
                let dy = a.y1.min(b.y1) - a.y0.max(b.y0);
                // Boxes of a line's words touch; overlapping by more than a third of a line is
                // text printed over text.
                let line = (a.y1 - a.y0).min(b.y1 - b.y0);
                assert!(
                    !(dx > 1.0 && dy > line / 3.0),
                    "{what} page {page}: {:?} overlaps {:?}",
                    a.text,
                    b.text
                );
            }
        }
    }
}

/// The pieces of a text as a line may break it: at spaces, and after a hyphen ("7/UBND-ĐC" may
/// end one line with "7/UBND-" and start the next with "ĐC").
fn pieces(text: &str) -> Vec<String> {
    text.split_whitespace()
        .flat_map(|w| w.split_inclusive('-'))
        .map(str::to_owned)
        .collect()
}

/// Every word of `texts` is among the PDF's words, as many times as it is written: no text
/// clipped or lost.
fn all_words_present(ws: &[Word], texts: &[String], what: &str) {
    let mut have: HashMap<String, usize> = HashMap::new();
    for w in ws {
        for p in pieces(&w.text) {
            *have.entry(p).or_default() += 1;
        }
    }
    for t in texts {
        for word in pieces(t) {
            let n = have.get_mut(&word);
            match n {
                Some(n) if *n > 0 => *n -= 1,
                _ => panic!("{what}: the word {word:?} of {t:?} is not on the printed page"),
            }
        }
    }
}

/// The page number of every page in the footer: "Trang 1/3".
fn numbered_in_footer(pdf: &Path, pages: usize) {
    for p in 1..=pages {
        let text = page_text(pdf, p);
        let want = format!("Trang {p}/{pages}");
        let last = text
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        assert_eq!(last.trim(), want, "{} page {p}:\n{text}", pdf.display());
    }
}

/// The page number centred at the top of every page but the first (NĐ 30/2020).
fn numbered_at_top(pdf: &Path, ws: &[Word], pages: usize, page_width: f64) {
    assert!(pages >= 2, "{}: one page only", pdf.display());
    for p in 1..=pages {
        let top = ws
            .iter()
            .filter(|w| w.page == p)
            .min_by(|a, b| a.y0.total_cmp(&b.y0))
            .unwrap();
        if p == 1 {
            assert_ne!(top.text, "1", "{}: page 1 is not numbered", pdf.display());
        } else {
            assert_eq!(top.text, p.to_string(), "{} page {p}", pdf.display());
            let centre = (top.x0 + top.x1) / 2.0;
            // Centred on the text width (left margin 30 mm, right 15 mm).
            let text_centre = (30.0 + (210.0 - 15.0)) / 2.0 / 25.4 * 72.0;
            assert!(
                (centre - text_centre).abs() < 6.0 && top.y1 < 20.0 / 25.4 * 72.0,
                "{} page {p}: number at {centre},{} of {page_width}",
                pdf.display(),
                top.y1
            );
        }
    }
}

/// A sentence of `n` words, different for each petition, to fill the cells.
fn words_of(seed: usize, n: usize) -> String {
    const W: [&str; 24] = [
        "đèn",
        "đường",
        "ngõ",
        "hỏng",
        "cống",
        "thoát",
        "nước",
        "tắc",
        "gây",
        "ngập",
        "khi",
        "mưa",
        "lớn,",
        "rác",
        "thải",
        "tồn",
        "đọng",
        "lâu",
        "ngày,",
        "mặt",
        "xuống",
        "cấp",
        "nghiêm",
        "trọng",
    ];
    (0..n)
        .map(|i| W[(seed * 7 + i * 5) % W.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

fn registry() -> Registry {
    let mut r = Registry::builtin();
    r.ward_name = "Phường Dĩnh Kế".into();
    r.points = (1..=8)
        .map(|n| Point {
            id: format!("tdp-{n:02}"),
            kind: PointKind::Tdp,
            name: format!("Tổ dân phố số {n}"),
            intake: None,
        })
        .collect();
    r
}

fn apply<R, E: std::fmt::Debug>(
    doc: &mut Automerge,
    f: impl FnOnce(&mut Transaction<'_>) -> Result<R, E>,
) -> R {
    doc.transact_with(|_| automerge::transaction::CommitOptions::default(), f)
        .map(|ok| ok.result)
        .map_err(|f| f.error)
        .unwrap()
}

/// Forty petitions of November 2026 in every state the register shows, with contents from a
/// few words to a long paragraph, names with addresses, CCCD numbers with a leading zero.
fn ward() -> (Vec<Petition>, handling::Handling, Registry) {
    let reg = registry();
    let fields = ["ha_tang", "moi_truong", "dat_dai", "an_ninh", "van_hoa"];
    let ps: Vec<Petition> = (1..=40usize)
        .map(|n| {
            let at = doithoai_model::time::parse_datetime(&format!(
                "{:02}/11/2026 08:00",
                1 + (n - 1) % 20
            ))
            .unwrap();
            Petition {
                id: id(n as u128),
                created_at: at,
                created_by: "Tổ trưởng".into(),
                point: format!("tdp-{:02}", 1 + n % 8),
                residents: vec![Resident {
                    name: ["Nguyễn Văn Đức", "Trần Thị Thủy", "Lê Hoàng Phương Anh"][n % 3].into(),
                    address: format!("Số {n} ngõ {} đường Lê Lợi", n * 3),
                    tdp: format!("TDP {}", 1 + n % 8),
                    phone: None,
                    id_number: Some(format!("0241{:08}", n * 7919)),
                }],
                people_count: 1 + (n % 4) as u32,
                kind: PetitionKind::KienNghi,
                field: Some(fields[n % fields.len()].into()),
                content: words_of(n, 6 + (n * 11) % 30),
                request: if n % 3 == 0 {
                    words_of(n + 1, 8)
                } else {
                    String::new()
                },
                place: String::new(),
                wants_to_speak: false,
                relayed: None,
                updated_at: at,
            }
        })
        .collect();
    let mut doc = handling::new_document("dinh-ke").unwrap();
    let c = Ctx::new(
        "Văn thư Lan",
        "vp-1",
        doithoai_model::time::parse_datetime("30/11/2026 17:00").unwrap(),
    );
    for p in &ps {
        apply(&mut doc, |tx| {
            handling::receive(tx, &c, p.id, &p.point, p.date(), p.date())
        });
    }
    for (i, p) in ps.iter().enumerate() {
        let n = i + 1;
        if n % 10 == 9 {
            continue; // received only
        }
        apply(&mut doc, |tx| {
            handling::classify(
                tx,
                &c,
                &reg,
                p.id,
                &ClassifyInput {
                    kind: PetitionKind::KienNghi,
                    field: fields[n % fields.len()].into(),
                    competence: Competence::Ward,
                    prior: if n % 7 == 0 {
                        "UBND phường đã trả lời tháng 5/2026".into()
                    } else {
                        String::new()
                    },
                },
            )
        });
        match n % 5 {
            0 => {
                apply(&mut doc, |tx| {
                    handling::forward(
                        tx,
                        &c,
                        p.id,
                        &ForwardInput {
                            mode: if n % 2 == 0 {
                                ForwardMode::Guide
                            } else {
                                ForwardMode::Forward
                            },
                            to: "Chủ tịch UBND thành phố Bắc Giang".into(),
                            letter_no: format!("{n}/HD-UBND"),
                            date: Some(p.date() + chrono::Duration::days(2)),
                        },
                    )
                });
            }
            4 => {}
            _ => {
                apply(&mut doc, |tx| {
                    handling::assign(
                        tx,
                        &c,
                        &reg,
                        p.id,
                        &AssignInput {
                            department: "dia_chinh".into(),
                            deadline: None,
                            note: String::new(),
                        },
                    )
                });
                if n % 5 != 1 {
                    apply(&mut doc, |tx| {
                        handling::answer(
                            tx,
                            &c,
                            p.id,
                            &AnswerInput {
                                text: format!("Phường đã xử lý: {}", words_of(n + 3, 12)),
                                doc_no: format!("{n}/UBND-ĐC"),
                                date: Some(p.date() + chrono::Duration::days(5)),
                                ..Default::default()
                            },
                        )
                    });
                    apply(&mut doc, |tx| {
                        handling::approve(tx, &c, p.id, "Chủ tịch UBND", "")
                    });
                    apply(&mut doc, |tx| {
                        handling::notify(
                            tx,
                            &c,
                            p.id,
                            &NotifyInput {
                                channel: Channel::TdpLeader,
                                date: Some(p.date() + chrono::Duration::days(6)),
                                note: String::new(),
                            },
                        )
                    });
                }
            }
        }
    }
    (ps, handling::read(&doc).unwrap(), reg)
}

/// A session with enough speeches for its report and minutes to run over two pages.
fn session_docs(reg: &Registry) -> (doithoai_documents::AdminDoc, doithoai_documents::AdminDoc) {
    let c = Ctx::new(
        "Lê Thị Hoa",
        "vp-1",
        doithoai_model::time::parse_datetime("15/06/2026 08:00").unwrap(),
    );
    let new = NewSession {
        kind: SessionKind::DinhKy,
        topic: String::new(),
        title: String::new(),
        date: day("15/06/2026"),
        start: Some("08:00".into()),
        end: Some("11:30".into()),
        place: "Hội trường UBND phường Dĩnh Kế".into(),
        chairs: ["bi_thu=Đỗ Huy Hoàng", "ct_ubnd=Trần Văn Nam"]
            .iter()
            .map(|s| Chair::parse(s).unwrap())
            .collect(),
        secretary: "Lê Thị Hoa".into(),
        plan_id: None,
    };
    let mut doc = session::new_document(&c, "s-print", &new).unwrap();
    apply(&mut doc, |tx| {
        session::set_attendance(tx, &c, Category::NhanDan, Some(100), Some(80))?;
        session::set_attendance(tx, &c, Category::CanBo, Some(20), Some(17))?;
        for n in 1..=6u8 {
            session::set_step(
                tx,
                &c,
                n,
                Some(&format!("{:02}:{:02}", 8 + n / 2, n * 5)),
                None,
                None,
            )?;
        }
        let mut speeches = Vec::new();
        for n in 0..8usize {
            let (k, _) = session::add_speaker(
                tx,
                &c,
                &NewSpeaker {
                    name: ["Nguyễn Văn Đức", "Hoàng Thị Mai", "Vũ Văn Hải"][n % 3].into(),
                    unit: format!("TDP {}", n + 1),
                    topic: words_of(n, 3),
                    source: SpeakerSource::Petition,
                    petitions: Vec::new(),
                },
            )?;
            speeches.push(session::add_speech(
                tx,
                &c,
                reg,
                &NewSpeech {
                    speaker: Some(k),
                    summary: words_of(n, 25 + n * 4),
                    field: Some(["ha_tang", "moi_truong", "van_hoa"][n % 3].into()),
                    on_spot: n % 2 == 0,
                    answer: if n % 2 == 0 {
                        words_of(n + 2, 20)
                    } else {
                        String::new()
                    },
                    answered_by: "Đồng chí Trần Văn Nam, Chủ tịch UBND phường".into(),
                    ..Default::default()
                },
            )?);
        }
        session::add_conclusion(
            tx,
            &c,
            reg,
            &NewConclusion {
                text: "Giao Văn hóa - Xã hội khảo sát, sửa chữa nhà văn hoá TDP 5".into(),
                department: Some("van_hoa_xa_hoi".into()),
                deadline: Some(day("30/07/2026")),
                speeches: vec![speeches[1].clone()],
                ..Default::default()
            },
        )?;
        session::add_conclusion(
            tx,
            &c,
            reg,
            &NewConclusion {
                text: "Giao bộ phận Địa chính kiểm tra, xử lý dứt điểm rác thải, nước thải ngõ 7"
                    .into(),
                department: Some("dia_chinh".into()),
                deadline: Some(day("30/06/2026")),
                speeches: vec![speeches[3].clone()],
                ..Default::default()
            },
        )?;
        session::set_minutes(tx, &c, "Hội nghị diễn ra nghiêm túc, dân chủ.")?;
        Ok::<(), session::SessionError>(())
    });
    let s = session::read(&doc).unwrap();
    let facts: BTreeMap<Uuid, PetitionFact> = BTreeMap::new();
    let sum = session::summarize(&s, &facts, reg);
    let mut ro = report_defaults(&s, reg, day("17/06/2026"), Lang::Vi);
    ro.letterhead.parent = "UBND THÀNH PHỐ BẮC GIANG".into();
    let report = session_report(&s, &sum, reg, &ro);
    let mut mo = minutes_defaults(&s, reg, Lang::Vi);
    mo.letterhead.parent = "UBND THÀNH PHỐ BẮC GIANG".into();
    let minutes = session_minutes(&s, &sum, reg, &mo);
    (report, minutes)
}

#[test]
fn printed_reports_are_readable_on_a4() {
    if tools().is_none() {
        return;
    }
    let dir = out_dir();
    let (ps, h, reg) = ward();
    let data = Dataset {
        petitions: &ps,
        handling: &h,
        registry: &reg,
    };
    let period = Period::month(11, 2026).unwrap();

    // The DOCX first: their 14 pt body measures how poppler boxes a word of a given size.
    let (report, minutes) = session_docs(&reg);
    let mut ratio = 0.0;
    for (name, doc) in [("bao-cao", &report), ("bien-ban", &minutes)] {
        let file = dir.join(format!("{name}.docx"));
        std::fs::write(&file, doc.to_docx().unwrap()).unwrap();
        let pdf = to_pdf(&file);
        page_images(&pdf);
        check_fonts(&pdf);
        let sizes = page_sizes(&pdf);
        assert!(
            sizes.iter().all(|s| is_a4(*s) && s.0 < s.1),
            "{name}: {sizes:?}"
        );
        let ws = words(&pdf);
        if ratio == 0.0 {
            ratio = box_ratio(&ws);
            assert!((0.9..1.4).contains(&ratio), "{ratio}");
        }
        let (small, word) = smallest_font(&ws, ratio);
        assert!(small >= 9.0 - 0.05, "{name}: {word:?} at {small:.1} pt");
        no_overlap(&ws, name);
        numbered_at_top(&pdf, &ws, sizes.len(), sizes[0].0);
        let text: String = (1..=sizes.len()).map(|p| page_text(&pdf, p)).collect();
        // The parent body on one line; "STT" whole.
        assert!(
            page_text(&pdf, 1).contains("UBND THÀNH PHỐ BẮC GIANG"),
            "{name}:\n{}",
            page_text(&pdf, 1)
        );
        for w in &ws {
            assert_ne!(w.text, "ST", "{name}: \"STT\" broken in its column");
        }
        // One spelling of the department, the registry's.
        assert!(!text.contains("Văn hóa - Xã hội"), "{name}:\n{text}");
        // No page ends on a line that introduces what follows.
        for p in 1..sizes.len() {
            let t = page_text(&pdf, p);
            let end = t.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("");
            assert!(
                !end.trim_end().ends_with(':'),
                "{name} page {p} ends on {end:?}"
            );
        }
        // The signatures are not alone on the last page.
        let last = page_text(&pdf, sizes.len());
        let lines = last.lines().filter(|l| !l.trim().is_empty()).count();
        assert!(lines >= 8, "{name}: the last page holds only\n{last}");
        println!(
            "{name}: {} pages A4, smallest text {small:.1} pt ({word}), ratio {ratio:.3}",
            sizes.len()
        );
    }

    // The register.
    let r = register(data, &period, Lang::Vi);
    assert_eq!(r.rows.len(), 40);
    let file = dir.join("so-tiep-nhan.xlsx");
    std::fs::write(&file, xlsx::register_xlsx(&r).unwrap()).unwrap();
    let pdf = to_pdf(&file);
    page_images(&pdf);
    check_fonts(&pdf);
    let sizes = page_sizes(&pdf);
    assert!(sizes.len() >= 2, "{sizes:?}");
    assert!(
        sizes.iter().all(|s| is_a4(*s) && s.0 > s.1),
        "landscape A4: {sizes:?}"
    );
    let ws = words(&pdf);
    let (small, word) = smallest_font(&ws, ratio);
    assert!(small >= 9.0, "register: {word:?} at {small:.1} pt");
    no_overlap(&ws, "register");
    numbered_in_footer(&pdf, sizes.len());
    let mut texts: Vec<String> = Vec::new();
    for row in &r.rows {
        let cells = Register::cells(row);
        texts.extend(cells.iter().cloned());
    }
    all_words_present(&ws, &texts, "register");
    // The headings on every page.
    for p in 1..=sizes.len() {
        let t = page_text(&pdf, p);
        assert!(t.contains("Tóm tắt nội dung"), "page {p}:\n{t}");
    }
    println!(
        "register: {} pages A4 landscape, smallest text {small:.1} pt ({word})",
        sizes.len()
    );

    // The summary: the list, the count tables, the overdue list.
    let s = summary(data, &period, day("31/12/2026"), Lang::Vi);
    let file = dir.join("tong-hop.xlsx");
    std::fs::write(&file, xlsx::summary_xlsx(&s).unwrap()).unwrap();
    let pdf = to_pdf(&file);
    page_images(&pdf);
    check_fonts(&pdf);
    let sizes = page_sizes(&pdf);
    assert!(sizes.iter().all(|s| is_a4(*s)), "{sizes:?}");
    let ws = words(&pdf);
    let (small, word) = smallest_font(&ws, ratio);
    assert!(small >= 9.0, "summary: {word:?} at {small:.1} pt");
    no_overlap(&ws, "summary");
    numbered_in_footer(&pdf, sizes.len());
    let texts: Vec<String> = s.rows.iter().flat_map(|r| r.cells()).collect();
    all_words_present(&ws, &texts, "summary");
    // Each count table's heading is on the page its lines are on.
    let all: Vec<String> = (1..=sizes.len()).map(|p| page_text(&pdf, p)).collect();
    for (title, first) in [
        ("Theo lĩnh vực", "Đất đai"),
        ("Theo tổ dân phố", "Tổ dân phố số 1"),
        ("Theo trạng thái", "Đã kết thúc"),
    ] {
        let p = all.iter().position(|t| t.contains(title)).unwrap();
        assert!(all[p].contains(first), "{title} apart from its lines");
    }
    println!(
        "summary: {} pages A4, smallest text {small:.1} pt ({word})",
        sizes.len()
    );
}

/// The CCCD numbers of the CSV register, opened by LibreOffice as a clerk opens the file:
/// text with its leading zero, not a number.
#[test]
fn csv_id_numbers_open_as_text() {
    if tools().is_none() {
        return;
    }
    let dir = out_dir().join("csv");
    std::fs::create_dir_all(&dir).unwrap();
    let (ps, h, reg) = ward();
    let data = Dataset {
        petitions: &ps,
        handling: &h,
        registry: &reg,
    };
    let r = register(data, &Period::month(11, 2026).unwrap(), Lang::Vi);
    let file = dir.join("so-tiep-nhan.csv");
    std::fs::write(&file, csv::register_csv(&r, ',')).unwrap();
    let profile = dir.join("profile");
    // UTF-8 (76), comma-separated (44), quoted with " (34), from the first line (1).
    let out = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--infilter=CSV:44,34,76,1",
            "--convert-to",
            "xlsx",
            "--outdir",
        ])
        .arg(&dir)
        .arg(&file)
        .output()
        .unwrap();
    let opened = file.with_extension("xlsx");
    assert!(out.status.success() && opened.exists(), "{out:?}");
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&opened).unwrap();
    use calamine::Reader;
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).unwrap();
    let cells: Vec<calamine::Data> = range.rows().skip(1).map(|r| r[3].clone()).collect();
    assert_eq!(cells.len(), r.rows.len());
    for (row, cell) in r.rows.iter().zip(&cells) {
        assert_eq!(
            *cell,
            calamine::Data::String(row.id_numbers.clone()),
            "the CCCD number as LibreOffice shows it"
        );
    }
    assert!(r.rows[0].id_numbers.starts_with('0'));
}

/// The summary's DOCX with its charts and the register's DOCX, printed by LibreOffice: the
/// charts are there as pictures (LibreOffice draws the PNG beside each SVG), the register's 12
/// columns with every row's content on the page, both on A4 landscape; the page images
/// are kept in `target/tmp/printed/` to be looked at.
#[test]
fn printed_docx_summary_shows_its_charts() {
    if tools().is_none() {
        return;
    }
    let dir = out_dir();
    let (ps, h, reg) = ward();
    let data = Dataset {
        petitions: &ps,
        handling: &h,
        registry: &reg,
    };
    let period = Period::month(11, 2026).unwrap();
    let s = summary(data, &period, day("30/11/2026"), Lang::Vi);
    let file = dir.join("tong-hop-bieu-do.docx");
    std::fs::write(
        &file,
        doithoai_reports::docx::summary_docx(&s, &reg, day("01/12/2026")).unwrap(),
    )
    .unwrap();
    let pdf = to_pdf(&file);
    page_images(&pdf);
    let sizes = page_sizes(&pdf);
    assert!(sizes.iter().all(|s| is_a4(*s) && s.0 > s.1), "{sizes:?}");
    // One picture per chart.
    let images = run("pdfimages", &["-list", pdf.to_str().unwrap()]);
    let pictures = images
        .lines()
        .skip(2)
        .filter(|l| l.contains("image"))
        .count();
    assert!(pictures >= 5, "the five charts as pictures:\n{images}");
    let text: String = (1..=sizes.len()).map(|p| page_text(&pdf, p)).collect();
    assert!(text.contains("BIỂU ĐỒ"), "{text}");
    for row in &s.by_field {
        assert!(
            text.contains(&row.label),
            "{} in the count table",
            row.label
        );
    }

    let r = register(data, &period, Lang::Vi);
    let file = dir.join("so-tiep-nhan.docx");
    std::fs::write(
        &file,
        doithoai_reports::docx::register_docx(&r, &reg, day("01/12/2026")).unwrap(),
    )
    .unwrap();
    let pdf = to_pdf(&file);
    page_images(&pdf);
    let sizes = page_sizes(&pdf);
    assert!(
        sizes.iter().all(|s| is_a4(*s) && s.0 > s.1),
        "landscape: {sizes:?}"
    );
    let ws = words(&pdf);
    no_overlap(&ws, "so-tiep-nhan.docx");
    let texts: Vec<String> = r.rows.iter().map(|row| row.content.clone()).collect();
    all_words_present(&ws, &texts, "so-tiep-nhan.docx");
}
