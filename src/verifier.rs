//! Hashed export of a code set (Argon2id, no code bytes on disk) and single-use checking.
//!
//! The paper keeps the codes; the verifier file keeps one Argon2id PHC string
//! per code and when each was used. A service loads the file, checks a typed
//! code against it and records the use, atomically and safely across
//! processes ([`verify_and_burn`]).
//!
//! The file's `integrity` field is an unkeyed BLAKE2b-256 digest over the
//! rest of the content. It catches hand edits and corruption (a cleared
//! `used_at`, a truncated hash); it does not stop anyone who can write the
//! file and recompute the digest. Protect the file with its permissions.

use std::fs::File;
use std::io;
use std::num::NonZeroUsize;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use argon2::password_hash;
use argon2::{Algorithm, Argon2, PasswordHash, PasswordHasher, Version};
use blake2::{Blake2b256, Digest};
use chrono::{DateTime, FixedOffset};
use rand::CryptoRng;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::codes::{CodeSet, SetId};
use crate::files;
use crate::limits::{MAX_VERIFIER_BYTES, TooLarge, bytes_for_people, read_at_most};
use crate::messages::{Localized, Msg, english_display};
use crate::typed;

/// The `schema` value every verifier file carries.
pub const SCHEMA: &str = "recovery-sheet-verifier";
/// The file format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// How typed codes are normalised before hashing and checking
/// ([`typed::sheet_code`], whose table is the rule's definition); recorded so
/// a future change cannot go unnoticed. A change that makes any printed code
/// hash differently needs a new name here.
pub const NORMALIZATION: &str = "strip-space-hyphen,uppercase,O0-IL1";

/// Argon2 memory cost bounds in KiB: the OWASP minimum up to 1 GiB.
pub const M_KIB_RANGE: RangeInclusive<u32> = 19_456..=1_048_576;
/// Argon2 passes.
pub const T_RANGE: RangeInclusive<u32> = 2..=10;
/// Argon2 lanes.
pub const P_RANGE: RangeInclusive<u32> = 1..=16;
/// Hash output length in bytes; fixed.
pub const OUTPUT_LEN: usize = 32;
/// Salt length written by [`export`].
pub const SALT_LEN: usize = 16;
/// Salt lengths accepted when loading (the PHC format stops at 48).
const SALT_LEN_RANGE: RangeInclusive<usize> = SALT_LEN..=48;
/// Most codes a verifier file may hold: bounds the hashing one check can cost.
pub const MAX_CODES: usize = 1000;

const INTEGRITY_CONTEXT: &[u8] = b"recovery-sheet-verifier integrity v1\0";

/// Argon2id cost parameters for a new export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifierParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes over memory.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl Default for VerifierParams {
    /// The OWASP minimum for Argon2id: 19 MiB, 2 passes, 1 lane.
    fn default() -> Self {
        VerifierParams {
            m_kib: 19_456,
            t: 2,
            p: 1,
        }
    }
}

impl VerifierParams {
    /// Refuses parameters outside [`M_KIB_RANGE`], [`T_RANGE`], [`P_RANGE`].
    pub fn validate(&self) -> Result<(), VerifierError> {
        in_range("m", self.m_kib, &M_KIB_RANGE, None)?;
        in_range("t", self.t, &T_RANGE, None)?;
        in_range("p", self.p, &P_RANGE, None)?;
        Ok(())
    }
}

fn in_range<T: Copy + PartialOrd + Into<u64>>(
    param: &'static str,
    value: T,
    range: &RangeInclusive<T>,
    number: Option<u32>,
) -> Result<(), VerifierError> {
    if range.contains(&value) {
        Ok(())
    } else {
        Err(VerifierError::ParamsOutOfRange {
            number,
            param,
            value: value.into(),
            min: (*range.start()).into(),
            max: (*range.end()).into(),
        })
    }
}

/// What the verifier file says about the set besides the hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetMeta {
    pub account: String,
    pub set_id: SetId,
    pub generation: u32,
    pub issued_at: DateTime<FixedOffset>,
}

/// Whether [`VerifierFile::write_new`] may replace an existing file: `Refuse`
/// fails with [`VerifierError::Exists`], `Replace` replaces it in one step.
pub use crate::files::Overwrite;

/// Why exporting, loading, checking or recording a code failed.
#[derive(Debug)]
pub enum VerifierError {
    /// Reading or writing a file failed.
    Io { path: PathBuf, source: io::Error },
    /// The output path exists and replacing it was not asked for.
    Exists(PathBuf),
    /// The file is not JSON, not an object, or not of our schema.
    NotAVerifier { path: PathBuf, reason: Msg },
    /// The file is a verifier of a format version this build does not read.
    /// `found` is `None` when the file names no version.
    UnsupportedVersion {
        path: PathBuf,
        found: Option<String>,
    },
    /// The file is a version 1 verifier but a field or entry is unusable.
    Malformed { path: PathBuf, reason: Msg },
    /// An entry is hashed with something other than Argon2id v=19.
    UnsupportedAlgorithm {
        path: PathBuf,
        number: u32,
        found: String,
    },
    /// An Argon2 parameter (or salt/output length) is outside the accepted bounds.
    /// `number` names the entry when the value came from a file.
    ParamsOutOfRange {
        number: Option<u32>,
        param: &'static str,
        value: u64,
        min: u64,
        max: u64,
    },
    /// The integrity digest does not match the content.
    Tampered { path: PathBuf },
    /// Nothing to export.
    EmptySet,
    /// More codes than a verifier file may hold.
    TooManyCodes { count: usize, max: usize },
    /// The argon2 crate reported an error other than a mismatch.
    Hashing(password_hash::Error),
    /// serde_json could not serialise the file content (plain strings and
    /// integers: not expected to happen).
    Serialize(serde_json::Error),
    /// The typed code was empty after normalisation.
    EmptyCode,
    /// The typed code matches no code of the set (or not the numbered one).
    WrongCode,
    /// The code matches, but it was used before.
    AlreadyUsed {
        number: u32,
        used_at: DateTime<FixedOffset>,
    },
    /// There is no code with this number in the set.
    NumberOutOfRange { number: u32, len: usize },
    /// The file on disk now holds a different set than the one checked against.
    SetChanged { path: PathBuf },
    /// The file has other hard links: recording a use under one name would
    /// leave the code unused under the others.
    HardLinked { path: PathBuf, links: u64 },
}

