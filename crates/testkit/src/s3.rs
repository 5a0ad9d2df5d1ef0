//! A real S3-compatible server for tests: [`S3Server`] runs moto's server (PyPI `moto[server]`,
//! pinned in scripts/test) on a free loopback port, in memory, and makes the buckets a test
//! needs with a plain HTTP request.
//!
//! The interpreter is `$REDRESS_PYTHON` when set, else `python3`; it must import `moto.server`.
//! A test asks [`server_or_skip`] first: without one it fails under `CI=true` and otherwise says
//! `SKIPPED` loudly; it never passes silently.

use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const STARTUP: Duration = Duration::from_secs(30);

/// The interpreter, if it can import moto's server.
pub fn available() -> Result<PathBuf, String> {
    crate::smtp::python_importing("moto.server", "moto[server]==5.2.1")
}

/// The interpreter for `test`, or `None` after a loud `SKIPPED` line when there is none.
///
/// # Panics
/// Under `CI=true` when moto is missing: CI never skips.
pub fn server_or_skip(test: &str) -> Option<PathBuf> {
    match available() {
        Ok(python) => Some(python),
        Err(reason) if crate::nats::is_ci() => {
            panic!("{test}: {reason}; under CI=true a missing S3 server is a failure")
        }
        Err(reason) => {
            eprintln!("SKIPPED: {test}: {reason}");
            None
        }
    }
}

/// A running moto server; killed when dropped.
#[derive(Debug)]
pub struct S3Server {
    port: u16,
    child: Child,
}

impl S3Server {
    /// Starts a server on a free port and waits until it answers.
    pub async fn start(python: &Path) -> Result<Self, String> {
        let port = crate::nats::free_port()?;
        let child = Command::new(python)
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|error| format!("starting moto's server: {error}"))?;
        let mut server = Self { port, child };
        let started = Instant::now();
        loop {
            if server.request("GET", "/", &[]).is_ok_and(|(status, _)| status == 200) {
                return Ok(server);
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("moto's server exited with {status}"));
            }
            if started.elapsed() > STARTUP {
                return Err(format!(
                    "moto's server did not answer on port {port} within {STARTUP:?}"
                ));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The endpoint to give an S3 client (`http://127.0.0.1:PORT`).
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Makes a bucket.
    pub fn create_bucket(&self, bucket: &str) -> Result<(), String> {
        match self.request("PUT", &format!("/{bucket}"), &[])? {
            (200, _) => Ok(()),
            (status, body) => Err(format!(
                "creating bucket {bucket}: {status} {}",
                String::from_utf8_lossy(&body)
            )),
        }
    }

    /// One plain HTTP/1.1 request (no signature: moto does not check one by default).
    fn request(&self, method: &str, path: &str, body: &[u8]) -> Result<(u16, Vec<u8>), String> {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(2)).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.port,
            body.len()
        );
        stream.write_all(head.as_bytes()).map_err(|e| e.to_string())?;
        stream.write_all(body).map_err(|e| e.to_string())?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).map_err(|e| e.to_string())?;
        let split = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or("no end of headers in the answer")?;
        let head = String::from_utf8_lossy(&response[..split]).into_owned();
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("no status in `{head}`"))?;
        let mut content = response[split + 4..].to_vec();
        if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            content = dechunk(&content);
        }
        Ok((status, content))
    }
}

/// The body of a chunked answer.
fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&data[..line_end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok())
            .unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        let end = (start + size).min(data.len());
        out.extend_from_slice(&data[start..end]);
        data = data.get(end + 2..).unwrap_or_default();
    }
    out
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
