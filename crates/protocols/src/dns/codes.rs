// SPDX-License-Identifier: Apache-2.0
//! DNS code names (IANA "Domain Name System (DNS) Parameters" registry):
//! resource record types, classes and response codes, in Zeek's spelling
//! (`A`, `AAAA`, `NXDOMAIN`, `C_INTERNET`). Only the types seen in plant
//! networks are named; others log their number and `unknown`.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

/// Name of a QTYPE / TYPE (IANA DNS Parameters, "Resource Record (RR) TYPEs").
pub const fn qtype_name(t: u16) -> &'static str {
    match t {
        1 => "A",
        2 => "NS",
        5 => "CNAME",
        6 => "SOA",
        10 => "NULL",
        11 => "WKS",
        12 => "PTR",
        13 => "HINFO",
        15 => "MX",
        16 => "TXT",
        17 => "RP",
        18 => "AFSDB",
        24 => "SIG",
        25 => "KEY",
        28 => "AAAA",
        29 => "LOC",
        32 => "NB",
        33 => "SRV",
        35 => "NAPTR",
        39 => "DNAME",
        41 => "OPT",
        43 => "DS",
        44 => "SSHFP",
        46 => "RRSIG",
        47 => "NSEC",
        48 => "DNSKEY",
        50 => "NSEC3",
        52 => "TLSA",
        64 => "SVCB",
        65 => "HTTPS",
        99 => "SPF",
        250 => "TSIG",
        251 => "IXFR",
        252 => "AXFR",
        255 => "*",
        256 => "URI",
        257 => "CAA",
        _ => "unknown",
    }
}

/// Name of a CLASS (top mDNS unicast/cache-flush bit cleared first).
pub const fn qclass_name(c: u16) -> &'static str {
    match c & 0x7fff {
        1 => "C_INTERNET",
        3 => "C_CHAOS",
        4 => "C_HESIOD",
        254 => "C_NONE",
        255 => "C_ANY",
        _ => "unknown",
    }
}

/// Name of an RCODE (RFC 1035 §4.1.1, RFC 2136 §2.2).
pub const fn rcode_name(r: u8) -> &'static str {
    match r {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        6 => "YXDOMAIN",
        7 => "YXRRSET",
        8 => "NXRRSET",
        9 => "NOTAUTH",
        10 => "NOTZONE",
        _ => "unknown",
    }
}

/// Name of an OPCODE (RFC 1035 §4.1.1, RFC 1996, RFC 2136).
pub const fn opcode_name(o: u8) -> &'static str {
    match o {
        0 => "query",
        1 => "inverse_query",
        2 => "status",
        4 => "notify",
        5 => "update",
        _ => "unknown",
    }
}
