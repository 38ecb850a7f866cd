//! The second factor: TOTP (RFC 6238: SHA-1, 6 digits, 30-second steps, as every authenticator
//! app expects), accepting the step before and after for clock drift, and never the same step
//! twice for one account.

use totp_rs::{Algorithm, Secret, TOTP};

const DIGITS: usize = 6;
const STEP: u64 = 30;
/// What authenticator apps show above the code.
pub const ISSUER: &str = "Local referendum petitions";

/// A new random secret (160 bits), base32 as apps take it typed.
pub fn new_secret() -> String {
    match Secret::generate_secret().to_encoded() {
        Secret::Encoded(s) => s,
        Secret::Raw(_) => unreachable!("to_encoded gives the encoded form"),
    }
}

fn totp(secret_base32: &str, account: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret_base32.to_string()).to_bytes().ok()?;
    // The account name may not hold a colon: an email address never does.
    TOTP::new(Algorithm::SHA1, DIGITS, 1, STEP, bytes, Some(ISSUER.to_string()), account.replace(':', "")).ok()
}

/// The `otpauth://` address the set-up page shows as a QR code.
pub fn url(secret_base32: &str, account: &str) -> Option<String> {
    totp(secret_base32, account).map(|t| t.get_url())
}

/// The code for the step holding `time` (for tests and the command line's checks).
pub fn code_at(secret_base32: &str, time: u64) -> Option<String> {
    totp(secret_base32, "x").map(|t| t.generate(time))
}

/// The step a code belongs to, if it is right at `now` (one step of drift either way) and
/// newer than `last_step`, the last one this account used.
pub fn accept(secret_base32: &str, code: &str, now: i64, last_step: Option<i64>) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = totp(secret_base32, "x")?;
    let step = now.max(0) / STEP as i64;
    [step - 1, step, step + 1].into_iter().filter(|s| *s >= 0 && last_step.is_none_or(|l| *s > l)).find(|s| {
        let expected = t.generate(*s as u64 * STEP);
        // Compare every byte, whatever the first difference, so timing tells nothing.
        expected.len() == code.len() && expected.bytes().zip(code.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B's SHA-1 key, "12345678901234567890", in base32.
    const RFC_KEY: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn rfc_6238_vectors_agree_in_their_last_six_digits() {
        for (time, eight) in
            [(59, "94287082"), (1111111109, "07081804"), (1234567890, "89005924"), (2000000000, "69279037")]
        {
            assert_eq!(code_at(RFC_KEY, time).unwrap(), &eight[2..], "at {time}");
        }
    }

    #[test]
    fn one_step_of_drift_either_way_and_no_more() {
        let now = 1_000_000_020;
        let step = now / 30;
        for (offset, ok) in [(-60, false), (-30, true), (0, true), (30, true), (60, false)] {
            let code = code_at(RFC_KEY, (now + offset) as u64).unwrap();
            assert_eq!(accept(RFC_KEY, &code, now, None).is_some(), ok, "offset {offset}");
        }
        let code = code_at(RFC_KEY, now as u64).unwrap();
        assert_eq!(accept(RFC_KEY, &code, now, None), Some(step));
    }

    #[test]
    fn a_code_is_never_accepted_twice() {
        let now = 1_000_000_020;
        let code = code_at(RFC_KEY, now as u64).unwrap();
        let step = accept(RFC_KEY, &code, now, None).unwrap();
        assert_eq!(accept(RFC_KEY, &code, now, Some(step)), None);
        assert_eq!(accept(RFC_KEY, &code, now + 20, Some(step)), None);
    }

    #[test]
    fn malformed_codes_are_refused() {
        for bad in ["", "12345", "1234567", "12345a", "１２３４５６"] {
            assert_eq!(accept(RFC_KEY, bad, 59, None), None, "{bad:?}");
        }
        let code = code_at(RFC_KEY, 59).unwrap();
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert!(accept(RFC_KEY, &spaced, 59, None).is_some(), "spaces as apps show them are fine");
    }

    #[test]
    fn new_secrets_are_160_bits_and_make_a_url() {
        let s = new_secret();
        assert_eq!(Secret::Encoded(s.clone()).to_bytes().unwrap().len(), 20);
        let u = url(&s, "jo@council.example").unwrap();
        assert!(u.starts_with("otpauth://totp/"), "{u}");
        assert!(u.contains(&format!("secret={s}")));
    }
}
