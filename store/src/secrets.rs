//! The server's secret key, used to derive the keyed hashes that deduplicate signatures without
//! storing a searchable copy of who signed what.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::path::Path;

#[derive(Clone)]
pub struct Secrets {
    key: [u8; 32],
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(..)")
    }
}

impl Secrets {
    pub fn from_bytes(key: [u8; 32]) -> Secrets {
        Secrets { key }
    }

    /// Reads a key file of 64 hex digits (a trailing newline is allowed).
    pub fn load(path: &Path) -> Result<Secrets, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the secret key file {}: {e}", path.display()))?;
        let hex = text.trim_end_matches('\n');
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("{} must hold 64 hex digits", path.display()));
        }
        let mut key = [0u8; 32];
        for (i, chunk) in hex.as_bytes().chunks(2).enumerate() {
            key[i] = u8::from_str_radix(std::str::from_utf8(chunk).unwrap(), 16).unwrap();
        }
        Ok(Secrets { key })
    }

    /// Loads the key file, creating it (readable by its owner only) when it does not exist.
    pub fn load_or_create(path: &Path) -> Result<Secrets, String> {
        if !path.exists() {
            let key: [u8; 32] = rand::random();
            let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
            }
            write_private(path, format!("{hex}\n").as_bytes())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        Secrets::load(path)
    }

    /// Hex HMAC-SHA-256 of the parts, each followed by a newline.
    pub fn keyed_hash(&self, parts: &[&str]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("any key length");
        for p in parts {
            mac.update(p.as_bytes());
            mac.update(b"\n");
        }
        hex(&mac.finalize().into_bytes())
    }
}

/// A new random token for a link in an email, and the hash stored in its place.
pub fn new_token() -> (String, String) {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(unix)]
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(not(unix))]
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_hashes_depend_on_key_and_parts() {
        let a = Secrets::from_bytes([1; 32]);
        let b = Secrets::from_bytes([2; 32]);
        assert_ne!(a.keyed_hash(&["1", "e", "7"]), b.keyed_hash(&["1", "e", "7"]));
        assert_ne!(a.keyed_hash(&["1", "e7"]), a.keyed_hash(&["1e", "7"]));
        assert_eq!(a.keyed_hash(&["x"]).len(), 64);
        let (t, h) = new_token();
        assert_eq!(token_hash(&t), h);
        assert_eq!(t.len(), 43);
    }

    #[test]
    fn key_file_is_created_private_and_reloaded() {
        let dir = std::env::temp_dir().join(format!("petition-secret-{}", std::process::id()));
        let path = dir.join("secret.key");
        let _ = std::fs::remove_dir_all(&dir);
        let a = Secrets::load_or_create(&path).unwrap();
        let b = Secrets::load_or_create(&path).unwrap();
        assert_eq!(a.keyed_hash(&["x"]), b.keyed_hash(&["x"]));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::write(&path, "not hex\n").unwrap();
        assert!(Secrets::load(&path).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
