// SPDX-License-Identifier: Apache-2.0
//! Pure parsing of BACnet/IP datagrams: BVLC (ASHRAE 135 Annex J.2), NPDU
//! (Clause 6.2) and APDU headers (Clause 20.1), plus the tag reader
//! (Clause 20.2) and the service fields PlantGuard reports. No state, no
//! allocation: everything borrows the datagram.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

/// BVLC type byte for BACnet/IP (Annex J.2.1).
pub const BVLC_TYPE_BIP: u8 = 0x81;

/// Why a datagram could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// Fewer bytes than the structure needs.
    #[error("truncated: {needed} bytes needed, {have} present")]
    Truncated {
        /// Bytes the structure needs.
        needed: usize,
        /// Bytes present.
        have: usize,
    },
    /// BVLC type is not 0x81 (BACnet/IP).
    #[error("BVLC type {0:#04x} is not 0x81")]
    BvlcType(u8),
    /// BVLC length field disagrees with the datagram.
    #[error("BVLC length {0} does not fit the datagram")]
    BvlcLength(u16),
    /// NPDU protocol version is not 1.
    #[error("NPDU version {0} is not 1")]
    NpduVersion(u8),
    /// A tag encoding runs past its buffer.
    #[error("bad tag encoding")]
    Tag,
}

/// BVLC header (Annex J.2, Table J-1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bvlc {
    /// BVLC function (0x0A Original-Unicast-NPDU, 0x0B Original-Broadcast-NPDU, ...).
    pub function: u8,
    /// Length of the whole BVLL message.
    pub length: u16,
    /// BVLC-Result code (function 0x00).
    pub result_code: Option<u16>,
}

/// NPDU header (Clause 6.2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Npdu {
    /// NPCI control octet.
    pub control: u8,
    /// Destination network number (DNET) when routed.
    pub dnet: Option<u16>,
    /// Source network number (SNET) when routed.
    pub snet: Option<u16>,
    /// Network-layer message type when control bit 7 is set.
    pub network_message: Option<u8>,
}

impl Npdu {
    /// True when the NPDU carries a network-layer message rather than an APDU.
    pub const fn is_network_message(&self) -> bool {
        self.control & 0x80 != 0
    }
}

/// APDU header (Clause 20.1.2-20.1.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Apdu<'a> {
    /// PDU type (high nibble of the first octet): 0 Confirmed-Request ... 7 Abort.
    pub pdu_type: u8,
    /// Low nibble of the first octet (SEG, MOR, SA / NAK, SRV flags).
    pub flags: u8,
    /// Invoke id (all types but Unconfirmed-Request).
    pub invoke_id: Option<u8>,
    /// Service choice (confirmed, unconfirmed, ack and error PDUs).
    pub service: Option<u8>,
    /// Segment sequence number of segmented requests and acks.
    pub sequence: Option<u8>,
    /// Max-APDU-length-accepted code of a confirmed request (Clause 20.1.2.5).
    pub max_apdu_code: Option<u8>,
    /// Reject or abort reason.
    pub reason: Option<u8>,
    /// Service parameters after the header.
    pub body: &'a [u8],
}

impl Apdu<'_> {
    /// True for a segmented message (SEG flag of confirmed requests and complex acks).
    pub const fn is_segmented(&self) -> bool {
        matches!(self.pdu_type, 0 | 3) && self.flags & 0x08 != 0
    }
}

/// One decoded BACnet/IP datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    /// BVLC header.
    pub bvlc: Bvlc,
    /// NPDU, for BVLC functions that carry one.
    pub npdu: Option<Npdu>,
    /// APDU, when the NPDU is not a network-layer message.
    pub apdu: Option<Apdu<'a>>,
}

fn get(input: &[u8], at: usize) -> Result<u8, FrameError> {
    input.get(at).copied().ok_or(FrameError::Truncated {
        needed: at.saturating_add(1),
        have: input.len(),
    })
}

fn get_u16(input: &[u8], at: usize) -> Result<u16, FrameError> {
    Ok(u16::from_be_bytes([
        get(input, at)?,
        get(input, at.saturating_add(1))?,
    ]))
}

