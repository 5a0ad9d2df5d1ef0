//! How values are stored: headers as a length-prefixed blob, instants as Unix milliseconds,
//! sequences as SQLite integers.
//!
//! The headers blob is, for each header in order, the name's length (u32, little endian), the
//! name, the value's length (u32, little endian) and the value. No headers is an empty blob.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A stored value that cannot be read back; the file was damaged or written by someone else.
#[derive(Debug, thiserror::Error)]
#[error("corrupt embedded log: {0}")]
pub(super) struct Corrupt(pub(super) String);

impl From<Corrupt> for crate::transport::Error {
    fn from(corrupt: Corrupt) -> Self {
        Self::Storage(sqlx::Error::Decode(Box::new(corrupt)))
    }
}

/// Encodes headers into the stored blob.
pub(super) fn encode_headers(headers: &[(String, String)]) -> Vec<u8> {
    let size = headers.iter().map(|(name, value)| 8 + name.len() + value.len()).sum();
    let mut blob = Vec::with_capacity(size);
    for (name, value) in headers {
        put(&mut blob, name.as_bytes());
        put(&mut blob, value.as_bytes());
    }
    blob
}

/// Decodes the stored blob back into headers.
pub(super) fn decode_headers(mut blob: &[u8]) -> Result<Vec<(String, String)>, Corrupt> {
    let mut headers = Vec::new();
    while !blob.is_empty() {
        let name = take(&mut blob)?;
        let value = take(&mut blob)?;
        headers.push((name, value));
    }
    Ok(headers)
}

fn put(blob: &mut Vec<u8>, bytes: &[u8]) {
    // A header longer than 4 GiB cannot be published through any broker; saturating keeps the
    // encoder total, and the decoder then reports the blob as corrupt instead of misreading it.
    let length = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    blob.extend_from_slice(&length.to_le_bytes());
    blob.extend_from_slice(bytes);
}

fn take(blob: &mut &[u8]) -> Result<String, Corrupt> {
    let (length, rest) = blob
        .split_first_chunk::<4>()
        .ok_or_else(|| Corrupt("truncated header length".to_owned()))?;
    let length =
        usize::try_from(u32::from_le_bytes(*length)).map_err(|_| Corrupt("header length out of range".to_owned()))?;
    if rest.len() < length {
        return Err(Corrupt("truncated header".to_owned()));
    }
    let (text, rest) = rest.split_at(length);
    *blob = rest;
    String::from_utf8(text.to_vec()).map_err(|_| Corrupt("header is not UTF-8".to_owned()))
}

/// The wall clock in Unix milliseconds; visibility deadlines must survive a restart, so they
/// cannot use a monotonic clock.
pub(super) fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, millis)
}

/// A duration in whole milliseconds, saturating.
pub(super) fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// A stream sequence as stored (SQLite integers are signed).
pub(super) fn to_db(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

/// A stored stream sequence or count.
pub(super) fn from_db(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_survive_the_blob() {
        let headers = vec![
            ("Nats-Msg-Id".to_owned(), "0192".to_owned()),
            ("Empty".to_owned(), String::new()),
            ("traceparent".to_owned(), "00-ab-cd-01".to_owned()),
            ("Empty".to_owned(), "second value, same name: 漢字".to_owned()),
        ];
        let blob = encode_headers(&headers);
        assert_eq!(decode_headers(&blob).expect("decodes"), headers);
        assert!(decode_headers(&encode_headers(&[])).expect("decodes").is_empty());
    }

    #[test]
    fn a_damaged_blob_is_reported() {
        let blob = encode_headers(&[("name".to_owned(), "value".to_owned())]);
        assert!(decode_headers(&blob[..blob.len() - 1]).is_err());
        assert!(decode_headers(&blob[..2]).is_err());
        assert!(decode_headers(&[4, 0, 0, 0, 0xff, 0xfe, 0xfd, 0xfc, 0, 0, 0, 0]).is_err());
    }
}
