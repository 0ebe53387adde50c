//! The chunk space: the key/value store behind the sync engine's `Storage` trait.
//!
//! A key is a list of components, none empty and none containing `/` (as samod's `StorageKey`).
//! It is stored as one text: each component followed by `/`, so `["a", "b"]` is `a/b/` and `[]`
//! is the empty text. Then "`p` is a component-wise prefix of `k`" is exactly "the text of `p`
//! is a prefix of the text of `k`", and the keys under a prefix `P/` are the primary-key range
//! `P/ <= key < P0` (`0` is the character after `/`): `["a"]` (`a/`) covers `a/` and `a/b/` but
//! not `ab/`.

use rusqlite::OptionalExtension;

use crate::Store;
use crate::error::StoreError;

/// A chunk with its key, as [`Store::chunk_load_range`] returns it.
pub type Chunk = (Vec<String>, Vec<u8>);

/// The stored text of a key (`["a", "b"]` is `a/b/`); an empty component or one with `/` is
/// [`StoreError::InvalidKey`].
pub fn encode(key: &[String]) -> Result<String, StoreError> {
    let mut out = String::with_capacity(key.iter().map(|c| c.len() + 1).sum());
    for component in key {
        if component.is_empty() || component.contains('/') {
            return Err(StoreError::InvalidKey { key: key.to_vec() });
        }
        out.push_str(component);
        out.push('/');
    }
    Ok(out)
}

/// The key a stored text stands for.
pub fn decode(text: &str) -> Vec<String> {
    text.split_terminator('/').map(str::to_owned).collect()
}

/// The exclusive upper bound of the range of keys that start with `encoded` (which ends in `/`).
pub fn range_end(encoded: &str) -> String {
    let mut end = encoded[..encoded.len() - 1].to_owned();
    end.push('0');
    end
}

impl Store {
    /// The chunk stored under `key`, if any.
    pub fn chunk_load(&self, key: &[String]) -> Result<Option<Vec<u8>>, StoreError> {
        if let Some(db) = self.external() {
            return db.chunk_load(key);
        }
        let key = encode(key)?;
        self.read(|c| {
            c.prepare_cached("SELECT data FROM chunk WHERE key = ?1")?
                .query_row([&key], |r| r.get(0))
                .optional()
        })
    }

