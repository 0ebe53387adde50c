//! The reports the ward office must produce (being written).
