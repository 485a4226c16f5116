// SPDX-License-Identifier: Apache-2.0
//! Code-table generation from `kb/protocols/*.csv`.
//!
//! Each [`Table`] names a CSV file, the column holding the numeric key, the
//! column holding the name, the key type and the Rust file to write. The
//! output is a sorted static slice plus a lookup function using binary
//! search, so a table of 1,700 CIP vendors costs one `log2(n)` search and no
//! allocation. To add a table, append an entry to [`TABLES`] and run
//! `cargo run -p xtask -- codegen`.

use anyhow::{anyhow, bail, Context, Result};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// Integer type of a table key.
#[derive(Clone, Copy, Debug)]
pub enum KeyType {
    /// `u8`
    U8,
    /// `u16`
    U16,
    /// `u32`
    U32,
}

impl KeyType {
    fn rust(self) -> &'static str {
        match self {
            KeyType::U8 => "u8",
            KeyType::U16 => "u16",
            KeyType::U32 => "u32",
        }
    }

    fn max(self) -> u64 {
        match self {
            KeyType::U8 => u64::from(u8::MAX),
            KeyType::U16 => u64::from(u16::MAX),
            KeyType::U32 => u64::from(u32::MAX),
        }
    }

    fn hex_digits(self) -> usize {
        match self {
            KeyType::U8 => 2,
            KeyType::U16 => 4,
            KeyType::U32 => 8,
        }
    }
}

/// One generated lookup table.
#[derive(Clone, Copy, Debug)]
pub struct Table {
    /// CSV file, relative to the workspace root.
    pub csv: &'static str,
    /// Header name of the key column (decimal or `0x` hex values).
    pub key_column: &'static str,
    /// Header name of the value column (rows with an empty value are skipped).
    pub name_column: &'static str,
    /// Key type of the generated function.
    pub key_type: KeyType,
    /// Output file, relative to the workspace root.
    pub out: &'static str,
    /// Name of the generated `pub fn`.
    pub fn_name: &'static str,
    /// One-line doc of the generated function.
    pub doc: &'static str,
}

