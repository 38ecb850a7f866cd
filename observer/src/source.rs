//! Fetching the log's files, from its web address or a copy on disk, reading no more of each than
//! its kind of file can hold and, over HTTP, within an overall deadline per request.

use std::io::Read;
use std::path::PathBuf;

use crate::{Failure, Limits};

/// Where the log's files come from: its web address or a copy on disk, both laid out as the
/// format's paths under the log's prefix (`checkpoint`, `tile/0/000`, `tally/3/120`, ...). On
/// disk, a petition's latest tally note (`tally/3`) is the file `tally/3/latest`, since `tally/3`
/// is the folder of its notes by size.
pub enum Source {
    Http { prefix: String },
    Dir { root: PathBuf },
}

/// Reads at most `most` bytes; `None` if there is more. One byte past the limit is enough to know,
/// so an endless or oversized response costs `most + 1` bytes of memory and no more.
pub(crate) fn read_at_most(r: impl Read, most: usize) -> std::io::Result<Option<Vec<u8>>> {
    let mut body = Vec::new();
    r.take(most as u64 + 1).read_to_end(&mut body)?;
    Ok((body.len() <= most).then_some(body))
}

/// Where a path's file is in a copy on disk (see [`Source`]).
pub fn on_disk(path: &str) -> String {
    match path.strip_prefix("tally/") {
        Some(id) if !id.contains('/') => format!("{path}/latest"),
        _ => path.to_string(),
    }
}

impl Source {
    /// `http(s)://host[/log]` (the `/log` is added when missing) or a directory.
    pub fn parse(s: &str) -> Source {
        if s.starts_with("http://") || s.starts_with("https://") {
            let base = s.trim_end_matches('/');
            let prefix = if base.ends_with("/log") { base.to_string() } else { format!("{base}/log") };
            Source::Http { prefix }
        } else {
            Source::Dir { root: PathBuf::from(s) }
        }
    }

    /// The file at `path`, or `None` if the log does not have it. A file longer than `most` bytes
    /// fails with [`Failure::TooLarge`] as soon as that is known; an HTTP request fails once
    /// `limits.request_timeout` has passed since it started, even while bytes are still arriving.
    pub fn get(&self, path: &str, most: usize, limits: &Limits) -> Result<Option<Vec<u8>>, Failure> {
        let (read, name) = match self {
            Source::Dir { root } => match std::fs::File::open(root.join(on_disk(path))) {
                Ok(f) => (read_at_most(f, most), path.to_string()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(Failure::Unreachable(format!("cannot read {path}: {e}"))),
            },
            Source::Http { prefix } => {
                let url = format!("{prefix}/{path}");
                // ureq 2 applies this timeout to the whole request, body included (its reader
                // checks the deadline on every read), not only to each read; only the DNS lookup
                // is outside it.
                match ureq::get(&url).timeout(limits.request_timeout).call() {
                    Ok(r) => (read_at_most(r.into_reader(), most), url),
                    Err(ureq::Error::Status(404, _)) => return Ok(None),
                    Err(e) => return Err(Failure::Unreachable(format!("{url}: {e}"))),
                }
            }
        };
        match read {
            Ok(Some(body)) => Ok(Some(body)),
            Ok(None) => Err(Failure::TooLarge(format!(
                "response too large: {name} is over {most} bytes, the most that file can be; reading stopped there"
            ))),
            Err(e) => Err(Failure::Unreachable(format!("{name}: {e}"))),
        }
    }

    /// The file at `path`, which the log must have: a missing one is [`Failure::Unreachable`].
    pub(crate) fn need(&self, path: &str, most: usize, limits: &Limits) -> Result<Vec<u8>, Failure> {
        self.get(path, most, limits)?.ok_or_else(|| Failure::Unreachable(format!("the log does not serve {path}")))
    }
}
