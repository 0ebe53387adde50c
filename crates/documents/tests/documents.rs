//! The report and the minutes of a known session, as DOCX (unzipped, every part checked to be
//! well-formed XML, and the text read back) and as plain text.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use automerge::Automerge;
use automerge::transaction::Transaction;
use doithoai_documents::{
    Letterhead, date_line, minutes_defaults, report_defaults, session_minutes, session_report,
};
use doithoai_model::handling::Ctx;
use doithoai_model::session::{
    self, Category, Chair, NewConclusion, NewSession, NewSpeaker, NewSpeech, PetitionFact,
    SessionError, SessionKind, SpeakerSource,
};
use doithoai_model::{Lang, Registry};
use quick_xml::events::Event;
use uuid::Uuid;

fn day(s: &str) -> chrono::NaiveDate {
    doithoai_model::time::parse_date(s).unwrap()
}

fn apply<R>(
    doc: &mut Automerge,
    f: impl FnOnce(&mut Transaction<'_>) -> Result<R, SessionError>,
) -> R {
    doc.transact_with(|_| automerge::transaction::CommitOptions::default(), f)
        .map(|ok| ok.result)
        .map_err(|f| f.error)
        .unwrap()
}

fn pid(n: u128) -> Uuid {
    Uuid::from_u128(0x3000_0000_0000_4000_8000_0000_0000_0000 + n)
}

fn registry() -> Registry {
    Registry {
        ward_name: "Phường Dĩnh Kế".into(),
        ..Registry::builtin()
    }
}

/// A periodic session: 3 speeches raising 4 matters (one answered on the spot, two assigned to
/// the land department, one noted), 2 conclusions, 120 invited and 97 present.
fn known_session() -> (session::Session, session::Summary, Registry) {
    let reg = registry();
    let c = Ctx::new(
        "Lê Thị Hoa",
        "vp-1",
        doithoai_model::time::parse_datetime("15/06/2024 08:00").unwrap(),
    );
    let new = NewSession {
        kind: SessionKind::DinhKy,
        topic: String::new(),
        title: String::new(),
        date: day("15/06/2024"),
        start: Some("08:00".into()),
        end: Some("11:30".into()),
        place: "Hội trường UBND phường Dĩnh Kế".into(),
        chairs: [
            "bi_thu=Đỗ Huy Hoàng",
            "ct_hdnd=Nguyễn Thị Lan",
            "ct_ubnd=Trần Văn Nam",
        ]
        .iter()
        .map(|s| Chair::parse(s).unwrap())
        .collect(),
        secretary: "Lê Thị Hoa".into(),
        plan_id: None,
    };
    let mut doc = session::new_document(&c, "s-known", &new).unwrap();
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
        let (k, _) = session::add_speaker(
            tx,
            &c,
            &NewSpeaker {
                name: "Nguyễn Văn Đức".into(),
                unit: "TDP 3".into(),
                topic: "Đèn đường".into(),
                source: SpeakerSource::Petition,
                petitions: vec![pid(1)],
            },
        )?;
        session::add_speech(
            tx,
            &c,
            &reg,
            &NewSpeech {
                speaker: Some(k),
                summary: "Đèn chiếu sáng ngõ 12 Lê Lợi hỏng hai tháng".into(),
                on_spot: true,
                answer: "UBND phường sẽ thay bóng đèn trong tuần".into(),
                answered_by: "Đồng chí Trần Văn Nam, Chủ tịch UBND phường".into(),
                ..Default::default()
            },
        )?;
        let s2 = session::add_speech(
            tx,
            &c,
            &reg,
            &NewSpeech {
                name: "Hoàng Thị Mai".into(),
                unit: "TDP 5".into(),
                summary: "Rác thải tồn đọng & nước thải tràn ra đường <ngõ 7>".into(),
                petitions: vec![pid(2), pid(3)],
                ..Default::default()
            },
        )?;
        session::add_speech(
            tx,
            &c,
            &reg,
            &NewSpeech {
                name: "Vũ Văn Hải".into(),
                summary: "Đề nghị tăng giờ sinh hoạt nhà văn hóa".into(),
                field: Some("van_hoa".into()),
                ..Default::default()
            },
        )?;
        session::add_conclusion(
            tx,
            &c,
            &reg,
            &NewConclusion {
                text: "Giao bộ phận Địa chính - Xây dựng kiểm tra, xử lý dứt điểm rác thải, nước thải ngõ 7".into(),
                department: Some("dia_chinh".into()),
                deadline: Some(day("30/06/2024")),
                speeches: vec![s2],
                ..Default::default()
            },
        )?;
        session::add_conclusion(
            tx,
            &c,
            &reg,
            &NewConclusion {
                text: "Tiếp thu ý kiến về giờ mở cửa nhà văn hóa".into(),
                ..Default::default()
            },
        )?;
        session::set_minutes(tx, &c, "Hội nghị diễn ra nghiêm túc, dân chủ.")?;
        Ok(())
    });
    let s = session::read(&doc).unwrap();
    let facts: BTreeMap<Uuid, PetitionFact> =
        [(1, "ha_tang"), (2, "moi_truong"), (3, "moi_truong")]
            .into_iter()
            .map(|(n, f)| {
                (
                    pid(n),
                    PetitionFact {
                        id: pid(n),
                        field: Some(f.into()),
                        content: format!("nội dung {n}"),
                        people: 3,
                        point: "tdp-03".into(),
                    },
                )
            })
            .collect();
    let sum = session::summarize(&s, &facts, &reg);
    (s, sum, reg)
}