/// True for BVLC functions followed by an NPDU: 0x04 Forwarded-NPDU, 0x09
/// Distribute-Broadcast-To-Network, 0x0A/0x0B Original-Unicast/Broadcast-NPDU.
pub const fn carries_npdu(function: u8) -> bool {
    matches!(function, 0x04 | 0x09 | 0x0A | 0x0B)
}

/// Parses the 4-byte BVLC header. `length` may disagree with the input
/// (probes require equality, sessions report the mismatch).
#[inline]
pub fn parse_bvlc(input: &[u8]) -> Result<Bvlc, FrameError> {
    let ty = get(input, 0)?;
    if ty != BVLC_TYPE_BIP {
        return Err(FrameError::BvlcType(ty));
    }
    let function = get(input, 1)?;
    let length = get_u16(input, 2)?;
    // A length beyond the datagram is kept (the session flags it); below
    // the header size it cannot be right.
    if usize::from(length) < 4 {
        return Err(FrameError::BvlcLength(length));
    }
    let result_code = if function == 0x00 {
        get_u16(input, 4).ok()
    } else {
        None
    };
    Ok(Bvlc {
        function,
        length,
        result_code,
    })
}

/// Parses a whole BACnet/IP datagram (bytes past the BVLC length are ignored).
#[inline]
pub fn parse_frame(input: &[u8]) -> Result<Frame<'_>, FrameError> {
    let bvlc = parse_bvlc(input)?;
    let msg = input.get(..usize::from(bvlc.length)).unwrap_or(input);
    // (shorter datagrams than `length` are decoded as far as they go)
    if !carries_npdu(bvlc.function) {
        return Ok(Frame {
            bvlc,
            npdu: None,
            apdu: None,
        });
    }
    // Forwarded-NPDU carries the original B/IP address (6 bytes) first.
    let start = if bvlc.function == 0x04 { 10 } else { 4 };
    let npdu_bytes = msg.get(start..).unwrap_or_default();
    let (npdu, apdu_at) = parse_npdu(npdu_bytes)?;
    let apdu = if npdu.is_network_message() {
        None
    } else {
        Some(parse_apdu(npdu_bytes.get(apdu_at..).unwrap_or_default())?)
    };
    Ok(Frame {
        bvlc,
        npdu: Some(npdu),
        apdu,
    })
}

/// Parses the NPCI (Clause 6.2.2); returns the header and the offset of the APDU.
#[inline]
pub fn parse_npdu(input: &[u8]) -> Result<(Npdu, usize), FrameError> {
    let version = get(input, 0)?;
    if version != 1 {
        return Err(FrameError::NpduVersion(version));
    }
    let control = get(input, 1)?;
    let mut at = 2usize;
    let mut dnet = None;
    let mut snet = None;
    if control & 0x20 != 0 {
        dnet = Some(get_u16(input, at)?);
        let dlen = get(input, at.saturating_add(2))?;
        at = at.saturating_add(3).saturating_add(usize::from(dlen));
    }
    if control & 0x08 != 0 {
        snet = Some(get_u16(input, at)?);
        let slen = get(input, at.saturating_add(2))?;
        at = at.saturating_add(3).saturating_add(usize::from(slen));
    }
    if dnet.is_some() {
        // Hop count.
        get(input, at)?;
        at = at.saturating_add(1);
    }
    let mut network_message = None;
    if control & 0x80 != 0 {
        let ty = get(input, at)?;
        network_message = Some(ty);
        at = at.saturating_add(1);
    } else if at > input.len() {
        return Err(FrameError::Truncated {
            needed: at,
            have: input.len(),
        });
    }
    Ok((
        Npdu {
            control,
            dnet,
            snet,
            network_message,
        },
        at,
    ))
}

