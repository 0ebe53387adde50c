//! Creating and reading the handling document.

use super::*;

// ---------------------------------------------------------------------------------------------
// Creating and reading
// ---------------------------------------------------------------------------------------------

/// Writes the root structure of a new handling document.
pub fn init<T: Transactable + ReadDoc>(tx: &mut T, ward_id: &str) -> Result<(), DocError> {
    put_str(tx, &ROOT, "type", TYPE)?;
    put_i64(tx, &ROOT, "schema", SCHEMA)?;
    if !ward_id.is_empty() {
        put_str(tx, &ROOT, "ward_id", ward_id)?;
    }
    for s in section::ALL {
        ensure_map(tx, &ROOT, s)?;
    }
    Ok(())
}

/// A new, empty handling document.
pub fn new_document(ward_id: &str) -> Result<automerge::Automerge, DocError> {
    let mut doc = automerge::Automerge::new();
    let meta = ChangeMeta::new("doithoai", "handling.create", Vec::new());
    doc.transact_with::<_, _, DocError, _>(|_| meta.commit_options(), |tx| init(tx, ward_id))
        .map_err(|f| f.error)?;
    Ok(doc)
}

/// Every item of the handling document, and every register claim.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Handling {
    pub items: BTreeMap<Uuid, Item>,
    /// Every claim, released ones included, ordered by year, number, petition.
    pub claims: Vec<Claim>,
}