/// Every generated table. Other protocols append their own entries.
pub const TABLES: &[Table] = &[
    Table {
        csv: "kb/protocols/cip_vendor_ids.csv",
        key_column: "vendor_id",
        name_column: "vendor_name",
        key_type: KeyType::U16,
        out: "crates/protocols/src/enip/vendor_gen.rs",
        fn_name: "cip_vendor_name",
        doc: "CIP vendor name for an Identity object vendor id (ODVA vendor registry).",
    },
    Table {
        csv: "kb/protocols/cip_device_types.csv",
        key_column: "device_type",
        name_column: "name",
        key_type: KeyType::U16,
        out: "crates/protocols/src/enip/device_type_gen.rs",
        fn_name: "cip_device_type_name",
        doc: "CIP device profile name for an Identity object device type.",
    },
    Table {
        csv: "kb/protocols/cip_classes.csv",
        key_column: "class_id",
        name_column: "name",
        key_type: KeyType::U32,
        out: "crates/protocols/src/enip/class_gen.rs",
        fn_name: "cip_class_name",
        doc: "CIP object class name for a class id (CIP Vol 1 Chapter 5 and vendor classes).",
    },
    Table {
        csv: "kb/protocols/modbus_umas_functions.csv",
        key_column: "umas_code",
        name_column: "name",
        key_type: KeyType::U8,
        out: "crates/protocols/src/modbus/umas_gen.rs",
        fn_name: "umas_function_name",
        doc: "Schneider UMAS sub-function name (second byte after Modbus function 0x5A).",
    },
    Table {
        csv: "kb/protocols/s7comm_szl_ids.csv",
        key_column: "szl_id_low",
        name_column: "name",
        key_type: KeyType::U8,
        out: "crates/protocols/src/s7comm/szl_gen.rs",
        fn_name: "szl_list_name",
        doc: "S7 SZL (system status list) name for the low byte of an SZL id.",
    },
    Table {
        csv: "kb/protocols/s7comm_userdata_subfunctions.csv",
        key_column: "group_subfunction",
        name_column: "name",
        key_type: KeyType::U16,
        out: "crates/protocols/src/s7comm/subfunction_gen.rs",
        fn_name: "userdata_subfunction_name",
        doc: "S7 userdata subfunction name, keyed by `function group << 8 | subfunction`.",
    },
    Table {
        csv: "kb/protocols/opcua_services.csv",
        key_column: "encoding_id",
        name_column: "name",
        key_type: KeyType::U32,
        out: "crates/protocols/src/opcua/type_name_gen.rs",
        fn_name: "service_type_name",
        doc:
            "OPC UA service message type name (`ReadRequest`) for a DefaultBinary encoding node id.",
    },
    Table {
        csv: "kb/protocols/opcua_services.csv",
        key_column: "encoding_id",
        name_column: "service",
        key_type: KeyType::U32,
        out: "crates/protocols/src/opcua/service_gen.rs",
        fn_name: "service_name",
        doc: "OPC UA service (`read`) of a request or response DefaultBinary encoding node id.",
    },
    Table {
        csv: "kb/protocols/bacnet_vendor_ids.csv",
        key_column: "vendor_id",
        name_column: "vendor_name",
        key_type: KeyType::U16,
        out: "crates/protocols/src/bacnet/vendor_gen.rs",
        fn_name: "bacnet_vendor_name",
        doc: "BACnet vendor name for an ASHRAE vendor identifier.",
    },
    Table {
        csv: "kb/protocols/bacnet_object_types.csv",
        key_column: "object_type",
        name_column: "name",
        key_type: KeyType::U16,
        out: "crates/protocols/src/bacnet/object_type_gen.rs",
        fn_name: "object_type_name",
        doc: "BACnet object type name (`analog-input`).",
    },
    Table {
        csv: "kb/protocols/bacnet_property_ids.csv",
        key_column: "property_id",
        name_column: "name",
        key_type: KeyType::U32,
        out: "crates/protocols/src/bacnet/property_gen.rs",
        fn_name: "property_name",
        doc: "BACnet property identifier name (`present-value`).",
    },
    Table {
        csv: "kb/protocols/dnp3_function_codes.csv",
        key_column: "code",
        name_column: "name",
        key_type: KeyType::U8,
        out: "crates/protocols/src/dnp3/function_gen.rs",
        fn_name: "function_name",
        doc: "DNP3 application function code name in Zeek's spelling (IEEE 1815-2012 Table 4-1).",
    },
    Table {
        csv: "kb/protocols/dnp3_objects.csv",
        key_column: "group_variation",
        name_column: "name",
        key_type: KeyType::U16,
        out: "crates/protocols/src/dnp3/object_gen.rs",
        fn_name: "object_name",
        doc: "DNP3 object name, keyed by `group << 8 | variation` (IEEE 1815-2012 Annex A).",
    },
    Table {
        csv: "kb/protocols/iec104_type_ids.csv",
        key_column: "type_id",
        name_column: "mnemonic",
        key_type: KeyType::U8,
        out: "crates/protocols/src/iec104/type_id_gen.rs",
        fn_name: "type_id_name",
        doc: "IEC 60870-5-101/104 ASDU type identification mnemonic (`C_SC_NA_1`).",
    },
    Table {
        csv: "kb/protocols/iec104_cot.csv",
        key_column: "cot",
        name_column: "name",
        key_type: KeyType::U8,
        out: "crates/protocols/src/iec104/cot_gen.rs",
        fn_name: "cot_name",
        doc: "IEC 60870-5-101/104 cause of transmission name (`actcon`).",
    },
];

/// Splits CSV text into records of fields. Handles quoted fields with
/// embedded commas, doubled quotes and newlines; `\r\n` line ends are accepted.
pub fn parse_csv(text: &str) -> Result<Vec<Vec<String>>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut chars = text.chars().peekable();
    let mut line = 1usize;
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => in_quotes = true,
            ',' => record.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                line += 1;
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            _ => field.push(c),
        }
    }
    if in_quotes {
        bail!("unterminated quoted field before line {line}");
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

fn parse_key(text: &str) -> Result<u64> {
    let t = text.trim();
    let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => t.parse::<u64>(),
    };
    parsed.map_err(|e| anyhow!("bad key {t:?}: {e}"))
}

/// Reads a table's CSV into sorted `(key, name)` pairs.
pub fn load(root: &Path, table: &Table) -> Result<BTreeMap<u64, String>> {
    let path = root.join(table.csv);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let records = parse_csv(&text).with_context(|| format!("parsing {}", table.csv))?;
    let mut rows = records.into_iter();
    let header = rows
        .next()
        .ok_or_else(|| anyhow!("{} is empty", table.csv))?;
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| anyhow!("{} has no column {name:?}", table.csv))
    };
    let key_col = col(table.key_column)?;
    let name_col = col(table.name_column)?;
    let mut map = BTreeMap::new();
    for (i, row) in rows.enumerate() {
        if row.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let line = i + 2;
        let key_text = row
            .get(key_col)
            .ok_or_else(|| anyhow!("{}:{line}: missing key column", table.csv))?;
        let key = parse_key(key_text).with_context(|| format!("{}:{line}", table.csv))?;
        if key > table.key_type.max() {
            bail!(
                "{}:{line}: key {key} does not fit {}",
                table.csv,
                table.key_type.rust()
            );
        }
        let name = row.get(name_col).map(|s| s.trim()).unwrap_or("");
        if name.is_empty() {
            continue;
        }
        if map.insert(key, name.to_string()).is_some() {
            bail!("{}:{line}: duplicate key {key}", table.csv);
        }
    }
    Ok(map)
}

