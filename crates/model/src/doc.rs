//! Reading and writing Automerge documents field by field.
//!
//! Strings written by the JavaScript Automerge library arrive as `Text` objects while Rust writes
//! scalar strings: every reader here accepts both. Writers only put a value when it differs from
//! what is there, so that concurrent edits of different fields of one record both survive a merge
//! and the history shows exactly what each person changed.

use automerge::transaction::Transactable;
use automerge::{ChangeHash, ObjId, ObjType, Prop, ReadDoc, ScalarValue, Value};

/// A document's structure is not what this version of doithoai expects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocError {
    #[error("the document is not a {expected} document (it says {found:?})")]
    WrongType {
        expected: &'static str,
        found: String,
    },
    #[error("the document has no {0:?} map")]
    Missing(&'static str),
    #[error("bad value at {path}: {reason}")]
    BadValue { path: String, reason: String },
    #[error("automerge: {0}")]
    Automerge(String),
}

impl From<automerge::AutomergeError> for DocError {
    fn from(e: automerge::AutomergeError) -> Self {
        DocError::Automerge(e.to_string())
    }
}

impl crate::Localize for DocError {
    fn localize(&self, lang: crate::Lang) -> String {
        match (self, lang) {
            (DocError::WrongType { expected, found }, crate::Lang::Vi) => format!(
                "Tài liệu không phải loại «{expected}» (loại ghi trong tài liệu: «{found}»)."
            ),
            (DocError::Missing(what), crate::Lang::Vi) => {
                format!("Tài liệu thiếu phần «{what}»; có thể chưa đồng bộ xong.")
            }
            (DocError::BadValue { path, reason }, crate::Lang::Vi) => {
                format!("Giá trị không hợp lệ tại {path}: {reason}.")
            }
            (DocError::Automerge(e), crate::Lang::Vi) => format!("Lỗi tài liệu Automerge: {e}."),
            (e, crate::Lang::En) => e.to_string(),
        }
    }
}

/// Reads a document either at its current state or at some past heads.
#[derive(Clone, Copy)]
pub struct Reader<'a, D: ReadDoc> {
    pub doc: &'a D,
    pub heads: Option<&'a [ChangeHash]>,
}

impl<'a, D: ReadDoc> Reader<'a, D> {
    pub fn new(doc: &'a D) -> Self {
        Reader { doc, heads: None }
    }

    pub fn at(doc: &'a D, heads: &'a [ChangeHash]) -> Self {
        Reader {
            doc,
            heads: Some(heads),
        }
    }

    pub fn get<P: Into<Prop>>(&self, obj: &ObjId, prop: P) -> Option<(Value<'a>, ObjId)> {
        let r = match self.heads {
            Some(h) => self.doc.get_at(obj, prop, h),
            None => self.doc.get(obj, prop),
        };
        r.ok().flatten()
    }

    pub fn keys(&self, obj: &ObjId) -> Vec<String> {
        match self.heads {
            Some(h) => self.doc.keys_at(obj, h).collect(),
            None => self.doc.keys(obj).collect(),
        }
    }

    pub fn length(&self, obj: &ObjId) -> usize {
        match self.heads {
            Some(h) => self.doc.length_at(obj, h),
            None => self.doc.length(obj),
        }
    }

    fn text(&self, obj: &ObjId) -> Option<String> {
        match self.heads {
            Some(h) => self.doc.text_at(obj, h).ok(),
            None => self.doc.text(obj).ok(),
        }
    }

    /// A string stored as a scalar or as a Text object.
    pub fn str<P: Into<Prop>>(&self, obj: &ObjId, prop: P) -> Option<String> {
        match self.get(obj, prop)? {
            (Value::Scalar(s), _) => match s.as_ref() {
                ScalarValue::Str(s) => Some(s.to_string()),
                ScalarValue::Int(i) => Some(i.to_string()),
                ScalarValue::Uint(i) => Some(i.to_string()),
                ScalarValue::F64(f) => Some(f.to_string()),
                _ => None,
            },
            (Value::Object(ObjType::Text), id) => self.text(&id),
            _ => None,
        }
    }

    /// A string, or "" when absent.
    pub fn string<P: Into<Prop>>(&self, obj: &ObjId, prop: P) -> String {
        self.str(obj, prop).unwrap_or_default()
    }