impl Localized for VerifierError {
    fn msg(&self) -> Msg {
        let at = |key, path: &PathBuf| Msg::new(key).with("path", path.display());
        match self {
            VerifierError::Io { path, source } => at("verifier_io", path).with("source", source),
            VerifierError::Exists(path) => at("verifier_exists", path),
            VerifierError::NotAVerifier { path, reason } => {
                at("verifier_not_a_verifier", path).with_msg("reason", reason.clone())
            }
            VerifierError::UnsupportedVersion { path, found } => {
                let msg =
                    at("verifier_unsupported_version", path).with("supported", FORMAT_VERSION);
                match found {
                    Some(found) => msg.with("found", found),
                    None => msg.with_msg("found", Msg::new("verifier_no_version")),
                }
            }
            VerifierError::Malformed { path, reason } => {
                at("verifier_malformed", path).with_msg("reason", reason.clone())
            }
            VerifierError::UnsupportedAlgorithm {
                path,
                number,
                found,
            } => at("verifier_unsupported_algorithm", path)
                .with("number", number)
                .with("found", found),
            VerifierError::ParamsOutOfRange {
                number,
                param,
                value,
                min,
                max,
            } => {
                let msg = match number {
                    Some(n) => Msg::new("verifier_code_param_out_of_range").with("number", n),
                    None => Msg::new("verifier_param_out_of_range"),
                };
                msg.with("param", param)
                    .with("value", value)
                    .with("min", min)
                    .with("max", max)
            }
            VerifierError::Tampered { path } => at("verifier_tampered", path),
            VerifierError::EmptySet => Msg::new("verifier_empty_set"),
            VerifierError::TooManyCodes { count, max } => Msg::new("verifier_too_many_codes")
                .with("count", count)
                .with("max", max),
            VerifierError::Hashing(e) => Msg::new("verifier_hashing").with("detail", e),
            VerifierError::Serialize(e) => Msg::new("verifier_serialize").with("detail", e),
            VerifierError::EmptyCode => Msg::new("verifier_empty_code"),
            VerifierError::WrongCode => Msg::new("verifier_wrong_code"),
            VerifierError::AlreadyUsed { number, used_at } => Msg::new("verifier_code_used")
                .with("number", number)
                .with("date", used_at.to_rfc3339()),
            VerifierError::NumberOutOfRange { number, len } => {
                Msg::new("verifier_number_out_of_range")
                    .with("number", number)
                    .with("count", len)
            }
            VerifierError::SetChanged { path } => at("verifier_set_changed", path),
            VerifierError::HardLinked { path, links } => {
                at("verifier_hard_linked", path).with("links", links)
            }
        }
    }
}

english_display!(VerifierError);

impl std::error::Error for VerifierError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            VerifierError::Io { source, .. } => Some(source),
            VerifierError::Hashing(e) => Some(e),
            VerifierError::Serialize(e) => Some(e),
            _ => None,
        }
    }
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> VerifierError + '_ {
    move |source| VerifierError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The file content minus `integrity`, in the order it is written and digested.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    schema: String,
    version: u32,
    account: String,
    /// Printed form, `XXXX-XXXX`.
    set_id: String,
    generation: u32,
    /// RFC 3339.
    issued_at: String,
    normalization: String,
    codes: Vec<EntryRepr>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryRepr {
    number: u32,
    phc: String,
    /// RFC 3339, or null while unused.
    used_at: Option<String>,
}

#[derive(Serialize)]
struct Signed<'a> {
    #[serde(flatten)]
    body: &'a Body,
    integrity: &'a str,
}

impl Body {
    /// BLAKE2b-256 over a context string and the compact JSON of the body.
    /// serde_json writes a struct's fields in declaration order and escapes
    /// strings one way, so re-serialising a parsed body gives the same bytes.
    fn integrity(&self) -> Result<String, VerifierError> {
        let mut hasher = Blake2b256::new();
        hasher.update(INTEGRITY_CONTEXT);
        hasher.update(serde_json::to_vec(self).map_err(VerifierError::Serialize)?);
        Ok(hex(&hasher.finalize()))
    }

