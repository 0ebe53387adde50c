//! The lifecycle operations: receive, classify, merge, forward, file, assign, answer, approve, notify, close, reopen.

use super::*;

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

/// Who does an operation, on which device, and when.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub by: String,
    pub device: String,
    pub now: DateTime<FixedOffset>,
}

impl Ctx {
    pub fn new(by: &str, device: &str, now: DateTime<FixedOffset>) -> Ctx {
        Ctx {
            by: by.to_owned(),
            device: device.to_owned(),
            now,
        }
    }
    /// Today in ward time.
    pub fn today(&self) -> NaiveDate {
        self.now
            .with_timezone(&crate::time::ward_offset())
            .date_naive()
    }
    fn at(&self) -> String {
        to_stored(&self.now)
    }
    /// The change message for `op` on `ids`.
    pub fn meta(&self, op: Op, ids: &[Uuid]) -> ChangeMeta {
        ChangeMeta::new(
            &self.by,
            &format!("handling.{}", op.code()),
            ids.iter().map(Uuid::to_string).collect(),
        )
    }
}

fn sid(id: &Uuid) -> String {
    short_id(id)
}

fn sec<T: Transactable + ReadDoc>(tx: &mut T, s: &str) -> Result<ObjId, DocError> {
    ensure_map(tx, &ROOT, s)
}

/// The record map of `id` in section `s`, created when absent.
fn rec<T: Transactable + ReadDoc>(tx: &mut T, s: &str, id: &Uuid) -> Result<ObjId, DocError> {
    let section = sec(tx, s)?;
    ensure_map(tx, &section, &id.to_string())
}

fn put_stamp<T: Transactable + ReadDoc>(tx: &mut T, o: &ObjId, ctx: &Ctx) -> Result<(), DocError> {
    put_str(tx, o, "at", &ctx.at())?;
    put_str(tx, o, "by", &ctx.by)
}

/// The item an operation checks, without its register numbers: finding a petition's claims
/// means looking at every claim key of the register (the key is `year/number/pid`), which at
/// 10,000 petitions is most of an operation's time and no check needs. Error messages that
/// name the number use [`load_numbered`].
fn load<T: ReadDoc>(doc: &T, id: &Uuid) -> Result<Item, DocError> {
    expect_type(doc, TYPE)?;
    let r = Reader::new(doc);
    let secs = Sections::of(&r);
    let no_claims: &[Claim] = &[];
    Ok(read_item(&r, &secs, id, Some(no_claims)))
}

/// The item with its register numbers.
fn load_numbered<T: ReadDoc>(doc: &T, id: &Uuid) -> Result<Item, DocError> {
    expect_type(doc, TYPE)?;
    let r = Reader::new(doc);
    let secs = Sections::of(&r);
    Ok(read_item(&r, &secs, id, None))
}

/// Sets the status, also when the value is already there but other values conflict with it.
fn set_status<T: Transactable + ReadDoc>(
    tx: &mut T,
    id: &Uuid,
    to: Status,
) -> Result<(), DocError> {
    let st = sec(tx, section::STATUS)?;
    let key = id.to_string();
    let conflicting = all_strs(&Reader::new(&*tx), &st, &key).len() > 1;
    if conflicting || Reader::new(&*tx).str(&st, key.as_str()).as_deref() != Some(to.code()) {
        tx.put(&st, key.as_str(), to.code())?;
    }
    Ok(())
}

fn log<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    id: &Uuid,
    op: Op,
    from: Status,
    to: Status,
    note: &str,
) -> Result<(), DocError> {
    let events = sec(tx, section::EVENTS)?;
    let key = format!("{id}/{}", Uuid::now_v7().simple());
    let e = tx.put_object(&events, key.as_str(), ObjType::Map)?;
    tx.put(&e, "pid", id.to_string())?;
    tx.put(&e, "op", op.code())?;
    tx.put(&e, "from", from.code())?;
    tx.put(&e, "to", to.code())?;
    tx.put(&e, "note", note)?;
    tx.put(&e, "at", ctx.at())?;
    tx.put(&e, "by", ctx.by.as_str())?;
    tx.put(&e, "device", ctx.device.as_str())?;
    Ok(())
}

