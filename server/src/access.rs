//! Who may read and write which document: DESIGN.md's table, enforced from the registry.
//!
//! | document   | written by            | read by                               |
//! |------------|-----------------------|---------------------------------------|
//! | ward       | office                | every device of the ward              |
//! | handling   | office                | every device of the ward              |
//! | session    | office                | every device of the ward              |
//! | intake     | the point's collectors| the point's collectors, office, MTTQ  |
//! | monitoring | MTTQ (monitor)        | office, MTTQ                          |
//!
//! Anything else, another ward's documents, unknown documents and revoked devices: nothing (the
//! document's existence is not revealed).

use doithoai_store::{DeviceRow, DocRow};
use doithoai_sync::policy::{Access, AccessControl};

/// The decision for one device and one document.
pub fn decide(device: &DeviceRow, doc: &DocRow) -> Access {
    if device.revoked_at.is_some() || device.ward_id != doc.ward_id {
        return Access::None;
    }
    match (doc.kind.as_str(), device.role.as_str()) {
        ("ward" | "handling" | "session", "office") => Access::ReadWrite,
        ("ward" | "handling" | "session", _) => Access::ReadOnly,
        // A collector writes its own point's intake; an office device may also be given a
        // point (the office's own reception desk).
        ("intake", "collector" | "office")
            if device.point_id.is_some() && device.point_id == doc.point_id =>
        {
            Access::ReadWrite
        }
        ("intake", "office" | "monitor") => Access::ReadOnly,
        ("monitoring", "monitor") => Access::ReadWrite,
        ("monitoring", "office") => Access::ReadOnly,
        _ => Access::None,
    }
}

/// The registry as samod's access control.
pub struct RegistryAccess {
    pub store: crate::Db,
}

impl AccessControl for RegistryAccess {
    fn access(&self, doc_id: &str, peer_id: &str) -> Access {
        let device = match self.store.device_by_peer(peer_id) {
            Ok(Some(d)) => d,
            Ok(None) => return Access::None,
            Err(e) => {
                tracing::error!(error = %e, "registry read failed; denying");
                return Access::None;
            }
        };
        match self.store.doc(doc_id) {
            Ok(Some(doc)) => decide(&device, &doc),
            Ok(None) => {
                tracing::info!(doc = doc_id, peer = peer_id, "unknown document refused");
                Access::None
            }
            Err(e) => {
                tracing::error!(error = %e, "registry read failed; denying");
                Access::None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(role: &str, point: Option<&str>) -> DeviceRow {
        DeviceRow {
            id: "d".into(),
            ward_id: "w1".into(),
            name: "x".into(),
            role: role.into(),
            point_id: point.map(Into::into),
            peer_id: "p".into(),
            created_at: String::new(),
            enrolled_at: None,
            revoked_at: None,
        }
    }

    fn doc(kind: &str, point: Option<&str>) -> DocRow {
        DocRow {
            doc_id: "x".into(),
            ward_id: "w1".into(),
            kind: kind.into(),
            point_id: point.map(Into::into),
            created_by: None,
            created_at: String::new(),
        }
    }

    #[test]
    fn enforces_the_design_table() {
        let office = device("office", None);
        let tdp_a = device("collector", Some("tdp-a"));
        let mttq = device("monitor", None);
        assert_eq!(decide(&office, &doc("ward", None)), Access::ReadWrite);
        assert_eq!(decide(&tdp_a, &doc("ward", None)), Access::ReadOnly);
        assert_eq!(decide(&tdp_a, &doc("handling", None)), Access::ReadOnly);
        assert_eq!(
            decide(&tdp_a, &doc("intake", Some("tdp-a"))),
            Access::ReadWrite
        );
        assert_eq!(decide(&tdp_a, &doc("intake", Some("tdp-b"))), Access::None);
        assert_eq!(
            decide(&office, &doc("intake", Some("tdp-b"))),
            Access::ReadOnly
        );
        assert_eq!(
            decide(&mttq, &doc("intake", Some("tdp-b"))),
            Access::ReadOnly
        );
        assert_eq!(decide(&mttq, &doc("monitoring", None)), Access::ReadWrite);
        assert_eq!(decide(&office, &doc("monitoring", None)), Access::ReadOnly);
        assert_eq!(decide(&tdp_a, &doc("monitoring", None)), Access::None);
        let mut other_ward = doc("ward", None);
        other_ward.ward_id = "w2".into();
        assert_eq!(decide(&office, &other_ward), Access::None);
        let mut revoked = office.clone();
        revoked.revoked_at = Some("now".into());
        assert_eq!(decide(&revoked, &doc("ward", None)), Access::None);
    }
}