/// Unzips a DOCX, checks every XML part is well-formed, and returns the parts.
fn unzip(bytes: &[u8]) -> BTreeMap<String, String> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip archive");
    let mut parts = BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut s = String::new();
        f.read_to_string(&mut s).unwrap();
        well_formed(&name, &s);
        parts.insert(name, s);
    }
    for needed in [
        "[Content_Types].xml",
        "_rels/.rels",
        "word/document.xml",
        "word/_rels/document.xml.rels",
        "word/styles.xml",
    ] {
        assert!(parts.contains_key(needed), "missing {needed}");
    }
    parts
}

fn well_formed(name: &str, xml: &str) {
    let mut r = quick_xml::Reader::from_str(xml);
    r.config_mut().check_end_names = true;
    let mut depth: i64 = 0;
    loop {
        match r.read_event() {
            Ok(Event::Start(_)) => depth += 1,
            Ok(Event::End(_)) => depth -= 1,
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("{name} is not well-formed at {}: {e}", r.buffer_position()),
        }
        assert!(depth >= 0, "{name}: unbalanced");
    }
    assert_eq!(depth, 0, "{name}: unclosed elements");
}

/// The text of `word/document.xml`: the `w:t` contents, one paragraph or table row per line,
/// table cells separated by " | ".
fn document_text(xml: &str) -> String {
    let mut r = quick_xml::Reader::from_str(xml);
    let mut out = String::new();
    let mut in_t = false;
    let mut in_cell = 0;
    loop {
        match r.read_event().unwrap() {
            Event::Start(e) if e.name().as_ref() == "w:t" => in_t = true,
            Event::Start(e) if e.name().as_ref() == "w:tc" => in_cell += 1,
            Event::End(e) if e.name().as_ref() == "w:t" => in_t = false,
            Event::End(e) if e.name().as_ref() == "w:p" && in_cell == 0 => out.push('\n'),
            Event::End(e) if e.name().as_ref() == "w:p" => out.push(' '),
            Event::Empty(e) if e.name().as_ref() == "w:br" => out.push(' '),
            Event::End(e) if e.name().as_ref() == "w:tc" => {
                in_cell -= 1;
                let trimmed = out.trim_end().len();
                out.truncate(trimmed);
                out.push_str(" | ");
            }
            Event::End(e) if e.name().as_ref() == "w:tr" => out.push('\n'),
            Event::Text(t) if in_t => out.push_str(&t.xml10_content()),
            Event::GeneralRef(g) if in_t => {
                let s = match g.as_ref() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    _ => "?",
                };
                out.push_str(s);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

#[test]
fn the_summary_of_the_known_session() {
    let (_, sum, _) = known_session();
    assert_eq!(
        (
            sum.speeches,
            sum.total,
            sum.on_spot,
            sum.assigned,
            sum.noted
        ),
        (3, 4, 1, 2, 1)
    );
    assert_eq!((sum.invited, sum.present), (120, 97));
}

#[test]
fn the_report_docx_opens_and_holds_the_counts_and_conclusions() {
    let (s, sum, reg) = known_session();
    let opts = report_defaults(&s, &reg, day("17/06/2024"), Lang::Vi);
    let doc = session_report(&s, &sum, &reg, &opts);
    let bytes = doc.to_docx().unwrap();
    assert_eq!(&bytes[..2], b"PK");
    let parts = unzip(&bytes);
    let xml = &parts["word/document.xml"];
    assert!(
        xml.contains("Times New Roman") || parts["word/styles.xml"].contains("Times New Roman")
    );
    assert!(
        parts["word/styles.xml"].contains("w:val=\"28\""),
        "14 pt body"
    );
    assert!(xml.contains("w:w=\"11906\""), "A4");
    let text = document_text(xml);
    for needed in [
        "ỦY BAN NHÂN DÂN",
        "ỦY BAN NHÂN DÂN PHƯỜNG DĨNH KẾ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số:       /BC-UBND",
        "Dĩnh Kế, ngày 17 tháng 6 năm 2024",
        "BÁO CÁO",
        "Kết quả hội nghị tiếp xúc, đối thoại định kỳ ngày 15/06/2024",
        "có 97 người dự/120 người được mời",
        "có 3 lượt ý kiến phát biểu, nêu 4 nội dung; trong đó 1 nội dung được trả lời trực tiếp tại hội nghị, 2 nội dung được giao",
        "Giao bộ phận Địa chính - Xây dựng kiểm tra, xử lý dứt điểm rác thải, nước thải ngõ 7",
        "Địa chính - Xây dựng - Đô thị và Môi trường",
        "30/06/2024",
        "Tiếp thu ý kiến về giờ mở cửa nhà văn hóa",
        "UBND phường sẽ thay bóng đèn trong tuần",
        "Nơi nhận:",
        "- Lưu: VT.",
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
        "Trần Văn Nam",
        "đồng chí Đỗ Huy Hoàng - Bí thư Đảng ủy",
    ] {
        assert!(text.contains(needed), "missing {needed:?} in:\n{text}");
    }
    // The table of opinions by field: two on the environment, both assigned.
    assert!(
        text.contains("Môi trường, rác thải | 2 | 0 | 2 | 0 |"),
        "{text}"
    );
    assert!(text.contains("Tổng cộng | 4 | 1 | 2 | 1 |"), "{text}");
    // Text that needs escaping arrives intact.
    assert!(xml.contains("&amp; nước thải") || !xml.contains("& nước"));

    // The same session in plain text says the same.
    let t = doc.to_text();
    for needed in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "BÁO CÁO",
        "Nơi nhận:",
        "TM. ỦY BAN NHÂN DÂN",
        "Trần Văn Nam",
        "Tổng cộng",
    ] {
        assert!(t.contains(needed), "missing {needed:?} in:\n{t}");
    }
    assert!(t.lines().all(|l| l.chars().count() <= 80), "{t}");
    let flat = t.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("có 97 người dự/120 người được mời"), "{flat}");
    assert!(flat.contains("Giao bộ phận Địa chính - Xây"), "{flat}");
}

#[test]
fn the_minutes_hold_the_proceedings_speeches_and_signatures() {
    let (s, sum, reg) = known_session();
    let opts = minutes_defaults(&s, &reg, Lang::Vi);
    let doc = session_minutes(&s, &sum, &reg, &opts);
    let parts = unzip(&doc.to_docx().unwrap());
    let text = document_text(&parts["word/document.xml"]);
    for needed in [
        "BIÊN BẢN",
        "Vào hồi 08 giờ 00 ngày 15/06/2024, tại Hội trường UBND phường Dĩnh Kế",
        "3. Nhân dân phát biểu ý kiến",
        "Ý kiến thứ 2 - Hoàng Thị Mai, TDP 5",
        "Rác thải tồn đọng & nước thải tràn ra đường <ngõ 7>",
        "Trả lời ý kiến thứ 1 - Đồng chí Trần Văn Nam, Chủ tịch UBND phường (trả lời tại chỗ)",
        "Giao: Địa chính - Xây dựng - Đô thị và Môi trường; thời hạn: 30/06/2024.",
        "Hội nghị diễn ra nghiêm túc, dân chủ.",
        "Hội nghị kết thúc vào hồi 11 giờ 30 cùng ngày./.",
        "THƯ KÝ",
        "CHỦ TRÌ",
        "Lê Thị Hoa",
    ] {
        assert!(text.contains(needed), "missing {needed:?} in:\n{text}");
    }
    let t = doc.to_text();
    assert!(t.contains("BIÊN BẢN") && t.contains("THƯ KÝ") && t.contains("CHỦ TRÌ"));

    // English, for a reader who does not read Vietnamese.
    let en = session_minutes(&s, &sum, &reg, &minutes_defaults(&s, &reg, Lang::En));
    let t = en.to_text();
    assert!(t.contains("SOCIALIST REPUBLIC OF VIET NAM"), "{t}");
    assert!(t.contains("MINUTES"));
}

#[test]
fn the_date_line_follows_the_rules() {
    assert_eq!(
        date_line("Dĩnh Kế", day("05/02/2024"), Lang::Vi),
        "Dĩnh Kế, ngày 05 tháng 02 năm 2024"
    );
    assert_eq!(
        date_line("Dĩnh Kế", day("15/10/2024"), Lang::Vi),
        "Dĩnh Kế, ngày 15 tháng 10 năm 2024"
    );
    let lh = Letterhead {
        parent: "UBND THÀNH PHỐ BẮC GIANG".into(),
        issuer: "ỦY BAN NHÂN DÂN\nPHƯỜNG DĨNH KẾ".into(),
        number: "25/BC-UBND".into(),
        place: "Dĩnh Kế".into(),
        date: day("17/06/2024"),
    };
    let (s, sum, reg) = known_session();
    let mut opts = report_defaults(&s, &reg, day("17/06/2024"), Lang::Vi);
    opts.letterhead = lh;
    let t = session_report(&s, &sum, &reg, &opts).to_text();
    assert!(t.contains("UBND THÀNH PHỐ BẮC GIANG"));
    assert!(t.contains("Số: 25/BC-UBND"));
}

/// The widths of the columns of each table of `xml`, with the text of the table.
fn tables(xml: &str) -> Vec<(Vec<u32>, String)> {
    xml.split("<w:tbl>")
        .skip(1)
        .map(|t| {
            let t = &t[..t.find("</w:tbl>").unwrap_or(t.len())];
            let widths = t
                .split("<w:gridCol w:w=\"")
                .skip(1)
                .map(|g| g[..g.find('"').unwrap()].parse().unwrap())
                .collect();
            (
                widths,
                document_text(&format!("<w:document>{t}</w:document>")),
            )
        })
        .collect()
}

/// The paragraph properties of the paragraph of `xml` holding `text`.
fn para_props<'a>(xml: &'a str, text: &str) -> &'a str {
    let at = xml.find(text).unwrap_or_else(|| panic!("{text} not found"));
    let start = xml[..at].rfind("<w:p>").unwrap();
    let end = xml[start..].find("</w:pPr>").unwrap() + start;
    &xml[start..end]
}