    fn to_json(&self) -> Result<Vec<u8>, VerifierError> {
        let integrity = self.integrity()?;
        let mut out = serde_json::to_vec_pretty(&Signed {
            body: self,
            integrity: &integrity,
        })
        .map_err(VerifierError::Serialize)?;
        out.push(b'\n');
        Ok(out)
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

/// A freshly exported verifier, ready to be written.
#[derive(Debug, Clone)]
pub struct VerifierFile {
    body: Body,
}

impl VerifierFile {
    /// The file content as written (pretty JSON with its integrity digest).
    pub fn to_json(&self) -> Result<String, VerifierError> {
        let bytes = self.body.to_json()?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Writes the file in one step with mode 0600 (see `write_atomic`).
    pub fn write_new(&self, path: &Path, overwrite: Overwrite) -> Result<(), VerifierError> {
        write_atomic(path, &self.body, overwrite)
    }
}

/// Hashes every code of `codes` with Argon2id on all available cores.
pub fn export<R: CryptoRng + ?Sized>(
    meta: &SetMeta,
    codes: &CodeSet,
    params: &VerifierParams,
    rng: &mut R,
) -> Result<VerifierFile, VerifierError> {
    let threads = std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN);
    export_with_threads(meta, codes, params, rng, threads)
}

/// [`export`] with a chosen number of hashing threads. Salts are drawn from
/// `rng` in code order before any hashing, so the result does not depend on
/// `threads`.
pub fn export_with_threads<R: CryptoRng + ?Sized>(
    meta: &SetMeta,
    codes: &CodeSet,
    params: &VerifierParams,
    rng: &mut R,
    threads: NonZeroUsize,
) -> Result<VerifierFile, VerifierError> {
    params.validate()?;
    if codes.is_empty() {
        return Err(VerifierError::EmptySet);
    }
    if codes.len() > MAX_CODES {
        return Err(VerifierError::TooManyCodes {
            count: codes.len(),
            max: MAX_CODES,
        });
    }
    let salts: Vec<[u8; SALT_LEN]> = codes
        .codes()
        .iter()
        .map(|_| {
            let mut salt = [0u8; SALT_LEN];
            rng.fill_bytes(&mut salt);
            salt
        })
        .collect();

    // Every hash costs the same, so equal contiguous chunks keep cores busy.
    let mut phcs = vec![String::new(); codes.len()];
    let chunk = codes.len().div_ceil(threads.get());
    std::thread::scope(|scope| -> Result<(), VerifierError> {
        let workers: Vec<_> = phcs
            .chunks_mut(chunk)
            .zip(codes.codes().chunks(chunk).zip(salts.chunks(chunk)))
            .map(|(out, (codes, salts))| {
                scope.spawn(move || -> Result<(), VerifierError> {
                    for ((slot, code), salt) in out.iter_mut().zip(codes).zip(salts) {
                        let canonical = typed::sheet_code(code.expose());
                        *slot = hash_code(canonical.as_bytes(), salt, params)?;
                    }
                    Ok(())
                })
            })
            .collect();
        for worker in workers {
            match worker.join() {
                Ok(result) => result?,
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        Ok(())
    })?;

    let body = Body {
        schema: SCHEMA.to_owned(),
        version: FORMAT_VERSION,
        account: meta.account.clone(),
        set_id: meta.set_id.to_string(),
        generation: meta.generation,
        issued_at: meta.issued_at.to_rfc3339(),
        normalization: NORMALIZATION.to_owned(),
        codes: phcs
            .into_iter()
            .zip(1u32..)
            .map(|(phc, number)| EntryRepr {
                number,
                phc,
                used_at: None,
            })
            .collect(),
    };
    Ok(VerifierFile { body })
}

/// One Argon2id v=19 PHC string for a canonical code.
fn hash_code(code: &[u8], salt: &[u8], params: &VerifierParams) -> Result<String, VerifierError> {
    let argon_params = argon2::Params::new(params.m_kib, params.t, params.p, Some(OUTPUT_LEN))
        .map_err(|e| VerifierError::Hashing(e.into()))?;
    let hash = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params)
        .hash_password_with_salt(code, salt)
        .map_err(VerifierError::Hashing)?;
    Ok(hash.to_string())
}

/// A loaded verifier file: checks typed codes and records their use.
#[derive(Debug)]
pub struct Verifier {
    path: PathBuf,
    body: Body,
    set_id: SetId,
    issued_at: DateTime<FixedOffset>,
    hashes: Vec<PasswordHash>,
    used: Vec<Option<DateTime<FixedOffset>>>,
    /// Numbers burned in memory and not yet persisted.
    pending: Vec<u32>,
}

impl Verifier {
    /// Reads and validates a verifier file. Everything that bounds the cost of
    /// a later check (algorithm, m, t, p, salt and output length, number of
    /// entries) is checked here, before any hashing can happen.
    pub fn load(path: &Path) -> Result<Verifier, VerifierError> {
        let not_a_verifier = |reason| VerifierError::NotAVerifier {
            path: path.to_path_buf(),
            reason: Msg::new(reason),
        };
        let malformed = |reason: Msg| VerifierError::Malformed {
            path: path.to_path_buf(),
            reason,
        };

        // Read through one handle: the path may be replaced by rename meanwhile.
        // The size first: the byte past the limit may cut a character.
        let bytes = File::open(path)
            .and_then(|f| read_at_most(f, MAX_VERIFIER_BYTES))
            .map_err(io_error(path))?
            .map_err(|TooLarge { limit }| VerifierError::NotAVerifier {
                path: path.to_path_buf(),
                reason: Msg::new("verifier_reason_too_large")
                    .with("limit", bytes_for_people(limit)),
            })?;
        let text =
            String::from_utf8(bytes).map_err(|_| not_a_verifier("verifier_reason_not_utf8"))?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|_| not_a_verifier("verifier_reason_not_json"))?;
        let serde_json::Value::Object(mut map) = value else {
            return Err(not_a_verifier("verifier_reason_not_an_object"));
        };
        if map.get("schema").and_then(|s| s.as_str()) != Some(SCHEMA) {
            return Err(not_a_verifier("verifier_reason_no_schema"));
        }
        match map.get("version") {
            Some(v) if v.as_u64() == Some(u64::from(FORMAT_VERSION)) => {}
            other => {
                return Err(VerifierError::UnsupportedVersion {
                    path: path.to_path_buf(),
                    found: other.map(|v| v.to_string()),
                });
            }
        }
        let integrity = match map.remove("integrity") {
            Some(serde_json::Value::String(s)) => s,
            _ => return Err(malformed(Msg::new("verifier_reason_no_integrity"))),
        };
        let body: Body = serde_json::from_value(serde_json::Value::Object(map))
            .map_err(|e| malformed(Msg::new("verifier_reason_fields").with("detail", e)))?;

        if body.normalization != NORMALIZATION {
            return Err(malformed(
                Msg::new("verifier_reason_normalization")
                    .with("found", &body.normalization)
                    .with("expected", NORMALIZATION),
            ));
        }
        if body.codes.is_empty() || body.codes.len() > MAX_CODES {
            return Err(malformed(
                Msg::new("verifier_reason_code_count")
                    .with("count", body.codes.len())
                    .with("max", MAX_CODES),
            ));
        }
        let mut hashes = Vec::with_capacity(body.codes.len());
        let mut used = Vec::with_capacity(body.codes.len());
        for (entry, expected) in body.codes.iter().zip(1u32..) {
            if entry.number != expected {
                return Err(malformed(
                    Msg::new("verifier_reason_numbering")
                        .with("entry", expected)
                        .with("number", entry.number),
                ));
            }
            hashes.push(parse_phc(path, entry)?);
            used.push(match &entry.used_at {
                None => None,
                Some(at) => Some(DateTime::parse_from_rfc3339(at).map_err(|_| {
                    malformed(
                        Msg::new("verifier_reason_used_at")
                            .with("number", expected)
                            .with("value", at),
                    )
                })?),
            });
        }
        let set_id = SetId::parse(&body.set_id).map_err(|_| {
            malformed(Msg::new("verifier_reason_set_id").with("value", &body.set_id))
        })?;
        let issued_at = DateTime::parse_from_rfc3339(&body.issued_at).map_err(|_| {
            malformed(Msg::new("verifier_reason_issued_at").with("value", &body.issued_at))
        })?;

        let expected = body.integrity()?;
        if expected != integrity {
            return Err(VerifierError::Tampered {
                path: path.to_path_buf(),
            });
        }

        Ok(Verifier {
            path: path.to_path_buf(),
            body,
            set_id,
            issued_at,
            hashes,
            used,
            pending: Vec::new(),
        })
    }

    pub fn account(&self) -> &str {
        &self.body.account
    }

    pub fn set_id(&self) -> &SetId {
        &self.set_id
    }

    pub fn generation(&self) -> u32 {
        self.body.generation
    }

    pub fn issued_at(&self) -> DateTime<FixedOffset> {
        self.issued_at
    }

    /// Number of codes in the set.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Always false: a loaded verifier has at least one code.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// Number of codes not used yet.
    pub fn remaining(&self) -> usize {
        self.used.iter().filter(|u| u.is_none()).count()
    }

    /// When code `number` was used, if it was.
    pub fn used_at(&self, number: u32) -> Result<Option<DateTime<FixedOffset>>, VerifierError> {
        Ok(self.used[self.index(number)?])
    }

    fn index(&self, number: u32) -> Result<usize, VerifierError> {
        usize::try_from(number)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .filter(|&i| i < self.len())
            .ok_or(VerifierError::NumberOutOfRange {
                number,
                len: self.len(),
            })
    }

    /// Checks a typed code, normalised as the sheet prints it. With `number`,
    /// only that entry is hashed; without, each unused entry is tried, then
    /// the used ones so a reused code is reported as such. Returns the number
    /// of the matching code; does not record the use (see [`Verifier::burn`]).
    ///
    /// Without `number`, the time taken shows roughly where in the list the
    /// code matched; it says nothing about the code itself.
    pub fn check(&self, typed: &str, number: Option<u32>) -> Result<u32, VerifierError> {
        let code = typed::sheet_code(typed);
        if code.is_empty() {
            return Err(VerifierError::EmptyCode);
        }
        let candidates: Vec<usize> = match number {
            Some(n) => vec![self.index(n)?],
            None => {
                let (unused, used): (Vec<usize>, Vec<usize>) =
                    (0..self.len()).partition(|&i| self.used[i].is_none());
                unused.into_iter().chain(used).collect()
            }
        };
        let threads = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        match self.find_match(&code, &candidates, threads)? {
            Some(i) => {
                let number = self.body.codes[i].number;
                match self.used[i] {
                    None => Ok(number),
                    Some(used_at) => Err(VerifierError::AlreadyUsed { number, used_at }),
                }
            }
            None => Err(VerifierError::WrongCode),
        }
    }

    /// The candidate whose hash `code` matches, hashing the candidates on
    /// `threads` cores. Each thread allocates Argon2's memory once and reuses
    /// it for every candidate it takes (a fresh 19 MiB per hash grew the heap
    /// by that much each time), and all stop as soon as one matches. The
    /// codes of a set are distinct, so at most one candidate can match.
    fn find_match(
        &self,
        code: &Zeroizing<String>,
        candidates: &[usize],
        threads: usize,
    ) -> Result<Option<usize>, VerifierError> {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        let next = AtomicUsize::new(0);
        let found = AtomicUsize::new(usize::MAX);
        let stop = AtomicBool::new(false);
        let worker = || -> Result<(), VerifierError> {
            let mut memory: Vec<argon2::Block> = Vec::new();
            let mut out = Zeroizing::new([0u8; OUTPUT_LEN]);
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if stop.load(Ordering::Relaxed) || k >= candidates.len() {
                    return Ok(());
                }
                let i = candidates[k];
                let (params, salt, expected) = self.expected(i)?;
                if memory.len() < params.block_count() {
                    memory.resize(params.block_count(), argon2::Block::default());
                }
                Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
                    .hash_password_into_with_memory(
                        code.as_bytes(),
                        salt,
                        &mut out[..expected.len()],
                        &mut memory[..params.block_count()],
                    )
                    .map_err(|e| VerifierError::Hashing(password_hash::Error::from(e)))?;
                if constant_time_eq(&out[..expected.len()], expected) {
                    found.store(i, Ordering::SeqCst);
                    stop.store(true, Ordering::SeqCst);
                    return Ok(());
                }
            }
        };
        let threads = threads.clamp(1, candidates.len().max(1));
        std::thread::scope(|scope| -> Result<(), VerifierError> {
            let handles: Vec<_> = (1..threads).map(|_| scope.spawn(worker)).collect();
            let mine = worker();
            for handle in handles {
                match handle.join() {
                    Ok(result) => result?,
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            mine
        })?;
        let i = found.load(Ordering::SeqCst);
        Ok((i != usize::MAX).then_some(i))
    }

    /// Entry `index`'s Argon2 parameters, salt and hash, as `Verifier::load`
    /// checked them.
    fn expected(&self, index: usize) -> Result<(argon2::Params, &[u8], &[u8]), VerifierError> {
        let hash = &self.hashes[index];
        let params = argon2::Params::try_from(hash).map_err(VerifierError::Hashing)?;
        match (&hash.salt, &hash.hash) {
            (Some(salt), Some(output)) => Ok((params, salt, output.as_bytes())),
            _ => Err(VerifierError::Hashing(
                password_hash::Error::PasswordInvalid,
            )),
        }
    }

    /// Marks code `number` used at `at`, in memory; [`Verifier::persist`] records it.
    pub fn burn(&mut self, number: u32, at: DateTime<FixedOffset>) -> Result<(), VerifierError> {
        let index = self.index(number)?;
        if let Some(used_at) = self.used[index] {
            return Err(VerifierError::AlreadyUsed { number, used_at });
        }
        self.used[index] = Some(at);
        self.body.codes[index].used_at = Some(at.to_rfc3339());
        self.pending.push(number);
        Ok(())
    }

    /// Records the uses burned since loading. Under the lock it re-reads the
    /// file, so uses recorded meanwhile by other processes are kept; if one of
    /// ours was recorded meanwhile it fails with [`VerifierError::AlreadyUsed`]
    /// and writes nothing. Either way `self` then reflects the file on disk.
    pub fn persist(&mut self) -> Result<(), VerifierError> {
        let locked = lock(&self.path)?;
        let mut disk = Verifier::load(&locked.path)?;
        let same_set = disk.body.set_id == self.body.set_id
            && disk.body.generation == self.body.generation
            && disk.body.account == self.body.account
            && disk.body.codes.len() == self.body.codes.len()
            && disk
                .body
                .codes
                .iter()
                .zip(&self.body.codes)
                .all(|(a, b)| a.phc == b.phc);
        if !same_set {
            return Err(VerifierError::SetChanged {
                path: self.path.clone(),
            });
        }
        let pending = std::mem::take(&mut self.pending);
        for &number in &pending {
            if let Some(used_at) = disk.used_at(number)? {
                *self = disk;
                return Err(VerifierError::AlreadyUsed { number, used_at });
            }
        }
        for &number in &pending {
            let at = self.used[self.index(number)?];
            if let Some(at) = at {
                disk.burn(number, at)?;
            }
        }
        let json = disk.body.to_json()?;
        files::replace_contents(&locked.path, &json).map_err(io_error(&locked.path))?;
        drop(locked);
        disk.pending.clear();
        *self = disk;
        Ok(())
    }
}

/// Checks `typed` against the verifier at `path` and records the use, safely
/// against other processes doing the same: the hashing runs unlocked, then
/// [`Verifier::persist`] re-reads the file under an exclusive lock and records
/// the use only if no one recorded it first. Of many processes presenting
/// the same code, exactly one gets `Ok`.
pub fn verify_and_burn(
    path: &Path,
    typed: &str,
    number: Option<u32>,
    now: DateTime<FixedOffset>,
) -> Result<u32, VerifierError> {
    let mut verifier = Verifier::load(path)?;
    let matched = verifier.check(typed, number)?;
    verifier.burn(matched, now)?;
    verifier.persist()?;
    Ok(matched)
}

fn parse_phc(path: &Path, entry: &EntryRepr) -> Result<PasswordHash, VerifierError> {
    let number = entry.number;
    let malformed = |reason: Msg| VerifierError::Malformed {
        path: path.to_path_buf(),
        reason: reason.with("number", number),
    };
    let hash = PasswordHash::new(&entry.phc)
        .map_err(|e| malformed(Msg::new("verifier_reason_not_phc").with("detail", e)))?;
    if hash.algorithm.as_str() != "argon2id" || hash.version != Some(0x13) {
        return Err(VerifierError::UnsupportedAlgorithm {
            path: path.to_path_buf(),
            number,
            found: format!(
                "{} v={}",
                hash.algorithm.as_str(),
                hash.version
                    .map_or_else(|| "?".to_owned(), |v| v.to_string())
            ),
        });
    }
    let (mut m, mut t, mut p) = (None, None, None);
    for (name, value) in hash.params.iter() {
        let slot = match name.as_str() {
            "m" => &mut m,
            "t" => &mut t,
            "p" => &mut p,
            other => {
                return Err(malformed(
                    Msg::new("verifier_reason_unknown_param").with("param", other),
                ));
            }
        };
        let decimal = value
            .decimal()
            .map_err(|_| malformed(Msg::new("verifier_reason_param_not_a_number")))?;
        if slot.replace(decimal).is_some() {
            return Err(malformed(Msg::new("verifier_reason_param_twice")));
        }
    }
    let (Some(m), Some(t), Some(p)) = (m, t, p) else {
        return Err(malformed(Msg::new("verifier_reason_missing_params")));
    };
    in_range("m", m, &M_KIB_RANGE, Some(number))?;
    in_range("t", t, &T_RANGE, Some(number))?;
    in_range("p", p, &P_RANGE, Some(number))?;
    let salt_len = hash.salt.map_or(0, |s| s.len());
    in_range_len("salt length", salt_len, &SALT_LEN_RANGE, number)?;
    let output_len = hash.hash.map_or(0, |h| h.len());
    in_range_len(
        "output length",
        output_len,
        &(OUTPUT_LEN..=OUTPUT_LEN),
        number,
    )?;
    Ok(hash)
}

fn in_range_len(
    param: &'static str,
    value: usize,
    range: &RangeInclusive<usize>,
    number: u32,
) -> Result<(), VerifierError> {
    let widen = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
    in_range(
        param,
        widen(value),
        &(widen(*range.start())..=widen(*range.end())),
        Some(number),
    )
}

/// Whether `a` and `b` are equal, in time that depends on their length only.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Writes `body` to `path`, mode 0600, in one step: never over an existing
/// file when refusing; when replacing, under the lock [`Verifier::persist`]
/// takes, so a replacement cannot interleave with a use being recorded.
fn write_atomic(path: &Path, body: &Body, overwrite: Overwrite) -> Result<(), VerifierError> {
    let json = body.to_json()?;
    let dir = files::parent_dir(path);
    if overwrite == Overwrite::Replace && path.exists() {
        let locked = lock(path)?;
        return files::replace_contents(&locked.path, &json).map_err(io_error(path));
    }
    let staged = files::stage(&dir, &json).map_err(io_error(&dir))?;
    staged.link_new(path).map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            VerifierError::Exists(path.to_path_buf())
        } else {
            VerifierError::Io {
                path: path.to_path_buf(),
                source: e,
            }
        }
    })
}

