//! The derived petition index: apply, filters, counts, heads, clear, search.

use doithoai_store::{Durability, PetitionFilter, PetitionRow, Store, StoreError};

fn open(dir: &tempfile::TempDir) -> Store {
    Store::open(&dir.path().join("index.sqlite"), Durability::Full).unwrap()
}

#[allow(clippy::too_many_arguments)]
fn row(
    id: &str,
    point: &str,
    created_at: &str,
    kind: &str,
    field: Option<&str>,
    status: &str,
    residents: &str,
    place: &str,
) -> PetitionRow {
    PetitionRow {
        id: id.to_owned(),
        doc_id: format!("intake-{point}"),
        point: point.to_owned(),
        created_at: created_at.to_owned(),
        kind: kind.to_owned(),
        field: field.map(str::to_owned),
        status: status.to_owned(),
        content: format!("Nội dung của {residents}"),
        request: "Đề nghị phường xem xét".to_owned(),
        place: place.to_owned(),
        residents: residents.to_owned(),
        addresses: "Số 5, tổ 3".to_owned(),
        tdp: "TDP Hòa Sơn".to_owned(),
        people_count: 1,
        wants_to_speak: false,
        register_no: None,
        deadline: None,
        updated_at: created_at.to_owned(),
    }
}

fn sample() -> Vec<PetitionRow> {
    vec![
        row(
            "a1b2c3d4-0000-4000-8000-000000000001",
            "tdp1",
            "2026-11-28T09:15:00+07:00",
            "kien_nghi",
            Some("dat_dai"),
            "collected",
            "Nguyễn Văn Đức",
            "đường Xương Giang",
        ),
        row(
            "a1b2ffff-0000-4000-8000-000000000002",
            "tdp1",
            "2026-11-28T23:59:59+07:00",
            "phan_anh",
            Some("moi_truong"),
            "received",
            "Trần Thị Thủy",
            "ngõ 12 Lê Lợi",
        ),
        row(
            "0badcafe-0000-4000-8000-000000000003",
            "tdp2",
            "2026-11-29T00:00:00+07:00",
            "kien_nghi",
            None,
            "collected",
            "Lê Quang Đạo",
            "phố Hoàng Văn Thụ",
        ),
        row(
            "0badcafe-0000-4000-8000-000000000004",
            "office",
            "2026-11-30T08:00:00+07:00",
            "khieu_nai",
            Some("dat_dai"),
            "closed",
            "Phạm Thị Dương, Đỗ Văn An",
            "Chợ Thương",
        ),
        row(
            "0badcafe-0000-4000-8000-000000000005",
            "tdp2",
            "2026-11-27T10:00:00+07:00",
            "y_kien",
            Some("giao_thong"),
            "assigned",
            "Hoàng Minh Tuấn",
            "Cầu Sông Thương",
        ),
    ]
}

fn ids(rows: &[PetitionRow]) -> Vec<String> {
    rows.iter().map(|r| r.id[33..].to_owned()).collect()
}

fn seeded() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    store
        .index_apply("intake", b"heads-1", &sample(), &[])
        .unwrap();
    (dir, store)
}

fn search(store: &Store, text: &str) -> Vec<String> {
    let filter = PetitionFilter {
        text: Some(text.to_owned()),
        ..Default::default()
    };
    let found = store.list_petitions(&filter).unwrap();
    assert_eq!(store.count_petitions(&filter).unwrap(), found.len() as u64);
    let mut ids = ids(&found);
    ids.sort();
    ids
}

