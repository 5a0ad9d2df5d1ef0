//! Encryption of personal data and narratives, behind the [`Cipher`] seam so the national
//! SM4 suite can replace the default per tenant.
//!
//! Default: XChaCha20-Poly1305 with a per-tenant key derived from the master key by
//! HMAC-SHA256; the case id is the associated data, so a ciphertext cannot be moved to another
//! case. Blind indexes (keyed HMAC) let intake find a phone number without storing it.

use std::path::Path;

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Encryption failures.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the key file {path} could not be read or created: {reason}")]
    KeyFile { path: String, reason: String },
    #[error("a ciphertext could not be decrypted (wrong key or altered data)")]
    Decrypt,
    #[error("encryption failed")]
    Encrypt,
}

/// Encrypts and decrypts per tenant, and computes blind indexes.
pub trait Cipher: Send + Sync + 'static {
    fn encrypt(&self, tenant: &str, associated: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, Error>;
    fn decrypt(&self, tenant: &str, associated: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, Error>;
    /// A keyed hash of a normalised value, for equality lookups.
    fn blind_index(&self, tenant: &str, purpose: &str, value: &str) -> String;
}

/// The default suite: XChaCha20-Poly1305 and HMAC-SHA256.
pub struct DefaultCipher {
    master: [u8; 32],
}

impl std::fmt::Debug for DefaultCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DefaultCipher(..)")
    }
}

type HmacSha256 = Hmac<Sha256>;

impl DefaultCipher {
    /// A cipher with the given master key.
    pub fn new(master: [u8; 32]) -> Self {
        Self { master }
    }

    /// Reads the master key from `path`, creating a random one (mode 0600) if the file is absent.
    pub fn from_key_file(path: &Path) -> Result<Self, Error> {
        let fail = |reason: String| Error::KeyFile {
            path: path.display().to_string(),
            reason,
        };
        match std::fs::read(path) {
            Ok(bytes) => {
                let key: [u8; 32] = bytes
                    .as_slice()
                    .try_into()
                    .map_err(|_| fail("the key must be 32 bytes".into()))?;
                Ok(Self::new(key))
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let generated = XChaCha20Poly1305::generate_key(&mut chacha20poly1305::aead::OsRng);
                let key: [u8; 32] = generated.into();
                write_private(path, &key).map_err(|e| fail(e.to_string()))?;
                Ok(Self::new(key))
            }
            Err(error) => Err(fail(error.to_string())),
        }
    }

    fn derive(&self, label: &str, tenant: &str) -> [u8; 32] {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.master).unwrap_or_else(|_| unreachable_key());
        mac.update(label.as_bytes());
        mac.update(b"\0");
        mac.update(tenant.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

fn unreachable_key() -> HmacSha256 {
    // HMAC accepts keys of any length; this branch cannot be taken.
    <HmacSha256 as Mac>::new_from_slice(&[0u8; 32]).unwrap_or_else(|_| std::process::abort())
}

fn write_private(path: &Path, key: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(key)?;
    file.sync_all()
}

impl Cipher for DefaultCipher {
    fn encrypt(&self, tenant: &str, associated: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, Error> {
        let key = self.derive("data", tenant);
        let aead = XChaCha20Poly1305::new(&key.into());
        let nonce = XChaCha20Poly1305::generate_nonce(&mut chacha20poly1305::aead::OsRng);
        let mut out = nonce.to_vec();
        out.extend(
            aead.encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: associated,
                },
            )
            .map_err(|_| Error::Encrypt)?,
        );
        Ok(out)
    }

    fn decrypt(&self, tenant: &str, associated: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, Error> {
        if ciphertext.len() < 24 {
            return Err(Error::Decrypt);
        }
        let key = self.derive("data", tenant);
        let aead = XChaCha20Poly1305::new(&key.into());
        let (nonce, body) = ciphertext.split_at(24);
        aead.decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: body,
                aad: associated,
            },
        )
        .map_err(|_| Error::Decrypt)
    }

    fn blind_index(&self, tenant: &str, purpose: &str, value: &str) -> String {
        let key = self.derive(&format!("index:{purpose}"), tenant);
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&key).unwrap_or_else(|_| unreachable_key());
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_binds_tenant_and_case() {
        let cipher = DefaultCipher::new([7u8; 32]);
        let sealed = cipher
            .encrypt("default", b"case-1", "李伟 13812345678".as_bytes())
            .expect("encrypts");
        assert!(!sealed.windows(11).any(|w| w == b"13812345678"));
        assert_eq!(
            cipher.decrypt("default", b"case-1", &sealed).expect("decrypts"),
            "李伟 13812345678".as_bytes()
        );
        assert!(cipher.decrypt("default", b"case-2", &sealed).is_err());
        assert!(cipher.decrypt("bank", b"case-1", &sealed).is_err());
        assert_eq!(
            cipher.blind_index("default", "phone", "138"),
            cipher.blind_index("default", "phone", "138")
        );
        assert_ne!(
            cipher.blind_index("default", "phone", "138"),
            cipher.blind_index("bank", "phone", "138")
        );
    }
}
