//! The session commands the web UI had and the command line lacked (issue 13), through the real
//! `doithoai` binary against a real `doithoai-server`: the office announces a session to the
//! TDPs (`session announce`) and a TDP laptop holds the announcement once synced; a speaker who
//! is not in the hall is skipped to the end of the queue (`session speaker skip`); the Front
//! writes a remark on a conclusion from an MTTQ laptop (`session remark`) and the office holds it
//! once synced; an office laptop may not write one.

use std::path::Path;

use doithoai_client::App;
use doithoai_e2e::{Client, Server};

fn today() -> String {
    doithoai_model::time::format_date(doithoai_model::time::ward_now().date_naive())
}

/// What a laptop's data directory holds, read in-process once its commands are done.
fn on<T>(dir: &Path, f: impl AsyncFnOnce(&App) -> T) -> T {
    tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(async {
            let app = App::open(dir).await.expect("open");
            let out = f(&app).await;
            app.close().await.expect("close");
            out
        })
}

#[test]
fn announce_skip_and_remark_from_the_command_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut server = Server::start(tmp.path().join("server"));
    server.setup_ward(&["a"]);
    server.admin(&[
        "point",
        "add",
        "--ward",
        "dk",
        "--kind",
        "office",
        "--id",
        "vp",
        "--name",
        "Văn phòng phường",
    ]);
    let join = |c: &Client, role: &str, point: Option<&str>, name: &str| {
        c.ok(&[
            "join",
            &server.url(),
            &server.add_device("dk", role, point, name),
            "--name",
            name,
        ]);
    };
    let office = Client::new(tmp.path().join("office"));
    join(&office, "office", Some("vp"), "Chị Hoa - Thư ký");
    let tdp = Client::new(tmp.path().join("tdp"));
    join(&tdp, "collector", Some("tdp-a"), "Tổ trưởng TDP A");
    let mttq = Client::new(tmp.path().join("mttq"));
    join(&mttq, "monitor", None, "Bà Mai - UB MTTQ");

    let day = today();
    office.ok(&[
        "session",
        "create",
        "--kind",
        "dinh_ky",
        "--date",
        &day,
        "--start",
        "08:00",
        "--place",
        "Hội trường UBND phường",
    ]);

    // The announcement: the standard invitation without --text, then the office's own words.
    let said = office.ok(&["session", "announce"]);
    assert!(said.contains("Đã gửi thông báo"), "{said}");
    assert!(said.contains("Hội trường UBND phường"), "{said}");
    assert!(said.contains("Kính mời"), "the standard invitation: {said}");
    let notice =
        "Kính mời bà con TDP A dự hội nghị đối thoại về thoát nước, mang theo ý kiến cần trao đổi.";
    let said = office.ok(&["session", "announce", "--text", notice]);
    assert!(said.contains(notice), "{said}");
    assert!(said.contains(&format!("{day}, 08:00")), "{said}");

    // The queue: three speakers; the first is not in the hall and is skipped.
    for (name, unit) in [
        ("Nguyễn Văn Đức", "TDP A"),
        ("Trần Thị Thủy", "TDP A"),
        ("Lê Quang Đạo", "TDP B"),
    ] {
        office.ok(&["session", "speaker", "add", "--name", name, "--unit", unit]);
    }
    let said = office.ok(&["session", "speaker", "skip", "1"]);
    assert!(
        said.contains("Đã chuyển Nguyễn Văn Đức xuống cuối danh sách (#3)"),
        "{said}"
    );
    let list = office.ok(&["session", "speaker", "list"]);
    let at = |n: &str| list.find(n).unwrap_or_else(|| panic!("{n} in {list}"));
    assert!(
        at("Trần Thị Thủy") < at("Lê Quang Đạo") && at("Lê Quang Đạo") < at("Nguyễn Văn Đức"),
        "the skipped speaker is last: {list}"
    );
    let said = office.ok(&["--lang", "en", "session", "speaker", "skip", "1"]);
    assert!(
        said.contains("Moved Trần Thị Thủy to the end of the list (#3)"),
        "{said}"
    );
    let refused = office.run(&["session", "speaker", "skip", "9"]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("Không tìm thấy người phát biểu «9»"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    office.ok(&[
        "session",
        "speech",
        "add",
        "--speaker",
        "1",
        "--summary",
        "Cống ngõ 6 ngập khi mưa to",
    ]);
    let conclusion = "Giao Địa chính kiểm tra, nạo vét cống ngõ 6 trước mùa mưa";
    office.ok(&[
        "session",
        "conclusion",
        "add",
        "--text",
        conclusion,
        "--speech",
        "1",
    ]);
    // An office laptop does not write the Front's remarks.
    let refused = office.run(&["session", "remark", "1", "--text", "Ý kiến"]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert!(err.contains("MTTQ"), "{err}");
    office.ok(&["sync"]);

    // The TDP laptop holds the announcement.
    tdp.ok(&["sync"]);
    let notices = on(&tdp.dir, async |app| {
        app.announcements().await.expect("read")
    });
    assert!(
        notices
            .values()
            .any(|a| a.text == notice && a.place == "Hội trường UBND phường"),
        "{notices:?}"
    );

    // The Front's remark on conclusion 1, from the MTTQ laptop; the office holds it.
    mttq.ok(&["sync"]);
    let remark = "Đề nghị công khai kết quả nạo vét tại nhà văn hóa TDP A.";
    let said = mttq.ok(&[
        "session",
        "remark",
        "1",
        "--text",
        remark,
        "--session",
        &day,
    ]);
    assert!(
        said.contains(&format!(
            "Đã ghi ý kiến giám sát về kết luận #1 ({conclusion}): {remark}"
        )),
        "{said}"
    );
    let refused = mttq.run(&[
        "session",
        "remark",
        "2",
        "--text",
        remark,
        "--session",
        &day,
    ]);
    assert!(!refused.status.success(), "there is no conclusion 2");
    mttq.ok(&["sync"]);
    office.ok(&["sync"]);
    let remarks = on(&office.dir, async |app| app.remarks().await.expect("read"));
    assert_eq!(
        remarks.iter().filter(|r| r.text == remark).count(),
        1,
        "{remarks:?}"
    );
    server.stop();
}
