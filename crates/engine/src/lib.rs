// SPDX-License-Identifier: Apache-2.0
//! The PlantGuard engine: captures in, one merged [`Assessment`] out.
//!
//! [`run`] streams every input in order. Each frame belongs to the worker
//! picked by the symmetric [`plantguard_wire::frame_shard_hash`] of its VLANs
//! and address pair. With several threads and plain capture files, every
//! worker reads every input itself and keeps the frames of its own shard
//! (no copy, no hand-over); for gzip inputs and pipes one thread reads and
//! hands the other workers their frames in batches. Each worker owns its
//! flows outright: it decodes, reassembles TCP
//! ([`plantguard_wire::reassembly`]) and feeds the protocol parsers of
//! [`plantguard_protocols::registry`], which report through an
//! [`plantguard_protocols::ObservationSink`]. Frames the fast path cannot
//! place (non-IP, odd encapsulations) go to worker 0. No lock is taken and
//! nothing is allocated per packet. At the end the per-worker results are
//! merged with sums and sorts, so the output does not depend on the number
//! of threads.
//!
//! Flows idle past a timeout in *capture* time are closed and folded into
//! per-host and per-protocol aggregates, which keeps memory bounded on long
//! captures.
#![deny(missing_docs)]

mod fact_table;
mod flow;
mod merge;
mod reader;
pub mod result;
mod sink;
mod spill;
mod worker;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use result::Assessment;
pub use sink::zeek_uid;
pub use spill::SpilledLogs;

use plantguard_wire::reassembly::ReassemblyLimits;

/// Engine settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// Worker threads (at least 1).
    pub threads: usize,
    /// Idle timeout of a TCP flow, in capture-time nanoseconds.
    pub tcp_timeout_ns: i64,
    /// Idle timeout of a UDP flow.
    pub udp_timeout_ns: i64,
    /// Idle timeout of other IP flows (ICMP, ...).
    pub other_timeout_ns: i64,
    /// How long a closed TCP connection (FIN both ways, or RST) lingers.
    pub closed_timeout_ns: i64,
    /// Most flows one worker tracks at once; more are counted and skipped.
    pub max_flows_per_worker: usize,
    /// TCP reassembly bounds per direction.
    pub reassembly: ReassemblyLimits,
    /// Run application-protocol parsers.
    pub parse: bool,
    /// Build Zeek-style log records.
    pub logs: bool,
    /// Keep every flow in the result.
    pub keep_flows: bool,
    /// Where workers may write log lines as sorted runs once they hold more
    /// than `spill_bytes` of them, so that memory stays bounded on long
    /// captures (`None`: every line stays in memory).
    pub spill_dir: Option<PathBuf>,
    /// Bytes of log text a worker holds before writing a run.
    pub spill_bytes: usize,
    /// Only these parsers may claim flows (`None`: every registered one).
    /// For measuring the cost of a family of parsers.
    pub protocols: Option<Vec<&'static str>>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            threads: std::thread::available_parallelism().map_or(1, usize::from),
            tcp_timeout_ns: 3_600 * 1_000_000_000,
            udp_timeout_ns: 120 * 1_000_000_000,
            other_timeout_ns: 60 * 1_000_000_000,
            closed_timeout_ns: 5 * 1_000_000_000,
            max_flows_per_worker: 4_000_000,
            reassembly: ReassemblyLimits::default(),
            parse: true,
            logs: false,
            keep_flows: false,
            spill_dir: None,
            spill_bytes: 64 << 20,
            protocols: None,
        }
    }
}

/// The result of a run.
#[derive(Debug)]
pub struct Output {
    /// The merged facts.
    pub assessment: Assessment,
    /// Zeek-style log lines per log name (`modbus` → lines of `modbus.log`),
    /// in capture order. Empty when lines were spilled to disk.
    pub logs: BTreeMap<String, Vec<String>>,
    /// The log lines, when some were spilled to disk (see
    /// [`Config::spill_dir`]): write them with [`SpilledLogs::write_to`].
    pub spilled: Option<SpilledLogs>,
}

/// Runs the engine over `inputs` (capture files, in order). `display_names`
/// are the names used in evidence (usually the paths as given).
/// `progress` receives the number of input bytes consumed so far.
pub fn run(
    inputs: &[PathBuf],
    display_names: &[String],
    config: &Config,
    progress: &(dyn Fn(u64) + Sync),
) -> Output {
    let outs = reader::run(inputs, display_names, config, progress);
    merge::merge(outs, display_names, config)
}