    /// An integer stored as int, uint, float, counter, or a numeric string.
    pub fn i64<P: Into<Prop>>(&self, obj: &ObjId, prop: P) -> Option<i64> {
        match self.get(obj, prop)? {
            (Value::Scalar(s), id) => match s.as_ref() {
                ScalarValue::Int(i) => Some(*i),
                ScalarValue::Uint(u) => i64::try_from(*u).ok(),
                ScalarValue::F64(f) if f.is_finite() => Some(*f as i64),
                ScalarValue::Counter(c) => Some(i64::from(c)),
                ScalarValue::Str(s) => s.trim().parse().ok(),
                _ => {
                    let _ = id;
                    None
                }
            },
            (Value::Object(ObjType::Text), id) => self.text(&id)?.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn bool<P: Into<Prop>>(&self, obj: &ObjId, prop: P) -> Option<bool> {
        match self.get(obj, prop)? {
            (Value::Scalar(s), _) => match s.as_ref() {
                ScalarValue::Boolean(b) => Some(*b),
                ScalarValue::Int(i) => Some(*i != 0),
                ScalarValue::Uint(i) => Some(*i != 0),
                ScalarValue::Str(s) => Some(matches!(s.as_str(), "true" | "1" | "yes")),
                _ => None,
            },
            _ => None,
        }
    }

    /// The id of a map or list at `prop`.
    pub fn obj<P: Into<Prop>>(&self, obj: &ObjId, prop: P) -> Option<ObjId> {
        match self.get(obj, prop)? {
            (Value::Object(ObjType::Map | ObjType::List | ObjType::Table), id) => Some(id),
            _ => None,
        }
    }

    /// The map ids of a list's elements.
    pub fn list_objs(&self, list: &ObjId) -> Vec<ObjId> {
        (0..self.length(list))
            .filter_map(|i| self.obj(list, i))
            .collect()
    }

    /// A list of strings.
    pub fn strings<P: Into<Prop>>(&self, obj: &ObjId, prop: P) -> Vec<String> {
        let Some(list) = self.obj(obj, prop) else {
            return Vec::new();
        };
        (0..self.length(&list))
            .filter_map(|i| self.str(&list, i))
            .collect()
    }
}

/// Puts a string when it differs from the current value (scalar or Text alike).
pub fn put_str<T: Transactable + ReadDoc>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    value: &str,
) -> Result<(), DocError> {
    if Reader::new(&*tx).str(obj, key).as_deref() != Some(value) {
        tx.put(obj, key, value)?;
    }
    Ok(())
}

/// Puts an optional string: deletes the key for `None`.
pub fn put_opt_str<T: Transactable + ReadDoc>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    value: Option<&str>,
) -> Result<(), DocError> {
    match value {
        Some(v) => put_str(tx, obj, key, v),
        None => {
            if tx.get(obj, key)?.is_some() {
                tx.delete(obj, key)?;
            }
            Ok(())
        }
    }
}

pub fn put_i64<T: Transactable + ReadDoc>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    value: i64,
) -> Result<(), DocError> {
    if Reader::new(&*tx).i64(obj, key) != Some(value) {
        tx.put(obj, key, value)?;
    }
    Ok(())
}

pub fn put_bool<T: Transactable + ReadDoc>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    value: bool,
) -> Result<(), DocError> {
    if Reader::new(&*tx).bool(obj, key) != Some(value) {
        tx.put(obj, key, value)?;
    }
    Ok(())
}

/// The map at `key`, created when absent.
pub fn ensure_map<T: Transactable + ReadDoc>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
) -> Result<ObjId, DocError> {
    if let Some(id) = Reader::new(&*tx).obj(obj, key) {
        return Ok(id);
    }
    Ok(tx.put_object(obj, key, ObjType::Map)?)
}

/// Replaces a list of strings when it differs.
pub fn put_strings<T: Transactable + ReadDoc>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    values: &[String],
) -> Result<(), DocError> {
    if Reader::new(&*tx).strings(obj, key) == values {
        return Ok(());
    }
    let list = tx.put_object(obj, key, ObjType::List)?;
    for (i, v) in values.iter().enumerate() {
        tx.insert(&list, i, v.as_str())?;
    }
    Ok(())
}

/// The `type` marker at the root of every doithoai document.
pub fn doc_type<D: ReadDoc>(doc: &D) -> Option<String> {
    Reader::new(doc).str(&automerge::ROOT, "type")
}

/// Checks the `type` marker.
pub fn expect_type<D: ReadDoc>(doc: &D, expected: &'static str) -> Result<(), DocError> {
    match doc_type(doc) {
        Some(t) if t == expected => Ok(()),
        Some(found) => Err(DocError::WrongType { expected, found }),
        None => Err(DocError::WrongType {
            expected,
            found: String::new(),
        }),
    }
}

/// Encodes heads for storage: the 32-byte hashes concatenated in sorted order.
pub fn encode_heads(heads: &[ChangeHash]) -> Vec<u8> {
    let mut hs: Vec<&ChangeHash> = heads.iter().collect();
    hs.sort();
    hs.iter().flat_map(|h| h.0).collect()
}

/// Decodes heads written by [`encode_heads`]; bytes that do not form whole hashes are ignored.
pub fn decode_heads(bytes: &[u8]) -> Vec<ChangeHash> {
    bytes
        .chunks_exact(32)
        .filter_map(|c| <[u8; 32]>::try_from(c).ok().map(ChangeHash))
        .collect()
}

/// Who made a change and what it was about, stored as the change's JSON message.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct ChangeMeta {
    /// The person or device that made the change.
    pub by: String,
    /// The operation, e.g. `petition.add`.
    pub op: String,
    /// The records the change touches (petition ids, session ids).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<String>,
}

impl ChangeMeta {
    pub fn new(by: &str, op: &str, ids: Vec<String>) -> Self {
        ChangeMeta {
            by: by.to_owned(),
            op: op.to_owned(),
            ids,
        }
    }

    /// The commit options for a change carrying this meta and the current time.
    pub fn commit_options(&self) -> automerge::transaction::CommitOptions {
        let msg = serde_json::to_string(self).unwrap_or_default();
        automerge::transaction::CommitOptions::default()
            .with_message(msg)
            .with_time(chrono::Utc::now().timestamp())
    }

    /// Parses a change message written by doithoai; `None` for other writers' messages.
    pub fn parse(message: Option<&str>) -> Option<ChangeMeta> {
        serde_json::from_str(message?).ok()
    }
}