/// Parses an APDU header (Clause 20.1).
#[inline]
pub fn parse_apdu(input: &[u8]) -> Result<Apdu<'_>, FrameError> {
    let b0 = get(input, 0)?;
    let pdu_type = b0 >> 4;
    let flags = b0 & 0x0F;
    let mut apdu = Apdu {
        pdu_type,
        flags,
        invoke_id: None,
        service: None,
        sequence: None,
        max_apdu_code: None,
        reason: None,
        body: &[],
    };
    let body_at = match pdu_type {
        0 => {
            apdu.max_apdu_code = Some(get(input, 1)? & 0x0F);
            apdu.invoke_id = Some(get(input, 2)?);
            if flags & 0x08 != 0 {
                apdu.sequence = Some(get(input, 3)?);
                apdu.service = Some(get(input, 5)?);
                6
            } else {
                apdu.service = Some(get(input, 3)?);
                4
            }
        }
        1 => {
            apdu.service = Some(get(input, 1)?);
            2
        }
        2 | 5 => {
            apdu.invoke_id = Some(get(input, 1)?);
            apdu.service = Some(get(input, 2)?);
            3
        }
        3 => {
            apdu.invoke_id = Some(get(input, 1)?);
            if flags & 0x08 != 0 {
                apdu.sequence = Some(get(input, 2)?);
                apdu.service = Some(get(input, 4)?);
                5
            } else {
                apdu.service = Some(get(input, 2)?);
                3
            }
        }
        4 => {
            apdu.invoke_id = Some(get(input, 1)?);
            apdu.sequence = Some(get(input, 2)?);
            get(input, 3)?;
            4
        }
        6 | 7 => {
            apdu.invoke_id = Some(get(input, 1)?);
            apdu.reason = Some(get(input, 2)?);
            3
        }
        // 8..=15 are reserved; keep the type, decode nothing else.
        _ => 1,
    };
    apdu.body = input.get(body_at..).unwrap_or_default();
    Ok(apdu)
}

/// What a tag holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagContent<'a> {
    /// Primitive data octets (empty for application booleans: see [`Tag::lvt`]).
    Data(&'a [u8]),
    /// Opening tag of a constructed context value.
    Open,
    /// Closing tag.
    Close,
}

/// One BACnet tag (Clause 20.2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tag<'a> {
    /// Tag number (application data type, or context tag number).
    pub number: u8,
    /// Context-specific (class bit set) rather than application tag.
    pub context: bool,
    /// Length/value/type field (the value itself for application booleans).
    pub lvt: u32,
    /// Content.
    pub content: TagContent<'a>,
}

impl<'a> Tag<'a> {
    /// The data octets, empty for opening/closing tags.
    pub fn data(&self) -> &'a [u8] {
        match self.content {
            TagContent::Data(d) => d,
            _ => &[],
        }
    }

    /// True for context tag `n` holding data.
    pub fn is_context(&self, n: u8) -> bool {
        self.context && self.number == n && matches!(self.content, TagContent::Data(_))
    }
}

/// Iterates the tags of a service body. Stops (returns `None`) at the end
/// or after the first malformed tag, which it reports once as `Err`.
#[derive(Clone, Debug)]
pub struct TagReader<'a> {
    buf: &'a [u8],
    pos: usize,
    failed: bool,
}

impl<'a> TagReader<'a> {
    /// Reader over `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        TagReader {
            buf,
            pos: 0,
            failed: false,
        }
    }

    /// Reads one tag, or `None` at the end.
    pub fn read(&mut self) -> Option<Result<Tag<'a>, FrameError>> {
        if self.failed || self.pos >= self.buf.len() {
            return None;
        }
        let r = self.read_inner();
        if r.is_err() {
            self.failed = true;
        }
        Some(r)
    }

    /// Reads one tag, `None` at the end or on a malformed tag.
    pub fn next_tag(&mut self) -> Option<Tag<'a>> {
        self.read().and_then(Result::ok)
    }

    fn byte(&mut self) -> Result<u8, FrameError> {
        let b = self.buf.get(self.pos).copied().ok_or(FrameError::Tag)?;
        self.pos = self.pos.saturating_add(1);
        Ok(b)
    }

    fn read_inner(&mut self) -> Result<Tag<'a>, FrameError> {
        let b = self.byte()?;
        let mut number = b >> 4;
        let context = b & 0x08 != 0;
        let lvt = b & 0x07;
        if number == 0x0F {
            number = self.byte()?;
        }
        if context && lvt == 6 {
            return Ok(Tag {
                number,
                context,
                lvt: 6,
                content: TagContent::Open,
            });
        }
        if context && lvt == 7 {
            return Ok(Tag {
                number,
                context,
                lvt: 7,
                content: TagContent::Close,
            });
        }
        if !context && number == 1 {
            // Application boolean: the value is in the LVT field.
            return Ok(Tag {
                number,
                context,
                lvt: u32::from(lvt),
                content: TagContent::Data(&[]),
            });
        }
        let len: u32 = if lvt == 5 {
            match self.byte()? {
                254 => u32::from(u16::from_be_bytes([self.byte()?, self.byte()?])),
                255 => u32::from_be_bytes([self.byte()?, self.byte()?, self.byte()?, self.byte()?]),
                n => u32::from(n),
            }
        } else {
            u32::from(lvt)
        };
        let len = usize::try_from(len).map_err(|_| FrameError::Tag)?;
        let end = self.pos.checked_add(len).ok_or(FrameError::Tag)?;
        let data = self.buf.get(self.pos..end).ok_or(FrameError::Tag)?;
        self.pos = end;
        Ok(Tag {
            number,
            context,
            lvt: u32::try_from(len).unwrap_or(u32::MAX),
            content: TagContent::Data(data),
        })
    }
}

