use doithoai_model::*;
use std::time::Instant;
fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let mut doc = intake::new_document("tdp-01").unwrap();
    let reg = Registry::builtin();
    let t = Instant::now();
    for i in 0..n {
        let p = NewPetition {
            residents: vec![Resident {
                name: format!("Nguyễn Văn {i}"),
                address: "Số 5 ngõ 12".into(),
                tdp: "TDP 1".into(),
                phone: None,
                id_number: None,
            }],
            content: format!("Nội dung ý kiến số {i} về đèn đường hỏng và cống thoát nước"),
            request: "Đề nghị sửa".into(),
            place: "ngõ 12".into(),
            ..Default::default()
        }
        .build("tdp-01", "x", &reg)
        .unwrap();
        let meta = ChangeMeta::new("x", "petition.add", vec![p.id.to_string()]);
        doc.transact_with::<_, _, DocError, _>(
            |_| meta.commit_options(),
            |tx| intake::put_petition(tx, &p),
        )
        .unwrap();
    }
    println!("build {:?}", t.elapsed());
    let t = Instant::now();
    let bytes = doc.save();
    println!("save {:?} {} bytes", t.elapsed(), bytes.len());
    let t = Instant::now();
    let d2 = automerge::Automerge::load(&bytes).unwrap();
    println!("load {:?}", t.elapsed());
    let t = Instant::now();
    let _d3 = automerge::Automerge::load_unverified_heads(&bytes).unwrap();
    println!("load_unverified {:?}", t.elapsed());
    let t = Instant::now();
    let (ps, _) = intake::petitions(&d2).unwrap();
    println!("read all {:?} {}", t.elapsed(), ps.len());
}
