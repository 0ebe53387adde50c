//! Dialogue sessions end to end on one laptop, offline: the real `doithoai` binary on an office
//! device records petitions with a wish to speak, plans the year, records a whole session
//! (attendance, the speaker register from the petitions plus a walk-in, the steps, speeches,
//! an on-the-spot answer, conclusions, the minutes), concludes it twice, and writes the report
//! and the minutes. Then the handling document is read back from the data directory: the
//! answered petition is notified, the others are assigned once, with the conclusions' deadlines.

use std::path::Path;

use chrono::Datelike;
use doithoai_client::App;
use doithoai_client::config::DeviceConfig;
use doithoai_model::handling::{self, Op};
use doithoai_model::{Lang, Status};
use doithoai_sync::{parse_doc_id, read};
use uuid::Uuid;

mod common;
use common::{added_id, fails, ok};

fn init_office(dir: &Path) {
    ok(
        dir,
        &[
            "init",
            "--name",
            "Lê Thị Hoa - Văn phòng",
            "--point",
            "van-phong",
            "--role",
            "office",
        ],
    );
}

fn today() -> chrono::NaiveDate {
    doithoai_model::time::ward_now().date_naive()
}

/// Records a petition collected yesterday at `minute` past 7 (distinct times keep the order of
/// the speaker register stable).
#[allow(clippy::too_many_arguments)]
fn petition(
    dir: &Path,
    minute: u32,
    name: &str,
    tdp: &str,
    field: &str,
    content: &str,
    speak: bool,
) -> String {
    let when = format!(
        "{} 07:{minute:02}",
        doithoai_model::time::format_date(today() - chrono::Duration::days(1))
    );
    let mut args = vec![
        "petition",
        "add",
        "--date",
        when.as_str(),
        "--name",
        name,
        "--tdp",
        tdp,
        "--field",
        field,
        "--content",
        content,
        "--request",
        "Đề nghị phường giải quyết",
    ];
    if speak {
        args.push("--speak");
    }
    added_id(&ok(dir, &args))
}

/// The handling document of the data directory, read in-process once the commands are done.
fn handling_of(dir: &Path) -> handling::Handling {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let app = App::open(dir).await.unwrap();
        let id = DeviceConfig::load(&app.store)
            .unwrap()
            .unwrap()
            .handling
            .expect("a handling document");
        let h = app
            .repo
            .find(&parse_doc_id(&id).unwrap())
            .await
            .unwrap()
            .unwrap();
        let state = read(&h, handling::read).unwrap();
        app.close().await.unwrap();
        state
    })
}