fn transition(item: &Item, op: Op, allowed: &[Status]) -> Result<(), HandlingError> {
    if item.status == Status::Collected {
        return Err(HandlingError::NotReceived { id: sid(&item.id) });
    }
    if allowed.contains(&item.status) {
        Ok(())
    } else {
        Err(HandlingError::Transition {
            id: sid(&item.id),
            op,
            status: item.status,
        })
    }
}

fn not_future(ctx: &Ctx, d: NaiveDate) -> Result<(), HandlingError> {
    if d > ctx.today() + chrono::Duration::days(1) {
        return Err(HandlingError::FutureDate { date: d });
    }
    Ok(())
}

fn not_before_receipt(item: &Item, d: NaiveDate, what: &'static str) -> Result<(), HandlingError> {
    if let Some(r) = &item.received
        && d < r.date
    {
        return Err(HandlingError::BeforeReceipt {
            what,
            date: d,
            received: r.date,
        });
    }
    Ok(())
}

/// The Vietnamese and English names of the fields of office operations, for messages.
pub fn input_label(what: &str, lang: Lang) -> &str {
    match what {
        "forward_to" => lang.pick("nơi nhận", "recipient"),
        "letter_no" => lang.pick("số văn bản", "letter number"),
        "reason" => lang.pick("lý do", "reason"),
        "answer" => lang.pick("nội dung trả lời", "answer text"),
        "department" => lang.pick("bộ phận được giao", "department"),
        "deadline" => lang.pick("hạn giải quyết", "deadline"),
        "date" => lang.pick("ngày", "date"),
        "channel" => lang.pick("hình thức thông báo", "channel"),
        "status" => lang.pick("trạng thái cần giữ", "status to keep"),
        "legal_basis" => lang.pick("căn cứ pháp lý", "legal basis"),
        "doc_no" => lang.pick("số văn bản trả lời", "answer document number"),
        "note" => lang.pick("ghi chú", "note"),
        "prior" => lang.pick("cơ quan đã giải quyết", "body that already handled it"),
        "approver" => lang.pick("người duyệt", "approver"),
        "field" => lang.pick("lĩnh vực", "field"),
        other => other,
    }
}

fn required(what: &'static str, v: &str) -> Result<String, HandlingError> {
    let t = v.trim();
    if t.is_empty() {
        return Err(HandlingError::Required { what });
    }
    let n = t.chars().count();
    if n > crate::petition::MAX_TEXT_CHARS {
        return Err(HandlingError::TooLong {
            what,
            max: crate::petition::MAX_TEXT_CHARS,
            actual: n,
        });
    }
    Ok(t.to_owned())
}

fn optional(what: &'static str, v: &str) -> Result<String, HandlingError> {
    if v.trim().is_empty() {
        Ok(String::new())
    } else {
        required(what, v)
    }
}

/// Enters a petition in the register with the next number of the receipt date's year.
///
/// `collected` is the day the petition was recorded at its collection point; `date` the day
/// the office receives it (deadlines count from it).
pub fn receive<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    id: Uuid,
    point: &str,
    collected: NaiveDate,
    date: NaiveDate,
) -> Result<RegisterNo, HandlingError> {
    let item = load(&*tx, &id)?;
    if item.status != Status::Collected || item.received.is_some() {
        return Err(HandlingError::AlreadyReceived {
            id: sid(&id),
            no: load_numbered(&*tx, &id)?.number(),
        });
    }
    if date < collected {
        return Err(HandlingError::ReceivedBeforeCollected { date, collected });
    }
    not_future(ctx, date)?;
    let no = {
        let r = Reader::new(&*tx);
        RegisterNo {
            year: date.year(),
            number: next_number_in(&r, &Sections::of(&r), date.year()),
        }
    };
    let r = rec(tx, section::RECEIVED, &id)?;
    put_str(tx, &r, "date", &date_key(date))?;
    put_str(tx, &r, "point", point)?;
    put_stamp(tx, &r, ctx)?;
    write_claim(tx, ctx, &id, no)?;
    set_status(tx, &id, Status::Received)?;
    log(
        tx,
        ctx,
        &id,
        Op::Receive,
        Status::Collected,
        Status::Received,
        &no.to_string(),
    )?;
    Ok(no)
}

/// One petition to enter in the register by [`receive_many`].
#[derive(Debug, Clone)]
pub struct Receipt {
    pub id: Uuid,
    pub point: String,
    pub collected: NaiveDate,
    pub date: NaiveDate,
    /// The number the office's own register already gave it (an imported register), in the
    /// year of `date`; `None` takes the next free number.
    pub number: Option<u32>,
}

