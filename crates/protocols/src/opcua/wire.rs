// SPDX-License-Identifier: Apache-2.0
//! Pure parsing of OPC UA binary: UA TCP messages (Part 6 §7.1), the secure
//! conversation headers (Part 6 §6.7.2) and the few service bodies PlantGuard
//! reads (Part 4 §5). Little-endian, borrowed, no allocation.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use super::codes::{ChunkType, MessageType};

/// Message header length (type, chunk, size).
pub const HEADER_LEN: usize = 8;
/// Largest message size accepted (the spec allows any; real stacks stay far below).
pub const MAX_MESSAGE_SIZE: u32 = 16 * 1024 * 1024;
/// Deepest nested DiagnosticInfo followed.
const MAX_DIAG_DEPTH: u8 = 8;

/// Errors of the message header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// Fewer than 8 bytes.
    #[error("truncated: {0} more bytes needed")]
    Truncated(usize),
    /// Message type is not one of HEL ACK ERR RHE OPN CLO MSG.
    #[error("unknown message type")]
    MessageType,
    /// Chunk type is not F, C or A.
    #[error("chunk type {0:#04x} is not F, C or A")]
    ChunkType(u8),
    /// Message size below 8 or above 16 MiB.
    #[error("message size {0} out of range")]
    Size(u32),
}

/// Little-endian cursor with checked reads of OPC UA built-in types (Part 6 §5.2).
#[derive(Clone, Copy, Debug)]
pub struct Cursor<'a> {
    buf: &'a [u8],
}

impl<'a> Cursor<'a> {
    /// Starts at the beginning of `buf`.
    pub const fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }
    /// Unread bytes.
    pub const fn rest(&self) -> &'a [u8] {
        self.buf
    }
    /// Reads `n` bytes.
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.buf.len() {
            return None;
        }
        let (h, t) = self.buf.split_at(n);
        self.buf = t;
        Some(h)
    }
    /// Byte.
    pub fn u8(&mut self) -> Option<u8> {
        let (&b, t) = self.buf.split_first()?;
        self.buf = t;
        Some(b)
    }
    /// UInt16.
    pub fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }
    /// UInt32.
    pub fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    /// Int32.
    pub fn i32(&mut self) -> Option<i32> {
        Some(i32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    /// String or ByteString: Int32 length (−1 = null) then bytes.
    pub fn string(&mut self) -> Option<Option<&'a [u8]>> {
        let len = self.i32()?;
        if len < 0 {
            return Some(None);
        }
        Some(Some(self.take(usize::try_from(len).ok()?)?))
    }
    /// Array length (−1 = null → 0), bounded by the bytes left (each element takes ≥ 1 byte).
    pub fn array_len(&mut self) -> Option<usize> {
        let n = self.i32()?;
        let n = usize::try_from(n.max(0)).ok()?;
        (n <= self.buf.len()).then_some(n)
    }
    /// NodeId (Part 6 §5.2.2.9), or ExpandedNodeId when `expanded`.
    pub fn node_id(&mut self, expanded: bool) -> Option<NodeId<'a>> {
        let enc = self.u8()?;
        let id = match enc & 0x3F {
            0x00 => NodeId::Numeric {
                ns: 0,
                id: u32::from(self.u8()?),
            },
            0x01 => {
                let ns = u16::from(self.u8()?);
                NodeId::Numeric {
                    ns,
                    id: u32::from(self.u16()?),
                }
            }
            0x02 => {
                let ns = self.u16()?;
                NodeId::Numeric {
                    ns,
                    id: self.u32()?,
                }
            }
            0x03 => {
                let ns = self.u16()?;
                NodeId::String {
                    ns,
                    value: self.string()?.unwrap_or_default(),
                }
            }
            0x04 => {
                let ns = self.u16()?;
                NodeId::Guid {
                    ns,
                    value: self.take(16)?,
                }
            }
            0x05 => {
                let ns = self.u16()?;
                NodeId::Opaque {
                    ns,
                    value: self.string()?.unwrap_or_default(),
                }
            }
            _ => return None,
        };
        if expanded {
            if enc & 0x80 != 0 {
                self.string()?;
            }
            if enc & 0x40 != 0 {
                self.u32()?;
            }
        } else if enc & 0xC0 != 0 {
            return None;
        }
        Some(id)
    }
    /// LocalizedText: returns the text.
    pub fn localized_text(&mut self) -> Option<Option<&'a [u8]>> {
        let mask = self.u8()?;
        if mask & 0x01 != 0 {
            self.string()?;
        }
        if mask & 0x02 != 0 {
            return self.string();
        }
        Some(None)
    }
    /// Skips a DiagnosticInfo.
    pub fn skip_diagnostic_info(&mut self, depth: u8) -> Option<()> {
        let mask = self.u8()?;
        for bit in [0x01u8, 0x02, 0x04, 0x08] {
            if mask & bit != 0 {
                self.i32()?;
            }
        }
        if mask & 0x10 != 0 {
            self.string()?;
        }
        if mask & 0x20 != 0 {
            self.u32()?;
        }
        if mask & 0x40 != 0 {
            if depth >= MAX_DIAG_DEPTH {
                return None;
            }
            self.skip_diagnostic_info(depth.saturating_add(1))?;
        }
        Some(())
    }
    /// ExtensionObject: type id and body (binary or XML).
    pub fn extension_object(&mut self) -> Option<(NodeId<'a>, Option<&'a [u8]>)> {
        let type_id = self.node_id(false)?;
        let body = match self.u8()? {
            0 => None,
            1 | 2 => self.string()?,
            _ => return None,
        };
        Some((type_id, body))
    }
    /// Skips a String array.
    pub fn skip_string_array(&mut self) -> Option<()> {
        for _ in 0..self.array_len()? {
            self.string()?;
        }
        Some(())
    }
}