fn full_id(dir: &Path, short: &str) -> Uuid {
    let out = ok(dir, &["petition", "show", short, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    Uuid::parse_str(v["petition"]["id"].as_str().unwrap()).unwrap()
}

#[test]
fn a_session_recorded_offline_and_concluded_fills_the_handling_record() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init_office(dir);
    let lamp = petition(
        dir,
        1,
        "Nguyễn Văn Đức",
        "TDP 3",
        "ha_tang",
        "Đèn đường ngõ 12 hỏng hai tháng",
        true,
    );
    let waste = petition(
        dir,
        2,
        "Hoàng Thị Mai",
        "TDP 5",
        "moi_truong",
        "Rác thải tồn đọng ngõ 7",
        true,
    );
    let flood = petition(
        dir,
        3,
        "Đào Văn Hùng",
        "TDP 2",
        "ha_tang",
        "Ngập úng đường Lê Lợi khi mưa",
        false,
    );
    let year = today().year();
    let y = year.to_string();
    let date = doithoai_model::time::format_date(today());

    // Before any session: nothing chosen, and the messages say what to do.
    let err = fails(dir, &["session", "show"]);
    assert!(err.contains("Chưa chọn cuộc đối thoại"), "{err}");

    let out = ok(dir, &["plan", "template", "--year", &y]);
    assert!(out.contains("tháng 6 — Định kỳ"), "{out}");
    assert!(out.contains("tháng 10 — Chuyên đề"), "{out}");

    let out = ok(
        dir,
        &[
            "session",
            "create",
            "--kind",
            "dinh_ky",
            "--date",
            &date,
            "--start",
            "08:00",
            "--place",
            "Hội trường UBND phường",
            "--chair",
            "bi_thu=Đỗ Huy Hoàng",
            "--chair",
            "ct_hdnd=Nguyễn Thị Lan",
            "--chair",
            "ct_ubnd=Trần Văn Nam",
            "--secretary",
            "Lê Thị Hoa",
        ],
    );
    assert!(out.contains("Đã tạo cuộc đối thoại"), "{out}");

    // The register: the two petitions whose residents asked to speak, oldest first.
    let out = ok(dir, &["session", "speaker", "import"]);
    assert!(out.contains("Đã thêm 2 người đăng ký phát biểu"), "{out}");
    assert!(out.contains("#1 Nguyễn Văn Đức (TDP 3)"), "{out}");
    assert!(out.contains("#2 Hoàng Thị Mai (TDP 5)"), "{out}");
    // Importing again adds nobody.
    let out = ok(dir, &["session", "speaker", "import"]);
    assert!(out.contains("Đã thêm 0 người"), "{out}");
    // A walk-in with a matter: recorded as a petition of the office desk too.
    let out = ok(
        dir,
        &[
            "session",
            "speaker",
            "add",
            "--name",
            "Vũ Thị Hằng",
            "--unit",
            "TDP 5",
            "--content",
            "Trường mầm non TDP 5 xuống cấp",
            "--field",
            "y_te_giao_duc",
        ],
    );
    assert!(
        out.contains("Đã đăng ký phát biểu #3: Vũ Thị Hằng"),
        "{out}"
    );
    // Entered in the reception register at once, with its field.
    assert!(
        out.contains(&format!("số 1/{}, lĩnh vực Y tế, giáo dục", today().year())),
        "{out}"
    );
    let school = added_id(&out);
    let register = ok(
        dir,
        &["report", "register", "--year", &today().year().to_string()],
    );
    let flat_register = register.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat_register.contains("Trường mầm non TDP 5 xuống cấp"),
        "{register}"
    );
    assert!(flat_register.contains("Y tế, giáo dục"), "{register}");

    ok(
        dir,
        &[
            "session",
            "attend",
            "--category",
            "nhan_dan",
            "--invited",
            "120",
            "--present",
            "97",
        ],
    );
    ok(
        dir,
        &[
            "session",
            "attend",
            "--category",
            "cán bộ",
            "--invited",
            "15",
            "--present",
            "12",
        ],
    );
    ok(
        dir,
        &[
            "session",
            "step",
            "1",
            "--at",
            "08:00",
            "--by",
            "Nguyễn Văn Bình - Trưởng khối Dân vận",
        ],
    );
    ok(dir, &["session", "step", "2", "--at", "08:20"]);
    let out = ok(dir, &["session", "step", "3", "--at", "08:40"]);
    assert!(
        out.contains("Người phát biểu tiếp theo: #1 Nguyễn Văn Đức"),
        "{out}"
    );

    let out = ok(
        dir,
        &[
            "session",
            "speech",
            "add",
            "--speaker",
            "1",
            "--at",
            "08:45",
            "--summary",
            "Đèn ngõ 12 hỏng hai tháng, đề nghị thay ngay",
            "--on-spot",
            "--answered-by",
            "Đồng chí Trần Văn Nam, Chủ tịch UBND phường",
            "--answer",
            "Phường thay bóng đèn trong tuần này",
        ],
    );
    assert!(
        out.contains("#1 của Nguyễn Văn Đức lúc 08:45 — đã trả lời tại chỗ"),
        "{out}"
    );
    assert!(out.contains(&lamp), "{out}");
    ok(
        dir,
        &[
            "session",
            "speech",
            "add",
            "--speaker",
            "2",
            "--at",
            "08:55",
            "--summary",
            "Rác tồn đọng ngõ 7 gây ô nhiễm",
        ],
    );
    ok(
        dir,
        &[
            "session",
            "speech",
            "add",
            "--speaker",
            "3",
            "--at",
            "09:05",
            "--summary",
            "Trường mầm non xuống cấp",
        ],
    );
    // Someone who did not register speaks about a petition sent without asking to speak.
    ok(
        dir,
        &[
            "session",
            "speech",
            "add",
            "--name",
            "Đào Văn Hùng",
            "--unit",
            "TDP 2",
            "--at",
            "09:15",
            "--summary",
            "Ngập úng đường Lê Lợi",
            "--petition",
            &flood,
        ],
    );
    ok(dir, &["session", "step", "4", "--at", "09:30"]);
    ok(
        dir,
        &[
            "session",
            "speech",
            "answer",
            "2",
            "--answered-by",
            "Cán bộ địa chính",
            "--answer",
            "Sẽ kiểm tra trong tuần",
        ],
    );
    ok(dir, &["session", "step", "6", "--at", "10:30"]);
    let out = ok(
        dir,
        &[
            "session",
            "conclusion",
            "add",
            "--text",
            "Giao bộ phận Địa chính kiểm tra, xử lý rác thải ngõ 7 và ngập úng đường Lê Lợi",
            "--department",
            "dia_chinh",
            "--speech",
            "2",
            "--speech",
            "4",
        ],
    );
    assert!(out.contains("Đã ghi kết luận #1: giao Địa chính"), "{out}");
    assert!(out.contains("2 ý kiến trong sổ"), "{out}");
    let deadline = doithoai_model::time::format_date(today() + chrono::Duration::days(40));
    ok(
        dir,
        &[
            "session",
            "conclusion",
            "add",
            "--text",
            "Giao Văn hóa - Xã hội khảo sát, sửa chữa trường mầm non TDP 5",
            "--department",
            "Văn hoá - Xã hội",
            "--petition",
            &school,
            "--deadline",
            &deadline,
        ],
    );
    ok(
        dir,
        &[
            "session",
            "conclusion",
            "add",
            "--text",
            "Tiếp tục tuyên truyền phân loại rác tại nguồn",
        ],
    );
    ok(
        dir,
        &[
            "session",
            "minutes",
            "--append",
            "Hội nghị diễn ra nghiêm túc, dân chủ, đúng trình tự.",
        ],
    );

    let out = ok(dir, &["session", "conclude", "--end", "11:15"]);
    assert!(
        out.contains("Trả lời tại chỗ (chuyển thẳng sang «Đã thông báo»): 1"),
        "{out}"
    );
    assert!(out.contains("Giao xử lý theo kết luận: 3"), "{out}");
    assert!(
        out.contains(&format!(
            "{school} (số 1/{year}) → Văn hoá - Xã hội, hạn {deadline}"
        )),
        "{out}"
    );
    // Concluding again assigns nothing twice.
    let out = ok(dir, &["session", "conclude"]);
    assert!(out.contains("Giao xử lý theo kết luận: 0"), "{out}");
    assert!(out.contains("Đã ghi từ trước (không ghi lại): 4"), "{out}");

    // The handling document.
    let h = handling_of(dir);
    let (lamp, waste, flood, school) = (
        full_id(dir, &lamp),
        full_id(dir, &waste),
        full_id(dir, &flood),
        full_id(dir, &school),
    );
    let it = h.get(&lamp).expect("the lamp petition is registered");
    assert_eq!(it.status, Status::Notified);
    assert!(it.answered_on_spot());
    let a = it.answer.as_ref().unwrap();
    assert_eq!(a.text, "Phường thay bóng đèn trong tuần này");
    assert_eq!(a.answered_by, "Đồng chí Trần Văn Nam, Chủ tịch UBND phường");
    assert!(it.problems().is_empty(), "{:?}", it.problems());
    let cal = doithoai_model::Calendar::of(&doithoai_model::Registry::builtin());
    for id in [waste, flood] {
        let it = h.get(&id).expect("assigned petitions are registered");
        assert_eq!(it.status, Status::Assigned);
        let asg = it.assignment.as_ref().unwrap();
        assert_eq!(asg.department, "dia_chinh");
        assert_eq!(asg.deadline, cal.ten_working_days(today()));
        assert!(asg.note.contains("Theo kết luận hội nghị"), "{}", asg.note);
        assert!(it.problems().is_empty(), "{:?}", it.problems());
        // Assigned once, though concluded twice.
        assert_eq!(
            it.events
                .iter()
                .filter(|e| e.op == Op::Assign.code())
                .count(),
            1
        );
    }
    let it = h.get(&school).unwrap();
    assert_eq!(it.status, Status::Assigned);
    assert_eq!(it.assignment.as_ref().unwrap().department, "van_hoa_xa_hoi");
    assert_eq!(
        doithoai_model::time::format_date(it.assignment.as_ref().unwrap().deadline),
        deadline
    );
    assert_eq!(h.items.len(), 4);

    // The index shows it too, and the session knows it is concluded.
    let out = ok(dir, &["petition", "list"]);
    assert!(out.contains("Đã thông báo"), "{out}");
    assert!(out.contains("Đã giao xử lý"), "{out}");
    let v: serde_json::Value =
        serde_json::from_str(&ok(dir, &["session", "show", "--json"])).unwrap();
    assert_eq!(v["session"]["speeches"].as_array().unwrap().len(), 4);
    assert_eq!(v["session"]["conclusions"].as_array().unwrap().len(), 3);
    assert_eq!(v["session"]["speakers"].as_array().unwrap().len(), 3);
    assert_eq!(v["summary"]["total"], 4);
    assert_eq!(v["summary"]["on_spot"], 1);
    assert_eq!(v["summary"]["assigned"], 3);
    assert_eq!(v["summary"]["present"], 109);
    assert!(v["session"]["concluded"].is_object());
    let list = ok(dir, &["session", "list"]);
    assert!(list.contains("Đã kết luận"), "{list}");

    // The documents.
    let report = dir.join("bao-cao.docx");
    let out = ok(
        dir,
        &[
            "session",
            "report",
            "--output",
            report.to_str().unwrap(),
            "--number",
            "25/BC-UBND",
            "--locality",
            "Dĩnh Kế",
        ],
    );
    assert!(out.contains("Đã xuất báo cáo"), "{out}");
    let bytes = std::fs::read(&report).unwrap();
    assert_eq!(&bytes[..2], b"PK");
    let text = ok(dir, &["session", "report", "--format", "text"]);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        "{text}"
    );
    assert!(
        flat.contains("có 109 người dự/135 người được mời"),
        "{text}"
    );
    assert!(
        flat.contains("có 4 lượt ý kiến phát biểu, nêu 4 nội dung; trong đó 1 nội dung được trả lời trực tiếp tại hội nghị, 3 nội dung được giao"),
        "{text}"
    );
    assert!(flat.contains("Tiếp tục tuyên truyền"), "{text}");
    let minutes = dir.join("bien-ban.docx");
    ok(
        dir,
        &[
            "session",
            "minutes",
            "--format",
            "docx",
            "--output",
            minutes.to_str().unwrap(),
        ],
    );
    assert_eq!(&std::fs::read(&minutes).unwrap()[..2], b"PK");
    let text = ok(dir, &["session", "minutes"]);
    assert!(
        text.contains("BIÊN BẢN") && text.contains("THƯ KÝ"),
        "{text}"
    );
    assert!(
        text.contains("Hội nghị kết thúc vào hồi 11 giờ 15"),
        "{text}"
    );

    // The plan check: one periodic session held, the thematic one missing.
    let next_year = format!("01/01/{}", year + 1);
    let out = ok(dir, &["plan", "check", "--year", &y, "--date", &next_year]);
    assert!(out.contains("Kết quả: KHÔNG ĐẠT"), "{out}");
    assert!(out.contains("✗ Đối thoại chuyên đề: 0/1"), "{out}");
    assert!(
        out.contains("✓ Hội nghị đối thoại do Chủ tịch UBND chủ trì: 1/1"),
        "{out}"
    );
    assert!(out.contains("QUÁ HẠN, chưa tổ chức"), "{out}");
    let err = fails(
        dir,
        &[
            "plan", "check", "--year", &y, "--date", &next_year, "--strict",
        ],
    );
    assert!(err.contains("KHÔNG ĐẠT"), "{err}");

    // A thematic session held the same year makes the plan met.
    ok(
        dir,
        &[
            "session",
            "create",
            "--kind",
            "chuyên đề",
            "--topic",
            "Vệ sinh môi trường",
            "--date",
            &date,
            "--chair",
            "bi_thu=Đỗ Huy Hoàng",
            "--chair",
            "ct_ubnd=Trần Văn Nam",
        ],
    );
    ok(dir, &["session", "step", "1", "--at", "14:00"]);
    let out = ok(
        dir,
        &[
            "plan",
            "check",
            "--year",
            &y,
            "--date",
            &format!("31/12/{year}"),
            "--strict",
        ],
    );
    assert!(out.contains("Kết quả: ĐẠT"), "{out}");
    let v: serde_json::Value = serde_json::from_str(&ok(
        dir,
        &[
            "plan",
            "check",
            "--year",
            &y,
            "--json",
            "--date",
            &format!("31/12/{year}"),
        ],
    ))
    .unwrap();
    assert_eq!(v["verdict"], "met");
    assert_eq!(v["periodic"], 2);

    // English, on request.
    let out = ok(dir, &["--lang", "en", "session", "list"]);
    assert!(out.contains("Concluded"), "{out}");
    let _ = Lang::En;
}