/// Enters many petitions in the register in one change (an import): as [`receive`] does for
/// each, but the register's claims are read once. A given number is written as given; one held
/// by another petition becomes a visible clash like two offline receipts (the caller checks
/// first, see doithoai-device's import).
pub fn receive_many<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    receipts: &[Receipt],
) -> Result<Vec<RegisterNo>, HandlingError> {
    let next_of = |tx: &T, y: i32| {
        let r = Reader::new(tx);
        next_number_in(&r, &Sections::of(&r), y)
    };
    let mut next: BTreeMap<i32, u32> = BTreeMap::new();
    let mut out = Vec::with_capacity(receipts.len());
    // Given numbers first, so that the next free ones come after every given one.
    for r in receipts {
        if let Some(n) = r.number {
            let y = r.date.year();
            let e = next.entry(y).or_insert_with(|| next_of(&*tx, y));
            *e = (*e).max(n + 1);
        }
    }
    for r in receipts {
        let item = load(&*tx, &r.id)?;
        if item.status != Status::Collected || item.received.is_some() {
            return Err(HandlingError::AlreadyReceived {
                id: sid(&r.id),
                no: load_numbered(&*tx, &r.id)?.number(),
            });
        }
        if r.date < r.collected {
            return Err(HandlingError::ReceivedBeforeCollected {
                date: r.date,
                collected: r.collected,
            });
        }
        not_future(ctx, r.date)?;
        let year = r.date.year();
        let number = match r.number {
            Some(n) => n,
            None => {
                let e = next.entry(year).or_insert_with(|| next_of(&*tx, year));
                let n = *e;
                *e += 1;
                n
            }
        };
        let no = RegisterNo { year, number };
        let rr = rec(tx, section::RECEIVED, &r.id)?;
        put_str(tx, &rr, "date", &date_key(r.date))?;
        put_str(tx, &rr, "point", &r.point)?;
        put_stamp(tx, &rr, ctx)?;
        write_claim(tx, ctx, &r.id, no)?;
        set_status(tx, &r.id, Status::Received)?;
        log(
            tx,
            ctx,
            &r.id,
            Op::Receive,
            Status::Collected,
            Status::Received,
            &no.to_string(),
        )?;
        out.push(no);
    }
    Ok(out)
}

fn write_claim<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    id: &Uuid,
    no: RegisterNo,
) -> Result<(), DocError> {
    let reg = sec(tx, section::REGISTER)?;
    let c = ensure_map(tx, &reg, &no.claim_key(id))?;
    put_i64(tx, &c, "year", i64::from(no.year))?;
    put_i64(tx, &c, "number", i64::from(no.number))?;
    put_str(tx, &c, "pid", &id.to_string())?;
    put_stamp(tx, &c, ctx)?;
    put_str(tx, &c, "device", &ctx.device)
}

/// What a clerk decides when classifying.
#[derive(Debug, Clone)]
pub struct ClassifyInput {
    pub kind: PetitionKind,
    pub field: String,
    pub competence: Competence,
    /// The body that already handled the matter (may be empty).
    pub prior: String,
}

/// Sets type, field and competence. A received petition becomes classified; a later one keeps
/// its status (a correction), except that one already assigned or answered cannot be turned into
/// a complaint or an out-of-competence matter without reopening it first.
pub fn classify<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    registry: &Registry,
    id: Uuid,
    input: &ClassifyInput,
) -> Result<Status, HandlingError> {
    let item = load(&*tx, &id)?;
    transition(
        &item,
        Op::Classify,
        &[
            Status::Received,
            Status::Classified,
            Status::Merged,
            Status::Forwarded,
            Status::Filed,
            Status::Assigned,
            Status::Answered,
            Status::Approved,
            Status::Notified,
            Status::Closed,
        ],
    )?;
    let field = input.field.trim();
    if registry.field(field).is_none() {
        return Err(ValidationError::UnknownField {
            value: field.to_owned(),
            known: registry.fields.iter().map(|f| f.code.clone()).collect(),
        }
        .into());
    }
    let prior = optional("prior", &input.prior)?;
    let out_of_flow = input.kind.is_flagged() || input.competence != Competence::Ward;
    if out_of_flow
        && matches!(
            item.status,
            Status::Assigned | Status::Answered | Status::Approved
        )
    {
        return Err(HandlingError::ReclassifyInHandling { id: sid(&id) });
    }
    let to = if item.status == Status::Received {
        Status::Classified
    } else {
        item.status
    };
    let c = rec(tx, section::CLASSIFICATION, &id)?;
    put_str(tx, &c, "kind", input.kind.code())?;
    put_str(tx, &c, "field", field)?;
    put_str(tx, &c, "competence", input.competence.code())?;
    put_str(tx, &c, "prior", &prior)?;
    put_stamp(tx, &c, ctx)?;
    if to != item.status {
        set_status(tx, &id, to)?;
    }
    let note = format!(
        "{}; {}; {}",
        input.kind.code(),
        field,
        input.competence.code()
    );
    log(tx, ctx, &id, Op::Classify, item.status, to, &note)?;
    Ok(to)
}

