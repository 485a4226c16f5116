// SPDX-License-Identifier: Apache-2.0
//! Log lines spilled to disk, so that memory stays bounded however many
//! lines a capture produces.
//!
//! Each worker keeps its log lines in memory; once they pass
//! [`crate::Config::spill_bytes`] (and a spill directory is set), it sorts
//! them by their place in the capture (file, frame, flow, sequence) and
//! writes them out as one *run*. At the end every run is merged (a k-way
//! merge of sorted files) straight into the per-log files. The order is the
//! one the in-memory path produces, since the sort key is unique per line:
//! the output is the same byte for byte whether lines were spilled or not.
//!
//! A run file is a sequence of records: file (u32), frame (u64), flow uid
//! (u64), sequence (u64), log name length (u8) and bytes, line length (u32)
//! and bytes, integers little-endian.

use std::collections::{BTreeMap, BinaryHeap};
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::sink::LogLine;

/// Names run files apart across workers and runs of one process.
static RUN_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Sort key of a log line: its place in the capture.
type Key = (u32, u64, u64, u64);

fn key(l: &LogLine) -> Key {
    (l.file, l.frame, l.uid, l.seq)
}

/// Sorts `lines` and writes them to a new run file in `dir`.
pub(crate) fn write_run(dir: &Path, lines: &mut Vec<LogLine>) -> io::Result<PathBuf> {
    lines.sort_unstable_by_key(key);
    let n = RUN_COUNTER.fetch_add(1, Ordering::Relaxed);
    let path = dir.join(format!("run-{}-{n:06}.bin", std::process::id()));
    let written = (|| {
        let mut w = BufWriter::with_capacity(1 << 20, File::create(&path)?);
        for l in lines.iter() {
            write_record(&mut w, key(l), l.log, l.line.as_bytes())?;
        }
        w.flush()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&path);
        return Err(e);
    }
    lines.clear();
    Ok(path)
}

/// Runs a worker keeps before merging them into one (a bound on the files
/// open at once when they are merged at the end).
pub(crate) const MAX_RUNS: usize = 64;

/// Merges `runs` into one new run in `dir` and deletes them.
pub(crate) fn compact(dir: &Path, runs: &mut Vec<PathBuf>) -> io::Result<()> {
    let n = RUN_COUNTER.fetch_add(1, Ordering::Relaxed);
    let path = dir.join(format!("run-{}-{n:06}.bin", std::process::id()));
    let written = (|| {
        let mut w = BufWriter::with_capacity(1 << 20, File::create(&path)?);
        merge(runs, &[], |k, log, line| write_record(&mut w, k, log, line))?;
        w.flush()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&path);
        return Err(e);
    }
    for old in runs.drain(..) {
        let _ = std::fs::remove_file(old);
    }
    runs.push(path);
    Ok(())
}

fn write_record(w: &mut impl Write, k: Key, log: &str, line: &[u8]) -> io::Result<()> {
    let name = log.as_bytes();
    let name_len = u8::try_from(name.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "log name too long"))?;
    let line_len = u32::try_from(line.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "log line too long"))?;
    w.write_all(&k.0.to_le_bytes())?;
    w.write_all(&k.1.to_le_bytes())?;
    w.write_all(&k.2.to_le_bytes())?;
    w.write_all(&k.3.to_le_bytes())?;
    w.write_all(&[name_len])?;
    w.write_all(name)?;
    w.write_all(&line_len.to_le_bytes())?;
    w.write_all(line)
}

