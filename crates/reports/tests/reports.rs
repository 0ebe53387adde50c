//! The register and the summary of a small known ward, checked cell by cell in CSV and XLSX.

use std::io::Cursor;

use automerge::Automerge;
use automerge::transaction::Transaction;
use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use chrono::NaiveDate;
use doithoai_model::handling::{
    self, AnswerInput, AssignInput, Channel, ClassifyInput, Competence, Ctx, ForwardInput,
    ForwardMode, Handling, HandlingError, NotifyInput,
};
use doithoai_model::registry::{Point, PointKind};
use doithoai_model::{Lang, Petition, PetitionKind, Registry, Resident};
use doithoai_reports::{Dataset, Period, csv, register, summary, text, xlsx};
use uuid::Uuid;

fn day(s: &str) -> NaiveDate {
    doithoai_model::time::parse_date(s).unwrap()
}

struct P {
    n: u128,
    point: &'static str,
    name: &'static str,
    address: &'static str,
    tdp: &'static str,
    id_number: Option<&'static str>,
    people: u32,
    kind: PetitionKind,
    field: Option<&'static str>,
    content: &'static str,
    request: &'static str,
    created: &'static str,
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(0xaaaa_0000_0000_4000_8000_0000_0000_0000 + n)
}

fn petition(p: &P) -> Petition {
    let at = doithoai_model::time::parse_datetime(p.created).unwrap();
    Petition {
        id: id(p.n),
        created_at: at,
        created_by: "Tổ trưởng".into(),
        point: p.point.into(),
        residents: vec![Resident {
            name: p.name.into(),
            address: p.address.into(),
            tdp: p.tdp.into(),
            phone: None,
            id_number: p.id_number.map(str::to_owned),
        }],
        people_count: p.people,
        kind: p.kind,
        field: p.field.map(str::to_owned),
        content: p.content.into(),
        request: p.request.into(),
        place: String::new(),
        wants_to_speak: false,
        relayed: None,
        updated_at: at,
    }
}

fn registry() -> Registry {
    let mut r = Registry::builtin();
    r.ward_name = "Dĩnh Kế".into();
    r.points = vec![
        Point {
            id: "tdp-03".into(),
            kind: PointKind::Tdp,
            name: "Tổ dân phố số 3".into(),
            intake: None,
        },
        Point {
            id: "van-phong".into(),
            kind: PointKind::Office,
            name: "Bộ phận tiếp nhận".into(),
            intake: None,
        },
    ];
    r
}

