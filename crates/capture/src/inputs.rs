// SPDX-License-Identifier: Apache-2.0
//! Turning command-line inputs (files and directories) into an ordered list
//! of captures.

use std::cmp::Ordering;
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::CaptureError;
use crate::reader::CaptureReader;

/// A small buffer: probing reads only the start of each file.
const PROBE_BUFFER_SIZE: usize = 64 * 1024;

/// Timestamp (ns since the Unix epoch) of the first packet of a capture, or
/// `None` when it holds no packet.
///
/// # Errors
/// Any error from opening the file or reading its first packet.
pub fn first_timestamp(path: &Path) -> Result<Option<i64>, CaptureError> {
    let mut reader = CaptureReader::open_with_buffer(path, PROBE_BUFFER_SIZE)?;
    Ok(reader.next_packet()?.map(|p| p.ts_nanos))
}

/// Expands inputs into the capture files to read, in order.
///
/// A file is kept as given; it must be a capture (by its magic, not its name).
/// A directory is walked recursively (symbolic links to files are followed,
/// to directories are not); files that are not captures are skipped silently,
/// and the captures found under it are ordered by the timestamp of their first
/// packet, ties by path, captures without a packet last. This puts the files
/// of a rotated ring buffer, whatever their names, in time order. Inputs keep
/// their order relative to each other.
///
/// # Errors
/// [`CaptureError::NotACapture`] for a file given explicitly that is not a
/// capture; [`CaptureError::Input`] naming the path for any other failure
/// (missing path, unreadable directory or file). A capture in a directory
/// whose first record is truncated or corrupt is kept (sorted as having no
/// packet): reading it later reports the damage.
pub fn expand_inputs(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CaptureError> {
    let mut out = Vec::new();
    for path in paths {
        let meta = fs::metadata(path).map_err(|e| io_input(path, e))?;
        if meta.is_dir() {
            let mut files = Vec::new();
            walk(path, &mut files)?;
            let mut keyed = Vec::with_capacity(files.len());
            for file in files {
                if let Some(ts) = probe(&file)? {
                    keyed.push((ts, file));
                }
            }
            keyed.sort_by(|(ta, pa), (tb, pb)| match (ta, tb) {
                (Some(a), Some(b)) => a.cmp(b).then_with(|| pa.cmp(pb)),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => pa.cmp(pb),
            });
            out.extend(keyed.into_iter().map(|(_, p)| p));
        } else {
            match CaptureReader::open_with_buffer(path, PROBE_BUFFER_SIZE) {
                Ok(_) => {}
                Err(e @ CaptureError::NotACapture { .. }) => return Err(e),
                Err(e) => return Err(input(path, e)),
            }
            out.push(path.clone());
        }
    }
    Ok(out)
}

/// `Ok(None)`: not a capture. `Ok(Some(ts))`: a capture and its first
/// timestamp if it has a readable first packet.
#[allow(clippy::option_option)]
fn probe(path: &Path) -> Result<Option<Option<i64>>, CaptureError> {
    let mut reader = match CaptureReader::open_with_buffer(path, PROBE_BUFFER_SIZE) {
        Ok(r) => r,
        Err(CaptureError::NotACapture { .. }) => return Ok(None),
        Err(CaptureError::Truncated { .. } | CaptureError::Corrupt { .. }) => {
            return Ok(Some(None))
        }
        Err(e) => return Err(input(path, e)),
    };
    match reader.next_packet() {
        Ok(p) => Ok(Some(p.map(|p| p.ts_nanos))),
        Err(CaptureError::Truncated { .. } | CaptureError::Corrupt { .. }) => Ok(Some(None)),
        Err(e) => Err(input(path, e)),
    }
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), CaptureError> {
    let entries = fs::read_dir(dir).map_err(|e| io_input(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io_input(dir, e))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| io_input(&path, e))?;
        if kind.is_dir() {
            walk(&path, files)?;
        } else if kind.is_file() {
            files.push(path);
        } else if kind.is_symlink() {
            // A dangling link is skipped like any other non-capture.
            if fs::metadata(&path).is_ok_and(|m| m.is_file()) {
                files.push(path);
            }
        }
    }
    Ok(())
}

fn input(path: &Path, source: CaptureError) -> CaptureError {
    CaptureError::Input {
        path: path.to_path_buf(),
        source: Box::new(source),
    }
}

fn io_input(path: &Path, source: std::io::Error) -> CaptureError {
    input(path, CaptureError::Io { offset: 0, source })
}
