// SPDX-License-Identifier: Apache-2.0
//! SMB command and dialect names ([MS-CIFS] §2.2.2.1, [MS-SMB2] §2.2.1.2,
//! §2.2.3). Only the SMB1 commands PlantGuard looks at are named.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

/// SMB1 commands ([MS-CIFS] §2.2.2.1).
pub mod smb1 {
    /// 0x0B SMB_COM_WRITE.
    pub const WRITE: u8 = 0x0b;
    /// 0x1D SMB_COM_WRITE_RAW.
    pub const WRITE_RAW: u8 = 0x1d;
    /// 0x2F SMB_COM_WRITE_ANDX.
    pub const WRITE_ANDX: u8 = 0x2f;
    /// 0x72 SMB_COM_NEGOTIATE.
    pub const NEGOTIATE: u8 = 0x72;
    /// 0x73 SMB_COM_SESSION_SETUP_ANDX.
    pub const SESSION_SETUP_ANDX: u8 = 0x73;
    /// 0x75 SMB_COM_TREE_CONNECT_ANDX.
    pub const TREE_CONNECT_ANDX: u8 = 0x75;
    /// 0x25 SMB_COM_TRANSACTION.
    pub const TRANSACTION: u8 = 0x25;
}

/// SMB2 commands ([MS-SMB2] §2.2.1.2).
pub mod smb2 {
    /// 0x0000 NEGOTIATE.
    pub const NEGOTIATE: u16 = 0;
    /// 0x0001 SESSION_SETUP.
    pub const SESSION_SETUP: u16 = 1;
    /// 0x0003 TREE_CONNECT.
    pub const TREE_CONNECT: u16 = 3;
    /// 0x0009 WRITE.
    pub const WRITE: u16 = 9;
}

/// SMB2 dialect revision as text ([MS-SMB2] §2.2.3: 0x0202 → `2.0.2`,
/// 0x02FF → `2.???`, the wildcard answer to an SMB1 multi-protocol negotiate).
pub const fn smb2_dialect_name(d: u16) -> &'static str {
    match d {
        0x0202 => "2.0.2",
        0x0210 => "2.1",
        0x0222 => "2.2.2",
        0x0224 => "2.2.4",
        0x02ff => "2.???",
        0x0300 => "3.0",
        0x0302 => "3.0.2",
        0x0310 => "3.1",
        0x0311 => "3.1.1",
        _ => "unknown",
    }
}

/// Whether an SMB1 dialect string names an SMB1 dialect (not `SMB 2.002` /
/// `SMB 2.???`, which select SMB2).
pub fn is_smb1_dialect(name: &str) -> bool {
    !name.starts_with("SMB 2.")
}

/// SMB2 share type ([MS-SMB2] §2.2.10) in Zeek's `smb_mapping.log` spelling.
pub const fn share_type_name(t: u8) -> &'static str {
    match t {
        1 => "DISK",
        2 => "PIPE",
        3 => "PRINT",
        _ => "unknown",
    }
}