fn apply<R>(
    doc: &mut Automerge,
    f: impl FnOnce(&mut Transaction<'_>) -> Result<R, HandlingError>,
) -> R {
    doc.transact_with(|_| automerge::transaction::CommitOptions::default(), f)
        .map(|ok| ok.result)
        .map_err(|f| f.error)
        .unwrap()
}

/// Seven petitions of November 2026 (one of December) in every state the reports show.
fn ward() -> (Vec<Petition>, Handling, Registry) {
    let reg = registry();
    let ps: Vec<Petition> = [
        P {
            n: 1,
            point: "tdp-03",
            name: "Nguyễn Văn Đức",
            address: "Số 5 ngõ 12 Lê Lợi",
            tdp: "TDP 3",
            id_number: Some("024123456789"),
            people: 5,
            kind: PetitionKind::KienNghi,
            field: Some("ha_tang"),
            content: "Đèn đường ngõ 12 hỏng hai tháng nay",
            request: "Thay bóng đèn",
            created: "02/11/2026 19:30",
        },
        P {
            n: 2,
            point: "van-phong",
            name: "Trần Thị Thủy",
            address: "Số 9 ngõ 12 Lê Lợi",
            tdp: "TDP 3",
            id_number: None,
            people: 3,
            kind: PetitionKind::PhanAnh,
            field: Some("ha_tang"),
            content: "Ngõ 12 Lê Lợi mất đèn chiếu sáng",
            request: "",
            created: "04/11/2026 08:00",
        },
        P {
            n: 3,
            point: "van-phong",
            name: "Lê Văn Hùng",
            address: "Số 1 đường Xương Giang",
            tdp: "TDP 5",
            id_number: None,
            people: 1,
            kind: PetitionKind::KhieuNai,
            field: Some("dat_dai"),
            content: "Khiếu nại quyết định thu hồi đất",
            request: "Xem xét lại",
            created: "05/11/2026 09:00",
        },
        P {
            n: 4,
            point: "tdp-03",
            name: "Phạm Thị Lan",
            address: "Số 20 Lê Lợi",
            tdp: "TDP 3",
            id_number: None,
            people: 1,
            kind: PetitionKind::PhanAnh,
            field: Some("moi_truong"),
            content: "Rác thải tập kết sai nơi quy định",
            request: "",
            created: "06/11/2026 10:00",
        },
        P {
            n: 5,
            point: "van-phong",
            name: "Đỗ Văn Nam",
            address: "Số 3 Hoàng Văn Thụ",
            tdp: "TDP 5",
            id_number: None,
            people: 1,
            kind: PetitionKind::KienNghi,
            field: Some("an_ninh"),
            content: "Đề nghị tăng cường tuần tra ban đêm",
            request: "",
            created: "10/11/2026 14:00",
        },
        P {
            n: 6,
            point: "van-phong",
            name: "Hoàng Thị Mai",
            address: "Số 8 Nguyễn Du",
            tdp: "TDP 7",
            id_number: None,
            people: 1,
            kind: PetitionKind::YKien,
            field: None,
            content: "Hỏi về lịch tiêm chủng",
            request: "",
            created: "12/11/2026 08:30",
        },
        P {
            n: 7,
            point: "tdp-03",
            name: "Vũ Văn Bình",
            address: "Số 2 Lê Lợi",
            tdp: "TDP 3",
            id_number: None,
            people: 2,
            kind: PetitionKind::KienNghi,
            field: Some("ha_tang"),
            content: "Cống thoát nước tắc",
            request: "",
            created: "01/12/2026 08:00",
        },
    ]
    .iter()
    .map(petition)
    .collect();
    let mut doc = handling::new_document("dinh-ke").unwrap();
    let c = Ctx::new(
        "Văn thư Lan",
        "vp-1",
        doithoai_model::time::parse_datetime("03/12/2026 17:00").unwrap(),
    );
    let classify = |kind, field: &str, prior: &str| ClassifyInput {
        kind,
        field: field.into(),
        competence: Competence::Ward,
        prior: prior.into(),
    };
    for (n, date) in [
        (1, "03/11/2026"),
        (2, "04/11/2026"),
        (3, "05/11/2026"),
        (4, "06/11/2026"),
        (5, "10/11/2026"),
        (7, "02/12/2026"),
    ] {
        let p = &ps[n - 1];
        apply(&mut doc, |tx| {
            handling::receive(tx, &c, p.id, &p.point, p.date(), day(date))
        });
    }
    apply(&mut doc, |tx| {
        handling::classify(
            tx,
            &c,
            &reg,
            id(1),
            &classify(PetitionKind::KienNghi, "ha_tang", ""),
        )
    });
    apply(&mut doc, |tx| {
        handling::assign(
            tx,
            &c,
            &reg,
            id(1),
            &AssignInput {
                department: "dia_chinh".into(),
                deadline: None,
                note: String::new(),
            },
        )
    });
    apply(&mut doc, |tx| {
        handling::answer(
            tx,
            &c,
            id(1),
            &AnswerInput {
                text: "Đã thay bóng đèn ngày 10/11/2026".into(),
                doc_no: "45/UBND-ĐC".into(),
                date: Some(day("10/11/2026")),
                ..Default::default()
            },
        )
    });
    apply(&mut doc, |tx| {
        handling::approve(tx, &c, id(1), "Chủ tịch UBND", "")
    });
    apply(&mut doc, |tx| {
        handling::notify(
            tx,
            &c,
            id(1),
            &NotifyInput {
                channel: Channel::TdpLeader,
                date: Some(day("12/11/2026")),
                note: String::new(),
            },
        )
    });
    apply(&mut doc, |tx| handling::close(tx, &c, id(1), ""));
    apply(&mut doc, |tx| {
        handling::classify(
            tx,
            &c,
            &reg,
            id(2),
            &classify(PetitionKind::PhanAnh, "ha_tang", ""),
        )
    });
    apply(&mut doc, |tx| handling::merge(tx, &c, id(2), id(1)));
    apply(&mut doc, |tx| {
        handling::classify(
            tx,
            &c,
            &reg,
            id(3),
            &classify(
                PetitionKind::KhieuNai,
                "dat_dai",
                "UBND phường đã trả lời tháng 5/2026",
            ),
        )
    });
    apply(&mut doc, |tx| {
        handling::forward(
            tx,
            &c,
            id(3),
            &ForwardInput {
                mode: ForwardMode::Guide,
                to: "Chủ tịch UBND thành phố".into(),
                letter_no: "15/HD-UBND".into(),
                date: Some(day("06/11/2026")),
            },
        )
    });
    apply(&mut doc, |tx| {
        handling::classify(
            tx,
            &c,
            &reg,
            id(4),
            &classify(PetitionKind::PhanAnh, "moi_truong", ""),
        )
    });
    apply(&mut doc, |tx| {
        handling::assign(
            tx,
            &c,
            &reg,
            id(4),
            &AssignInput {
                department: "dia_chinh".into(),
                deadline: None,
                note: String::new(),
            },
        )
    });
    apply(&mut doc, |tx| {
        handling::answer(
            tx,
            &c,
            id(5),
            &AnswerInput {
                text: "Công an phường sẽ tăng cường tuần tra".into(),
                on_spot: true,
                date: Some(day("10/11/2026")),
                ..Default::default()
            },
        )
    });
    let h = handling::read(&doc).unwrap();
    (ps, h, reg)
}

fn expected_register() -> Vec<Vec<&'static str>> {
    vec![
        vec![
            "1",
            "03/11/2026",
            "Nguyễn Văn Đức, Số 5 ngõ 12 Lê Lợi, TDP 3",
            "024123456789",
            "Đèn đường ngõ 12 hỏng hai tháng nay\nĐề nghị: Thay bóng đèn",
            "Kiến nghị (Hạ tầng, giao thông, chiếu sáng, thoát nước)",
            "8",
            "",
            "Địa chính - Xây dựng - Đô thị và Môi trường, hạn 17/11/2026",
            "",
            "",
            "Kết quả: Đã thay bóng đèn ngày 10/11/2026 (văn bản trả lời số 45/UBND-ĐC, ngày 10/11/2026); đã thông báo ngày 12/11/2026 (qua tổ trưởng tổ dân phố); đã kết thúc",
        ],
        vec![
            "2",
            "04/11/2026",
            "Trần Thị Thủy, Số 9 ngõ 12 Lê Lợi, TDP 3",
            "",
            "Ngõ 12 Lê Lợi mất đèn chiếu sáng",
            "Phản ánh (Hạ tầng, giao thông, chiếu sáng, thoát nước)",
            "3",
            "",
            "",
            "",
            "",
            "Trùng nội dung, gộp vào số 1/2026 (đã kết thúc)",
        ],
        vec![
            "3",
            "05/11/2026",
            "Lê Văn Hùng, Số 1 đường Xương Giang, TDP 5",
            "",
            "Khiếu nại quyết định thu hồi đất\nĐề nghị: Xem xét lại",
            "Khiếu nại (Đất đai)",
            "1",
            "UBND phường đã trả lời tháng 5/2026",
            "",
            "Chủ tịch UBND thành phố (văn bản số 15/HD-UBND ngày 06/11/2026)",
            "",
            "Đã trả lại đơn và hướng dẫn ngày 06/11/2026",
        ],
        vec![
            "4",
            "06/11/2026",
            "Phạm Thị Lan, Số 20 Lê Lợi, TDP 3",
            "",
            "Rác thải tập kết sai nơi quy định",
            "Phản ánh (Môi trường, rác thải)",
            "1",
            "",
            "Địa chính - Xây dựng - Đô thị và Môi trường, hạn 20/11/2026",
            "",
            "",
            "Đang giải quyết, chưa có kết quả",
        ],
        vec![
            "5",
            "10/11/2026",
            "Đỗ Văn Nam, Số 3 Hoàng Văn Thụ, TDP 5",
            "",
            "Đề nghị tăng cường tuần tra ban đêm",
            "Kiến nghị (An ninh trật tự, an toàn giao thông, phòng cháy)",
            "1",
            "",
            "Trả lời tại chỗ",
            "",
            "",
            "Trả lời tại chỗ: Công an phường sẽ tăng cường tuần tra",
        ],
    ]
}