#[test]
fn sessions_refuse_what_does_not_make_sense() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // A TDP leader's laptop may read sessions but not record them.
    let tdp = tmp.path().join("tdp");
    ok(
        &tdp,
        &["init", "--name", "Tổ trưởng TDP 3", "--point", "tdp-03"],
    );
    let err = fails(
        &tdp,
        &[
            "session",
            "create",
            "--kind",
            "dinh_ky",
            "--date",
            "01/06/2026",
        ],
    );
    assert!(err.contains("Chỉ máy của văn phòng phường"), "{err}");
    let err = fails(
        &tdp,
        &[
            "--lang", "en", "plan", "add", "--year", "2026", "--month", "6", "--kind", "dinh_ky",
        ],
    );
    assert!(err.contains("Only ward office devices"), "{err}");

    init_office(dir);
    let err = fails(
        dir,
        &[
            "session",
            "create",
            "--kind",
            "chuyen_de",
            "--date",
            "01/06/2026",
        ],
    );
    assert!(err.contains("cần ghi chủ đề"), "{err}");
    let err = fails(
        dir,
        &[
            "session",
            "create",
            "--kind",
            "hop-to",
            "--date",
            "01/06/2026",
        ],
    );
    assert!(
        err.contains("Loại đối thoại «hop-to» không hợp lệ"),
        "{err}"
    );
    let err = fails(
        dir,
        &[
            "session",
            "create",
            "--kind",
            "dinh_ky",
            "--date",
            "01/06/2026",
            "--chair",
            "Đỗ Huy Hoàng",
        ],
    );
    assert!(err.contains("vai_trò=Họ tên"), "{err}");
    // A session planned for later cannot be concluded yet.
    let later = doithoai_model::time::format_date(today() + chrono::Duration::days(30));
    ok(
        dir,
        &["session", "create", "--kind", "dinh_ky", "--date", &later],
    );
    let err = fails(dir, &["session", "conclude"]);
    assert!(err.contains("chưa diễn ra"), "{err}");
    let err = fails(dir, &["session", "step", "2"]);
    assert!(err.contains("Cần nhập giờ bắt đầu, dạng HH:MM"), "{err}");
    let err = fails(dir, &["session", "step", "9"]);
    assert!(err.contains("Trình tự có 6 bước"), "{err}");
    let err = fails(
        dir,
        &[
            "session",
            "speech",
            "add",
            "--speaker",
            "4",
            "--summary",
            "x",
        ],
    );
    assert!(err.contains("Không tìm thấy người phát biểu «4»"), "{err}");
    let err = fails(
        dir,
        &[
            "session",
            "attend",
            "--category",
            "khách vip",
            "--present",
            "3",
        ],
    );
    assert!(err.contains("Thành phần «khách vip» không hợp lệ"), "{err}");
    let err = fails(
        dir,
        &[
            "session",
            "conclusion",
            "add",
            "--text",
            "Giao",
            "--department",
            "không có",
        ],
    );
    assert!(err.contains("Không có bộ phận «không có»"), "{err}");
    let err = fails(dir, &["session", "use", "zzzz"]);
    assert!(err.contains("Không có cuộc đối thoại «zzzz»"), "{err}");
    let err = fails(
        dir,
        &[
            "plan", "add", "--year", "2026", "--month", "13", "--kind", "dk",
        ],
    );
    assert!(err.contains("Tháng 13 không hợp lệ"), "{err}");
}