fn parse_date_str(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

pub(super) fn date_key(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The values of `obj[key]`, including those written concurrently (conflicts), as strings.
pub(super) fn all_strs<D: ReadDoc>(r: &Reader<'_, D>, obj: &ObjId, key: &str) -> Vec<String> {
    let values = match r.heads {
        Some(h) => r.doc.get_all_at(obj, key, h),
        None => r.doc.get_all(obj, key),
    }
    .unwrap_or_default();
    values
        .into_iter()
        .filter_map(|(v, id)| match v {
            Value::Scalar(s) => match s.as_ref() {
                ScalarValue::Str(s) => Some(s.to_string()),
                _ => None,
            },
            Value::Object(ObjType::Text) => match r.heads {
                Some(h) => r.doc.text_at(&id, h).ok(),
                None => r.doc.text(&id).ok(),
            },
            _ => None,
        })
        .collect()
}

pub(super) struct Sections {
    objs: BTreeMap<&'static str, ObjId>,
}

impl Sections {
    pub(super) fn of<D: ReadDoc>(r: &Reader<'_, D>) -> Sections {
        let mut objs = BTreeMap::new();
        for s in section::ALL {
            if let Some(o) = r.obj(&ROOT, s) {
                objs.insert(s, o);
            }
        }
        Sections { objs }
    }
    fn get(&self, s: &str) -> Option<&ObjId> {
        self.objs.get(s)
    }
}

fn record<D: ReadDoc>(r: &Reader<'_, D>, secs: &Sections, s: &str, id: &str) -> Option<ObjId> {
    r.obj(secs.get(s)?, id)
}

fn stamp<D: ReadDoc>(r: &Reader<'_, D>, o: &ObjId) -> (String, String) {
    (r.string(o, "at"), r.string(o, "by"))
}

pub(super) fn read_claims<D: ReadDoc>(
    r: &Reader<'_, D>,
    secs: &Sections,
    only: Option<&Uuid>,
) -> Vec<Claim> {
    read_claims_where(r, secs, |id| only.is_none_or(|o| o == id))
}

/// The next free number of `year` (one more than any number ever claimed that year, released
/// claims included), from the claims' keys alone (`year/number/pid`): no claim is read.
pub(super) fn next_number_in<D: ReadDoc>(r: &Reader<'_, D>, secs: &Sections, year: i32) -> u32 {
    let Some(reg) = secs.get(section::REGISTER) else {
        return 1;
    };
    let prefix = format!("{year}/");
    let mut end = year.to_string();
    end.push('0'); // '0' follows '/' in ASCII
    let number =
        |k: &str| -> Option<u32> { k.strip_prefix(&prefix)?.split('/').next()?.parse().ok() };
    let max = match r.heads {
        Some(h) => r
            .doc
            .map_range_at(reg, prefix.clone()..end, h)
            .filter_map(|i| number(&i.key[..]))
            .max(),
        None => r
            .doc
            .map_range(reg, prefix.clone()..end)
            .filter_map(|i| number(&i.key[..]))
            .max(),
    };
    max.unwrap_or(0) + 1
}

/// The claims of the petitions `keep` accepts: every key is looked at, only theirs are read.
pub(super) fn read_claims_where<D: ReadDoc>(
    r: &Reader<'_, D>,
    secs: &Sections,
    keep: impl Fn(&Uuid) -> bool,
) -> Vec<Claim> {
    let Some(reg) = secs.get(section::REGISTER) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for key in r.keys(reg) {
        let mut parts = key.splitn(3, '/');
        let (Some(y), Some(n), Some(p)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let (Ok(year), Ok(number), Ok(id)) = (y.parse(), n.parse(), Uuid::parse_str(p)) else {
            continue;
        };
        if !keep(&id) {
            continue;
        }
        let Some(o) = r.obj(reg, key.as_str()) else {
            continue;
        };
        let (at, by) = stamp(r, &o);
        let released = r
            .str(&o, "released_at")
            .filter(|s| !s.is_empty())
            .map(|at| Release {
                at,
                by: r.string(&o, "released_by"),
                note: r.string(&o, "released_note"),
            });
        out.push(Claim {
            no: RegisterNo { year, number },
            id,
            at,
            by,
            device: r.string(&o, "device"),
            released,
        });
    }
    out.sort_by_key(|c| (c.no, c.id));
    out
}

fn read_events<D: ReadDoc>(r: &Reader<'_, D>, secs: &Sections, id: &Uuid) -> Vec<Event> {
    let Some(events) = secs.get(section::EVENTS) else {
        return Vec::new();
    };
    let prefix = format!("{id}/");
    let mut end = id.to_string();
    end.push('0'); // '0' follows '/' in ASCII
    let keys: Vec<String> = match r.heads {
        Some(h) => r
            .doc
            .map_range_at(events, prefix.clone()..end, h)
            .map(|i| i.key.into_owned())
            .collect(),
        None => r
            .doc
            .map_range(events, prefix.clone()..end)
            .map(|i| i.key.into_owned())
            .collect(),
    };
    let mut out: Vec<Event> = keys
        .iter()
        .filter_map(|k| {
            let o = r.obj(events, k.as_str())?;
            let (at, by) = stamp(r, &o);
            Some(Event {
                id: k.strip_prefix(&prefix).unwrap_or(k).to_owned(),
                op: r.string(&o, "op"),
                from: r.str(&o, "from").and_then(|s| Status::parse(&s)),
                to: r.str(&o, "to").and_then(|s| Status::parse(&s)),
                note: r.string(&o, "note"),
                at,
                by,
                device: r.string(&o, "device"),
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.at, &a.id).cmp(&(&b.at, &b.id)));
    out
}

pub(super) fn read_item<D: ReadDoc>(
    r: &Reader<'_, D>,
    secs: &Sections,
    id: &Uuid,
    claims: Option<&[Claim]>,
) -> Item {
    let key = id.to_string();
    let k = key.as_str();
    let mut item = Item::empty(*id);
    if let Some(st) = secs.get(section::STATUS) {
        if let Some(s) = r.str(st, k).and_then(|s| Status::parse(&s)) {
            item.status = s;
        }
        let mut all: Vec<Status> = all_strs(r, st, k)
            .iter()
            .filter_map(|s| Status::parse(s))
            .collect();
        all.sort();
        all.dedup();
        if all.len() > 1 {
            item.status_conflict = all;
        }
    }
    item.received = record(r, secs, section::RECEIVED, k).and_then(|o| {
        let (at, by) = stamp(r, &o);
        Some(Received {
            date: parse_date_str(&r.string(&o, "date"))?,
            point: r.string(&o, "point"),
            at,
            by,
        })
    });
    let own: Vec<Claim>;
    let claims = match claims {
        Some(c) => c,
        None => {
            own = read_claims(r, secs, Some(id));
            &own
        }
    };
    item.numbers = claims
        .iter()
        .filter(|c| c.id == *id && c.released.is_none())
        .map(|c| c.no)
        .collect();
    if item.numbers.is_empty() {
        // Every claim released: two clerks settled the same clash in different ways offline.
        // All of them count again, so the clash shows up again instead of the number vanishing.
        item.numbers = claims
            .iter()
            .filter(|c| c.id == *id)
            .map(|c| c.no)
            .collect();
    }
    item.numbers.sort();
    item.numbers.dedup();
    item.classification = record(r, secs, section::CLASSIFICATION, k).and_then(|o| {
        let (at, by) = stamp(r, &o);
        Some(Classification {
            kind: PetitionKind::parse(&r.string(&o, "kind"))?,
            field: r.string(&o, "field"),
            competence: Competence::parse(&r.string(&o, "competence"))?,
            prior: r.string(&o, "prior"),
            at,
            by,
        })
    });
    item.merged = record(r, secs, section::MERGED, k).and_then(|o| {
        let (at, by) = stamp(r, &o);
        Some(Merge {
            into: Uuid::parse_str(&r.string(&o, "into")).ok()?,
            at,
            by,
        })
    });
    item.forwarded = record(r, secs, section::FORWARDED, k).and_then(|o| {
        let (at, by) = stamp(r, &o);
        Some(Forwarding {
            mode: ForwardMode::parse(&r.string(&o, "mode")).unwrap_or(ForwardMode::Forward),
            to: r.string(&o, "to"),
            letter_no: r.string(&o, "letter_no"),
            date: parse_date_str(&r.string(&o, "date"))?,
            at,
            by,
        })
    });
    item.filed = record(r, secs, section::FILED, k).map(|o| {
        let (at, by) = stamp(r, &o);
        Filing {
            reason: r.string(&o, "reason"),
            at,
            by,
        }
    });
    item.assignment = record(r, secs, section::ASSIGNMENT, k).and_then(|o| {
        let (at, by) = stamp(r, &o);
        Some(Assignment {
            department: r.string(&o, "department"),
            deadline: parse_date_str(&r.string(&o, "deadline"))?,
            note: r.string(&o, "note"),
            at,
            by,
        })
    });
    item.answer = record(r, secs, section::ANSWER, k).and_then(|o| {
        let (at, by) = stamp(r, &o);
        Some(Answer {
            text: r.string(&o, "text"),
            legal_basis: r.string(&o, "legal_basis"),
            doc_no: r.string(&o, "doc_no"),
            answered_by: r.string(&o, "answered_by"),
            on_spot: r.bool(&o, "on_spot").unwrap_or(false),
            date: parse_date_str(&r.string(&o, "date"))?,
            at,
            by,
        })
    });
    item.approval = record(r, secs, section::APPROVAL, k).map(|o| {
        let (at, by) = stamp(r, &o);
        Approval {
            approver: r.string(&o, "approver"),
            note: r.string(&o, "note"),
            at,
            by,
        }
    });
    item.notification = record(r, secs, section::NOTIFICATION, k).and_then(|o| {
        let (at, by) = stamp(r, &o);
        Some(Notification {
            channel: Channel::parse(&r.string(&o, "channel")).unwrap_or(Channel::Other),
            date: parse_date_str(&r.string(&o, "date"))?,
            note: r.string(&o, "note"),
            from: Status::parse(&r.string(&o, "from")).unwrap_or(Status::Approved),
            at,
            by,
        })
    });
    item.closure = record(r, secs, section::CLOSURE, k).map(|o| {
        let (at, by) = stamp(r, &o);
        Closure {
            note: r.string(&o, "note"),
            from: Status::parse(&r.string(&o, "from")).unwrap_or(Status::Notified),
            at,
            by,
        }
    });
    item.events = read_events(r, secs, id);
    if item.status == Status::Collected && item.received.is_some() {
        item.status = Status::Received;
    }
    item
}

/// The ids of every petition the document knows.
fn item_ids<D: ReadDoc>(r: &Reader<'_, D>, secs: &Sections) -> BTreeSet<Uuid> {
    let mut ids = BTreeSet::new();
    for s in [section::STATUS, section::RECEIVED] {
        if let Some(o) = secs.get(s) {
            ids.extend(r.keys(o).iter().filter_map(|k| Uuid::parse_str(k).ok()));
        }
    }
    ids
}

/// Reads the whole document.
pub fn read<D: ReadDoc>(doc: &D) -> Result<Handling, DocError> {
    expect_type(doc, TYPE)?;
    let r = Reader::new(doc);
    let secs = Sections::of(&r);
    let claims = read_claims(&r, &secs, None);
    let items = item_ids(&r, &secs)
        .into_iter()
        .map(|id| (id, read_item(&r, &secs, &id, Some(&claims))))
        .collect();
    Ok(Handling { items, claims })
}

/// Reads the items with the given ids (those the document does not know are left out).
pub fn read_items<D: ReadDoc>(
    doc: &D,
    ids: &BTreeSet<Uuid>,
) -> Result<BTreeMap<Uuid, Item>, DocError> {
    expect_type(doc, TYPE)?;
    let r = Reader::new(doc);
    let secs = Sections::of(&r);
    // Only these petitions' claims and records are read: the cost follows `ids`, not the
    // document (every claim key is looked at once, no claim of another petition is read).
    let claims = read_claims_where(&r, &secs, |id| ids.contains(id));
    let knows = |id: &Uuid| {
        let k = id.to_string();
        [section::STATUS, section::RECEIVED]
            .iter()
            .any(|s| secs.get(s).is_some_and(|o| r.get(o, k.as_str()).is_some()))
    };
    Ok(ids
        .iter()
        .filter(|id| knows(id))
        .map(|id| (*id, read_item(&r, &secs, id, Some(&claims))))
        .collect())
}

/// One item, if the document knows it.
pub fn item<D: ReadDoc>(doc: &D, id: &Uuid) -> Result<Option<Item>, DocError> {
    expect_type(doc, TYPE)?;
    let r = Reader::new(doc);
    let secs = Sections::of(&r);
    let it = read_item(&r, &secs, id, None);
    Ok((it.status != Status::Collected || it.received.is_some()).then_some(it))
}

/// The petitions whose handling changed between `before` and now; `None` means "all of them"
/// (when `before` is empty or the document was restructured).
pub fn changed_ids(doc: &automerge::Automerge, before: &[ChangeHash]) -> Option<BTreeSet<Uuid>> {
    if before.is_empty() {
        return None;
    }
    let after = doc.get_heads();
    let mut ids = BTreeSet::new();
    let to_id = |section: &str, key: &str| -> Option<Uuid> {
        let part = match section {
            section::REGISTER => key.rsplit('/').next()?,
            section::EVENTS => key.split('/').next()?,
            _ => key,
        };
        Uuid::parse_str(part).ok()
    };
    for patch in doc.diff(before, &after) {
        let section_name = match patch.path.first() {
            Some((o, Prop::Map(s))) if *o == ROOT => s.clone(),
            Some(_) => continue,
            None => {
                // A change at the root: a section itself was (re)created.
                if let PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key } =
                    &patch.action
                    && section::ALL.contains(&key.as_str())
                {
                    return None;
                }
                continue;
            }
        };
        let key = match patch.path.get(1) {
            Some((_, Prop::Map(k))) => Some(k.clone()),
            Some(_) => None,
            None => match &patch.action {
                PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key } => {
                    Some(key.clone())
                }
                _ => None,
            },
        };
        if let Some(id) = key.and_then(|k| to_id(&section_name, &k)) {
            ids.insert(id);
        }
    }
    Some(ids)
}