/// A NodeId, borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeId<'a> {
    /// Numeric identifier.
    Numeric {
        /// Namespace index.
        ns: u16,
        /// Identifier.
        id: u32,
    },
    /// String identifier.
    String {
        /// Namespace index.
        ns: u16,
        /// Identifier.
        value: &'a [u8],
    },
    /// GUID identifier.
    Guid {
        /// Namespace index.
        ns: u16,
        /// 16 bytes.
        value: &'a [u8],
    },
    /// Opaque (ByteString) identifier.
    Opaque {
        /// Namespace index.
        ns: u16,
        /// Bytes.
        value: &'a [u8],
    },
}

impl NodeId<'_> {
    /// The numeric id in namespace 0 (service type ids, token type ids).
    pub const fn ns0_numeric(&self) -> Option<u32> {
        match self {
            NodeId::Numeric { ns: 0, id } => Some(*id),
            _ => None,
        }
    }
    /// The usual text form: `i=2258`, `ns=1;s=the.answer`, `ns=2;g=…`, `ns=2;b=…`.
    pub fn to_text(&self) -> String {
        let (ns, body) = match self {
            NodeId::Numeric { ns, id } => (*ns, format!("i={id}")),
            NodeId::String { ns, value } => (*ns, format!("s={}", String::from_utf8_lossy(value))),
            NodeId::Guid { ns, value } => (
                *ns,
                format!(
                    "g={}",
                    value.iter().map(|b| format!("{b:02x}")).collect::<String>()
                ),
            ),
            NodeId::Opaque { ns, value } => (
                *ns,
                format!(
                    "b={}",
                    value.iter().map(|b| format!("{b:02x}")).collect::<String>()
                ),
            ),
        };
        if ns == 0 {
            body
        } else {
            format!("ns={ns};{body}")
        }
    }
}

/// Message header (Part 6 §7.1.2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Message type.
    pub msg_type: MessageType,
    /// Chunk type.
    pub chunk: ChunkType,
    /// Message size, header included.
    pub size: u32,
}

/// Parses the 8-byte message header.
pub fn parse_header(input: &[u8]) -> Result<Header, FrameError> {
    let Some(h) = input.get(..HEADER_LEN) else {
        return Err(FrameError::Truncated(
            HEADER_LEN.saturating_sub(input.len()),
        ));
    };
    let mut c = Cursor::new(h);
    let msg_type =
        MessageType::from_bytes(c.take(3).unwrap_or_default()).ok_or(FrameError::MessageType)?;
    let chunk_byte = c.u8().unwrap_or(0);
    let chunk = ChunkType::from_u8(chunk_byte).ok_or(FrameError::ChunkType(chunk_byte))?;
    let size = c.u32().unwrap_or(0);
    if (size as usize) < HEADER_LEN || size > MAX_MESSAGE_SIZE {
        return Err(FrameError::Size(size));
    }
    Ok(Header {
        msg_type,
        chunk,
        size,
    })
}

/// Hello / Acknowledge body (Part 6 §7.1.2.3 and §7.1.2.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hello<'a> {
    /// Protocol version.
    pub version: u32,
    /// Receive buffer size.
    pub receive_buffer_size: u32,
    /// Send buffer size.
    pub send_buffer_size: u32,
    /// Max message size.
    pub max_message_size: u32,
    /// Max chunk count.
    pub max_chunk_count: u32,
    /// Endpoint URL (Hello only).
    pub endpoint_url: Option<&'a [u8]>,
}