/// Merges a petition into another as a duplicate: it keeps its record and is linked to the
/// original (merging into a duplicate merges into that duplicate's original). Returns the
/// original.
pub fn merge<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    id: Uuid,
    into: Uuid,
) -> Result<Uuid, HandlingError> {
    if id == into {
        return Err(HandlingError::MergeIntoSelf { id: sid(&id) });
    }
    let item = load(&*tx, &id)?;
    transition(&item, Op::Merge, &[Status::Received, Status::Classified])?;
    // The target and the originals it is merged into, one by one: not the whole document.
    let target = load(&*tx, &into)?;
    if target.status == Status::Collected && target.received.is_none() {
        return Err(HandlingError::NotReceived { id: sid(&into) });
    }
    let root = root_of(&*tx, target)?;
    if root == id {
        return Err(HandlingError::MergeCycle {
            id: sid(&id),
            into: sid(&into),
        });
    }
    let m = rec(tx, section::MERGED, &id)?;
    put_str(tx, &m, "into", &root.to_string())?;
    put_stamp(tx, &m, ctx)?;
    set_status(tx, &id, Status::Merged)?;
    log(
        tx,
        ctx,
        &id,
        Op::Merge,
        item.status,
        Status::Merged,
        &root.to_string(),
    )?;
    Ok(root)
}

/// The original `item` is (transitively) merged into, as [`Handling::root`] finds it, reading
/// only the items on the way.
fn root_of<T: ReadDoc>(doc: &T, item: Item) -> Result<Uuid, DocError> {
    let mut seen = Vec::new();
    let mut cur = item;
    while let Some(next) = cur.duplicate_of() {
        if seen.contains(&cur.id) {
            return Ok(seen.iter().min().copied().unwrap_or(cur.id));
        }
        seen.push(cur.id);
        cur = load(doc, &next)?;
    }
    Ok(cur.id)
}

/// Forwarding to the competent body, or returning to the resident with guidance.
#[derive(Debug, Clone)]
pub struct ForwardInput {
    pub mode: ForwardMode,
    pub to: String,
    pub letter_no: String,
    /// The letter's date; today when `None`.
    pub date: Option<NaiveDate>,
}

pub fn forward<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    id: Uuid,
    input: &ForwardInput,
) -> Result<(), HandlingError> {
    let item = load(&*tx, &id)?;
    transition(&item, Op::Forward, &[Status::Classified, Status::Forwarded])?;
    let to = required("forward_to", &input.to)?;
    let letter = optional("letter_no", &input.letter_no)?;
    let date = input.date.unwrap_or_else(|| ctx.today());
    not_future(ctx, date)?;
    not_before_receipt(&item, date, "date")?;
    let f = rec(tx, section::FORWARDED, &id)?;
    put_str(tx, &f, "mode", input.mode.code())?;
    put_str(tx, &f, "to", &to)?;
    put_str(tx, &f, "letter_no", &letter)?;
    put_str(tx, &f, "date", &date_key(date))?;
    put_stamp(tx, &f, ctx)?;
    set_status(tx, &id, Status::Forwarded)?;
    let note = if letter.is_empty() {
        to
    } else {
        format!("{to}; {letter}")
    };
    log(
        tx,
        ctx,
        &id,
        Op::Forward,
        item.status,
        Status::Forwarded,
        &note,
    )?;
    Ok(())
}