/// The handling record of one petition.
fn item_of(dir: &Path, short: &str) -> doithoai_model::Item {
    let id = full_id(dir, short);
    handling_of(dir)
        .get(&id)
        .cloned()
        .unwrap_or_else(|| panic!("{short} is not in the handling record"))
}

#[test]
fn every_conclusion_is_applied_or_says_why_and_the_report_counts_what_it_shows() {
    // A session held three weeks ago, recorded afterwards from the secretary's notes.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init_office(dir);
    let d = today() - chrono::Duration::days(21);
    let date = doithoai_model::time::format_date(d);
    let y = d.year();
    let before = format!(
        "{} 07:30",
        doithoai_model::time::format_date(d - chrono::Duration::days(1))
    );
    let flood = added_id(&ok(
        dir,
        &[
            "petition",
            "add",
            "--date",
            &before,
            "--name",
            "Nguyễn Văn Đức",
            "--tdp",
            "TDP 3",
            "--field",
            "ha_tang",
            "--content",
            "Ngõ 5 ngập khi mưa",
            "--speak",
        ],
    ));
    ok(
        dir,
        &[
            "session", "create", "--kind", "dinh_ky", "--date", &date, "--start", "08:00",
        ],
    );
    ok(dir, &["session", "speaker", "import"]);
    // A walk-in with a new matter, the field typed without diacritics.
    let out = ok(
        dir,
        &[
            "session",
            "speaker",
            "add",
            "--name",
            "Vũ Thị Hằng",
            "--unit",
            "TDP 5",
            "--content",
            "Trường mầm non TDP 5 xuống cấp",
            "--field",
            "y te giao duc",
        ],
    );
    assert!(out.contains(&format!("số 1/{y}")), "{out}");
    let school = added_id(&out);
    // The walk-in is not registered a second time by an import.
    let out = ok(dir, &["session", "speaker", "import"]);
    assert!(out.contains("Đã thêm 0 người"), "{out}");
    ok(
        dir,
        &[
            "session",
            "speech",
            "add",
            "--speaker",
            "1",
            "--at",
            "08:45",
            "--summary",
            "Ngõ 5 ngập khi mưa",
            "--on-spot",
            "--answer",
            "Tuần sau nạo vét",
            "--answered-by",
            "Chủ tịch UBND",
        ],
    );
    ok(
        dir,
        &[
            "session",
            "speech",
            "add",
            "--speaker",
            "2",
            "--at",
            "09:00",
            "--summary",
            "Trường mầm non xuống cấp",
        ],
    );
    // Someone who registered nothing and whose matter is in no petition.
    ok(
        dir,
        &[
            "session",
            "speech",
            "add",
            "--name",
            "Đào Văn Hùng",
            "--unit",
            "TDP 2",
            "--at",
            "09:10",
            "--summary",
            "Đề nghị lắp camera an ninh",
        ],
    );
    let later = doithoai_model::time::format_date(d + chrono::Duration::days(30));
    let out = ok(
        dir,
        &[
            "session",
            "conclusion",
            "add",
            "--text",
            "Giao Địa chính khảo sát ngõ 5",
            "--department",
            "dia_chinh",
            "--speech",
            "1",
            "--deadline",
            &later,
        ],
    );
    // Said when the conclusion is recorded, not only when concluding.
    assert!(
        out.contains("Lưu ý: Ý kiến")
            && out.contains("đã được trả lời tại chỗ (ý kiến phát biểu #1)"),
        "{out}"
    );
    let cal = doithoai_model::Calendar::of(&doithoai_model::Registry::builtin());
    let ten = doithoai_model::time::format_date(cal.ten_working_days(d));
    let out = ok(
        dir,
        &[
            "session",
            "conclusion",
            "add",
            "--text",
            "Giao Văn hoá - Xã hội khảo sát trường mầm non",
            "--department",
            "van_hoa_xa_hoi",
            "--speech",
            "2",
        ],
    );
    assert!(out.contains(&format!("hạn {ten}")), "{out}");
    ok(
        dir,
        &[
            "session",
            "conclusion",
            "add",
            "--text",
            "Giao Công an phường xem xét lắp camera",
            "--department",
            "cong_an",
            "--speech",
            "3",
        ],
    );

    let out = ok(dir, &["session", "conclude"]);
    assert!(out.contains("Giao xử lý theo kết luận: 2"), "{out}");
    assert!(
        out.contains(&format!("{flood} (số 2/{y}) → Địa chính"))
            && out.contains(&format!("hạn {later} (kết luận #1)")),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "{school} (số 1/{y}) → Văn hoá - Xã hội, hạn {ten} (kết luận #2)"
        )),
        "{out}"
    );
    // What was not done as written says why.
    assert!(
        out.contains(
            "đã được trả lời tại chỗ (ý kiến phát biểu #1) nhưng kết luận #1 giao bộ phận"
        ),
        "{out}"
    );
    assert!(
        out.contains("Kết luận #3: ý kiến phát biểu #3 không gắn với ý kiến nào trong sổ"),
        "{out}"
    );

    // The handling record holds what was printed.
    let it = item_of(dir, &flood);
    assert_eq!(it.status, Status::Assigned);
    let a = it.assignment.as_ref().unwrap();
    assert_eq!(doithoai_model::time::format_date(a.deadline), later);
    assert!(a.note.contains("Tuần sau nạo vét"), "{}", a.note);
    let it = item_of(dir, &school);
    assert_eq!(it.received.as_ref().unwrap().date, d);
    assert_eq!(
        doithoai_model::time::format_date(it.assignment.as_ref().unwrap().deadline),
        ten
    );
    let out = ok(dir, &["session", "conclusion", "list"]);
    assert!(out.contains(&format!("hạn {ten}")), "{out}");
    assert!(out.contains(&format!("hạn {later}")), "{out}");

    // The report counts what its tables show.
    let v: serde_json::Value =
        serde_json::from_str(&ok(dir, &["session", "show", "--json"])).unwrap();
    assert_eq!(v["summary"]["total"], 3);
    assert_eq!(v["summary"]["on_spot"], 0);
    assert_eq!(v["summary"]["assigned"], 3);
    for c in v["summary"]["conclusions"].as_array().unwrap() {
        assert_eq!(c["matters"], 1, "{c}");
    }
    let fields: Vec<(String, u64)> = v["summary"]["by_field"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap().to_owned(),
                f["opinions"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        fields.contains(&("y_te_giao_duc".to_owned(), 1)),
        "{fields:?}"
    );
    let text = ok(dir, &["session", "report", "--format", "text"]);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("có 3 lượt ý kiến phát biểu, nêu 3 nội dung; trong đó 0 nội dung được trả lời trực tiếp tại hội nghị, 3 nội dung được giao"),
        "{text}"
    );
    assert!(
        flat.contains("được giao bộ phận chuyên môn giải quyết theo kết luận #1"),
        "{text}"
    );
    assert!(flat.contains(&ten) && flat.contains(&later), "{text}");
    assert!(flat.contains("Y tế, giáo dục"), "{text}");
}