/// Renders the Rust source of one table.
pub fn render(table: &Table, rows: &BTreeMap<u64, String>) -> String {
    let ty = table.key_type.rust();
    let digits = table.key_type.hex_digits();
    let mut s = String::new();
    let _ = writeln!(s, "// SPDX-License-Identifier: Apache-2.0");
    let _ = writeln!(
        s,
        "// @generated by `cargo run -p xtask -- codegen` from {}. DO NOT EDIT.",
        table.csv
    );
    let _ = writeln!(s, "//! {}", table.doc);
    let _ = writeln!(s, "//!");
    let _ = writeln!(
        s,
        "//! Generated from `{}` (columns `{}` -> `{}`, {} rows).",
        table.csv,
        table.key_column,
        table.name_column,
        rows.len()
    );
    let _ = writeln!(s);
    let _ = writeln!(s, "/// `(key, name)` pairs sorted by key.");
    let _ = writeln!(s, "#[rustfmt::skip]");
    let _ = writeln!(s, "static TABLE: &[({ty}, &str)] = &[");
    for (key, name) in rows {
        let _ = writeln!(s, "    (0x{key:0digits$X}, {name:?}),");
    }
    let _ = writeln!(s, "];");
    let _ = writeln!(s);
    let _ = writeln!(s, "/// {}", table.doc);
    let _ = writeln!(
        s,
        "pub fn {}(key: {ty}) -> Option<&'static str> {{",
        table.fn_name
    );
    let _ = writeln!(
        s,
        "    match TABLE.binary_search_by_key(&key, |&(k, _)| k) {{"
    );
    let _ = writeln!(s, "        Ok(i) => TABLE.get(i).map(|&(_, name)| name),");
    let _ = writeln!(s, "        Err(_) => None,");
    let _ = writeln!(s, "    }}");
    let _ = writeln!(s, "}}");
    s
}

fn generate(root: &Path, table: &Table) -> Result<String> {
    let rows = load(root, table)?;
    Ok(render(table, &rows))
}

/// Writes every table; returns the paths written.
pub fn write_all(root: &Path) -> Result<Vec<&'static str>> {
    let mut written = Vec::new();
    for table in TABLES {
        let source = generate(root, table)?;
        let out = root.join(table.out);
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let current = std::fs::read_to_string(&out).ok();
        if current.as_deref() != Some(source.as_str()) {
            std::fs::write(&out, source).with_context(|| format!("writing {}", out.display()))?;
            written.push(table.out);
        }
    }
    Ok(written)
}

/// Returns the generated files that are missing or differ from their CSV.
pub fn check(root: &Path) -> Result<Vec<&'static str>> {
    let mut stale = Vec::new();
    for table in TABLES {
        let source = generate(root, table)?;
        let current = std::fs::read_to_string(root.join(table.out)).ok();
        if current.as_deref() != Some(source.as_str()) {
            stale.push(table.out);
        }
    }
    Ok(stale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tables_are_fresh() {
        let stale = check(&crate::workspace_root()).expect("tables load");
        assert!(
            stale.is_empty(),
            "stale generated tables {stale:?}: run `cargo run -p xtask -- codegen`"
        );
    }

    #[test]
    fn parses_quoted_fields_with_commas_and_quotes() {
        let rows = parse_csv("a,b\r\n1,\"x, \"\"y\"\"\"\n2,z").expect("valid csv");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1], vec!["1".to_string(), "x, \"y\"".to_string()]);
        assert_eq!(rows[2], vec!["2".to_string(), "z".to_string()]);
    }

    #[test]
    fn parses_hex_and_decimal_keys() {
        assert_eq!(parse_key("0x1F").expect("hex"), 31);
        assert_eq!(parse_key(" 42 ").expect("dec"), 42);
        assert!(parse_key("x").is_err());
    }

    #[test]
    fn rejects_duplicate_keys() {
        let dir = std::env::temp_dir().join(format!("xtask-dup-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("kb")).expect("mkdir");
        std::fs::write(dir.join("kb/t.csv"), "id,name\n1,a\n1,b\n").expect("write");
        let table = Table {
            csv: "kb/t.csv",
            key_column: "id",
            name_column: "name",
            key_type: KeyType::U8,
            out: "t_gen.rs",
            fn_name: "t_name",
            doc: "test",
        };
        assert!(load(&dir, &table).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn renders_names_as_escaped_literals() {
        let table = TABLES[0];
        let mut rows = BTreeMap::new();
        rows.insert(3, "Say \"hi\"".to_string());
        let src = render(&table, &rows);
        assert!(src.contains("(0x0003, \"Say \\\"hi\\\"\"),"), "{src}");
        assert!(src.contains("DO NOT EDIT"));
    }
}