/// Files a petition without action; the reason is required.
pub fn file<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    id: Uuid,
    reason: &str,
) -> Result<(), HandlingError> {
    let item = load(&*tx, &id)?;
    transition(&item, Op::File, &[Status::Classified, Status::Filed])?;
    let reason = required("reason", reason)?;
    let f = rec(tx, section::FILED, &id)?;
    put_str(tx, &f, "reason", &reason)?;
    put_stamp(tx, &f, ctx)?;
    set_status(tx, &id, Status::Filed)?;
    log(tx, ctx, &id, Op::File, item.status, Status::Filed, &reason)?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct AssignInput {
    /// A department id of the registry.
    pub department: String,
    /// `None`: 10 working days from receipt.
    pub deadline: Option<NaiveDate>,
    pub note: String,
}

/// Assigns (or reassigns) a petition to a department with a deadline. Returns the deadline.
pub fn assign<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    registry: &Registry,
    id: Uuid,
    input: &AssignInput,
) -> Result<NaiveDate, HandlingError> {
    let item = load(&*tx, &id)?;
    transition(
        &item,
        Op::Assign,
        &[Status::Classified, Status::Assigned, Status::Answered],
    )?;
    if let Some(c) = &item.classification {
        if c.kind.is_flagged() {
            return Err(HandlingError::Flagged {
                id: sid(&id),
                kind: c.kind,
            });
        }
        if c.competence != Competence::Ward {
            return Err(HandlingError::NotWardCompetence {
                id: sid(&id),
                competence: c.competence,
            });
        }
    }
    let dept = input.department.trim();
    if registry.department(dept).is_none() {
        return Err(ValidationError::UnknownDepartment {
            value: dept.to_owned(),
        }
        .into());
    }
    let note = optional("note", &input.note)?;
    let received = item
        .received
        .as_ref()
        .map(|r| r.date)
        .unwrap_or(ctx.today());
    let deadline = match input.deadline {
        Some(d) => {
            not_before_receipt(&item, d, "deadline")?;
            d
        }
        None => Calendar::of(registry).ten_working_days(received),
    };
    let a = rec(tx, section::ASSIGNMENT, &id)?;
    put_str(tx, &a, "department", dept)?;
    put_str(tx, &a, "deadline", &date_key(deadline))?;
    put_str(tx, &a, "note", &note)?;
    put_stamp(tx, &a, ctx)?;
    set_status(tx, &id, Status::Assigned)?;
    log(
        tx,
        ctx,
        &id,
        Op::Assign,
        item.status,
        Status::Assigned,
        &format!("{dept}; {}", date_key(deadline)),
    )?;
    Ok(deadline)
}

#[derive(Debug, Clone, Default)]
pub struct AnswerInput {
    pub text: String,
    pub legal_basis: String,
    pub doc_no: String,
    /// The official who answered; the clerk when empty.
    pub answered_by: String,
    /// Answered on the spot at a session: the item goes straight to notified.
    pub on_spot: bool,
    /// The answer's date; today when `None`.
    pub date: Option<NaiveDate>,
}

/// Records the answer. An answer given on the spot at a session goes straight to notified.
pub fn answer<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    id: Uuid,
    input: &AnswerInput,
) -> Result<Status, HandlingError> {
    let item = load(&*tx, &id)?;
    let op = if input.on_spot {
        Op::AnswerOnSpot
    } else {
        Op::Answer
    };
    if input.on_spot {
        transition(
            &item,
            op,
            &[Status::Received, Status::Classified, Status::Assigned],
        )?;
        if item.is_flagged()
            && let Some(kind) = item.kind()
        {
            return Err(HandlingError::Flagged { id: sid(&id), kind });
        }
    } else {
        transition(&item, op, &[Status::Assigned, Status::Answered])?;
    }
    let text = required("answer", &input.text)?;
    let legal = optional("legal_basis", &input.legal_basis)?;
    let doc_no = optional("doc_no", &input.doc_no)?;
    let answered_by = match input.answered_by.trim() {
        "" => ctx.by.clone(),
        s => s.to_owned(),
    };
    let date = input.date.unwrap_or_else(|| ctx.today());
    not_future(ctx, date)?;
    not_before_receipt(&item, date, "date")?;
    let a = rec(tx, section::ANSWER, &id)?;
    put_str(tx, &a, "text", &text)?;
    put_str(tx, &a, "legal_basis", &legal)?;
    put_str(tx, &a, "doc_no", &doc_no)?;
    put_str(tx, &a, "answered_by", &answered_by)?;
    put_bool(tx, &a, "on_spot", input.on_spot)?;
    put_str(tx, &a, "date", &date_key(date))?;
    put_stamp(tx, &a, ctx)?;
    let to = if input.on_spot {
        let n = rec(tx, section::NOTIFICATION, &id)?;
        put_str(tx, &n, "channel", Channel::OnSpot.code())?;
        put_str(tx, &n, "date", &date_key(date))?;
        put_str(tx, &n, "note", "")?;
        put_str(tx, &n, "from", item.status.code())?;
        put_stamp(tx, &n, ctx)?;
        Status::Notified
    } else {
        Status::Answered
    };
    set_status(tx, &id, to)?;
    log(tx, ctx, &id, op, item.status, to, &doc_no)?;
    Ok(to)
}

