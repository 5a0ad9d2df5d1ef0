//! Attachments: checked against the limits and their declared type, encrypted with the tenant's
//! key and kept in an object store (`object_store`: a local directory or S3), their facts (the
//! file name encrypted, type, size, SHA-256) in intake's table `attachments`.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use domain::FieldError;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};

use super::config::{AttachmentsConfig, StoreKind};
use crate::cipher::Cipher;
use crate::store::web::AttachmentRow;

/// Why the object store failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the object store: {0}")]
    Store(#[from] object_store::Error),
    #[error("encryption: {0}")]
    Cipher(#[from] crate::cipher::Error),
    #[error("attachment {0} does not match its checksum")]
    Checksum(String),
}

/// A file as it arrived.
#[derive(Debug, Clone)]
pub struct IncomingFile {
    pub file_name: String,
    /// As declared by the sender.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// What the API shows of an attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentFacts {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
    pub channel: String,
    pub stored_at: String,
}

/// The attachment store and its limits.
pub struct Attachments {
    store: Arc<dyn ObjectStore>,
    limits: AttachmentsConfig,
}

impl std::fmt::Debug for Attachments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attachments")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// A content type without its parameters, in lower case.
pub fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Whether the bytes look like the declared type (magic numbers). A type this table does not
/// know is taken as declared.
pub fn matches_content(content_type: &str, bytes: &[u8]) -> bool {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    match content_type {
        "image/jpeg" => starts(&[0xFF, 0xD8, 0xFF]),
        "image/png" => starts(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]),
        "image/gif" => starts(b"GIF87a") || starts(b"GIF89a"),
        "image/webp" => starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP".as_slice()),
        "application/pdf" => starts(b"%PDF-"),
        "audio/mpeg" => starts(b"ID3") || (bytes.len() > 1 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0),
        "audio/mp4" | "video/mp4" => bytes.get(4..8) == Some(b"ftyp".as_slice()),
        "audio/amr" => starts(b"#!AMR"),
        "application/msword" => starts(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => starts(b"PK\x03\x04"),
        "text/plain" => {
            !bytes.contains(&0)
                && (std::str::from_utf8(bytes).is_ok() || !encoding_rs::GB18030.decode_without_bom_handling(bytes).1)
        }
        _ => true,
    }
}

impl Attachments {
    /// The store the settings name; a local directory is created (`default_dir` when the settings
    /// name none).
    pub fn new(config: &AttachmentsConfig, default_dir: &Path) -> Result<Self, String> {
        config.validate()?;
        let store: Arc<dyn ObjectStore> = match config.store {
            StoreKind::Local => {
                let dir = config.dir.clone().unwrap_or_else(|| default_dir.to_path_buf());
                std::fs::create_dir_all(&dir).map_err(|e| format!("intake.attachments.dir {}: {e}", dir.display()))?;
                Arc::new(
                    object_store::local::LocalFileSystem::new_with_prefix(&dir)
                        .map_err(|e| format!("intake.attachments.dir {}: {e}", dir.display()))?,
                )
            }
            StoreKind::S3 => {
                let mut builder = object_store::aws::AmazonS3Builder::new()
                    .with_bucket_name(config.bucket.clone().unwrap_or_default())
                    .with_allow_http(config.allow_http);
                if let Some(endpoint) = &config.endpoint {
                    builder = builder.with_endpoint(endpoint);
                }
                if let Some(region) = &config.region {
                    builder = builder.with_region(region);
                }
                if let Some(key) = &config.access_key_id {
                    builder = builder.with_access_key_id(key);
                }
                if let Some(secret) = &config.secret_access_key {
                    builder = builder.with_secret_access_key(secret);
                }
                Arc::new(builder.build().map_err(|e| format!("intake.attachments (s3): {e}"))?)
            }
        };
        Ok(Self {
            store,
            limits: config.clone(),
        })
    }

    /// The limits in force.
    pub fn limits(&self) -> &AttachmentsConfig {
        &self.limits
    }

    /// The limits on size and count, checked as the bytes arrive: file `index` has reached
    /// `file_bytes`, all files together `total_bytes`.
    pub fn check_size(&self, index: usize, file_bytes: u64, total_bytes: u64) -> Result<(), FieldError> {
        let limits = &self.limits;
        if index >= limits.max_files as usize {
            return Err(FieldError::new(
                "attachments",
                "max_files",
                format!("at most {} files may be attached", limits.max_files),
            ));
        }
        if file_bytes > limits.max_file_bytes {
            return Err(FieldError::new(
                format!("attachments[{index}]"),
                "max_file_bytes",
                format!("a file may be at most {} bytes", limits.max_file_bytes),
            ));
        }
        if total_bytes > limits.max_total_bytes {
            return Err(FieldError::new(
                "attachments",
                "max_total_bytes",
                format!("the files together may be at most {} bytes", limits.max_total_bytes),
            ));
        }
        Ok(())
    }

    /// Every rule a file breaks: its name, its type (allowed, and matching its bytes), empty.
    pub fn check(&self, files: &[IncomingFile]) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut total = 0u64;
        for (index, file) in files.iter().enumerate() {
            let size = file.bytes.len() as u64;
            total += size;
            if let Err(error) = self.check_size(index, size, total) {
                errors.push(error);
                continue;
            }
            let name_length = file.file_name.chars().count();
            if name_length == 0 || name_length > 255 || file.file_name.chars().any(char::is_control) {
                errors.push(FieldError::new(
                    format!("attachments[{index}].file_name"),
                    "max_length",
                    "a file name has 1 to 255 characters and no control characters",
                ));
            }
            if file.bytes.is_empty() {
                errors.push(FieldError::new(
                    format!("attachments[{index}]"),
                    "min_bytes",
                    "an attached file must not be empty",
                ));
                continue;
            }
            let content_type = essence(&file.content_type);
            if !self.limits.content_types.contains(&content_type) {
                errors.push(FieldError::new(
                    format!("attachments[{index}].content_type"),
                    "allowed_types",
                    format!(
                        "`{content_type}` is not accepted; send one of {}",
                        self.limits.content_types.join(", ")
                    ),
                ));
            } else if !matches_content(&content_type, &file.bytes) {
                errors.push(FieldError::new(
                    format!("attachments[{index}].content_type"),
                    "matches_content",
                    format!("the file's bytes are not {content_type}"),
                ));
            }
        }
        errors
    }

    /// Encrypts each file for the case (associated data: the case id and the attachment id) and
    /// writes it to the store; answers the rows to record and the facts to show.
    pub async fn put(
        &self,
        cipher: &dyn Cipher,
        tenant: &str,
        case_id: &str,
        channel: &str,
        files: Vec<IncomingFile>,
        now: DateTime<Utc>,
    ) -> Result<(Vec<AttachmentRow>, Vec<AttachmentFacts>), Error> {
        let mut rows = Vec::with_capacity(files.len());
        let mut facts = Vec::with_capacity(files.len());
        let stored_at = crate::store::at(now);
        for file in files {
            let id = uuid::Uuid::now_v7().to_string();
            let object_path = format!("{tenant}/{case_id}/{id}");
            let sha256 = hex::encode(Sha256::digest(&file.bytes));
            let sealed = cipher.encrypt(tenant, format!("{case_id}/{id}").as_bytes(), &file.bytes)?;
            let written = self
                .store
                .put(&ObjectPath::from(object_path.as_str()), PutPayload::from(sealed))
                .await;
            if let Err(error) = written {
                self.delete(&rows).await;
                return Err(error.into());
            }
            let content_type = essence(&file.content_type);
            rows.push(AttachmentRow {
                id: id.clone(),
                tenant: tenant.to_owned(),
                case_id: case_id.to_owned(),
                channel: channel.to_owned(),
                file_name: cipher.encrypt(tenant, case_id.as_bytes(), file.file_name.as_bytes())?,
                content_type: content_type.clone(),
                size: i64::try_from(file.bytes.len()).unwrap_or(i64::MAX),
                sha256: sha256.clone(),
                object_path,
                stored_at: stored_at.clone(),
            });
            facts.push(AttachmentFacts {
                id,
                file_name: file.file_name,
                content_type,
                size: file.bytes.len() as u64,
                sha256,
                channel: channel.to_owned(),
                stored_at: stored_at.clone(),
            });
        }
        Ok((rows, facts))
    }

    /// Deletes the objects of rows that were not recorded (best effort: an orphan is ciphertext
    /// no row names).
    pub async fn delete(&self, rows: &[AttachmentRow]) {
        for row in rows {
            if let Err(error) = self.store.delete(&ObjectPath::from(row.object_path.as_str())).await {
                tracing::warn!(attachment = %row.id, %error, "an unrecorded attachment could not be deleted");
            }
        }
    }

    /// An attachment's facts, its name decrypted.
    pub fn facts(&self, cipher: &dyn Cipher, row: &AttachmentRow) -> Result<AttachmentFacts, Error> {
        let name = cipher.decrypt(&row.tenant, row.case_id.as_bytes(), &row.file_name)?;
        Ok(AttachmentFacts {
            id: row.id.clone(),
            file_name: String::from_utf8_lossy(&name).into_owned(),
            content_type: row.content_type.clone(),
            size: u64::try_from(row.size).unwrap_or(0),
            sha256: row.sha256.clone(),
            channel: row.channel.clone(),
            stored_at: row.stored_at.clone(),
        })
    }

    /// An attachment's plain bytes, checked against its SHA-256.
    pub async fn read(&self, cipher: &dyn Cipher, row: &AttachmentRow) -> Result<Vec<u8>, Error> {
        let sealed = self
            .store
            .get(&ObjectPath::from(row.object_path.as_str()))
            .await?
            .bytes()
            .await?;
        let plain = cipher.decrypt(&row.tenant, format!("{}/{}", row.case_id, row.id).as_bytes(), &sealed)?;
        if hex::encode(Sha256::digest(&plain)) != row.sha256 {
            return Err(Error::Checksum(row.id.clone()));
        }
        Ok(plain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, content_type: &str, bytes: &[u8]) -> IncomingFile {
        IncomingFile {
            file_name: name.into(),
            content_type: content_type.into(),
            bytes: bytes.to_vec(),
        }
    }

    fn store(dir: &Path, config: AttachmentsConfig) -> Attachments {
        Attachments::new(&config, dir).expect("store")
    }

    #[test]
    fn the_bytes_must_be_what_the_type_says() {
        assert!(matches_content("image/png", b"\x89PNG\r\n\x1a\n...."));
        assert!(!matches_content("image/png", b"MZ\x90\x00 an executable"));
        assert!(matches_content("application/pdf", b"%PDF-1.7\n"));
        assert!(matches_content("text/plain", "发票丢失了".as_bytes()));
        let (gbk, _, _) = encoding_rs::GBK.encode("维修单号 20261101");
        assert!(matches_content("text/plain", &gbk), "GBK text is text");
        assert!(!matches_content("text/plain", b"\x00\x01binary"));
        assert!(matches_content("video/mp4", b"\x00\x00\x00\x18ftypmp42"));
        assert_eq!(essence("Text/Plain; charset=UTF-8"), "text/plain");
    }

    #[test]
    fn each_broken_rule_names_the_file_and_the_rule() {
        let dir = tempfile::tempdir().expect("dir");
        let attachments = store(
            dir.path(),
            AttachmentsConfig {
                max_files: 3,
                max_file_bytes: 16,
                max_total_bytes: 20,
                ..AttachmentsConfig::default()
            },
        );
        let errors = attachments.check(&[
            file("receipt.png", "image/png", b"\x89PNG\r\n\x1a\nabc"),
            file("virus.exe", "application/x-msdownload", b"MZ"),
            file("fake.jpg", "image/jpeg", b"GIF89a"),
        ]);
        let named: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.rule)).collect();
        assert_eq!(
            named,
            [
                ("attachments[1].content_type", "allowed_types"),
                ("attachments[2].content_type", "matches_content")
            ]
        );
        let big = attachments.check(&[file("big.txt", "text/plain", &[b'a'; 17])]);
        assert_eq!(
            (big[0].field.as_str(), big[0].rule),
            ("attachments[0]", "max_file_bytes")
        );
        let many = attachments.check(&vec![file("a.txt", "text/plain", b"a"); 4]);
        assert_eq!((many[0].field.as_str(), many[0].rule), ("attachments", "max_files"));
        let total = attachments.check(&[
            file("a.txt", "text/plain", &[b'a'; 12]),
            file("b.txt", "text/plain", &[b'b'; 12]),
        ]);
        assert_eq!(
            (total[0].field.as_str(), total[0].rule),
            ("attachments", "max_total_bytes")
        );
    }

    #[tokio::test]
    async fn a_file_is_kept_encrypted_and_read_back_checked() {
        let dir = tempfile::tempdir().expect("dir");
        let attachments = store(dir.path(), AttachmentsConfig::default());
        let cipher = crate::cipher::DefaultCipher::new([9u8; 32]);
        let text = "李伟 13812345678 的维修单".as_bytes();
        let (rows, facts) = attachments
            .put(
                &cipher,
                "default",
                "case-1",
                "web",
                vec![file("维修单.txt", "text/plain", text)],
                Utc::now(),
            )
            .await
            .expect("stored");
        assert_eq!(facts[0].sha256, hex::encode(Sha256::digest(text)));
        let on_disk = std::fs::read(dir.path().join(&rows[0].object_path)).expect("the object is a file");
        assert!(!on_disk.windows(11).any(|w| w == b"13812345678"), "encrypted at rest");
        assert_eq!(attachments.read(&cipher, &rows[0]).await.expect("read"), text);
        assert_eq!(
            attachments.facts(&cipher, &rows[0]).expect("facts").file_name,
            "维修单.txt"
        );
        let mut moved = rows[0].clone();
        moved.case_id = "case-2".into();
        assert!(attachments.read(&cipher, &moved).await.is_err(), "bound to its case");
        attachments.delete(&rows).await;
        assert!(!dir.path().join(&rows[0].object_path).exists());
    }

    #[tokio::test]
    async fn an_s3_compatible_store_keeps_only_ciphertext_and_gives_the_file_back() {
        let Some(python) = testkit::s3::server_or_skip("attachments in S3") else {
            return;
        };
        let s3 = testkit::s3::S3Server::start(&python)
            .await
            .expect("moto's server starts");
        s3.create_bucket("redress-attachments").expect("the bucket");
        let dir = tempfile::tempdir().expect("dir");
        let attachments = store(
            dir.path(),
            AttachmentsConfig {
                store: StoreKind::S3,
                bucket: Some("redress-attachments".into()),
                endpoint: Some(s3.endpoint()),
                region: Some("cn-north-1".into()),
                access_key_id: Some("test-key".into()),
                secret_access_key: Some("test-secret".into()),
                allow_http: true,
                ..AttachmentsConfig::default()
            },
        );
        let cipher = crate::cipher::DefaultCipher::new([7u8; 32]);
        let text = "王芳 13900001111 购车合同第3页".as_bytes();
        let (rows, _) = attachments
            .put(
                &cipher,
                "default",
                "case-9",
                "web",
                vec![file("合同.txt", "text/plain", text)],
                Utc::now(),
            )
            .await
            .expect("stored in S3");
        // The bucket's own bytes, read with a client of the test's own, past intake's cipher.
        let raw = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name("redress-attachments")
            .with_endpoint(s3.endpoint())
            .with_region("cn-north-1")
            .with_access_key_id("test-key")
            .with_secret_access_key("test-secret")
            .with_allow_http(true)
            .build()
            .expect("a client");
        let path = ObjectPath::from(rows[0].object_path.as_str());
        let kept = raw
            .get(&path)
            .await
            .expect("the object is in the bucket")
            .bytes()
            .await
            .expect("its bytes");
        assert!(!kept.is_empty());
        assert!(
            !kept.windows(11).any(|w| w == b"13900001111"),
            "only ciphertext in the bucket"
        );
        assert_eq!(attachments.read(&cipher, &rows[0]).await.expect("read back"), text);
        attachments.delete(&rows).await;
        assert!(
            matches!(raw.get(&path).await, Err(object_store::Error::NotFound { .. })),
            "deleted"
        );
    }
}