#[test]
fn a_walk_in_matter_needs_the_office_desk_and_attendance_prints_each_figure_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init_office(dir);
    let date = doithoai_model::time::format_date(today());
    ok(
        dir,
        &["session", "create", "--kind", "dinh_ky", "--date", &date],
    );

    let out = ok(
        dir,
        &[
            "session",
            "attend",
            "--category",
            "can_bo",
            "--name",
            "Nguyễn Văn An",
            "--name",
            "Trần Thị Bình",
            "--name",
            "Lê Văn Cường",
        ],
    );
    assert_eq!(
        out,
        "Thành phần Cán bộ, công chức chuyên môn có liên quan: 3 người có mặt (theo danh sách có tên).\n"
    );
    let out = ok(
        dir,
        &[
            "session",
            "attend",
            "--category",
            "nhan_dan",
            "--invited",
            "120",
            "--present",
            "97",
        ],
    );
    assert_eq!(
        out,
        "Thành phần Đại diện cán bộ, đảng viên và các tầng lớp nhân dân: 97 người có mặt/120 người được mời.\nCả hội nghị: 100 người có mặt/120 người được mời.\n"
    );

    // An office laptop enrolled without the office's point has no desk to record a petition
    // in: the walk-in's matter is refused, and nothing is recorded.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let app = App::open(dir).await.unwrap();
        let mut cfg = DeviceConfig::load(&app.store).unwrap().unwrap();
        cfg.intake = None;
        cfg.save(&app.store).unwrap();
        app.close().await.unwrap();
    });
    let err = fails(
        dir,
        &[
            "session",
            "speaker",
            "add",
            "--name",
            "Vũ Thị Hằng",
            "--content",
            "Trường mầm non xuống cấp",
            "--field",
            "y_te_giao_duc",
        ],
    );
    assert!(
        err.contains("không gắn với bàn tiếp nhận của văn phòng"),
        "{err}"
    );
    assert!(err.contains("chưa ghi gì"), "{err}");
    let v: serde_json::Value =
        serde_json::from_str(&ok(dir, &["session", "show", "--json"])).unwrap();
    assert_eq!(v["session"]["speakers"].as_array().unwrap().len(), 0);
    // Without a matter, a walk-in is registered as before.
    let out = ok(
        dir,
        &[
            "session",
            "speaker",
            "add",
            "--name",
            "Vũ Thị Hằng",
            "--unit",
            "TDP 5",
        ],
    );
    assert_eq!(out, "Đã đăng ký phát biểu #1: Vũ Thị Hằng.\n");
}