/// Approves the drafted answer.
pub fn approve<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    id: Uuid,
    approver: &str,
    note: &str,
) -> Result<(), HandlingError> {
    let item = load(&*tx, &id)?;
    transition(&item, Op::Approve, &[Status::Answered])?;
    let approver = match approver.trim() {
        "" => ctx.by.clone(),
        s => s.to_owned(),
    };
    let note = optional("note", note)?;
    let a = rec(tx, section::APPROVAL, &id)?;
    put_str(tx, &a, "approver", &approver)?;
    put_str(tx, &a, "note", &note)?;
    put_stamp(tx, &a, ctx)?;
    set_status(tx, &id, Status::Approved)?;
    log(
        tx,
        ctx,
        &id,
        Op::Approve,
        item.status,
        Status::Approved,
        &approver,
    )?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct NotifyInput {
    pub channel: Channel,
    /// When the resident was told; today when `None`.
    pub date: Option<NaiveDate>,
    pub note: String,
}

/// Records that the resident was told the result (of an approved answer, or that the petition
/// was forwarded or filed).
pub fn notify<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    id: Uuid,
    input: &NotifyInput,
) -> Result<(), HandlingError> {
    let item = load(&*tx, &id)?;
    transition(
        &item,
        Op::Notify,
        &[Status::Approved, Status::Forwarded, Status::Filed],
    )?;
    let date = input.date.unwrap_or_else(|| ctx.today());
    not_future(ctx, date)?;
    not_before_receipt(&item, date, "date")?;
    let note = optional("note", &input.note)?;
    let n = rec(tx, section::NOTIFICATION, &id)?;
    put_str(tx, &n, "channel", input.channel.code())?;
    put_str(tx, &n, "date", &date_key(date))?;
    put_str(tx, &n, "note", &note)?;
    put_str(tx, &n, "from", item.status.code())?;
    put_stamp(tx, &n, ctx)?;
    set_status(tx, &id, Status::Notified)?;
    log(
        tx,
        ctx,
        &id,
        Op::Notify,
        item.status,
        Status::Notified,
        input.channel.code(),
    )?;
    Ok(())
}

/// Closes a petition once the resident was told, or once it left the ward's flow (forwarded,
/// filed, merged).
pub fn close<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    id: Uuid,
    note: &str,
) -> Result<(), HandlingError> {
    let item = load(&*tx, &id)?;
    transition(
        &item,
        Op::Close,
        &[
            Status::Notified,
            Status::Forwarded,
            Status::Filed,
            Status::Merged,
        ],
    )?;
    let note = optional("note", note)?;
    let c = rec(tx, section::CLOSURE, &id)?;
    put_str(tx, &c, "note", &note)?;
    put_str(tx, &c, "from", item.status.code())?;
    put_stamp(tx, &c, ctx)?;
    set_status(tx, &id, Status::Closed)?;
    log(tx, ctx, &id, Op::Close, item.status, Status::Closed, &note)?;
    Ok(())
}

/// The status a reopened item goes back to: handling again when it had been assigned and
/// answered, otherwise awaiting a new decision.
fn reopen_target(item: &Item) -> Status {
    let mut s = item.status;
    if s == Status::Closed {
        s = item.closure.as_ref().map_or(Status::Notified, |c| c.from);
    }
    if s == Status::Notified {
        s = item
            .notification
            .as_ref()
            .map_or(Status::Approved, |n| n.from);
    }
    match s {
        Status::Assigned | Status::Answered | Status::Approved if item.assignment.is_some() => {
            Status::Assigned
        }
        _ if item.classification.is_some() => Status::Classified,
        _ => Status::Received,
    }
}