#[test]
fn apply_get_update_remove() {
    let (_dir, store) = seeded();
    let mut first = sample()[0].clone();
    assert_eq!(store.index_get(&first.id).unwrap(), Some(first.clone()));
    assert_eq!(store.index_get("nope").unwrap(), None);

    first.status = "received".into();
    first.register_no = Some("15/2026".into());
    first.deadline = Some("2026-12-15".into());
    first.wants_to_speak = true;
    first.people_count = 12;
    first.residents = "Ngô Bảo Châu".into();
    first.content = "Nội dung mới".into();
    store
        .index_apply(
            // A removal applies to the document it is read from (here 005's).
            "intake-tdp2",
            b"h2",
            std::slice::from_ref(&first),
            &[
                "0badcafe-0000-4000-8000-000000000005".to_owned(),
                "missing".to_owned(),
            ],
        )
        .unwrap();
    assert_eq!(store.index_get(&first.id).unwrap(), Some(first.clone()));
    assert_eq!(
        store
            .index_get("0badcafe-0000-4000-8000-000000000005")
            .unwrap(),
        None
    );
    assert_eq!(
        store.count_petitions(&PetitionFilter::default()).unwrap(),
        4
    );
    // the search text followed the update, and the removed row left the search table
    assert_eq!(search(&store, "ngo bao chau"), vec!["001"]);
    assert!(search(&store, "nguyen van duc").is_empty());
    assert!(search(&store, "hoang minh tuan").is_empty());
}

#[test]
fn heads_are_recorded_per_document() {
    let (_dir, store) = seeded();
    assert_eq!(
        store.index_heads("intake").unwrap(),
        Some(b"heads-1".to_vec())
    );
    assert_eq!(store.index_heads("handling").unwrap(), None);
    store.index_apply("handling", b"x", &[], &[]).unwrap();
    store.index_apply("intake", b"heads-2", &[], &[]).unwrap();
    assert_eq!(
        store.index_heads("intake").unwrap(),
        Some(b"heads-2".to_vec())
    );
    assert_eq!(store.index_heads("handling").unwrap(), Some(b"x".to_vec()));
}

