//! The web and app channel (decision 0008): attachments kept encrypted in an object store
//! ([`attachments`]), the anonymous complainant's receipt code (this module), the status page's
//! one-time codes, sessions and the questions staff ask the complainant ([`status`]), and the
//! seam the codes leave by ([`codes`]).

use std::sync::Arc;

use chacha20poly1305::aead::OsRng;
use chacha20poly1305::aead::rand_core::RngCore;

pub mod config;
pub mod attachments;
pub mod codes;
pub mod status;
pub mod grpc;

pub use attachments::{AttachmentFacts, Attachments, IncomingFile};
pub use config::{AttachmentsConfig, StatusConfig};

use crate::store::web::AttachmentRow;

/// What the desk needs for the web channel.
pub struct Web {
    pub attachments: Attachments,
    pub status: StatusConfig,
    pub codes: Arc<dyn codes::CodeSender>,
}

/// What a registration brings besides the case, written in the ledger's transaction.
#[derive(Debug, Clone, Default)]
pub struct WebParts {
    /// An anonymous case's receipt code (shown once) and its keyed hash (kept).
    pub receipt: Option<(String, String)>,
    pub attachments: Vec<AttachmentRow>,
    pub facts: Vec<AttachmentFacts>,
}

impl crate::register::Desk {
    /// Registers a submission with its files (checked as [`Attachments::check`] says, after the
    /// complaint itself): the files are encrypted into the object store, then the case and their
    /// rows are written in one transaction. When that fails, or an idempotent replay answers an
    /// earlier case, the new objects are deleted.
    pub async fn register_with_files(
        &self,
        tenant: &domain::Tenant,
        submission: crate::register::Submission,
        files: Vec<IncomingFile>,
    ) -> Result<crate::register::Registered, crate::register::Error> {
        let catalog = self.catalogs.get(tenant).await?;
        let mut prepared = self.prepare(tenant, submission, &catalog)?;
        let errors = self.web.attachments.check(&files);
        if !errors.is_empty() {
            return Err(crate::register::Error::Invalid(errors));
        }
        let channel = prepared.complaint.channel.as_str();
        let (rows, facts) = self
            .web
            .attachments
            .put(
                &*self.cipher,
                tenant.as_str(),
                &prepared.row.id,
                channel,
                files,
                prepared.now,
            )
            .await?;
        prepared.web.attachments = rows.clone();
        prepared.web.facts = facts;
        self.confirm_customer(&mut prepared).await;
        let registered = self.ledger.write(prepared).await;
        if !matches!(&registered, Ok(done) if !done.replayed) {
            self.web.attachments.delete(&rows).await;
        }
        registered
    }
}

/// Crockford's base 32: digits and letters without I, L, O and U.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Characters in a receipt code (80 bits).
pub const RECEIPT_LENGTH: usize = 16;

/// A new receipt code: 16 random Crockford characters in four groups, `K7QM-3XDP-9HTR-2WFA`.
pub fn new_receipt_code() -> String {
    let mut bytes = [0u8; RECEIPT_LENGTH];
    OsRng.fill_bytes(&mut bytes);
    let symbols: Vec<char> = bytes
        .iter()
        .map(|b| char::from(CROCKFORD[usize::from(b & 31)]))
        .collect();
    symbols
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// A receipt code as typed, normalised (case, spaces and dashes ignored; O read as 0, I and L
/// as 1); `None` when it cannot be one.
pub fn normalise_receipt_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    (code.len() == RECEIPT_LENGTH && code.bytes().all(|b| CROCKFORD.contains(&b))).then_some(code)
}

/// A one-time code of six digits, drawn without bias.
pub fn new_numeric_code() -> String {
    loop {
        let value = OsRng.next_u32();
        // The largest multiple of a million below 2^32: above it, draw again.
        if value < 4_294_000_000 {
            return format!("{:06}", value % 1_000_000);
        }
    }
}

/// A random bearer token (256 bits, hex).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receipt_code_is_readable_and_read_back_however_it_is_typed() {
        let code = new_receipt_code();
        assert_eq!(code.len(), 19, "{code}");
        assert_eq!(code.matches('-').count(), 3, "{code}");
        assert!(!code.contains(['I', 'L', 'O', 'U']), "{code}");
        let plain = normalise_receipt_code(&code).expect("its own code");
        assert_eq!(plain, code.replace('-', ""));
        assert_eq!(
            normalise_receipt_code(&code.to_lowercase().replace('-', " ")),
            Some(plain.clone())
        );
        assert_eq!(
            normalise_receipt_code("oooo-iiii-llll-2222"),
            Some("0000111111112222".to_owned())
        );
        assert_eq!(normalise_receipt_code("K7QM-3XDP-9HTR"), None, "too short");
        assert_eq!(normalise_receipt_code("K7QM-3XDP-9HTR-2WFU"), None, "U is not a symbol");
        assert_ne!(new_receipt_code(), new_receipt_code());
    }

    #[test]
    fn one_time_codes_have_six_digits_and_tokens_256_bits() {
        for _ in 0..100 {
            let code = new_numeric_code();
            assert_eq!(code.len(), 6);
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
        }
        let token = new_token();
        assert_eq!(token.len(), 64);
        assert_ne!(token, new_token());
    }
}