/// Unsigned big-endian integer of 1 to 4 octets (Clause 20.2.4).
pub fn parse_unsigned(data: &[u8]) -> Option<u32> {
    if data.is_empty() || data.len() > 4 {
        return None;
    }
    Some(data.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)))
}

/// Object identifier (Clause 20.2.14): 10-bit type, 22-bit instance.
pub fn parse_object_id(data: &[u8]) -> Option<(u16, u32)> {
    let raw = u32::from_be_bytes(data.try_into().ok()?);
    Some((u16::try_from(raw >> 22).ok()?, raw & 0x003F_FFFF))
}

/// A primitive property value (Clause 20.2), as far as PlantGuard reports it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PropertyValue<'a> {
    /// Character string: encoding (0 = UTF-8/ANSI X3.4) and bytes.
    CharString {
        /// Character set (Clause 20.2.9).
        encoding: u8,
        /// Raw bytes.
        bytes: &'a [u8],
    },
    /// Unsigned integer.
    Unsigned(u32),
    /// Enumerated value.
    Enumerated(u32),
    /// Single-precision real.
    Real(f32),
    /// Boolean.
    Boolean(bool),
    /// Object identifier.
    ObjectId(u16, u32),
    /// Any other application tag (number kept).
    Other(u8),
}

/// Decodes one application-tagged primitive value.
pub fn parse_value<'a>(tag: &Tag<'a>) -> Option<PropertyValue<'a>> {
    if tag.context {
        return None;
    }
    let d = tag.data();
    Some(match tag.number {
        1 => PropertyValue::Boolean(tag.lvt != 0),
        2 => PropertyValue::Unsigned(parse_unsigned(d)?),
        4 => PropertyValue::Real(f32::from_be_bytes(d.try_into().ok()?)),
        7 => {
            let (&encoding, bytes) = d.split_first()?;
            PropertyValue::CharString { encoding, bytes }
        }
        9 => PropertyValue::Enumerated(parse_unsigned(d)?),
        12 => {
            let (t, i) = parse_object_id(d)?;
            PropertyValue::ObjectId(t, i)
        }
        n => PropertyValue::Other(n),
    })
}

/// Service parameters PlantGuard extracts (Clauses 13-17 and 16.1, 16.4, 16.9, 16.10).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ServiceFields<'a> {
    /// First object identifier (type, instance) named by the service.
    pub object: Option<(u16, u32)>,
    /// First property identifier.
    pub property: Option<u32>,
    /// Property array index.
    pub array_index: Option<u32>,
    /// Number of (object, property) references in a ...Multiple request.
    pub references: u16,
    /// Property value (ReadProperty-ACK, WriteProperty).
    pub value: Option<PropertyValue<'a>>,
    /// WriteProperty priority.
    pub priority: Option<u32>,
    /// I-Am max APDU length accepted.
    pub max_apdu: Option<u32>,
    /// I-Am segmentation supported.
    pub segmentation: Option<u32>,
    /// I-Am vendor identifier.
    pub vendor_id: Option<u32>,
    /// Who-Is / Who-Has device instance range.
    pub range: Option<(u32, u32)>,
    /// Object name (Who-Has, I-Have).
    pub object_name: Option<&'a [u8]>,
    /// DeviceCommunicationControl enable-disable or ReinitializeDevice state.
    pub state: Option<u32>,
    /// DeviceCommunicationControl time duration (minutes).
    pub duration_minutes: Option<u32>,
    /// A password was present (DCC, ReinitializeDevice); the value is never kept.
    pub password_seen: bool,
    /// Error class and code of an Error-PDU.
    pub error: Option<(u32, u32)>,
}