/// Reopens a closed, notified, forwarded, filed or merged petition; the reason is required.
/// Nothing recorded before is removed.
pub fn reopen<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    id: Uuid,
    reason: &str,
) -> Result<Status, HandlingError> {
    let item = load(&*tx, &id)?;
    transition(
        &item,
        Op::Reopen,
        &[
            Status::Closed,
            Status::Notified,
            Status::Forwarded,
            Status::Filed,
            Status::Merged,
        ],
    )?;
    let reason = required("reason", reason)?;
    let to = reopen_target(&item);
    set_status(tx, &id, to)?;
    log(tx, ctx, &id, Op::Reopen, item.status, to, &reason)?;
    Ok(to)
}

/// Gives a petition a fresh register number (or, with `keep`, keeps one of the numbers it holds
/// and lets the others go). The numbers let go are released, never reused. Without a conflict a
/// reason is required. Returns the number the petition now holds.
pub fn renumber<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    id: Uuid,
    keep: Option<RegisterNo>,
    reason: &str,
) -> Result<RegisterNo, HandlingError> {
    let h = read(&*tx)?;
    let item = h
        .get(&id)
        .ok_or_else(|| HandlingError::NotReceived { id: sid(&id) })?;
    let shared = item.numbers.iter().any(|n| h.holders(*n).len() > 1);
    let several = item.numbers.len() > 1;
    let reason = reason.trim();
    if !shared && !several && reason.is_empty() {
        return Err(HandlingError::NoNumberConflict {
            id: sid(&id),
            no: item.number(),
        });
    }
    let new = match keep {
        Some(k) => {
            if !item.numbers.contains(&k) {
                return Err(HandlingError::NotHeld {
                    id: sid(&id),
                    no: k,
                });
            }
            k
        }
        None => {
            let year = item
                .received
                .as_ref()
                .map(|r| r.date.year())
                .or(item.number().map(|n| n.year))
                .unwrap_or(ctx.today().year());
            RegisterNo {
                year,
                number: h.next_number(year),
            }
        }
    };
    let old: Vec<RegisterNo> = item.numbers.iter().copied().filter(|n| *n != new).collect();
    let note = if reason.is_empty() {
        format!(
            "{} → {new}",
            old.iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else {
        format!(
            "{} → {new}: {reason}",
            old.iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let reg = sec(tx, section::REGISTER)?;
    if keep.is_some()
        && let Some(c) = Reader::new(&*tx).obj(&reg, new.claim_key(&id).as_str())
    {
        put_str(tx, &c, "released_at", "")?;
    }
    for n in &old {
        if let Some(c) = Reader::new(&*tx).obj(&reg, n.claim_key(&id).as_str()) {
            put_str(tx, &c, "released_at", &ctx.at())?;
            put_str(tx, &c, "released_by", &ctx.by)?;
            put_str(tx, &c, "released_note", &note)?;
        }
    }
    if keep.is_none() {
        write_claim(tx, ctx, &id, new)?;
    }
    log(tx, ctx, &id, Op::Renumber, item.status, item.status, &note)?;
    Ok(new)
}

/// Settles a status conflict by choosing one of the conflicting values.
pub fn resolve<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    id: Uuid,
    keep: Status,
    note: &str,
) -> Result<(), HandlingError> {
    let item = load(&*tx, &id)?;
    if item.status == Status::Collected {
        return Err(HandlingError::NotReceived { id: sid(&id) });
    }
    if item.status_conflict.is_empty() {
        return Err(HandlingError::NoStatusConflict { id: sid(&id) });
    }
    if !item.status_conflict.contains(&keep) {
        return Err(HandlingError::NotAConflictingStatus {
            id: sid(&id),
            status: keep,
        });
    }
    let note = optional("note", note)?;
    set_status(tx, &id, keep)?;
    let text = format!(
        "{} → {}{}",
        status_list(&item.status_conflict, Lang::Vi),
        keep.code(),
        if note.is_empty() {
            String::new()
        } else {
            format!(": {note}")
        }
    );
    log(tx, ctx, &id, Op::Resolve, item.status, keep, &text)?;
    Ok(())
}