/// Parses CSV written by this crate (RFC 4180, CRLF), checking the byte-order mark.
fn parse_csv(bytes: &[u8], sep: char) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).unwrap();
    let text = text
        .strip_prefix('\u{feff}')
        .expect("UTF-8 byte-order mark");
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            ('"', true) => quoted = false,
            ('"', false) if cell.is_empty() => quoted = true,
            ('\r', false) => {}
            ('\n', false) => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (c, false) if c == sep => row.push(std::mem::take(&mut cell)),
            (c, _) => cell.push(c),
        }
    }
    rows
}

fn xlsx_rows(bytes: Vec<u8>, sheet: &str) -> Vec<Vec<Data>> {
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let range = wb.worksheet_range(sheet).unwrap();
    // Make absolute row numbers: calamine's range starts at the first used cell.
    let (r0, c0) = range.start().unwrap();
    assert_eq!((r0, c0), (0, 0));
    range.rows().map(|r| r.to_vec()).collect()
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::DateTime(dt) => {
            // Excel's serial day 0 is 30/12/1899.
            let base = day("30/12/1899");
            let d = base + chrono::Duration::days(dt.as_f64() as i64);
            doithoai_model::time::format_date(d)
        }
        Data::Empty => String::new(),
        other => format!("{other:?}"),
    }
}