impl ServiceFields<'_> {
    /// No fields: what a service whose parameters were not decoded has
    /// (a constant, so callers need not build one per message).
    pub const NONE: ServiceFields<'static> = ServiceFields {
        object: None,
        property: None,
        array_index: None,
        references: 0,
        value: None,
        priority: None,
        max_apdu: None,
        segmentation: None,
        vendor_id: None,
        range: None,
        object_name: None,
        state: None,
        duration_minutes: None,
        password_seen: false,
        error: None,
    };
}

fn char_string<'a>(tag: &Tag<'a>) -> Option<&'a [u8]> {
    tag.data().split_first().map(|(_, rest)| rest)
}

/// Decodes the parameters of `service` for PDU type `pdu_type` from `body`.
/// Unknown services and malformed bodies yield what was decoded so far.
pub fn parse_service(pdu_type: u8, service: u8, body: &[u8]) -> ServiceFields<'_> {
    let mut f = ServiceFields::default();
    let mut r = TagReader::new(body);
    match (pdu_type, service) {
        // ReadProperty / WriteProperty request, ReadProperty-ACK (15.5, 15.9).
        (0, 12) | (0, 15) | (3, 12) => {
            let mut reading_value = false;
            while let Some(t) = r.next_tag() {
                match (t.context, t.number, t.content) {
                    (true, 0, TagContent::Data(d)) if f.object.is_none() => {
                        f.object = parse_object_id(d);
                    }
                    (true, 1, TagContent::Data(d)) if f.property.is_none() => {
                        f.property = parse_unsigned(d);
                    }
                    (true, 2, TagContent::Data(d)) if !reading_value => {
                        f.array_index = parse_unsigned(d);
                    }
                    (true, 3, TagContent::Open) => reading_value = true,
                    (true, 3, TagContent::Close) => reading_value = false,
                    (true, 4, TagContent::Data(d)) if !reading_value => {
                        f.priority = parse_unsigned(d);
                    }
                    (false, _, _) if reading_value && f.value.is_none() => {
                        f.value = parse_value(&t);
                    }
                    _ => {}
                }
            }
        }
        // ReadPropertyMultiple / WritePropertyMultiple request (15.7, 15.10).
        (0, 14) | (0, 16) => {
            let mut depth = 0u8;
            while let Some(t) = r.next_tag() {
                match t.content {
                    TagContent::Open => depth = depth.saturating_add(1),
                    TagContent::Close => depth = depth.saturating_sub(1),
                    TagContent::Data(d) => {
                        if depth == 0 && t.is_context(0) && f.object.is_none() {
                            f.object = parse_object_id(d);
                        } else if depth == 1 && t.is_context(0) {
                            if f.property.is_none() {
                                f.property = parse_unsigned(d);
                            }
                            f.references = f.references.saturating_add(1);
                        }
                    }
                }
            }
        }
        // I-Am (16.10.3).
        (1, 0) => {
            let mut n = 0u8;
            while let Some(t) = r.next_tag() {
                let d = t.data();
                match n {
                    0 => f.object = parse_object_id(d),
                    1 => f.max_apdu = parse_unsigned(d),
                    2 => f.segmentation = parse_unsigned(d),
                    3 => f.vendor_id = parse_unsigned(d),
                    _ => break,
                }
                n = n.saturating_add(1);
            }
        }
        // I-Have (16.9.3): device id, object id, object name.
        (1, 1) => {
            let mut n = 0u8;
            while let Some(t) = r.next_tag() {
                match n {
                    0 => {}
                    1 => f.object = parse_object_id(t.data()),
                    2 => f.object_name = char_string(&t),
                    _ => break,
                }
                n = n.saturating_add(1);
            }
        }
        // Who-Has (16.9.1) and Who-Is (16.10.1).
        (1, 7) | (1, 8) => {
            let (mut low, mut high) = (None, None);
            while let Some(t) = r.next_tag() {
                match (t.context, t.number) {
                    (true, 0) => low = parse_unsigned(t.data()),
                    (true, 1) => high = parse_unsigned(t.data()),
                    (true, 2) => f.object = parse_object_id(t.data()),
                    (true, 3) => f.object_name = char_string(&t),
                    _ => {}
                }
            }
            if let (Some(l), Some(h)) = (low, high) {
                f.range = Some((l, h));
            }
        }
        // DeviceCommunicationControl (16.1) and ReinitializeDevice (16.4).
        (0, 17) | (0, 20) => {
            while let Some(t) = r.next_tag() {
                match (t.context, t.number, service) {
                    (true, 0, 17) => f.duration_minutes = parse_unsigned(t.data()),
                    (true, 1, 17) | (true, 0, 20) => f.state = parse_unsigned(t.data()),
                    (true, 2, 17) | (true, 1, 20) => f.password_seen = true,
                    _ => {}
                }
            }
        }
        // Error-PDU: error class and code (enumerated, Clause 18).
        (5, _) => {
            let mut vals = [None, None];
            let mut i = 0usize;
            while let Some(t) = r.next_tag() {
                if !t.context && t.number == 9 {
                    if let Some(slot) = vals.get_mut(i) {
                        *slot = parse_unsigned(t.data());
                    }
                    i = i.saturating_add(1);
                }
                if i >= 2 {
                    break;
                }
            }
            if let [Some(c), Some(k)] = vals {
                f.error = Some((c, k));
            }
        }
        _ => {}
    }
    f
}