#[test]
fn clear_drops_rows_search_and_heads() {
    let (_dir, store) = seeded();
    store.index_clear().unwrap();
    assert_eq!(
        store.count_petitions(&PetitionFilter::default()).unwrap(),
        0
    );
    assert_eq!(store.index_heads("intake").unwrap(), None);
    assert!(search(&store, "nguyen").is_empty());
    store
        .index_apply("intake", b"again", &sample(), &[])
        .unwrap();
    assert_eq!(search(&store, "nguyen"), vec!["001"]);
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

#[test]
fn newest_first_with_limit_and_offset() {
    let (_dir, store) = seeded();
    let all = store.list_petitions(&PetitionFilter::default()).unwrap();
    assert_eq!(ids(&all), vec!["004", "003", "002", "001", "005"]);
    let page = |limit, offset| {
        ids(&store
            .list_petitions(&PetitionFilter {
                limit,
                offset,
                ..Default::default()
            })
            .unwrap())
    };
    assert_eq!(page(Some(2), None), vec!["004", "003"]);
    assert_eq!(page(Some(2), Some(2)), vec!["002", "001"]);
    assert_eq!(page(Some(2), Some(4)), vec!["005"]);
    assert_eq!(page(None, Some(3)), vec!["001", "005"]);
    assert_eq!(page(Some(0), None), Vec::<String>::new());
    // equal times are ordered by id
    let mut twin = sample()[0].clone();
    twin.id = "0000twin-0000-4000-8000-000000000009".into();
    store.index_apply("intake", b"h", &[twin], &[]).unwrap();
    assert_eq!(
        ids(&store.list_petitions(&PetitionFilter::default()).unwrap())[3..5],
        ["009", "001"]
    );
}

#[test]
fn filters_and_counts() {
    let (_dir, store) = seeded();
    let check = |filter: PetitionFilter, want: &[&str]| {
        assert_eq!(
            ids(&store.list_petitions(&filter).unwrap()),
            want,
            "{filter:?}"
        );
        assert_eq!(
            store.count_petitions(&filter).unwrap(),
            want.len() as u64,
            "{filter:?}"
        );
    };
    let s = |v: &str| Some(v.to_owned());
    check(
        PetitionFilter {
            field: s("dat_dai"),
            ..Default::default()
        },
        &["004", "001"],
    );
    check(
        PetitionFilter {
            status: s("collected"),
            ..Default::default()
        },
        &["003", "001"],
    );
    check(
        PetitionFilter {
            point: s("tdp2"),
            ..Default::default()
        },
        &["003", "005"],
    );
    check(
        PetitionFilter {
            kind: s("kien_nghi"),
            ..Default::default()
        },
        &["003", "001"],
    );
    check(
        PetitionFilter {
            kind: s("kien_nghi"),
            point: s("tdp1"),
            ..Default::default()
        },
        &["001"],
    );
    check(
        PetitionFilter {
            status: s("nothing"),
            ..Default::default()
        },
        &[],
    );
    // blank criteria are no criteria
    check(
        PetitionFilter {
            field: s(""),
            status: s("  "),
            text: s(" "),
            ..Default::default()
        },
        &["004", "003", "002", "001", "005"],
    );
    // date bounds are inclusive, on the local date
    check(
        PetitionFilter {
            from: s("2026-11-28"),
            to: s("2026-11-28"),
            ..Default::default()
        },
        &["002", "001"],
    );
    check(
        PetitionFilter {
            from: s("2026-11-29"),
            ..Default::default()
        },
        &["004", "003"],
    );
    check(
        PetitionFilter {
            to: s("2026-11-27"),
            ..Default::default()
        },
        &["005"],
    );
    check(
        PetitionFilter {
            from: s("2026-11-28"),
            to: s("2026-11-29"),
            ..Default::default()
        },
        &["003", "002", "001"],
    );
    check(
        PetitionFilter {
            from: s("2026-12-01"),
            ..Default::default()
        },
        &[],
    );
    check(
        PetitionFilter {
            from: s("2026-11-28"),
            text: s("thuy"),
            limit: Some(5),
            ..Default::default()
        },
        &["002"],
    );
    // counts ignore limit and offset
    let limited = PetitionFilter {
        limit: Some(1),
        offset: Some(1),
        ..Default::default()
    };
    assert_eq!(store.count_petitions(&limited).unwrap(), 5);
}

#[test]
fn bad_dates_are_reported() {
    let (_dir, store) = seeded();
    let filter = PetitionFilter {
        from: Some("28/11/2026".into()),
        ..Default::default()
    };
    let err = store.list_petitions(&filter).unwrap_err();
    assert!(matches!(err, StoreError::InvalidDate { .. }), "{err:?}");
    use doithoai_model::{Lang, Localize};
    assert!(err.localize(Lang::Vi).starts_with("Ngày không hợp lệ"));
}

#[test]
fn find_by_id_prefix() {
    let (_dir, store) = seeded();
    assert_eq!(
        store.index_find_prefix("a1b2").unwrap(),
        vec![
            "a1b2c3d4-0000-4000-8000-000000000001",
            "a1b2ffff-0000-4000-8000-000000000002"
        ]
    );
    assert_eq!(
        store.index_find_prefix(" A1B2C3D4 ").unwrap(),
        vec!["a1b2c3d4-0000-4000-8000-000000000001"]
    );
    assert_eq!(store.index_find_prefix("0badcafe").unwrap().len(), 3);
    assert!(store.index_find_prefix("ffff").unwrap().is_empty());
    assert!(
        store
            .index_find_prefix("a1b2c3d4-0000-4000-8000-0000000000019")
            .unwrap()
            .is_empty()
    );
}

#[test]
fn search_ignores_diacritics_and_case() {
    let (_dir, store) = seeded();
    assert_eq!(search(&store, "nguyen van"), vec!["001"]);
    assert_eq!(search(&store, "Nguyễn Văn Đức"), vec!["001"]);
    assert_eq!(search(&store, "DUC"), vec!["001"]);
    assert_eq!(search(&store, "đức"), vec!["001"]);
    assert_eq!(search(&store, "thuy"), vec!["002"]);
    assert_eq!(search(&store, "THỦY"), vec!["002"]);
    assert_eq!(search(&store, "duong xuong"), vec!["001"]);
    assert_eq!(search(&store, "xuong giang"), vec!["001"]);
    assert_eq!(search(&store, "hoang van thu"), vec!["003"]);
    assert_eq!(search(&store, "le loi"), vec!["002"]);
    assert_eq!(search(&store, "ngo 12"), vec!["002"]);
    assert_eq!(search(&store, "le quang dao"), vec!["003"]);
    assert_eq!(search(&store, "DƯƠNG"), vec!["001", "004"]); // đường and Dương
    assert_eq!(search(&store, "thuong"), vec!["004", "005"]); // Chợ Thương, Sông Thương
    // prefixes of words match, words may come in any order
    assert_eq!(search(&store, "nguy"), vec!["001"]);
    assert_eq!(search(&store, "duc nguyen"), vec!["001"]);
    // address and TDP are searched too
    assert_eq!(search(&store, "hoa son").len(), 5);
    assert_eq!(search(&store, "to 3").len(), 5);
}

#[test]
fn search_negative_cases() {
    let (_dir, store) = seeded();
    assert!(
        search(&store, "nguyen thuy").is_empty(),
        "all words must match one petition"
    );
    assert!(search(&store, "xuong le").is_empty());
    assert!(search(&store, "uyen").is_empty(), "matches start at a word");
    assert!(search(&store, "hoang van thuan").is_empty());
    assert!(search(&store, "ha noi").is_empty());
}

#[test]
fn search_never_fails_on_fts_syntax() {
    let (_dir, store) = seeded();
    for q in [
        "\"nguyen",
        "nguyen*",
        "-duc",
        "nguyen:van",
        "(duc",
        "duc)",
        "NOT duc",
        "duc AND",
        "OR",
        "^duc",
        "nguyen + van",
        "\"\"",
        "*",
        ":",
        "(",
        "-",
        "'",
        "NEAR(duc thuy)",
        "body:duc",
        "{duc}",
        "đức\"; DROP TABLE petition; --",
    ] {
        let filter = PetitionFilter {
            text: Some(q.to_owned()),
            ..Default::default()
        };
        assert!(store.list_petitions(&filter).is_ok(), "{q}");
        assert!(store.count_petitions(&filter).is_ok(), "{q}");
    }
    assert_eq!(search(&store, "\"nguyen"), vec!["001"]);
    assert_eq!(search(&store, "-duc*"), vec!["001"]);
    assert_eq!(search(&store, "nguyen:van"), vec!["001"]);
    assert_eq!(search(&store, "(duc)"), vec!["001"]);
    // query words that are FTS operators are plain words
    assert!(search(&store, "NOT duc").is_empty());
    // only syntax, no words: no text criterion
    assert_eq!(search(&store, "*-\"():").len(), 5);
    assert_eq!(
        store.count_petitions(&PetitionFilter::default()).unwrap(),
        5
    );
}

#[test]
fn rows_round_trip_through_json() {
    let row = sample().remove(0);
    let json = serde_json::to_string(&row).unwrap();
    assert_eq!(serde_json::from_str::<PetitionRow>(&json).unwrap(), row);
}

#[test]
fn common_filters_use_indexes() {
    let (_dir, store) = seeded();
    let s = |v: &str| Some(v.to_owned());
    for filter in [
        PetitionFilter::default(),
        PetitionFilter {
            status: s("collected"),
            ..Default::default()
        },
        PetitionFilter {
            field: s("dat_dai"),
            ..Default::default()
        },
        PetitionFilter {
            point: s("tdp1"),
            ..Default::default()
        },
        PetitionFilter {
            kind: s("kien_nghi"),
            ..Default::default()
        },
        PetitionFilter {
            from: s("2026-11-01"),
            to: s("2026-11-30"),
            ..Default::default()
        },
    ] {
        let plan = store.explain_list(&filter).unwrap().join("\n");
        assert!(
            !plan.contains("SCAN p\n") && !plan.ends_with("SCAN p"),
            "{filter:?}: {plan}"
        );
        assert!(
            !plan.contains("TEMP B-TREE FOR ORDER BY"),
            "{filter:?}: {plan}"
        );
    }
    // a text search looks its rows up through the full-text index
    let plan = store
        .explain_list(&PetitionFilter {
            text: s("nguyen"),
            ..Default::default()
        })
        .unwrap()
        .join("\n");
    assert!(plan.contains("petition_fts VIRTUAL TABLE INDEX"), "{plan}");
}

/// A search matching thousands of petitions walks the list's order and stops at the page shown
/// (instead of sorting every match); the page is the same as sorting them all would give.
#[test]
fn a_search_matching_thousands_stops_at_the_page_and_keeps_the_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let n = 5000;
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut rows = Vec::new();
    for i in 0..n {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        // Dates in no particular order, some shared by two petitions (then the id decides).
        let day = seed % 28 + 1;
        let minute = (seed >> 8) % 600;
        let place = if i % 3 == 0 {
            "chợ Dĩnh Kế"
        } else {
            "đường Xương Giang"
        };
        rows.push(row(
            &format!("a1b2c3d4-0000-4000-8000-{i:012}"),
            "tdp1",
            &format!(
                "2026-10-{day:02}T{:02}:{:02}:00+07:00",
                minute / 60 + 7,
                minute % 60
            ),
            "kien_nghi",
            Some("ha_tang"),
            "collected",
            &format!("Người dân {i}"),
            place,
        ));
    }
    store.index_apply("intake", b"h", &rows, &[]).unwrap();
    let mut expected: Vec<&PetitionRow> =
        rows.iter().filter(|r| r.place.contains("Xương")).collect();
    assert!(expected.len() > 3000);
    expected.sort_by(|a, b| {
        b.created_at
            .cmp(&a.created_at)
            .then(b.updated_at.cmp(&a.updated_at))
            .then(a.id.cmp(&b.id))
    });
    for (offset, limit) in [(0, 50), (100, 200), (3200, 50)] {
        let filter = PetitionFilter {
            text: Some("xuong giang".into()),
            limit: Some(limit),
            offset: Some(offset),
            ..Default::default()
        };
        let page = store.list_petitions(&filter).unwrap();
        let want: Vec<&str> = expected
            .iter()
            .skip(offset as usize)
            .take(limit as usize)
            .map(|r| r.id.as_str())
            .collect();
        let got: Vec<&str> = page.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(got, want, "offset {offset}, limit {limit}");
        assert_eq!(
            store.count_petitions(&filter).unwrap(),
            expected.len() as u64
        );
        let plan = store.explain_list(&filter).unwrap().join("\n");
        assert!(plan.contains("petition_by_created"), "{plan}");
    }
    // A list without a search walks the index too (at 100,000 rows SQLite chose to sort the
    // whole table: 207 ms for the newest 200).
    let plan = store
        .explain_list(&PetitionFilter {
            limit: Some(200),
            ..Default::default()
        })
        .unwrap()
        .join("\n");
    assert!(plan.contains("petition_by_created"), "{plan}");
    // A search matching a few still finds them through the full-text index.
    let few = PetitionFilter {
        text: Some("nguoi dan 4999".into()),
        ..Default::default()
    };
    let found = store.list_petitions(&few).unwrap();
    assert_eq!(found.len(), 1);
    let plan = store.explain_list(&few).unwrap().join("\n");
    assert!(
        !plan.contains("SCAN p USING INDEX petition_by_created"),
        "{plan}"
    );
}
