// SPDX-License-Identifier: Apache-2.0
//! tshark agreement for HTTP/1.x: request method, URI, Host, User-Agent,
//! status code and Server header of every corpus capture listing HTTP.
//! Run with `--nocapture` to see the per-file counts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "http_tshark_harness.rs"]
mod harness;

use harness::{Diff, Spec, Traced};
use plantguard_protocols::http::wire::{
    is_start_line, parse_request_line_lenient, parse_status_line_lenient,
};
use plantguard_protocols::http::HttpSession;

impl Traced for HttpSession {
    fn take_trace(&mut self) -> Vec<(&'static str, String)> {
        HttpSession::take_trace(self)
    }
}

const SPEC: Spec = Spec {
    index_name: "HTTP",
    udp: false,
    server_ports: &[80, 8080, 8000, 3128],
    fields: &[
        "http.request.method",
        "http.request.uri",
        "http.host",
        "http.user_agent",
        "http.response.code",
        "http.server",
    ],
    tshark_args: &["-o", "http.desegment_body:FALSE"],
    skip: &[],
    only_server_ports: false,
};

fn new() -> Box<dyn Traced> {
    let mut s = HttpSession::new();
    s.enable_trace();
    Box::new(s)
}

/// The first line of a payload (without its line end).
fn first_line(payload: &[u8]) -> &[u8] {
    let end = payload
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(payload.len());
    let line = &payload[..end];
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// True when some line of `payload` (not the first) is a strict start line
/// of the field's direction.
fn start_line_inside(payload: &[u8], request: bool) -> bool {
    payload
        .split(|&b| b == b'\n')
        .skip(1)
        .any(|l| is_start_line(request, l.strip_suffix(b"\r").unwrap_or(l)))
}

/// True when a line of `payload` holds only spaces, tabs or carriage returns.
fn has_white_space_line(payload: &[u8]) -> bool {
    payload
        .split(|&b| b == b'\n')
        .any(|l| !l.is_empty() && l != b"\r" && l.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r')))
}

/// Why tshark and we differ on one frame, or `None` when unexplained.
/// Every rule checks the frame itself (payload, gap, flags), not just the
/// capture's name; the few capture-specific ones say why.
fn explain(d: &Diff<'_>) -> Option<&'static str> {
    let file = d.file.to_string_lossy();
    let request = d.field.starts_with("http.request")
        || d.field == "http.host"
        || d.field == "http.user_agent";
    let first = first_line(d.payload);
    let ours_more = !d.ours.is_empty() && d.theirs.iter().all(|t| d.ours.contains(t));
    let starts_with_message = if request {
        parse_request_line_lenient(first).is_some()
    } else {
        first.starts_with(b"HTTP/")
    };
    // A segment was lost before this frame (suricata-verify http-gap-*):
    // we keep body framing by Content-Length across the hole, tshark's
    // reassembly gives up and shows the next message as continuation.
    if d.after_gap && d.theirs.is_empty() && !d.ours.is_empty() {
        return Some("tshark_loses_message_framing_after_a_gap");
    }
    // The header block itself was cut by a gap (tcp-rst-unacked-stream-07:
    // `User-Agent: ` then 16 lost bytes then `Mozilla`): we drop the partial
    // message as gap semantics require; tshark pastes the pieces together.
    if d.after_gap && d.ours.is_empty() && !d.theirs.is_empty() {
        return Some("partial_header_block_dropped_at_a_gap");
    }
    // tshark does not reorder: an out-of-order segment (http-range-file,
    // frame 7 holds the 206 header) is not dissected; we read it in order.
    if d.out_of_order && d.theirs.is_empty() {
        return Some("tshark_skips_out_of_order_segment");
    }
    // Stray CR/LF bytes before the start line (http-evader 480-495): we
    // skip them between messages, tshark does not.
    let trimmed = d
        .payload
        .iter()
        .position(|b| !matches!(b, b'\r' | b'\n'))
        .map_or(&[][..], |p| &d.payload[p..]);
    if ours_more && trimmed.len() < d.payload.len() && first_line(trimmed).starts_with(b"HTTP/") {
        return Some("stray_line_ends_before_the_start_line_skipped");
    }
    // With body desegmentation off, tshark shows a segment that starts
    // inside a body as continuation and misses the messages that begin later in it
    // (pipelined 404s of http-protocol-nodup, bro.org, extra responses of
    // http-desync-request-response-5).
    if ours_more && !starts_with_message && start_line_inside(d.payload, request) {
        return Some("tshark_misses_messages_starting_inside_a_segment");
    }
    // The frame starts with a status line that tshark does not decode:
    // - the header block ends with a line of white space (`\n \n`,
    //   `\r\r\n`; http-evader 410-431) that we accept as the empty line,
    //   tshark waits for a real one;
    // - inside a CONNECT tunnel tshark decodes the tunnelled request but
    //   hands the server's side to the tunnelled protocol (http-connect-*);
    // - otherwise tshark joins the segment to the previous body, shown as
    //   `Continuation` (bro.org 218, 236) or, gluing `POST request received
    //   successfully!` to `HTTP/1.1 200 OK`, as a request line (zeek
    //   smuggle-http-request, content-length-in-request-body).
    if first.starts_with(b"HTTP/") && parse_status_line_lenient(first).is_some() {
        let tshark_request = request && d.ours.is_empty() && !d.theirs.is_empty();
        let tshark_no_response = !request && d.theirs.is_empty() && !d.ours.is_empty();
        if tshark_no_response && has_white_space_line(d.payload) {
            return Some("white_space_line_ends_the_header_block");
        }
        if tshark_no_response && file.contains("http-connect") {
            return Some("tshark_skips_responses_inside_a_connect_tunnel");
        }
        if tshark_request || tshark_no_response {
            return Some("tshark_joins_a_response_start_to_the_previous_body");
        }
    }
    // `CCM_POST /HTTP/1.1` (methods.pcap): an unknown method is accepted
    // only with a version token, or any line would pass as a request.
    let token = first.split(|&b| b == b' ').next().unwrap_or_default();
    let method_like = first.contains(&b' ')
        && !token.is_empty()
        && token.iter().all(|b| b.is_ascii_uppercase() || *b == b'_');
    if request
        && d.ours.is_empty()
        && !d.theirs.is_empty()
        && method_like
        && parse_request_line_lenient(first).is_none()
    {
        return Some("unknown_method_without_version_refused");
    }
    // Header-looking lines inside a body (http-multiple100 transfers a
    // pcap of SSDP packets): tshark, not framing bodies, decodes them.
    if d.ours.is_empty()
        && !d.theirs.is_empty()
        && !starts_with_message
        && !start_line_inside(d.payload, request)
    {
        return Some("tshark_reads_header_lines_inside_a_body");
    }
    // Status codes that are not three digits from 100 (RFC 9112 §4):
    // `2XX`, `000`, `2000`, `0200`, NULs (http1-noint-status, http-evader
    // 391-393, 462-477). We refuse the line and its headers; tshark keeps
    // the leading digits.
    if !request
        && d.ours.is_empty()
        && first.starts_with(b"HTTP/")
        && parse_status_line_lenient(first).is_none()
    {
        return Some("status_line_with_malformed_code_refused");
    }
    // `HTTP/1.1 \t200` (http-evader-474): tshark reads the code as `20`.
    if d.field == "http.response.code"
        && d.ours == ["200"]
        && d.theirs == ["20"]
        && first.contains(&b'\t')
    {
        return Some("tshark_misreads_code_after_tab");
    }
    // `QUERY` (draft-ietf-httpbis-safe-method-w-body) is not known to tshark 4.0.
    if request && d.theirs.is_empty() && first.starts_with(b"QUERY ") {
        return Some("tshark_4_0_lacks_the_query_method");
    }
    // A target with spaces (http-uri-spaces, connect-with-smtp): we keep
    // everything up to the version, as Zeek and Suricata do; tshark stops
    // at the first space.
    if d.field == "http.request.uri"
        && d.ours.len() == 1
        && d.theirs.len() == 1
        && d.ours[0].starts_with(&format!("{} ", d.theirs[0]))
    {
        return Some("tshark_ends_the_target_at_the_first_space");
    }
    // A repeated Server header (tls-subjectaltname frame 790: Caddy then
    // Apache): we keep the first, tshark lists both.
    if d.ours.len() == 1 && d.theirs.len() > 1 && d.theirs[0] == d.ours[0] {
        return Some("repeated_header_first_value_kept");
    }
    // zeek issue 261 smuggling variants: a chunk size of 2^64 (more than 15
    // hex digits) is refused and a folded `Transfer-Encoding:` value
    // (obs-fold, RFC 9112 §5.2) is not unfolded; either way the next
    // request a server would read is reported, tshark treats it as body.
    if (file.contains("chunk_2pow64_overflow") || file.contains("te_obs_fold"))
        && ours_more
        && d.ours.len() == d.theirs.len() + 1
    {
        return Some("smuggled_request_after_refused_framing_reported");
    }
    // A request typed one byte per segment on port 27272 (zeek
    // tcp-http-with-padding): tshark's heuristic does not take the stream
    // as HTTP until the response; we complete the request on its last byte.
    if file.contains("tcp-http-with-padding")
        && request
        && d.theirs.is_empty()
        && d.payload == b"\n"
    {
        return Some("tshark_no_http_heuristic_for_byte_sized_request_segments");
    }
    None
}

#[test]
fn http_agrees_with_tshark_on_corpus() {
    harness::run_corpus(&SPEC, &new, &explain, 500);
}