/// Text of a character string (Clause 20.2.9): encoding 0 (UTF-8 / ANSI
/// X3.4), 3 (ISO 10646 UCS-4), 4 (UCS-2, big-endian; used by JCI devices
/// among others) and 5 (ISO 8859-1). Other encodings give `None`.
pub fn char_string_text(encoding: u8, bytes: &[u8]) -> Option<String> {
    match encoding {
        0 => Some(String::from_utf8_lossy(bytes).into_owned()),
        3 => Some(
            bytes
                .chunks_exact(4)
                .filter_map(|c| {
                    let v = u32::from_be_bytes(c.try_into().ok()?);
                    char::from_u32(v)
                })
                .collect(),
        ),
        4 => {
            let units = bytes.chunks_exact(2).map(|c| {
                u16::from_be_bytes([
                    c.first().copied().unwrap_or(0),
                    c.get(1).copied().unwrap_or(0),
                ])
            });
            Some(
                char::decode_utf16(units)
                    .map(|c| c.unwrap_or('\u{FFFD}'))
                    .collect(),
            )
        }
        5 => Some(bytes.iter().map(|&b| char::from(b)).collect()),
        _ => None,
    }
}

/// Walks a ReadPropertyMultiple-ACK (Clause 15.7.1.3) and calls `f` with
/// each (object, property, first primitive value) read successfully.
/// Stops quietly at the first malformed tag.
pub fn for_each_rpm_ack_value<'a>(
    body: &'a [u8],
    mut f: impl FnMut((u16, u32), u32, PropertyValue<'a>),
) {
    let mut r = TagReader::new(body);
    let mut object = None;
    let mut property = None;
    let mut depth = 0u8;
    let mut in_value = false;
    let mut taken = false;
    while let Some(t) = r.next_tag() {
        match (t.context, t.number, t.content, depth) {
            (true, 0, TagContent::Data(d), 0) => object = parse_object_id(d),
            (true, 1, TagContent::Open, 0) => depth = 1,
            (true, 1, TagContent::Close, 1) => depth = 0,
            (true, 2, TagContent::Data(d), 1) => property = parse_unsigned(d),
            (true, 4, TagContent::Open, 1) => {
                depth = 2;
                in_value = true;
                taken = false;
            }
            (true, 5, TagContent::Open, 1) => {
                depth = 2;
                in_value = false;
            }
            (true, 4 | 5, TagContent::Close, 2) => {
                depth = 1;
                in_value = false;
            }
            (_, _, TagContent::Open, d) if d >= 2 => depth = d.saturating_add(1),
            (_, _, TagContent::Close, d) if d > 2 => depth = d.saturating_sub(1),
            (false, _, TagContent::Data(_), 2) if in_value && !taken => {
                taken = true;
                if let (Some(o), Some(p), Some(v)) = (object, property, parse_value(&t)) {
                    f(o, p, v);
                }
            }
            _ => {}
        }
    }
}