#[test]
fn register_csv_cell_by_cell() {
    let (ps, h, reg) = ward();
    let data = Dataset {
        petitions: &ps,
        handling: &h,
        registry: &reg,
    };
    let r = register(data, &Period::month(11, 2026).unwrap(), Lang::Vi);
    let rows = parse_csv(&csv::register_csv(&r, ','), ',');
    assert_eq!(
        rows[0],
        doithoai_reports::register_headings(Lang::Vi)
            .map(str::to_owned)
            .to_vec()
    );
    assert_eq!(
        rows[0][9],
        "Trả lại đơn và hướng dẫn (người nhận, số văn bản)"
    );
    let expected = expected_register();
    assert_eq!(rows.len(), 1 + expected.len(), "{rows:#?}");
    for (i, exp) in expected.iter().enumerate() {
        for (c, cell) in exp.iter().enumerate() {
            // ID card numbers are written ="0241…" so that Excel keeps the leading zero.
            let cell = if c == 3 && !cell.is_empty() {
                format!("=\"{cell}\"")
            } else {
                cell.to_string()
            };
            assert_eq!(rows[i + 1][c], cell, "row {} column {}", i + 1, c + 1);
        }
    }
    // A semicolon separator for Excel set to Vietnamese regional settings.
    let semi = parse_csv(&csv::register_csv(&r, ';'), ';');
    assert_eq!(semi, rows);
    // December is another period.
    let dec = register(data, &Period::month(12, 2026).unwrap(), Lang::Vi);
    assert_eq!(dec.rows.len(), 1);
    assert_eq!(dec.rows[0].no.to_string(), "6/2026");
    let year = register(data, &Period::year(2026).unwrap(), Lang::Vi);
    assert_eq!(year.rows.len(), 6);
}

#[test]
fn register_xlsx_cell_by_cell() {
    let (ps, h, reg) = ward();
    let data = Dataset {
        petitions: &ps,
        handling: &h,
        registry: &reg,
    };
    let r = register(data, &Period::month(11, 2026).unwrap(), Lang::Vi);
    let rows = xlsx_rows(xlsx::register_xlsx(&r).unwrap(), "Sổ tiếp nhận");
    assert_eq!(
        cell_text(&rows[xlsx::TITLE_ROW as usize][0]),
        "SỔ TIẾP NHẬN, XỬ LÝ Ý KIẾN, KIẾN NGHỊ, PHẢN ÁNH CỦA NHÂN DÂN"
    );
    assert_eq!(
        cell_text(&rows[xlsx::SUBTITLE_ROW as usize][0]),
        "Phường Dĩnh Kế — Tháng 11/2026"
    );
    let header: Vec<String> = rows[xlsx::HEADER_ROW as usize]
        .iter()
        .map(cell_text)
        .collect();
    assert_eq!(
        header,
        doithoai_reports::register_headings(Lang::Vi)
            .map(str::to_owned)
            .to_vec()
    );
    let numbers: Vec<String> = rows[xlsx::NUMBER_ROW as usize]
        .iter()
        .map(cell_text)
        .collect();
    assert_eq!(numbers[0], "(1)");
    assert_eq!(numbers[11], "(12)");
    let expected = expected_register();
    assert_eq!(rows.len(), xlsx::FIRST_DATA_ROW as usize + expected.len());
    for (i, exp) in expected.iter().enumerate() {
        let row = &rows[xlsx::FIRST_DATA_ROW as usize + i];
        for (c, cell) in exp.iter().enumerate() {
            assert_eq!(cell_text(&row[c]), *cell, "row {} column {}", i + 1, c + 1);
        }
        // Numbers and dates are real numbers and dates, not text.
        assert!(matches!(row[0], Data::Float(_)));
        assert!(matches!(row[1], Data::DateTime(_)));
        assert!(matches!(row[6], Data::Float(_)));
    }
}

fn expected_summary_rows() -> Vec<Vec<&'static str>> {
    vec![
        vec![
            "1",
            "Đèn đường ngõ 12 hỏng hai tháng nay",
            "Nguyễn Văn Đức (Tổ dân phố số 3)",
            "Hạ tầng, giao thông, chiếu sáng, thoát nước",
            "Phường",
            "Địa chính - Xây dựng - Đô thị và Môi trường",
            "Đã thay bóng đèn ngày 10/11/2026 (văn bản số 45/UBND-ĐC)",
            "Số vào sổ 1/2026",
        ],
        vec![
            "2",
            "Ngõ 12 Lê Lợi mất đèn chiếu sáng",
            "Trần Thị Thủy (Tổ dân phố số 3)",
            "Hạ tầng, giao thông, chiếu sáng, thoát nước",
            "Phường",
            "",
            "Trùng nội dung, gộp vào số 1/2026",
            "Số vào sổ 2/2026",
        ],
        vec![
            "3",
            "Khiếu nại quyết định thu hồi đất",
            "Lê Văn Hùng (TDP 5)",
            "Đất đai",
            "Phường",
            "Chủ tịch UBND thành phố (văn bản số 15/HD-UBND)",
            "Trả lại đơn và hướng dẫn: Chủ tịch UBND thành phố",
            "Số vào sổ 3/2026; Khiếu nại/tố cáo: xử lý theo luật riêng",
        ],
        vec![
            "4",
            "Rác thải tập kết sai nơi quy định",
            "Phạm Thị Lan (Tổ dân phố số 3)",
            "Môi trường, rác thải",
            "Phường",
            "Địa chính - Xây dựng - Đô thị và Môi trường",
            "Đã giao xử lý",
            "Số vào sổ 4/2026; Quá hạn giải quyết (hạn 20/11/2026)",
        ],
        vec![
            "5",
            "Đề nghị tăng cường tuần tra ban đêm",
            "Đỗ Văn Nam (TDP 5)",
            "An ninh trật tự, an toàn giao thông, phòng cháy",
            "",
            "",
            "Công an phường sẽ tăng cường tuần tra",
            "Số vào sổ 5/2026; Trả lời tại chỗ",
        ],
        vec![
            "6",
            "Hỏi về lịch tiêm chủng",
            "Hoàng Thị Mai (TDP 7)",
            "Chưa phân loại",
            "",
            "",
            "Mới ghi nhận",
            "Chưa vào sổ quá 10 ngày làm việc (hạn 26/11/2026)",
        ],
    ]
}