/// What a printed page needs (NĐ 30/2020): the page number centred in the top margin from page
/// 2, no heading broken inside a word, the parent body on one line, the motto's rule as long as
/// the motto, the last paragraph kept with the signatures.
#[test]
fn the_docx_is_laid_out_for_print() {
    use doithoai_documents::metrics::{longest_word, text_width};
    let (s, sum, reg) = known_session();
    let mut opts = report_defaults(&s, &reg, day("17/06/2024"), Lang::Vi);
    opts.letterhead.parent = "UBND THÀNH PHỐ BẮC GIANG".into();
    let doc = session_report(&s, &sum, &reg, &opts);
    let parts = unzip(&doc.to_docx().unwrap());
    let xml = &parts["word/document.xml"];

    // Page numbers: a header with the PAGE field, an empty one for the first page.
    assert!(xml.contains("<w:titlePg/>"), "different first page");
    assert!(xml.contains("<w:headerReference w:type=\"default\" r:id=\"rId3\"/>"));
    assert!(xml.contains("<w:headerReference w:type=\"first\" r:id=\"rId4\"/>"));
    let rels = &parts["word/_rels/document.xml.rels"];
    assert!(rels.contains("Id=\"rId3\"") && rels.contains("Target=\"header1.xml\""));
    let header = &parts["word/header1.xml"];
    assert!(header.contains("<w:instrText xml:space=\"preserve\"> PAGE </w:instrText>"));
    assert!(header.contains("<w:jc w:val=\"center\"/>"));
    assert!(!parts["word/header2.xml"].contains("PAGE"));
    assert!(parts["[Content_Types].xml"].contains("/word/header1.xml"));

    // Each table's columns hold the longest word of their heading, bold 13 pt, within the
    // cell's padding (80 twips each side).
    let ts = tables(xml);
    let stt: Vec<&(Vec<u32>, String)> = ts.iter().filter(|t| t.1.starts_with("STT")).collect();
    assert!(stt.len() >= 2, "{ts:?}");
    let need = (text_width("STT", 13.0, true) * 20.0) as u32 + 160;
    for (widths, text) in &stt {
        assert!(
            widths[0] >= need,
            "STT in {} twips ({need} needed): {text}",
            widths[0]
        );
        let heading: Vec<&str> = text.lines().next().unwrap().split(" | ").collect();
        for (h, w) in heading.iter().zip(widths) {
            let word = (longest_word(h, 13.0, true) * 20.0) as u32 + 160;
            assert!(*w >= word, "{h:?} in {w} twips");
        }
    }

    // The letterhead: the parent body fits its column on one line.
    let (lh, lh_text) = &ts[0];
    assert!(lh_text.contains("UBND THÀNH PHỐ BẮC GIANG"), "{lh_text}");
    let parent = (text_width("UBND THÀNH PHỐ BẮC GIANG", 13.0, false) * 20.0) as u32;
    assert!(lh[0] >= parent + 160, "{} < {parent}", lh[0]);
    let nation = (text_width("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12.0, true) * 20.0) as u32;
    assert!(lh[1] >= nation + 160, "{} < {nation}", lh[1]);
    // The rule under the motto: the paragraph after the motto, its indents leaving the
    // motto's width.
    let motto_at = xml.find("Độc lập - Tự do - Hạnh phúc").unwrap();
    let rule = &xml[motto_at..];
    let rule = &rule[rule.find("<w:pBdr>").unwrap()..];
    let ind: u32 = rule
        .split("w:left=\"")
        .nth(1)
        .map(|r| r[..r.find('"').unwrap()].parse().unwrap())
        .unwrap();
    let length = lh[1] - 160 - 2 * ind;
    let motto = (text_width("Độc lập - Tự do - Hạnh phúc", 13.0, true) * 20.0) as u32;
    assert!(
        length.abs_diff(motto) <= 20,
        "rule {length} twips, motto {motto}"
    );

    // A line introducing a table is kept with it.
    let intro = para_props(xml, "3. Kết luận của chủ trì và phân công thực hiện:");
    assert!(intro.contains("<w:keepNext/>"), "{intro}");
    // The last paragraph is kept whole and with the signatures; the one before with it.
    let last = para_props(xml, "Trên đây là báo cáo");
    assert!(
        last.contains("<w:keepNext/>") && last.contains("<w:keepLines/>"),
        "{last}"
    );
}

/// A department typed with the other tone placement ("Văn hóa") is spelt as the ward's
/// registry spells it ("Văn hoá"), so the two never stand side by side.
#[test]
fn departments_are_spelt_as_the_registry_spells_them() {
    use doithoai_documents::{AdminDoc, Block, Signature};
    let reg = registry();
    assert!(reg.departments.iter().any(|d| d.name == "Văn hoá - Xã hội"));
    let doc = AdminDoc {
        letterhead: Letterhead {
            parent: String::new(),
            issuer: "ỦY BAN NHÂN DÂN".into(),
            number: String::new(),
            place: "Dĩnh Kế".into(),
            date: day("17/06/2024"),
        },
        title: "BÁO CÁO".into(),
        subtitle: String::new(),
        body: vec![
            Block::para("Giao Văn hóa - Xã hội khảo sát nhà văn hóa TDP 5."),
            Block::Table {
                widths: vec![1, 1],
                header: vec!["Nội dung".into(), "Bộ phận".into()],
                rows: vec![vec![
                    "Giao Văn hóa - Xã hội khảo sát".into(),
                    "Văn hoá - Xã hội".into(),
                ]],
                total: None,
            },
        ],
        recipients: Vec::new(),
        signatures: vec![Signature::default()],
        lang: Lang::Vi,
    }
    .in_registry_spelling(&reg);
    let text = doc.to_text();
    assert!(!text.contains("Văn hóa - Xã hội"), "{text}");
    assert!(text.contains("Giao Văn hoá - Xã hội khảo sát"), "{text}");
    // "nhà văn hóa" is not the department's name and is left as written.
    assert!(text.contains("nhà văn hóa TDP 5"), "{text}");
}