/// The verifier file at `path`, locked for recording uses (see
/// [`files::lock_replacing`]: the lock is on the file itself, so deleting or
/// replacing a lock file cannot let a code pass twice; a symlink leads to
/// the real file; a file with other hard links is refused).
fn lock(path: &Path) -> Result<files::LockedFile, VerifierError> {
    files::lock_replacing(path, &|| false).map_err(|e| match e {
        files::LockReplacingError::Io(source) => VerifierError::Io {
            path: path.to_path_buf(),
            source,
        },
        files::LockReplacingError::HardLinked { links } => VerifierError::HardLinked {
            path: path.to_path_buf(),
            links,
        },
        // Never asked to stop.
        files::LockReplacingError::Stopped => VerifierError::Io {
            path: path.to_path_buf(),
            source: io::Error::from(io::ErrorKind::Interrupted),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::{DEFAULT_PATTERN, Format, generate_set};
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use std::fs;

    /// Computed independently with argon2-cffi 25.1 (the reference C
    /// implementation): `argon2.low_level.hash_secret(b"password",
    /// b"somesaltsomesalt", time_cost=2, memory_cost=19456, parallelism=1,
    /// hash_len=32, type=Type.ID)`, and the same with parallelism=2. The
    /// reference implementation's own CLI gives the same strings:
    /// `printf %s password | argon2 somesaltsomesalt -id -t 2 -k 19456 -p 1 -l 32 -e`.
    const KAT_P1: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$K13EBUiG7JV+9ZxztmHFTdb7J0WQsnj2V8bZaqyPptE";
    const KAT_P2: &str = "$argon2id$v=19$m=19456,t=2,p=2$c29tZXNhbHRzb21lc2FsdA$95cJ3H9tHPc45d9jXMA8pp1Vnhm/cIGM6WbjArv6ua8";
    const USED_AT: &str = "2025-01-02T03:04:05+00:00";

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn meta(rng: &mut StdRng) -> SetMeta {
        SetMeta {
            account: "alice@example.org".to_owned(),
            set_id: SetId::generate(rng),
            generation: 3,
            issued_at: at("2025-06-01T12:00:00+02:00"),
        }
    }

    /// A seeded set of `n` default-format codes and its verifier written to a temp dir.
    fn exported(n: usize) -> (tempfile::TempDir, PathBuf, CodeSet, VerifierFile) {
        let mut rng = StdRng::seed_from_u64(11);
        let format = Format::parse_for_generation(DEFAULT_PATTERN).unwrap();
        let set = generate_set(&mut rng, &format, n).unwrap();
        let meta = meta(&mut rng);
        let file = export(&meta, &set, &VerifierParams::default(), &mut rng).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("verifier.json");
        file.write_new(&path, Overwrite::Refuse).unwrap();
        (dir, path, set, file)
    }

    fn printed(set: &CodeSet, number: u32) -> Zeroizing<String> {
        set.format().display(&set.codes()[number as usize - 1])
    }

    /// A verifier written by hand from the known-answer hashes: no hashing
    /// needed to build it. Code 2 is used.
    fn hand_written() -> (tempfile::TempDir, PathBuf) {
        let body = Body {
            schema: SCHEMA.to_owned(),
            version: FORMAT_VERSION,
            account: "bob".to_owned(),
            set_id: "7K2Q-M9XA".to_owned(),
            generation: 1,
            issued_at: "2025-01-01T00:00:00+00:00".to_owned(),
            normalization: NORMALIZATION.to_owned(),
            codes: vec![
                EntryRepr {
                    number: 1,
                    phc: KAT_P1.to_owned(),
                    used_at: None,
                },
                EntryRepr {
                    number: 2,
                    phc: KAT_P2.to_owned(),
                    used_at: Some(USED_AT.to_owned()),
                },
            ],
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hand.json");
        write_atomic(&path, &body, Overwrite::Refuse).unwrap();
        (dir, path)
    }

    fn edit(path: &Path, from: &str, to: &str) {
        let text = fs::read_to_string(path).unwrap();
        assert!(text.contains(from), "{from} not in {text}");
        fs::write(path, text.replacen(from, to, 1)).unwrap();
    }

    #[test]
    fn round_trip_accepts_printed_bare_and_lower_case_forms() {
        let (_dir, path, set, file) = exported(3);
        let v = Verifier::load(&path).unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(v.remaining(), 3);
        assert_eq!(v.account(), "alice@example.org");
        assert_eq!(v.generation(), 3);
        assert_eq!(v.issued_at(), at("2025-06-01T12:00:00+02:00"));
        let text = file.to_json().unwrap();
        assert!(text.contains(&format!("\"set_id\": \"{}\"", v.set_id())));
        assert!(text.contains("$argon2id$v=19$m=19456,t=2,p=1$"));
        for n in 1..=3 {
            assert_eq!(v.check(&printed(&set, n), None).unwrap(), n);
            let bare = printed(&set, n).replace('-', "").to_lowercase();
            assert_eq!(v.check(&bare, Some(n)).unwrap(), n);
        }
    }

    #[test]
    fn salts_come_from_the_rng_in_order_whatever_the_thread_count() {
        let format = Format::parse_for_generation(DEFAULT_PATTERN).unwrap();
        let one_thread = {
            let mut rng = StdRng::seed_from_u64(5);
            let set = generate_set(&mut rng, &format, 2).unwrap();
            let meta = meta(&mut rng);
            let params = VerifierParams::default();
            export_with_threads(&meta, &set, &params, &mut rng, NonZeroUsize::MIN).unwrap()
        };
        let two_threads = {
            let mut rng = StdRng::seed_from_u64(5);
            let set = generate_set(&mut rng, &format, 2).unwrap();
            let meta = meta(&mut rng);
            let threads = NonZeroUsize::new(2).unwrap();
            export_with_threads(&meta, &set, &VerifierParams::default(), &mut rng, threads).unwrap()
        };
        assert_eq!(
            one_thread.to_json().unwrap(),
            two_threads.to_json().unwrap()
        );
        assert_ne!(one_thread.body.codes[0].phc, one_thread.body.codes[1].phc);
    }

    #[test]
    fn a_code_is_accepted_once() {
        let (_dir, path, set, _) = exported(2);
        let now = at("2025-07-01T09:30:00+02:00");
        assert_eq!(
            verify_and_burn(&path, &printed(&set, 1), None, now).unwrap(),
            1
        );
        match verify_and_burn(&path, &printed(&set, 1), None, now) {
            Err(VerifierError::AlreadyUsed { number, used_at }) => {
                assert_eq!(number, 1);
                assert_eq!(used_at, now);
            }
            other => panic!("expected AlreadyUsed, got {other:?}"),
        }
        let v = Verifier::load(&path).unwrap();
        assert_eq!(v.remaining(), 1);
        assert_eq!(v.used_at(1).unwrap(), Some(now));
        assert!(matches!(
            v.check(&printed(&set, 1), Some(1)),
            Err(VerifierError::AlreadyUsed { number: 1, .. })
        ));
    }

    #[test]
    fn wrong_codes_and_numbers_are_refused() {
        let (_dir, path, set, _) = exported(2);
        let v = Verifier::load(&path).unwrap();
        assert!(matches!(
            v.check("AAAA-BBBB-CCCC-DDDD", None),
            Err(VerifierError::WrongCode)
        ));
        // The right code under the wrong number costs one hash and fails.
        assert!(matches!(
            v.check(&printed(&set, 2), Some(1)),
            Err(VerifierError::WrongCode)
        ));
        assert_eq!(v.check(&printed(&set, 2), Some(2)).unwrap(), 2);
        for n in [0, 3, u32::MAX] {
            assert!(matches!(
                v.check(&printed(&set, 1), Some(n)),
                Err(VerifierError::NumberOutOfRange { len: 2, .. })
            ));
        }
        assert!(matches!(
            v.check(" - ", None),
            Err(VerifierError::EmptyCode)
        ));
    }

    #[test]
    fn the_file_holds_no_code_in_any_form() {
        let (_dir, path, set, _) = exported(3);
        let text = fs::read_to_string(&path).unwrap();
        let lower = text.to_lowercase();
        for n in 1..=3 {
            let shown = printed(&set, n).to_lowercase();
            let canonical = set.codes()[n as usize - 1].expose().to_lowercase();
            for form in [
                shown.clone(),
                shown.replace('-', " "),
                shown.replace('-', ""),
                canonical,
            ] {
                assert!(!lower.contains(&form), "code {n} found in the file");
            }
        }
    }

    #[test]
    fn our_argon2id_path_matches_the_reference_implementation() {
        let params = VerifierParams::default();
        assert_eq!(
            hash_code(b"password", b"somesaltsomesalt", &params).unwrap(),
            KAT_P1
        );
        let (_dir, path) = hand_written();
        let v = Verifier::load(&path).unwrap();
        // The check path verifies a hash made elsewhere, p=2 included.
        let code = Zeroizing::new("password".to_owned());
        for threads in [1, 2, 4] {
            assert_eq!(v.find_match(&code, &[0], threads).unwrap(), Some(0));
            assert_eq!(v.find_match(&code, &[1], threads).unwrap(), Some(1));
            let wrong = Zeroizing::new("passw0rd".to_owned());
            assert_eq!(v.find_match(&wrong, &[0, 1], threads).unwrap(), None);
        }
    }

    /// Hands out the same bytes over and over: the salt a known answer was computed with.
    struct FixedBytes(&'static [u8]);

    impl rand::TryRng for FixedBytes {
        type Error = std::convert::Infallible;

        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            let mut b = [0; 4];
            self.try_fill_bytes(&mut b)?;
            Ok(u32::from_le_bytes(b))
        }

        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            let mut b = [0; 8];
            self.try_fill_bytes(&mut b)?;
            Ok(u64::from_le_bytes(b))
        }

        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
            for (d, s) in dst.iter_mut().zip(self.0.iter().cycle()) {
                *d = *s;
            }
            Ok(())
        }
    }

    impl rand::TryCryptoRng for FixedBytes {}

    #[test]
    fn export_and_check_agree_with_the_reference_implementation_for_a_sheet_code() {
        // A default-format code through the whole export path: normalisation,
        // salt from the rng, parameters, PHC encoding. Reference:
        // `printf %s 7K2QM9XA0B1CH4J5 | argon2 somesaltsomesalt -id -t 2 -k 19456 -p 1 -l 32 -e`
        // (the reference C implementation's CLI).
        const KAT_SHEET_CODE: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$fEdR195WGW2iqMOK3FZrqFx/1+4KSIKGyyoVW2U9in0";
        let format = Format::parse_for_generation(DEFAULT_PATTERN).unwrap();
        let set = CodeSet::from_codes(
            format,
            vec![crate::codes::Code::from_canonical(
                "7K2QM9XA0B1CH4J5".to_owned(),
            )],
        );
        let meta = meta(&mut StdRng::seed_from_u64(3));
        let file = export(
            &meta,
            &set,
            &VerifierParams::default(),
            &mut FixedBytes(b"somesaltsomesalt"),
        )
        .unwrap();
        assert_eq!(file.body.codes[0].phc, KAT_SHEET_CODE);

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kat.json");
        file.write_new(&path, Overwrite::Refuse).unwrap();
        let v = Verifier::load(&path).unwrap();
        // As printed, in lower case with O and I typed for 0 and 1, and wrong.
        assert_eq!(v.check("7K2Q-M9XA-0B1C-H4J5", None).unwrap(), 1);
        assert_eq!(v.check("7k2q m9xa ob1c h4j5", Some(1)).unwrap(), 1);
        assert_eq!(v.check("7K2QM9XAOBICH4J5", None).unwrap(), 1);
        assert!(matches!(
            v.check("7K2Q-M9XA-0B1C-H4J6", None),
            Err(VerifierError::WrongCode)
        ));
    }

    #[test]
    fn params_out_of_range_are_refused_before_hashing() {
        assert!(VerifierParams::default().validate().is_ok());
        for bad in [
            VerifierParams {
                m_kib: 8,
                ..Default::default()
            },
            VerifierParams {
                t: 1,
                ..Default::default()
            },
            VerifierParams {
                p: 17,
                ..Default::default()
            },
        ] {
            assert!(matches!(
                bad.validate(),
                Err(VerifierError::ParamsOutOfRange { number: None, .. })
            ));
        }

        for (from, to, param) in [
            ("m=19456,t=2,p=1", "m=10000000,t=2,p=1", "m"),
            ("m=19456,t=2,p=1", "m=19456,t=1000,p=1", "t"),
            ("m=19456,t=2,p=1", "m=19456,t=2,p=0", "p"),
            // 8 bytes of salt ("somesalt").
            ("$c29tZXNhbHRzb21lc2FsdA$", "$c29tZXNhbHQ$", "salt length"),
        ] {
            let (_dir, path) = hand_written();
            edit(&path, from, to);
            match Verifier::load(&path) {
                Err(VerifierError::ParamsOutOfRange {
                    number, param: p, ..
                }) => {
                    assert_eq!((number, p), (Some(1), param));
                }
                other => panic!("{to}: expected ParamsOutOfRange, got {other:?}"),
            }
        }
    }

    #[test]
    fn other_shapes_are_refused_at_load() {
        type Expected = fn(&VerifierError) -> bool;
        let cases: [(&str, &str, Expected); 5] = [
            (
                "\"schema\": \"recovery-sheet-verifier\"",
                "\"schema\": \"x\"",
                |e| matches!(e, VerifierError::NotAVerifier { .. }),
            ),
            ("\"version\": 1", "\"version\": 2", |e| {
                matches!(e, VerifierError::UnsupportedVersion { .. })
            }),
            (
                "$argon2id$v=19$m=19456,t=2,p=1",
                "$argon2i$v=19$m=19456,t=2,p=1",
                |e| matches!(e, VerifierError::UnsupportedAlgorithm { number: 1, .. }),
            ),
            ("\"number\": 2", "\"number\": 1", |e| {
                matches!(e, VerifierError::Malformed { .. })
            }),
            (
                "\"account\": \"bob\"",
                "\"account\": \"bob\", \"extra\": 1",
                |e| matches!(e, VerifierError::Malformed { .. }),
            ),
        ];
        for (from, to, expected) in cases {
            let (_dir, path) = hand_written();
            edit(&path, from, to);
            let err = Verifier::load(&path).unwrap_err();
            assert!(expected(&err), "{to}: got {err:?}");
        }
        let (_dir, path) = hand_written();
        fs::write(&path, "not json").unwrap();
        assert!(matches!(
            Verifier::load(&path),
            Err(VerifierError::NotAVerifier { .. })
        ));
    }

    /// A file over the limit was called not UTF-8 when the byte past the
    /// limit cut a character in two.
    #[test]
    fn a_file_over_the_limit_is_too_large_wherever_the_limit_falls() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.json");
        // Three bytes a character: the limit plus one falls inside one.
        assert_eq!((MAX_VERIFIER_BYTES + 1) % 3, 2);
        let text = "あ".repeat(usize::try_from(MAX_VERIFIER_BYTES / 3 + 1).unwrap());
        fs::write(&path, text).unwrap();
        match Verifier::load(&path) {
            Err(VerifierError::NotAVerifier { reason, .. }) => {
                assert_eq!(reason.key(), "verifier_reason_too_large");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn hand_edits_are_detected() {
        let (_dir, path) = hand_written();
        assert!(Verifier::load(&path).is_ok());
        for (from, to) in [
            (format!("\"{USED_AT}\""), "null".to_owned()),
            ("K13EBUiG7JV".to_owned(), "L13EBUiG7JV".to_owned()),
            (
                "\"generation\": 1".to_owned(),
                "\"generation\": 2".to_owned(),
            ),
        ] {
            let (_dir, path) = hand_written();
            edit(&path, &from, &to);
            assert!(
                matches!(Verifier::load(&path), Err(VerifierError::Tampered { .. })),
                "{to}"
            );
        }
    }

    #[test]
    fn an_existing_file_is_replaced_only_when_asked() {
        let (_dir, path) = hand_written();
        let before = fs::read_to_string(&path).unwrap();
        let mut v = Verifier::load(&path).unwrap();
        let file = VerifierFile {
            body: v.body.clone(),
        };
        assert!(matches!(
            file.write_new(&path, Overwrite::Refuse),
            Err(VerifierError::Exists(p)) if p == path
        ));
        assert_eq!(fs::read_to_string(&path).unwrap(), before);

        v.burn(1, at("2025-02-01T00:00:00Z")).unwrap();
        let burned = VerifierFile {
            body: v.body.clone(),
        };
        burned.write_new(&path, Overwrite::Replace).unwrap();
        assert_eq!(Verifier::load(&path).unwrap().remaining(), 0);
    }

    #[cfg(unix)]
    #[test]
    fn files_are_mode_0600_after_writing_and_recording() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let (_dir, path) = hand_written();
        assert_eq!(mode(&path), 0o600);
        // Loosen it by hand: the next atomic write must not inherit it.
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let mut v = Verifier::load(&path).unwrap();
        v.burn(1, at("2025-02-01T00:00:00Z")).unwrap();
        v.persist().unwrap();
        assert_eq!(mode(&path), 0o600);
        // The lock is on the file itself: no lock file to delete or replace,
        // and no temporary file left beside it.
        let names: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [path.file_name().unwrap()]);
    }

    #[test]
    fn persist_refuses_a_use_recorded_meanwhile_and_keeps_others() {
        let (_dir, path) = hand_written();
        let mut first = Verifier::load(&path).unwrap();
        let mut second = Verifier::load(&path).unwrap();
        first.burn(1, at("2025-02-01T00:00:00Z")).unwrap();
        second.burn(1, at("2025-02-01T00:00:01Z")).unwrap();
        first.persist().unwrap();
        assert!(matches!(
            second.persist(),
            Err(VerifierError::AlreadyUsed { number: 1, used_at })
                if used_at == at("2025-02-01T00:00:00Z")
        ));
        assert_eq!(second.remaining(), 0);
        assert_eq!(Verifier::load(&path).unwrap().remaining(), 0);
    }

    #[test]
    fn the_same_code_from_30_threads_succeeds_once() {
        let (_dir, path, set, _) = exported(2);
        let code = printed(&set, 1);
        let now = at("2025-07-01T09:30:00Z");
        let results: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..30)
                .map(|_| s.spawn(|| verify_and_burn(&path, &code, Some(1), now)))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
        assert!(
            results
                .iter()
                .all(|r| matches!(r, Ok(1) | Err(VerifierError::AlreadyUsed { number: 1, .. })))
        );
        assert_eq!(Verifier::load(&path).unwrap().remaining(), 1);
    }

    #[test]
    fn two_codes_at_once_are_both_recorded() {
        let (_dir, path, set, _) = exported(3);
        let now = at("2025-07-01T09:30:00Z");
        let (a, b) = (printed(&set, 2), printed(&set, 3));
        let (ra, rb) = std::thread::scope(|s| {
            let ha = s.spawn(|| verify_and_burn(&path, &a, Some(2), now));
            let hb = s.spawn(|| verify_and_burn(&path, &b, Some(3), now));
            (ha.join().unwrap(), hb.join().unwrap())
        });
        assert_eq!((ra.unwrap(), rb.unwrap()), (2, 3));
        let v = Verifier::load(&path).unwrap();
        assert_eq!(v.remaining(), 1);
        assert_eq!(v.used_at(2).unwrap(), Some(now));
        assert_eq!(v.used_at(3).unwrap(), Some(now));
        assert_eq!(v.used_at(1).unwrap(), None);
    }

    #[test]
    fn an_empty_set_is_not_exported() {
        let mut rng = StdRng::seed_from_u64(1);
        let format = Format::parse_for_generation(DEFAULT_PATTERN).unwrap();
        let empty = CodeSet::from_codes(format, Vec::new());
        assert!(matches!(
            export(
                &meta(&mut rng),
                &empty,
                &VerifierParams::default(),
                &mut rng
            ),
            Err(VerifierError::EmptySet)
        ));
    }

    #[test]
    fn errors_read_as_one_lowercase_line() {
        let errors = [
            VerifierError::WrongCode,
            VerifierError::Tampered {
                path: PathBuf::from("v.json"),
            },
            VerifierError::AlreadyUsed {
                number: 4,
                used_at: at(USED_AT),
            },
            VerifierError::ParamsOutOfRange {
                number: Some(1),
                param: "m",
                value: 10_000_000,
                min: 19_456,
                max: 1_048_576,
            },
        ];
        for e in errors {
            let s = e.to_string();
            assert!(!s.contains('\n') && !s.ends_with('.'), "{s}");
            assert!(s.starts_with(|c: char| !c.is_uppercase()), "{s}");
        }
    }
}
