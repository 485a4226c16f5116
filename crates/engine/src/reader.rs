// SPDX-License-Identifier: Apache-2.0
//! Reading the inputs and giving each worker its frames.
//!
//! Each frame belongs to the worker that owns its shard slot. With plain
//! capture files every worker reads every input itself and keeps its own
//! frames ([`run_each_reads`]). Gzip inputs and pipes are read once, by the
//! thread that is also worker 0: it keeps the frames of its slots and hands
//! the others over, packed in reusable byte buffers (a small header and the
//! captured bytes per frame), so the per-frame cost is a header walk, a
//! hash and a copy of a few dozen bytes, with no allocation: buffers go back
//! to the reader once a worker has used them.

use std::path::PathBuf;
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};

use plantguard_capture::{CaptureReader, RawPacket};

use crate::worker::{format_label, FileFacts, Worker, WorkerOut};
use crate::Config;

/// Bytes of frames collected for one worker before the batch is sent.
const BATCH_BYTES: usize = 256 * 1024;
/// Batches in flight per worker (bounds memory when a worker falls behind).
const BATCHES_IN_FLIGHT: usize = 8;
/// Frame header in a batch: file, link type, orig_len, len (u32 each), frame, ts (u64/i64).
const RECORD_HEADER: usize = 32;

/// Totals only the reader sees (every frame passes through it once).
struct Counters {
    out: WorkerOut,
}

impl Counters {
    fn new() -> Self {
        Counters {
            out: WorkerOut::default(),
        }
    }

    /// Adds the totals of a read loop.
    fn add(&mut self, t: FrameTotals) {
        let o = &mut self.out;
        o.packets += t.packets;
        o.bytes += t.bytes;
        o.first_ts = o.first_ts.into_iter().chain(t.first_ts).min();
        o.last_ts = o.last_ts.max(t.last_ts);
    }
}

/// Frames, bytes and capture span counted by a read loop in a local value
/// (so the counts stay in registers whatever the loop inlines), added to
/// [`Counters`] when the loop ends.
#[derive(Clone, Copy, Default)]
struct FrameTotals {
    packets: u64,
    bytes: u64,
    first_ts: Option<i64>,
    last_ts: Option<i64>,
}

impl FrameTotals {
    #[inline]
    fn frame(&mut self, pkt: &RawPacket<'_>) {
        self.packets += 1;
        self.bytes += u64::from(
            pkt.orig_len
                .max(u32::try_from(pkt.data.len()).unwrap_or(u32::MAX)),
        );
        let ts = pkt.ts_nanos;
        self.first_ts = Some(self.first_ts.map_or(ts, |f| f.min(ts)));
        self.last_ts = Some(self.last_ts.map_or(ts, |l| l.max(ts)));
    }
}

/// How each input is read: its length when the run starts (a regular
/// file, read no further, so that a capture still being written is seen
/// alike by every thread that reads it), and whether it is compressed.
#[derive(Clone, Copy, Debug)]
struct InputShape {
    /// Length of a regular file; `None` for pipes and other streams.
    len: Option<u64>,
    gzip: bool,
}

impl InputShape {
    fn of(path: &std::path::Path) -> Self {
        let len = std::fs::metadata(path)
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map(|m| m.len());
        let mut magic = [0u8; 2];
        let gzip = len.is_some()
            && std::fs::File::open(path)
                .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
                .is_ok()
            && magic == [0x1f, 0x8b];
        InputShape { len, gzip }
    }
}

/// Opens an input, reading a regular file only up to its length at the
/// start of the run.
fn open(
    path: &std::path::Path,
    shape: InputShape,
) -> Result<CaptureReader, plantguard_capture::CaptureError> {
    match shape.len {
        Some(len) => {
            let file = std::fs::File::open(path)
                .map_err(|source| plantguard_capture::CaptureError::Io { offset: 0, source })?;
            CaptureReader::from_reader(
                Box::new(std::io::Read::take(file, len)),
                &path.to_string_lossy(),
            )
        }
        None => CaptureReader::open(path),
    }
}

