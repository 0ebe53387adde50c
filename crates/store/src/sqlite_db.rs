//! [`ServerDb`] over the embedded SQLite file: the server's default database. Every method is
//! the store's own (chunk.rs, registry.rs); this only names them for the trait.

use crate::db::{RegistryDump, ServerDb};
use crate::error::StoreError;
use crate::{Chunk, CodeCheck, DeviceRow, DocFlag, DocRow, FlagRow, PointRow, Store, WardRow};

impl ServerDb for Store {
    fn backend(&self) -> &'static str {
        match self.external() {
            Some(db) => db.backend(),
            None => "sqlite",
        }
    }
    fn describe(&self) -> String {
        self.path().display().to_string()
    }
    fn ping(&self) -> Result<(), StoreError> {
        match self.external() {
            Some(db) => db.ping(),
            None => self.read(|c| c.query_row("SELECT 1", [], |_| Ok(()))),
        }
    }
    fn chunk_load(&self, key: &[String]) -> Result<Option<Vec<u8>>, StoreError> {
        Store::chunk_load(self, key)
    }
    fn chunk_load_range(&self, prefix: &[String]) -> Result<Vec<Chunk>, StoreError> {
        Store::chunk_load_range(self, prefix)
    }
    fn chunk_keys(&self, prefix: &[String]) -> Result<Vec<Vec<String>>, StoreError> {
        Store::chunk_keys(self, prefix)
    }
    fn chunk_put(&self, key: &[String], data: &[u8]) -> Result<(), StoreError> {
        Store::chunk_put(self, key, data)
    }
    fn chunk_delete(&self, key: &[String]) -> Result<(), StoreError> {
        Store::chunk_delete(self, key)
    }
    fn chunk_doc_ids(&self) -> Result<Vec<String>, StoreError> {
        Store::chunk_doc_ids(self)
    }
    fn chunk_count(&self) -> Result<i64, StoreError> {
        Store::chunk_count(self)
    }
    fn chunk_put_many(&self, chunks: &[Chunk]) -> Result<(), StoreError> {
        Store::chunk_put_many(self, chunks)
    }
    fn registry_init(&self) -> Result<(), StoreError> {
        Store::registry_init(self)
    }
    fn ward_insert(&self, w: &WardRow) -> Result<(), StoreError> {
        Store::ward_insert(self, w)
    }
    fn wards(&self) -> Result<Vec<WardRow>, StoreError> {
        Store::wards(self)
    }
    fn point_insert(&self, p: &PointRow, created_at: &str) -> Result<(), StoreError> {
        Store::point_insert(self, p, created_at)
    }
    fn points(&self, ward_id: &str) -> Result<Vec<PointRow>, StoreError> {
        Store::points(self, ward_id)
    }
    fn device_insert(&self, d: &DeviceRow) -> Result<(), StoreError> {
        Store::device_insert(self, d)
    }
    fn devices(&self) -> Result<Vec<DeviceRow>, StoreError> {
        Store::devices(self)
    }
    fn device(&self, id: &str) -> Result<Option<DeviceRow>, StoreError> {
        Store::device(self, id)
    }
    fn device_by_peer(&self, peer_id: &str) -> Result<Option<DeviceRow>, StoreError> {
        Store::device_by_peer(self, peer_id)
    }
    fn device_by_token_hash(&self, token_hash: &str) -> Result<Option<DeviceRow>, StoreError> {
        Store::device_by_token_hash(self, token_hash)
    }
    fn device_set_token(&self, id: &str, token_hash: &str, at: &str) -> Result<(), StoreError> {
        Store::device_set_token(self, id, token_hash, at)
    }
    fn device_revoke(&self, id: &str, at: &str) -> Result<bool, StoreError> {
        Store::device_revoke(self, id, at)
    }
    fn revoked_devices(&self) -> Result<Vec<String>, StoreError> {
        Store::revoked_devices(self)
    }
    fn code_insert(
        &self,
        code_id: &str,
        secret_hash: &str,
        device_id: &str,
        expires_at: i64,
        attempts: i64,
    ) -> Result<(), StoreError> {
        Store::code_insert(self, code_id, secret_hash, device_id, expires_at, attempts)
    }
    fn code_check(
        &self,
        code_id: &str,
        secret_matches: &dyn Fn(&str) -> bool,
        now: i64,
        used_at: &str,
    ) -> Result<CodeCheck, StoreError> {
        Store::code_check(self, code_id, secret_matches, now, used_at)
    }
    fn doc_register(&self, d: &DocRow) -> Result<DocRow, StoreError> {
        Store::doc_register(self, d)
    }
    fn doc(&self, doc_id: &str) -> Result<Option<DocRow>, StoreError> {
        Store::doc(self, doc_id)
    }
    fn docs_of_ward(&self, ward_id: &str) -> Result<Vec<DocRow>, StoreError> {
        Store::docs_of_ward(self, ward_id)
    }
    fn doc_registrations_by(
        &self,
        device_id: &str,
        kind: &str,
        since: &str,
    ) -> Result<(i64, i64), StoreError> {
        Store::doc_registrations_by(self, device_id, kind, since)
    }
    fn doc_registrations(&self, ward_id: &str) -> Result<Vec<DocRow>, StoreError> {
        Store::doc_registrations(self, ward_id)
    }
    fn doc_unregister(&self, ward_id: &str, doc_id: &str) -> Result<Option<DocRow>, StoreError> {
        Store::doc_unregister(self, ward_id, doc_id)
    }
    fn flags_replace(
        &self,
        ward_id: &str,
        doc_id: &str,
        flags: &[DocFlag],
    ) -> Result<(), StoreError> {
        Store::flags_replace(self, ward_id, doc_id, flags)
    }
    fn flags_of_ward(&self, ward_id: &str) -> Result<Vec<FlagRow>, StoreError> {
        Store::flags_of_ward(self, ward_id)
    }
    fn doc_count(&self) -> Result<i64, StoreError> {
        Store::doc_count(self)
    }
    fn registry_dump(&self) -> Result<RegistryDump, StoreError> {
        Store::registry_dump(self)
    }
    fn registry_load(&self, dump: &RegistryDump) -> Result<(), StoreError> {
        Store::registry_load(self, dump)
    }
}