    /// Every chunk whose key starts with the components of `prefix` (component-wise, as samod's
    /// `StorageKey::is_prefix_of`: `["a"]` matches `["a"]` and `["a", "b"]` but not `["ab"]`; the
    /// empty prefix matches everything), sorted by key. One range scan of the primary key.
    pub fn chunk_load_range(&self, prefix: &[String]) -> Result<Vec<Chunk>, StoreError> {
        if let Some(db) = self.external() {
            return db.chunk_load_range(prefix);
        }
        let start = encode(prefix)?;
        let mut found: Vec<Chunk> = self.read(|c| {
            let row = |r: &rusqlite::Row<'_>| {
                let key: String = r.get(0)?;
                Ok((decode(&key), r.get::<_, Vec<u8>>(1)?))
            };
            if start.is_empty() {
                c.prepare_cached("SELECT key, data FROM chunk ORDER BY key")?
                    .query_map([], row)?
                    .collect()
            } else {
                let end = range_end(&start);
                c.prepare_cached(
                    "SELECT key, data FROM chunk WHERE key >= ?1 AND key < ?2 ORDER BY key",
                )?
                .query_map([&start, &end], row)?
                .collect()
            }
        })?;
        // The stored order differs from the order of component lists where a component has
        // characters below '/' ("a-" sorts before "a" as text "a-/" < "a/").
        found.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(found)
    }

    /// The keys of every chunk under `prefix` (as [`Store::chunk_load_range`], without the
    /// data), sorted: what a document's stored state is made of, cheap to compare.
    pub fn chunk_keys(&self, prefix: &[String]) -> Result<Vec<Vec<String>>, StoreError> {
        if let Some(db) = self.external() {
            return db.chunk_keys(prefix);
        }
        let start = encode(prefix)?;
        if start.is_empty() {
            return Err(StoreError::InvalidKey { key: Vec::new() });
        }
        let end = range_end(&start);
        let mut found: Vec<Vec<String>> = self.read(|c| {
            c.prepare_cached("SELECT key FROM chunk WHERE key >= ?1 AND key < ?2 ORDER BY key")?
                .query_map([&start, &end], |r| Ok(decode(&r.get::<_, String>(0)?)))?
                .collect()
        })?;
        found.sort();
        Ok(found)
    }

    /// Stores `data` under `key`, replacing what was there. When it returns `Ok` the chunk is
    /// committed (and on disk with [`crate::Durability::Full`]). Retried on transient failures.
    pub fn chunk_put(&self, key: &[String], data: &[u8]) -> Result<(), StoreError> {
        if let Some(db) = self.external() {
            return db.chunk_put(key, data);
        }
        let key = encode(key)?;
        self.write("chunk_put", |tx| {
            tx.prepare_cached(
                "INSERT INTO chunk(key, data) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET data = excluded.data",
            )?
            .execute(rusqlite::params![key, data])
            .map(drop)
        })
    }

    /// Removes the chunk under `key` (only that key, not the keys below it); removing a missing
    /// key is not an error. Retried on transient failures.
    pub fn chunk_delete(&self, key: &[String]) -> Result<(), StoreError> {
        if let Some(db) = self.external() {
            return db.chunk_delete(key);
        }
        let key = encode(key)?;
        self.write("chunk_delete", |tx| {
            tx.prepare_cached("DELETE FROM chunk WHERE key = ?1")?
                .execute([&key])
                .map(drop)
        })
    }

    /// How many chunks there are.
    pub fn chunk_count(&self) -> Result<i64, StoreError> {
        if let Some(db) = self.external() {
            return db.chunk_count();
        }
        self.read(|c| c.query_row("SELECT count(*) FROM chunk", [], |r| r.get(0)))
    }

    /// Writes many chunks in one transaction.
    pub fn chunk_put_many(&self, chunks: &[Chunk]) -> Result<(), StoreError> {
        if let Some(db) = self.external() {
            return db.chunk_put_many(chunks);
        }
        let encoded = chunks
            .iter()
            .map(|(k, v)| Ok((encode(k)?, v)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.write("chunk_put_many", |tx| {
            let mut st = tx.prepare_cached(
                "INSERT INTO chunk(key, data) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET data = excluded.data",
            )?;
            for (k, v) in &encoded {
                st.execute(rusqlite::params![k, v])?;
            }
            Ok(())
        })
    }

    /// The distinct first components of all chunk keys, sorted: the ids of the documents
    /// stored, plus any other top-level key the sync engine keeps (such as
    /// `storage-adapter-id`). One index seek per id, not a scan of all chunks.
    pub fn chunk_doc_ids(&self) -> Result<Vec<String>, StoreError> {
        if let Some(db) = self.external() {
            return db.chunk_doc_ids();
        }
        self.read(|c| {
            let mut first =
                c.prepare_cached("SELECT key FROM chunk WHERE key > '' ORDER BY key LIMIT 1")?;
            let mut next =
                c.prepare_cached("SELECT key FROM chunk WHERE key >= ?1 ORDER BY key LIMIT 1")?;
            let mut ids = Vec::new();
            let mut key: Option<String> = first.query_row([], |r| r.get(0)).optional()?;
            while let Some(k) = key {
                let id = k.split('/').next().unwrap_or_default().to_owned();
                let after = format!("{id}0");
                ids.push(id);
                key = next.query_row([&after], |r| r.get(0)).optional()?;
            }
            ids.sort();
            Ok(ids)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn encoding_round_trips_and_orders_prefixes() {
        for key in [
            k(&[]),
            k(&["a"]),
            k(&["a", "b"]),
            k(&["doc", "snapshot", "ff00"]),
        ] {
            assert_eq!(decode(&encode(&key).unwrap()), key);
        }
        let a = encode(&k(&["a"])).unwrap();
        assert_eq!(range_end(&a), "a0");
        assert!(encode(&k(&["a", "b"])).unwrap().as_str() < "a0");
        assert!(encode(&k(&["ab"])).unwrap().as_str() > "a0");
        assert!(encode(&k(&["a/b"])).is_err());
        assert!(encode(&k(&[""])).is_err());
    }
}