/// Reads every input in order, calling `each` for every frame `want`s
/// (see [`CaptureReader::next_packet_where`]; every frame when `want` is
/// `None`, the one-thread case, which needs no test); counts those frames, keeps
/// the file facts (format, frames, warnings) and reports progress.
fn read_all(
    inputs: &[PathBuf],
    shapes: &[InputShape],
    counters: &mut Counters,
    progress: &(dyn Fn(u64) + Sync),
    mut want: Option<impl FnMut(u32, &[u8]) -> bool>,
    mut each: impl FnMut(u32, &RawPacket<'_>),
) {
    let mut done_bytes = 0u64;
    for (fi, (path, &shape)) in inputs.iter().zip(shapes).enumerate() {
        let file = u32::try_from(fi).unwrap_or(u32::MAX);
        let mut facts = FileFacts::default();
        match open(path, shape) {
            Ok(mut reader) => {
                facts.format = format_label(reader.format());
                let mut reported = 0u64;
                let mut totals = FrameTotals::default();
                loop {
                    let next = match want.as_mut() {
                        Some(want) => reader.next_packet_where(want),
                        None => reader.next_packet(),
                    };
                    match next {
                        Ok(Some(pkt)) => {
                            let frame = pkt.frame;
                            totals.frame(&pkt);
                            each(file, &pkt);
                            if frame - reported >= 65_536 {
                                reported = frame;
                                progress(done_bytes + reader.source_bytes_read());
                            }
                        }
                        Ok(None) => break,
                        Err(e) => {
                            facts.warning = Some((e.to_string(), e.offset()));
                            break;
                        }
                    }
                }
                counters.add(totals);
                facts.packets = reader.frames();
                done_bytes += reader.source_bytes_read();
            }
            Err(e) => facts.warning = Some((e.to_string(), e.offset())),
        }
        progress(done_bytes);
        counters.out.files.push(facts);
    }
}

/// Runs the reader and the workers; returns the reader's totals followed by
/// each worker's facts.
pub(crate) fn run(
    inputs: &[PathBuf],
    names: &[String],
    config: &Config,
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<WorkerOut> {
    let threads = config.threads.max(1);
    let shapes: Vec<InputShape> = inputs.iter().map(|p| InputShape::of(p)).collect();
    let mut counters = Counters::new();
    if threads == 1 {
        let mut worker = Worker::new(config, names);
        read_all(
            inputs,
            &shapes,
            &mut counters,
            progress,
            None::<fn(u32, &[u8]) -> bool>,
            |file, pkt| worker.packet(file, pkt),
        );
        return vec![counters.out, worker.finish_all()];
    }
    if shapes.iter().all(|s| s.len.is_some() && !s.gzip) {
        return run_each_reads(inputs, &shapes, names, config, progress);
    }
    let owners = slot_owners(threads, READER_DISCOUNT_SLOTS);
    std::thread::scope(|s| {
        let spawned = threads - 1;
        let (pool_tx, pool_rx): (Sender<Vec<u8>>, Receiver<Vec<u8>>) = channel();
        let mut senders: Vec<SyncSender<Vec<u8>>> = Vec::with_capacity(spawned);
        let mut handles = Vec::with_capacity(spawned);
        for _ in 0..spawned {
            let (tx, rx) = sync_channel::<Vec<u8>>(BATCHES_IN_FLIGHT);
            senders.push(tx);
            let pool_tx = pool_tx.clone();
            handles.push(s.spawn(move || {
                let mut worker = Worker::new(config, names);
                for mut batch in rx {
                    for_each_record(&batch, |file, pkt| worker.packet(file, pkt));
                    batch.clear();
                    // The reader may have finished already: a closed pool is fine.
                    let _ = pool_tx.send(batch);
                }
                vec![worker.finish_all()]
            }));
        }
        drop(pool_tx);
        // The reader thread is worker 0 itself: it keeps the flows of its
        // slots (and every frame the fast path cannot place: non-IP, odd
        // encapsulations, damaged headers) and hands the rest over, so
        // `threads` threads do all the work with no copy for its share.
        let mut own = Worker::new(config, names);
        let mut batches: Vec<Vec<u8>> = (0..spawned)
            .map(|_| Vec::with_capacity(BATCH_BYTES))
            .collect();
        read_all(
            inputs,
            &shapes,
            &mut counters,
            progress,
            None::<fn(u32, &[u8]) -> bool>,
            |file, pkt| {
                let Some(i) = owner_of(&owners, pkt).checked_sub(1) else {
                    own.packet(file, pkt);
                    return;
                };
                let batch = &mut batches[i];
                push_record(batch, file, pkt);
                if batch.len() >= BATCH_BYTES {
                    let fresh = pool_rx
                        .try_recv()
                        .unwrap_or_else(|_| Vec::with_capacity(BATCH_BYTES));
                    let full = std::mem::replace(batch, fresh);
                    // A worker only stops early by panicking; its join reports it.
                    let _ = senders[i].send(full);
                }
            },
        );
        for (i, batch) in batches.into_iter().enumerate() {
            if !batch.is_empty() {
                let _ = senders[i].send(batch);
            }
        }
        drop(senders);
        collect(counters, own, handles)
    })
}

/// The reader's totals, worker 0's facts, then every spawned worker's (a
/// worker that panicked is reported as `engine.worker_failed`).
fn collect(
    counters: Counters,
    own: Worker<'_>,
    handles: Vec<std::thread::ScopedJoinHandle<'_, Vec<WorkerOut>>>,
) -> Vec<WorkerOut> {
    let mut outs = vec![counters.out, own.finish_all()];
    outs.extend(handles.into_iter().flat_map(join_worker));
    outs
}

/// A spawned worker's facts, or `engine.worker_failed` when it panicked.
fn join_worker(h: std::thread::ScopedJoinHandle<'_, Vec<WorkerOut>>) -> Vec<WorkerOut> {
    h.join().unwrap_or_else(|_| {
        let mut o = WorkerOut::default();
        o.engine_anomalies.insert("engine.worker_failed", 1);
        vec![o]
    })
}

/// The worker owning a frame's shard slot (worker 0 for frames the fast
/// path cannot place).
#[inline]
fn owner_of(owners: &[usize], pkt: &RawPacket<'_>) -> usize {
    owner_of_frame(owners, pkt.link_type, pkt.data)
}

#[inline]
fn owner_of_frame(owners: &[usize], link_type: u32, frame: &[u8]) -> usize {
    plantguard_wire::frame_shard_hash(link_type, frame)
        .and_then(|h| owners.get((h % SLOTS as u64) as usize).copied())
        .unwrap_or(0)
}

/// The frame filter of worker `me`: its slots as one bit mask, so the test
/// is a shift (every worker asks it for every frame).
fn frame_filter(owners: &[usize], me: usize) -> impl Fn(u32, &[u8]) -> bool {
    let mask = owners
        .iter()
        .enumerate()
        .filter(|&(_, &o)| o == me)
        .fold(0u64, |m, (slot, _)| m | (1 << slot));
    // Asked for every frame by every worker: always inlined into the read loop.
    #[inline(always)]
    move |link_type, frame| match plantguard_wire::frame_shard_hash(link_type, frame) {
        Some(h) => (mask >> (h % SLOTS as u64)) & 1 == 1,
        None => me == 0,
    }
}

/// Runs `threads` workers that each read every input themselves (from the
/// page cache: plain files only) and keep the frames of their own shard
/// slots: no frame is copied or handed over, and no thread waits for
/// another until the end. The cost is that every thread walks every record
/// header and hashes every frame, which is less than a copy and a
/// hand-over, and it is spread evenly: a frame of another worker's costs a
/// record-header read and the shard hash
/// ([`CaptureReader::next_packet_where`]), nothing more.
/// Each worker counts its own frames (the totals add up); worker 0 also
/// reports progress and keeps the file facts (format, frames, warnings).
fn run_each_reads(
    inputs: &[PathBuf],
    shapes: &[InputShape],
    names: &[String],
    config: &Config,
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<WorkerOut> {
    let threads = config.threads.max(1);
    let owners = slot_owners(threads, 0);
    let owners = owners.as_slice();
    std::thread::scope(|s| {
        // Every worker runs on a thread of its own, worker 0 included, and
        // all run the same code: measured, worker 0 on the calling thread
        // (its own copy of the read loop) finished its frames 15-40 ms
        // before the others with the same number of frames.
        let handles: Vec<_> = (0..threads)
            .map(|me| {
                s.spawn(move || {
                    let mut counters = Counters::new();
                    let mut worker = Worker::new(config, names);
                    let quiet = |_| {};
                    let progress: &(dyn Fn(u64) + Sync) = if me == 0 { progress } else { &quiet };
                    read_all(
                        inputs,
                        shapes,
                        &mut counters,
                        progress,
                        Some(frame_filter(owners, me)),
                        |file, pkt| worker.packet(file, pkt),
                    );
                    // Worker 0 keeps the file facts (format, frames,
                    // warnings); the merge adds the counts up.
                    if me != 0 {
                        counters.out.files.clear();
                    }
                    vec![counters.out, worker.finish_all()]
                })
            })
            .collect();
        handles.into_iter().flat_map(join_worker).collect()
    })
}

/// Shard slots: a frame's shard hash picks one, and each slot belongs to one
/// worker.
const SLOTS: usize = 64;

/// Slots the reader thread gives up to the others, below an even split: it
/// also reads, hashes and hands over every frame. Measured with
/// `bench/scaling.sh` on two cores: keeping 22 of 64 slots (instead of 32)
/// balances the two threads with parsers on and off alike.
const READER_DISCOUNT_SLOTS: usize = 10;

/// The worker owning each slot, for `threads` workers where worker 0 keeps
/// `discount` slots fewer than an even share (when it also reads and hands
/// over every frame).
fn slot_owners(threads: usize, discount: usize) -> Vec<usize> {
    let threads = threads.clamp(1, SLOTS);
    let even = SLOTS / threads;
    let own = even.saturating_sub(discount).max(1);
    let mut owners = vec![0usize; SLOTS];
    let others = threads - 1;
    for (slot, o) in owners.iter_mut().enumerate().skip(own) {
        if others > 0 {
            *o = 1 + (slot - own) % others;
        }
    }
    owners
}

#[inline]
fn push_record(batch: &mut Vec<u8>, file: u32, pkt: &RawPacket<'_>) {
    let len = u32::try_from(pkt.data.len()).unwrap_or(u32::MAX);
    batch.extend_from_slice(&file.to_le_bytes());
    batch.extend_from_slice(&pkt.link_type.to_le_bytes());
    batch.extend_from_slice(&pkt.orig_len.to_le_bytes());
    batch.extend_from_slice(&len.to_le_bytes());
    batch.extend_from_slice(&pkt.frame.to_le_bytes());
    batch.extend_from_slice(&pkt.ts_nanos.to_le_bytes());
    batch.extend_from_slice(&pkt.data[..len as usize]);
}

fn for_each_record(batch: &[u8], mut f: impl FnMut(u32, &RawPacket<'_>)) {
    let mut at = 0usize;
    while let Some(h) = batch.get(at..at + RECORD_HEADER) {
        let u32_at = |o: usize| u32::from_le_bytes([h[o], h[o + 1], h[o + 2], h[o + 3]]);
        let u64_at = |o: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&h[o..o + 8]);
            u64::from_le_bytes(b)
        };
        let file = u32_at(0);
        let link_type = u32_at(4);
        let orig_len = u32_at(8);
        let len = u32_at(12) as usize;
        let frame = u64_at(16);
        let ts_nanos = u64_at(24) as i64;
        let start = at + RECORD_HEADER;
        let Some(data) = batch.get(start..start + len) else {
            return;
        };
        f(
            file,
            &RawPacket {
                ts_nanos,
                link_type,
                interface: 0,
                data,
                orig_len,
                frame,
                offset: 0,
            },
        );
        at = start + len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_filters_agree_with_the_slot_owners() {
        // Ethernet + IPv4 frames between many address pairs, and one ARP frame.
        let frame = |a: u8, b: u8| {
            let mut f = vec![0u8; 12];
            f.extend_from_slice(&[0x08, 0x00, 0x45]);
            f.extend_from_slice(&[0; 11]);
            f.extend_from_slice(&[10, 0, 0, a, 10, 0, 1, b]);
            f
        };
        let mut arp = vec![0u8; 12];
        arp.extend_from_slice(&[0x08, 0x06]);
        arp.extend_from_slice(&[0; 28]);
        for threads in 1..=4 {
            let owners = slot_owners(threads, 0);
            let filters: Vec<_> = (0..threads).map(|me| frame_filter(&owners, me)).collect();
            for a in 0..40u8 {
                for b in 0..10u8 {
                    let f = frame(a, b);
                    let owner = owner_of_frame(&owners, 1, &f);
                    for (me, want) in filters.iter().enumerate() {
                        assert_eq!(want(1, &f), me == owner, "{threads} threads, frame {a}/{b}");
                    }
                }
            }
            for (me, want) in filters.iter().enumerate() {
                assert_eq!(want(1, &arp), me == 0, "unplaceable frames go to worker 0");
            }
        }
    }

    #[test]
    fn every_worker_owns_slots_and_the_reader_fewer() {
        for threads in 1..=8 {
            let owners = slot_owners(threads, READER_DISCOUNT_SLOTS);
            assert_eq!(owners.len(), SLOTS);
            let count = |w: usize| owners.iter().filter(|&&o| o == w).count();
            for w in 0..threads {
                assert!(count(w) > 0, "worker {w} of {threads} owns no slot");
            }
            assert!(owners.iter().all(|&o| o < threads));
            if threads > 1 {
                assert!(count(0) < count(1), "{threads} threads: {owners:?}");
            }
        }
        assert_eq!(
            slot_owners(2, READER_DISCOUNT_SLOTS)
                .iter()
                .filter(|&&o| o == 0)
                .count(),
            22
        );
        // Threads that each read everything share the slots evenly.
        for threads in 1..=8 {
            let owners = slot_owners(threads, 0);
            let counts: Vec<usize> = (0..threads)
                .map(|w| owners.iter().filter(|&&o| o == w).count())
                .collect();
            let (min, max) = (counts.iter().min(), counts.iter().max());
            assert!(max.zip(min).is_some_and(|(a, b)| a - b <= 1), "{counts:?}");
        }
    }
}
