//! Vietnamese administrative documents (being written).