/// (label, petitions, people) of the count tables, in order.
type Counts = Vec<(&'static str, u32, u32)>;

fn expected_counts() -> (Counts, Counts, Counts) {
    let by_field = vec![
        ("Đất đai", 1, 1),
        ("Xây dựng, trật tự đô thị", 0, 0),
        ("Hạ tầng, giao thông, chiếu sáng, thoát nước", 2, 8),
        ("Môi trường, rác thải", 1, 1),
        ("An ninh trật tự, an toàn giao thông, phòng cháy", 1, 1),
        ("Chính sách xã hội", 0, 0),
        ("Y tế, giáo dục", 0, 0),
        ("Văn hoá, thông tin", 0, 0),
        ("Điện, nước", 0, 0),
        ("Thủ tục hành chính", 0, 0),
        ("Cán bộ, xây dựng Đảng và chính quyền", 0, 0),
        ("Khác", 0, 0),
        ("Chưa phân loại", 1, 1),
    ];
    let by_tdp = vec![("TDP 5", 2, 2), ("TDP 7", 1, 1), ("Tổ dân phố số 3", 3, 9)];
    let by_status = vec![
        ("Mới ghi nhận", 1, 1),
        ("Đã tiếp nhận", 0, 0),
        ("Đã phân loại", 0, 0),
        ("Đã gộp (trùng)", 1, 3),
        ("Đã chuyển đơn", 1, 1),
        ("Lưu, không xử lý", 0, 0),
        ("Đã giao xử lý", 1, 1),
        ("Đã có trả lời", 0, 0),
        ("Đã duyệt trả lời", 0, 0),
        ("Đã thông báo", 1, 1),
        ("Đã kết thúc", 1, 5),
    ];
    (by_field, by_tdp, by_status)
}

const TOTALS: [(&str, u32); 11] = [
    ("Tổng số ý kiến, kiến nghị", 6),
    ("Tổng số người", 12),
    ("Chưa vào sổ", 1),
    ("Trả lời tại chỗ", 1),
    ("Giao xử lý", 2),
    ("Chuyển đơn, hướng dẫn", 1),
    ("Lưu, không xử lý", 0),
    ("Gộp trùng", 1),
    ("Khiếu nại, tố cáo (xử lý theo luật riêng)", 1),
    ("Đã thông báo kết quả", 2),
    ("Quá hạn", 2),
];

fn sections(rows: &[Vec<String>]) -> std::collections::HashMap<String, Vec<Vec<String>>> {
    // A section starts after a blank line with its title line; it ends at the next blank line.
    let mut out = std::collections::HashMap::new();
    let mut i = 0;
    while i < rows.len() {
        if rows[i].iter().all(String::is_empty) && i + 1 < rows.len() {
            let title = rows[i + 1][0].clone();
            let mut j = i + 2;
            let mut body = Vec::new();
            while j < rows.len() && !rows[j].iter().all(String::is_empty) {
                body.push(rows[j].clone());
                j += 1;
            }
            out.insert(title, body);
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

#[test]
fn summary_csv_cell_by_cell() {
    let (ps, h, reg) = ward();
    let data = Dataset {
        petitions: &ps,
        handling: &h,
        registry: &reg,
    };
    let s = summary(
        data,
        &Period::month(11, 2026).unwrap(),
        day("30/11/2026"),
        Lang::Vi,
    );
    let rows = parse_csv(&csv::summary_csv(&s, ','), ',');
    assert_eq!(rows[0], vec!["TỔNG HỢP Ý KIẾN, KIẾN NGHỊ CỦA NHÂN DÂN"]);
    assert_eq!(rows[1], vec!["Phường Dĩnh Kế — Tháng 11/2026"]);
    assert_eq!(
        rows[3],
        doithoai_reports::summary_headings(Lang::Vi)
            .map(str::to_owned)
            .to_vec()
    );
    let expected = expected_summary_rows();
    for (i, exp) in expected.iter().enumerate() {
        for (c, cell) in exp.iter().enumerate() {
            assert_eq!(rows[4 + i][c], *cell, "row {} column {}", i + 1, c + 1);
        }
    }
    assert!(rows[4 + expected.len()].iter().all(String::is_empty));
    let secs = sections(&rows);
    let (by_field, by_tdp, by_status) = expected_counts();
    for (title, exp) in [
        ("Thống kê theo lĩnh vực", &by_field),
        ("Thống kê theo tổ dân phố", &by_tdp),
        ("Thống kê theo trạng thái", &by_status),
    ] {
        let body = &secs[title];
        assert_eq!(body[0][1..], ["Số ý kiến", "Số người"]);
        let got: Vec<(String, u32, u32)> = body[1..]
            .iter()
            .map(|r| (r[0].clone(), r[1].parse().unwrap(), r[2].parse().unwrap()))
            .collect();
        let exp: Vec<(String, u32, u32)> = exp
            .iter()
            .map(|(l, a, b)| (l.to_string(), *a, *b))
            .collect();
        assert_eq!(got, exp, "{title}");
    }
    let totals: Vec<(String, u32)> = secs["Tổng hợp"]
        .iter()
        .map(|r| (r[0].clone(), r[1].parse().unwrap()))
        .collect();
    assert_eq!(
        totals,
        TOTALS
            .iter()
            .map(|(l, n)| (l.to_string(), *n))
            .collect::<Vec<_>>()
    );
    let overdue = &secs["Ý kiến quá hạn tính đến ngày 30/11/2026"];
    assert_eq!(
        overdue[1],
        [
            "1",
            "4/2026",
            "Rác thải tập kết sai nơi quy định",
            "Quá hạn giải quyết",
            "20/11/2026",
            "10",
            "Địa chính - Xây dựng - Đô thị và Môi trường"
        ]
    );
    assert_eq!(
        overdue[2],
        [
            "2",
            "",
            "Hỏi về lịch tiêm chủng",
            "Chưa vào sổ quá 10 ngày làm việc",
            "26/11/2026",
            "4",
            ""
        ]
    );
    assert_eq!(overdue.len(), 3);
}

#[test]
fn summary_xlsx_cell_by_cell() {
    let (ps, h, reg) = ward();
    let data = Dataset {
        petitions: &ps,
        handling: &h,
        registry: &reg,
    };
    let s = summary(
        data,
        &Period::month(11, 2026).unwrap(),
        day("30/11/2026"),
        Lang::Vi,
    );
    let bytes = xlsx::summary_xlsx(&s).unwrap();
    let list = xlsx_rows(bytes.clone(), "Tổng hợp");
    assert_eq!(
        cell_text(&list[0][0]),
        "TỔNG HỢP Ý KIẾN, KIẾN NGHỊ CỦA NHÂN DÂN"
    );
    let expected = expected_summary_rows();
    assert_eq!(list.len(), xlsx::FIRST_DATA_ROW as usize + expected.len());
    for (i, exp) in expected.iter().enumerate() {
        let row = &list[xlsx::FIRST_DATA_ROW as usize + i];
        for (c, cell) in exp.iter().enumerate() {
            assert_eq!(cell_text(&row[c]), *cell, "row {} column {}", i + 1, c + 1);
        }
    }
    let counts = xlsx_rows(bytes.clone(), "Thống kê");
    let text: Vec<Vec<String>> = counts
        .iter()
        .map(|r| r.iter().map(cell_text).collect())
        .collect();
    let find = |label: &str| text.iter().position(|r| r[0] == label).unwrap();
    let t = find("Tổng hợp");
    for (i, (label, n)) in TOTALS.iter().enumerate() {
        assert_eq!(text[t + 1 + i][0], *label);
        assert_eq!(text[t + 1 + i][1], n.to_string());
        assert!(matches!(counts[t + 1 + i][1], Data::Float(_)));
    }
    let (by_field, by_tdp, by_status) = expected_counts();
    for (title, exp) in [
        ("Theo lĩnh vực", &by_field),
        ("Theo tổ dân phố", &by_tdp),
        ("Theo trạng thái", &by_status),
    ] {
        let start = find(title) + 2;
        for (i, (label, n, people)) in exp.iter().enumerate() {
            assert_eq!(
                text[start + i][..3],
                [label.to_string(), n.to_string(), people.to_string()],
                "{title}"
            );
        }
        let total = &text[start + exp.len()];
        assert_eq!(total[0], "Cộng");
        assert_eq!(total[1], exp.iter().map(|e| e.1).sum::<u32>().to_string());
    }
    let overdue = xlsx_rows(bytes, "Quá hạn");
    let row: Vec<String> = overdue[xlsx::FIRST_DATA_ROW as usize]
        .iter()
        .map(cell_text)
        .collect();
    assert_eq!(
        row,
        [
            "1",
            "4/2026",
            "Rác thải tập kết sai nơi quy định",
            "Quá hạn giải quyết",
            "20/11/2026",
            "10",
            "Địa chính - Xây dựng - Đô thị và Môi trường"
        ]
    );
    assert!(matches!(
        overdue[xlsx::FIRST_DATA_ROW as usize][4],
        Data::DateTime(_)
    ));
}

#[test]
fn periods_and_english() {
    assert_eq!(Period::quarter(4, 2026).unwrap().from, day("01/10/2026"));
    assert_eq!(Period::quarter(4, 2026).unwrap().to, day("31/12/2026"));
    assert_eq!(
        Period::quarter(4, 2026).unwrap().label(Lang::Vi),
        "Quý IV năm 2026"
    );
    assert_eq!(Period::first_months(6, 2026).unwrap().to, day("30/06/2026"));
    assert_eq!(
        Period::first_months(9, 2026).unwrap().label(Lang::Vi),
        "9 tháng đầu năm 2026"
    );
    assert_eq!(Period::month(2, 2028).unwrap().to, day("29/02/2028"));
    assert!(Period::month(13, 2026).is_err());
    assert!(Period::quarter(5, 2026).is_err());
    assert!(Period::range(day("02/01/2026"), day("01/01/2026")).is_err());

    let (ps, h, reg) = ward();
    let data = Dataset {
        petitions: &ps,
        handling: &h,
        registry: &reg,
    };
    let r = register(data, &Period::month(11, 2026).unwrap(), Lang::En);
    let rows = parse_csv(&csv::register_csv(&r, ','), ',');
    assert_eq!(rows[0][0], "No.");
    assert_eq!(rows[2][11], "Duplicate, merged into 1/2026 (closed)");
    let t = text::register_text(&r);
    assert!(t.contains("No. 1/2026 — 03/11/2026"));
    let s = summary(
        data,
        &Period::month(11, 2026).unwrap(),
        day("30/11/2026"),
        Lang::Vi,
    );
    let t = text::summary_text(&s);
    assert!(t.contains("Tổng số ý kiến, kiến nghị: 6"), "{t}");
    assert!(t.contains("Quá hạn giải quyết"));
}

/// The registry of a real ward holds its name with its kind ("Phường Dĩnh Kế"): every report
/// names it once.
#[test]
fn the_ward_is_named_once() {
    let (ps, h, mut reg) = ward();
    reg.ward_name = "Phường Dĩnh Kế".into();
    let data = Dataset {
        petitions: &ps,
        handling: &h,
        registry: &reg,
    };
    let period = Period::month(11, 2026).unwrap();
    let r = register(data, &period, Lang::Vi);
    let rows = xlsx_rows(xlsx::register_xlsx(&r).unwrap(), "Sổ tiếp nhận");
    assert_eq!(
        cell_text(&rows[xlsx::SUBTITLE_ROW as usize][0]),
        "Phường Dĩnh Kế — Tháng 11/2026"
    );
    let s = summary(data, &period, day("30/11/2026"), Lang::Vi);
    let bytes = xlsx::summary_xlsx(&s).unwrap();
    for sheet in ["Tổng hợp", "Thống kê", "Quá hạn"] {
        let rows = xlsx_rows(bytes.clone(), sheet);
        assert_eq!(
            cell_text(&rows[xlsx::SUBTITLE_ROW as usize][0]),
            "Phường Dĩnh Kế — Tháng 11/2026",
            "{sheet}"
        );
    }
    let csv_rows = parse_csv(&csv::summary_csv(&s, ','), ',');
    assert_eq!(csv_rows[1], vec!["Phường Dĩnh Kế — Tháng 11/2026"]);
    assert!(text::register_text(&r).contains("\nPhường Dĩnh Kế — Tháng 11/2026"));
    assert!(!text::summary_text(&s).contains("Phường Phường"));
    // A commune keeps its own word.
    assert_eq!(
        doithoai_reports::ward_title("Xã Tân Mỹ", Lang::Vi),
        "Xã Tân Mỹ"
    );
    assert_eq!(
        doithoai_reports::ward_title("Dĩnh Kế", Lang::Vi),
        "Phường Dĩnh Kế"
    );
}

/// A petition classified but not yet accepted 10 working days after it was received is late
/// for acceptance: the flag says it was classified, as its result column does.
#[test]
fn a_late_classified_petition_is_not_called_unclassified() {
    let (ps, _, reg) = ward();
    let mut doc = handling::new_document("dinh-ke").unwrap();
    let c = Ctx::new(
        "Văn thư Lan",
        "vp-1",
        doithoai_model::time::parse_datetime("03/12/2026 17:00").unwrap(),
    );
    for n in [4, 5] {
        let p = &ps[n - 1];
        apply(&mut doc, |tx| {
            handling::receive(tx, &c, p.id, &p.point, p.date(), p.date())
        });
    }
    apply(&mut doc, |tx| {
        handling::classify(
            tx,
            &c,
            &reg,
            id(4),
            &ClassifyInput {
                kind: PetitionKind::PhanAnh,
                field: "moi_truong".into(),
                competence: Competence::Ward,
                prior: String::new(),
            },
        )
    });
    let h = handling::read(&doc).unwrap();
    let data = Dataset {
        petitions: &ps,
        handling: &h,
        registry: &reg,
    };
    let s = summary(
        data,
        &Period::month(11, 2026).unwrap(),
        day("15/12/2026"),
        Lang::Vi,
    );
    let row = |n: u128| s.rows.iter().find(|r| r.id == id(n)).unwrap();
    assert_eq!(row(4).result, "Đã phân loại");
    assert!(
        row(4)
            .notes
            .contains("Đã phân loại, chưa thụ lý quá 10 ngày làm việc"),
        "{}",
        row(4).notes
    );
    assert!(!row(4).notes.contains("Chưa phân loại"), "{}", row(4).notes);
    // Received only: not classified, as the flag says.
    assert_eq!(row(5).result, "Đã tiếp nhận");
    assert!(
        row(5)
            .notes
            .contains("Chưa phân loại, thụ lý quá 10 ngày làm việc")
    );
    let late = s.overdue.iter().find(|o| o.id == id(4)).unwrap();
    assert_eq!(
        late.reason,
        "Đã phân loại, chưa thụ lý quá 10 ngày làm việc"
    );
    let rows = xlsx_rows(xlsx::summary_xlsx(&s).unwrap(), "Quá hạn");
    assert!(
        rows.iter()
            .any(|r| cell_text(&r[3]) == "Đã phân loại, chưa thụ lý quá 10 ngày làm việc")
    );
    // The register's tracking column says the same.
    let r = register(data, &Period::month(11, 2026).unwrap(), Lang::Vi);
    let t = r.rows.iter().find(|r| r.id == id(4)).unwrap();
    assert_eq!(t.tracking, "Đã phân loại, chưa thụ lý");
}

/// The "Quá hạn" sheet says there is nothing late, rather than nothing at all.
#[test]
fn an_empty_overdue_sheet_says_so() {
    let (ps, h, reg) = ward();
    let data = Dataset {
        petitions: &ps,
        handling: &h,
        registry: &reg,
    };
    let s = summary(
        data,
        &Period::month(11, 2026).unwrap(),
        day("05/11/2026"),
        Lang::Vi,
    );
    assert!(s.overdue.is_empty());
    let rows = xlsx_rows(xlsx::summary_xlsx(&s).unwrap(), "Quá hạn");
    assert_eq!(
        cell_text(&rows[xlsx::FIRST_DATA_ROW as usize][0]),
        "Không có ý kiến quá hạn"
    );
}

/// Every row of the register is as tall as its tallest wrapped cell, the headings too, and
/// the sheets print on A4 with the page number in the footer.
#[test]
fn rows_are_as_tall_as_their_text() {
    use std::io::Read;
    let (ps, h, reg) = ward();
    let data = Dataset {
        petitions: &ps,
        handling: &h,
        registry: &reg,
    };
    let r = register(data, &Period::month(11, 2026).unwrap(), Lang::Vi);
    let bytes = xlsx::register_xlsx(&r).unwrap();
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut sheet = String::new();
    z.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut sheet)
        .unwrap();
    let height = |row: u32| -> f64 {
        let tag = format!("<row r=\"{}\"", row + 1);
        let at = sheet.find(&tag).unwrap_or_else(|| panic!("row {row}"));
        let rest = &sheet[at..];
        let end = rest.find('>').unwrap();
        let attrs = &rest[..end];
        let ht = attrs
            .split("ht=\"")
            .nth(1)
            .unwrap_or_else(|| panic!("row {row} has no height: {attrs}"));
        ht[..ht.find('"').unwrap()].parse().unwrap()
    };
    // The heading row holds "Trả lại đơn và hướng dẫn (người nhận, số văn bản)" in a narrow
    // column: several lines.
    assert!(
        height(xlsx::HEADER_ROW) >= 4.0 * 12.0,
        "{}",
        height(xlsx::HEADER_ROW)
    );
    for (i, row) in r.rows.iter().enumerate() {
        let y = xlsx::FIRST_DATA_ROW + i as u32;
        let cells = doithoai_reports::Register::cells(row);
        let pairs: Vec<(&str, f64)> = cells
            .iter()
            .map(String::as_str)
            .zip(xlsx::REGISTER_WIDTHS)
            .collect();
        let want = xlsx::row_height(&pairs, xlsx::LIST_FONT, false);
        assert_eq!(height(y), want, "row {}", i + 1);
        // The tracking of row 1 runs over several lines at 17 character widths.
        if i == 0 {
            assert!(want >= 5.0 * xlsx::LIST_FONT, "{want}");
        }
    }
    assert!(sheet.contains("paperSize=\"9\""), "A4");
    assert!(sheet.contains("orientation=\"landscape\""));
    assert!(sheet.contains("Trang &amp;P/&amp;N"), "page numbers");
    assert!(
        sheet.contains("<pageMargins left=\"1.18"),
        "30 mm on the left"
    );
}
