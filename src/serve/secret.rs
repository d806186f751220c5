//! Random 256-bit secrets (the address token, the session cookie, the CSRF token, issuing tickets) and their constant-time check.

use rand::CryptoRng;
use zeroize::Zeroize;

const BYTES: usize = 32;

/// 256 random bits, written as 64 lower-case hex digits. No `Debug`/`Display`: it is
/// written out only by [`Secret::expose_hex`], where it goes into a URL, a cookie or a form.
pub struct Secret {
    hex: [u8; 2 * BYTES],
}

impl Secret {
    /// Draws a fresh secret; `rng` is the OS generator outside tests.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Secret {
        let mut raw = [0u8; BYTES];
        rng.fill_bytes(&mut raw);
        let mut hex = [0u8; 2 * BYTES];
        for (i, b) in raw.iter().enumerate() {
            hex[2 * i] = HEX[usize::from(b >> 4)];
            hex[2 * i + 1] = HEX[usize::from(b & 0x0f)];
        }
        raw.zeroize();
        Secret { hex }
    }

    /// The secret as it appears in the URL, cookie or form.
    pub fn expose_hex(&self) -> &str {
        // Only ASCII hex digits are ever stored.
        std::str::from_utf8(&self.hex).unwrap_or_default()
    }

    /// Whether `candidate` is this secret, in time independent of where they differ.
    pub fn matches(&self, candidate: &str) -> bool {
        constant_time_eq(&self.hex, candidate.as_bytes())
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.hex.zeroize();
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Compares without an early exit; the length is not secret (always 64).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn secrets_are_64_hex_digits_and_distinct() {
        let mut rng = StdRng::seed_from_u64(1);
        let a = Secret::generate(&mut rng);
        let b = Secret::generate(&mut rng);
        assert_eq!(a.expose_hex().len(), 64);
        assert!(a.expose_hex().bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a.expose_hex(), b.expose_hex());
    }

    #[test]
    fn matches_only_the_same_secret() {
        let mut rng = StdRng::seed_from_u64(2);
        let a = Secret::generate(&mut rng);
        let copy = a.expose_hex().to_owned();
        assert!(a.matches(&copy));
        assert!(!a.matches(&copy[..63]));
        assert!(!a.matches(&copy.to_uppercase()));
        assert!(!a.matches(""));
    }
}