/// Parses a Hello (`with_url`) or Acknowledge body.
pub fn parse_hello(body: &[u8], with_url: bool) -> Option<Hello<'_>> {
    let mut c = Cursor::new(body);
    Some(Hello {
        version: c.u32()?,
        receive_buffer_size: c.u32()?,
        send_buffer_size: c.u32()?,
        max_message_size: c.u32()?,
        max_chunk_count: c.u32()?,
        endpoint_url: if with_url { c.string().flatten() } else { None },
    })
}

/// Parses an Error body (Part 6 §7.1.2.5): error code and reason.
pub fn parse_error(body: &[u8]) -> Option<(u32, Option<&[u8]>)> {
    let mut c = Cursor::new(body);
    let code = c.u32()?;
    Some((code, c.string().flatten()))
}

/// Asymmetric security header of OPN (Part 6 §6.7.2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Asymmetric<'a> {
    /// Security policy URI.
    pub policy_uri: Option<&'a [u8]>,
    /// Sender certificate length (−1 when absent).
    pub sender_certificate_len: i32,
    /// Receiver certificate thumbprint length (−1 when absent).
    pub receiver_thumbprint_len: i32,
}

/// Secure conversation message after the 8-byte header (OPN, CLO, MSG).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Secure<'a> {
    /// Secure channel id.
    pub channel_id: u32,
    /// Asymmetric header (OPN).
    pub asymmetric: Option<Asymmetric<'a>>,
    /// Symmetric token id (CLO, MSG).
    pub token_id: Option<u32>,
    /// Sequence number (garbage when the channel encrypts).
    pub sequence_number: u32,
    /// Request id (garbage when the channel encrypts).
    pub request_id: u32,
    /// Service body (possibly encrypted, possibly the first chunk only).
    pub body: &'a [u8],
}

/// Parses the security and sequence headers of OPN / CLO / MSG.
pub fn parse_secure(msg_type: MessageType, after_header: &[u8]) -> Option<Secure<'_>> {
    let mut c = Cursor::new(after_header);
    let channel_id = c.u32()?;
    let (asymmetric, token_id) = if msg_type == MessageType::Open {
        let policy_uri = c.string()?;
        let cert = c.string()?;
        let thumb = c.string()?;
        let len = |s: Option<&[u8]>| s.map_or(-1, |s| i32::try_from(s.len()).unwrap_or(i32::MAX));
        (
            Some(Asymmetric {
                policy_uri,
                sender_certificate_len: len(cert),
                receiver_thumbprint_len: len(thumb),
            }),
            None,
        )
    } else {
        (None, Some(c.u32()?))
    };
    let sequence_number = c.u32()?;
    let request_id = c.u32()?;
    Some(Secure {
        channel_id,
        asymmetric,
        token_id,
        sequence_number,
        request_id,
        body: c.rest(),
    })
}

/// Type id of a service body (an ExpandedNodeId) and the bytes after it.
pub fn parse_type_id(body: &[u8]) -> Option<(NodeId<'_>, &[u8])> {
    let mut c = Cursor::new(body);
    let id = c.node_id(true)?;
    Some((id, c.rest()))
}

/// RequestHeader (Part 4 §7.28): returns the request handle and the bytes after it.
pub fn parse_request_header(rest: &[u8]) -> Option<(u32, Cursor<'_>)> {
    let mut c = Cursor::new(rest);
    c.node_id(false)?; // authentication token
    c.take(8)?; // timestamp
    let handle = c.u32()?;
    c.u32()?; // return diagnostics
    c.string()?; // audit entry id
    c.u32()?; // timeout hint
    c.extension_object()?; // additional header
    Some((handle, c))
}

/// ResponseHeader (Part 4 §7.29): request handle, service result, rest.
pub fn parse_response_header(rest: &[u8]) -> Option<(u32, u32, Cursor<'_>)> {
    let mut c = Cursor::new(rest);
    c.take(8)?; // timestamp
    let handle = c.u32()?;
    let result = c.u32()?;
    c.skip_diagnostic_info(0)?;
    c.skip_string_array()?;
    c.extension_object()?;
    Some((handle, result, c))
}

/// ApplicationDescription (Part 4 §7.1), borrowed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AppDescription<'a> {
    /// Application URI.
    pub application_uri: Option<&'a [u8]>,
    /// Product URI.
    pub product_uri: Option<&'a [u8]>,
    /// Application name (LocalizedText text).
    pub application_name: Option<&'a [u8]>,
    /// Application type (0 server, 1 client, 2 both, 3 discovery server).
    pub application_type: u32,
}

