//! SMB (placeholder).
pub mod os;
