//! Every limit on what the tool reads or makes, in one table, and a reader that refuses (never cuts) input past its limit.
//!
//! An input over its limit is an error that names the limit: nothing is
//! silently cut, since a cut list of codes would print as if it were whole.

use std::io::{self, Read};

/// The most codes one set may hold (five pages of a sheet).
pub const MAX_COUNT: u32 = 100;
/// The most copies one run prints.
pub const MAX_COPIES: u32 = 10;
/// The longest account label, location, custodian, organisation or name, in characters.
pub const MAX_LABEL_CHARS: usize = 200;
/// Pasted codes (`import`): a service's page is a few hundred bytes.
pub const MAX_IMPORT_BYTES: u64 = 1 << 20;
/// A typed code (`verify`): at most 40 symbols plus separators and spaces.
pub const MAX_TYPED_CODE_BYTES: u64 = 256;
/// A template file (the shipped ones are about 4 KB).
pub const MAX_TEMPLATE_BYTES: u64 = 256 * 1024;
/// One text of a template, in characters; what fits the page is checked when it is drawn.
pub const MAX_TEMPLATE_TEXT_CHARS: usize = 2000;
/// The config file (a dozen short lines).
pub const MAX_CONFIG_BYTES: u64 = 64 * 1024;
/// One record of a batch file (a row of eight short cells is about 200 bytes).
pub const MAX_CSV_RECORD_BYTES: usize = 64 * 1024;
/// A verifier file (1,000 codes of about 120 bytes each, and room to spare).
pub const MAX_VERIFIER_BYTES: u64 = 4 * 1024 * 1024;
/// An image or PDF given to `check --scan`.
pub const MAX_SCAN_BYTES: u64 = 64 * 1024 * 1024;
/// Pixels of one decoded image (a 600 dpi A4 scan is 35 million; a phone photo 12 to 48).
pub const MAX_SCAN_PIXELS: u64 = 64_000_000;
/// A form of the web page (`serve`); pasted codes are a few hundred bytes.
pub const MAX_FORM_BYTES: usize = 64 * 1024;
/// How long the web page waits without a request before it stops, by default.
pub const DEFAULT_IDLE_MINUTES: u32 = 30;
/// The longest idle time `serve --idle-minutes` takes (a working day).
pub const MAX_IDLE_MINUTES: u32 = 24 * 60;
/// Worker threads of a batch.
pub const MAX_JOBS: usize = 256;

/// An input was longer than its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLarge {
    pub limit: u64,
}

/// Reads all of `input` if it holds at most `limit` bytes. One byte more is
/// read to tell a file of exactly `limit` bytes from a longer one.
pub fn read_at_most(input: impl Read, limit: u64) -> io::Result<Result<Vec<u8>, TooLarge>> {
    let mut bytes = Vec::new();
    input
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Ok(Err(TooLarge { limit }));
    }
    Ok(Ok(bytes))
}

/// A size in bytes as people read it: `1 MiB`, `64 KiB`, `256 bytes`.
pub fn bytes_for_people(n: u64) -> String {
    match n {
        n if n >= 1 << 20 && n.is_multiple_of(1 << 20) => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n.is_multiple_of(1 << 10) => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_up_to_the_limit_and_refuses_one_byte_more() {
        assert_eq!(read_at_most(&b"abcd"[..], 4).unwrap(), Ok(b"abcd".to_vec()));
        assert_eq!(
            read_at_most(&b"abcde"[..], 4).unwrap(),
            Err(TooLarge { limit: 4 })
        );
        // An endless input costs at most the limit plus one byte.
        assert_eq!(
            read_at_most(io::repeat(0), 1000).unwrap(),
            Err(TooLarge { limit: 1000 })
        );
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(bytes_for_people(MAX_IMPORT_BYTES), "1 MiB");
        assert_eq!(bytes_for_people(MAX_CONFIG_BYTES), "64 KiB");
        assert_eq!(bytes_for_people(256), "256 bytes");
    }
}