/// K-way merge of sorted runs and sorted in-memory lines, in key order.
fn merge(
    runs: &[PathBuf],
    memory: &[LogLine],
    mut emit: impl FnMut(Key, &str, &[u8]) -> io::Result<()>,
) -> io::Result<()> {
    // Heap of (next key, source): sources 0..runs are the run files,
    // source `runs.len()` the lines in memory.
    let mut heap = BinaryHeap::new();
    let mut readers = Vec::with_capacity(runs.len());
    for (i, path) in runs.iter().enumerate() {
        let mut r = RunReader::open(path)?;
        let first = r.next()?;
        if let Some(rec) = &first {
            heap.push(std::cmp::Reverse((rec.key, i)));
        }
        readers.push((r, first));
    }
    let in_memory = runs.len();
    let mut memory = memory.iter().peekable();
    if let Some(l) = memory.peek() {
        heap.push(std::cmp::Reverse((key(l), in_memory)));
    }
    while let Some(std::cmp::Reverse((k, i))) = heap.pop() {
        if i == in_memory {
            if let Some(l) = memory.next() {
                emit(k, l.log, l.line.as_bytes())?;
            }
            if let Some(l) = memory.peek() {
                heap.push(std::cmp::Reverse((key(l), in_memory)));
            }
            continue;
        }
        let Some((reader, slot)) = readers.get_mut(i) else {
            continue;
        };
        let Some(rec) = slot.take() else { continue };
        emit(k, &rec.log, &rec.line)?;
        if let Some(next) = reader.next()? {
            heap.push(std::cmp::Reverse((next.key, i)));
            *slot = Some(next);
        }
    }
    Ok(())
}

/// One record read back from a run.
struct Record {
    key: Key,
    log: String,
    line: Vec<u8>,
}

/// A run being read back in order.
struct RunReader {
    r: BufReader<File>,
}

impl RunReader {
    fn open(path: &Path) -> io::Result<Self> {
        Ok(RunReader {
            r: BufReader::with_capacity(1 << 16, File::open(path)?),
        })
    }

    /// The next record; `None` at the end of the run.
    fn next(&mut self) -> io::Result<Option<Record>> {
        let mut head = [0u8; 28];
        match self.r.read_exact(&mut head) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
        let u32_at =
            |o: usize| u32::from_le_bytes([head[o], head[o + 1], head[o + 2], head[o + 3]]);
        let u64_at = |o: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&head[o..o + 8]);
            u64::from_le_bytes(b)
        };
        let key = (u32_at(0), u64_at(4), u64_at(12), u64_at(20));
        let mut len = [0u8; 1];
        self.r.read_exact(&mut len)?;
        let mut name = vec![0u8; usize::from(len[0])];
        self.r.read_exact(&mut name)?;
        let mut len = [0u8; 4];
        self.r.read_exact(&mut len)?;
        let mut line = vec![0u8; u32::from_le_bytes(len) as usize];
        self.r.read_exact(&mut line)?;
        let log = String::from_utf8(name)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "log name is not UTF-8"))?;
        Ok(Some(Record { key, log, line }))
    }
}

/// Log lines written to sorted runs in a directory, plus the lines still
/// in memory when the capture ended, to be merged into per-log files.
#[derive(Debug)]
pub struct SpilledLogs {
    runs: Vec<PathBuf>,
    /// Lines never spilled, sorted.
    memory: Vec<LogLine>,
}

impl SpilledLogs {
    pub(crate) fn new(runs: Vec<PathBuf>, mut memory: Vec<LogLine>) -> Self {
        memory.sort_unstable_by_key(key);
        SpilledLogs { runs, memory }
    }

    /// Number of run files.
    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    /// Merges every run into `dir/<log>.log` (one line per record, in
    /// capture order, as [`crate::Output::logs`] would hold them). The
    /// runs are kept: this may be called for several directories.
    ///
    /// # Errors
    /// Reading a run or writing a log file failed.
    pub fn write_to(&self, dir: &Path) -> io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let mut files: BTreeMap<String, BufWriter<File>> = BTreeMap::new();
        merge(&self.runs, &self.memory, |_, log, line| {
            let w = match files.get_mut(log) {
                Some(w) => w,
                None => {
                    let f = File::create(dir.join(format!("{log}.log")))?;
                    files
                        .entry(log.to_string())
                        .or_insert(BufWriter::with_capacity(1 << 16, f))
                }
            };
            w.write_all(line)?;
            w.write_all(b"\n")
        })?;
        for w in files.values_mut() {
            w.flush()?;
        }
        Ok(())
    }

    /// Deletes the run files.
    pub fn remove(self) {
        for p in &self.runs {
            let _ = std::fs::remove_file(p);
        }
    }
}