/// Reads an ApplicationDescription.
pub fn app_description<'a>(c: &mut Cursor<'a>) -> Option<AppDescription<'a>> {
    let application_uri = c.string()?;
    let product_uri = c.string()?;
    let application_name = c.localized_text()?;
    let application_type = c.u32()?;
    c.string()?; // gateway server uri
    c.string()?; // discovery profile uri
    c.skip_string_array()?; // discovery urls
    Some(AppDescription {
        application_uri,
        product_uri,
        application_name,
        application_type,
    })
}

/// EndpointDescription (Part 4 §7.14), borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoint<'a> {
    /// Endpoint URL.
    pub url: Option<&'a [u8]>,
    /// Server application.
    pub server: AppDescription<'a>,
    /// MessageSecurityMode.
    pub security_mode: u32,
    /// Security policy URI.
    pub policy_uri: Option<&'a [u8]>,
}

/// Reads an EndpointDescription.
pub fn endpoint<'a>(c: &mut Cursor<'a>) -> Option<Endpoint<'a>> {
    let url = c.string()?;
    let server = app_description(c)?;
    c.string()?; // server certificate
    let security_mode = c.u32()?;
    let policy_uri = c.string()?;
    for _ in 0..c.array_len()? {
        c.string()?; // policy id
        c.u32()?; // token type
        c.string()?; // issued token type
        c.string()?; // issuer endpoint url
        c.string()?; // security policy uri
    }
    c.string()?; // transport profile uri
    c.u8()?; // security level
    Some(Endpoint {
        url,
        server,
        security_mode,
        policy_uri,
    })
}

/// OpenSecureChannelRequest fields after the RequestHeader: request type and security mode.
pub fn parse_open_request(mut c: Cursor<'_>) -> Option<(u32, u32)> {
    c.u32()?; // client protocol version
    let request_type = c.u32()?;
    let mode = c.u32()?;
    Some((request_type, mode))
}

/// OpenSecureChannelResponse: the channel id and token id of the security token.
pub fn parse_open_response(mut c: Cursor<'_>) -> Option<(u32, u32)> {
    c.u32()?; // server protocol version
    Some((c.u32()?, c.u32()?))
}

/// CreateSessionRequest (Part 4 §5.6.2.2), borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CreateSessionRequest<'a> {
    /// Client application.
    pub client: AppDescription<'a>,
    /// Server URI.
    pub server_uri: Option<&'a [u8]>,
    /// Endpoint URL.
    pub endpoint_url: Option<&'a [u8]>,
    /// Session name.
    pub session_name: Option<&'a [u8]>,
}

/// Parses a CreateSessionRequest after its RequestHeader.
pub fn parse_create_session_request(mut c: Cursor<'_>) -> Option<CreateSessionRequest<'_>> {
    let client = app_description(&mut c)?;
    Some(CreateSessionRequest {
        client,
        server_uri: c.string()?,
        endpoint_url: c.string()?,
        session_name: c.string()?,
    })
}

/// Positions a cursor on the endpoint array of a CreateSessionResponse.
pub fn create_session_response_endpoints(mut c: Cursor<'_>) -> Option<Cursor<'_>> {
    c.node_id(false)?; // session id
    c.node_id(false)?; // authentication token
    c.take(8)?; // revised session timeout (Double)
    c.string()?; // server nonce
    c.string()?; // server certificate
    Some(c)
}

/// ActivateSessionRequest: identity token type id and, for a user-name token, the user name.
pub fn parse_activate_session(mut c: Cursor<'_>) -> Option<(u32, Option<&[u8]>)> {
    c.string()?; // client signature algorithm
    c.string()?; // client signature
    for _ in 0..c.array_len()? {
        c.string()?;
        c.string()?;
    }
    c.skip_string_array()?; // locale ids
    let (type_id, body) = c.extension_object()?;
    let token = type_id.ns0_numeric()?;
    let user = if token == 324 {
        body.and_then(|b| {
            let mut t = Cursor::new(b);
            t.string()?; // policy id
            t.string().flatten()
        })
    } else {
        None
    };
    Some((token, user))
}

/// WriteRequest: number of nodes to write and the first node id.
pub fn parse_write_request(mut c: Cursor<'_>) -> Option<(usize, Option<NodeId<'_>>)> {
    let n = c.array_len()?;
    let first = if n > 0 { c.node_id(false) } else { None };
    Some((n, first))
}

/// CallRequest: number of methods called and the first (object id, method id).
pub fn parse_call_request(mut c: Cursor<'_>) -> Option<(usize, Option<(NodeId<'_>, NodeId<'_>)>)> {
    let n = c.array_len()?;
    let first = if n > 0 {
        c.node_id(false).zip(c.node_id(false))
    } else {
        None
    };
    Some((n, first))
}

/// GetEndpointsRequest: endpoint URL.
pub fn parse_get_endpoints_request(mut c: Cursor<'_>) -> Option<Option<&[u8]>> {
    c.string()
}
