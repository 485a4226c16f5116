// SPDX-License-Identifier: Apache-2.0
//! Link, network and transport decoding for PlantGuard.
//!
//! Bytes in, borrowed views out: [`decode::decode`] turns one captured frame
//! into a [`decode::Packet`] (MACs, VLAN tags, IPv4/IPv6, TCP/UDP/ICMP,
//! ARP, LLDP/CDP), without allocating. [`flow::FlowKey`] names a
//! bidirectional conversation and [`flow::shard_hash`] assigns it to a
//! worker. [`ipfrag`] reassembles IP fragments and [`reassembly`] turns TCP
//! segments into in-order byte streams for protocol parsers, both within
//! fixed bounds. No application-protocol knowledge lives here.
//!
//! ```
//! use plantguard_wire::{decode::{decode, Transport}, linktype};
//! // Raw IPv4 + UDP to port 47808 (BACnet/IP)
//! let frame = [0x45, 0, 0, 30, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 255,
//!              0xba, 0xc0, 0xba, 0xc0, 0, 10, 0, 0, 0x81, 0x0b];
//! let p = decode(linktype::RAW, &frame).unwrap();
//! let Transport::Udp(udp) = &p.ip().unwrap().transport else { unreachable!() };
//! assert_eq!(udp.dst_port, 47808);
//! assert_eq!(udp.payload, &[0x81, 0x0b]);
//! ```
#![deny(missing_docs)]

pub mod decode;
pub mod fingerprint;
pub mod flow;
pub mod ipfrag;
pub mod linktype;
pub mod neighbor;
pub mod reassembly;

pub use decode::{decode, DecodeError, Network, Packet, Transport};
pub use flow::{frame_shard_hash, shard_hash, FlowKey};
