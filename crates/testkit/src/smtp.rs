//! A real SMTP server for tests: [`SmtpServer`] runs `aiosmtpd` (PyPI, pinned in scripts/test)
//! on a free loopback port, delivering every message it accepts into a Maildir, and can be
//! stopped and started again on the same port and Maildir to play an outage.
//!
//! The interpreter is `$REDRESS_PYTHON` when set, else `python3`; it must import `aiosmtpd`
//! (`pip install aiosmtpd==1.4.6`). A test asks [`server_or_skip`] first: without one it fails
//! under `CI=true` and otherwise says `SKIPPED` loudly; it never passes silently.

use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The variable that names the Python interpreter to use.
pub const PYTHON_ENV: &str = "REDRESS_PYTHON";

const STARTUP: Duration = Duration::from_secs(15);

/// The interpreter, if it can import aiosmtpd.
pub fn available() -> Result<PathBuf, String> {
    python_importing("aiosmtpd", "aiosmtpd==1.4.6")
}

/// The interpreter (`$REDRESS_PYTHON`, else `python3`), if it can import `module`; else what to
/// install (`requirement`).
pub(crate) fn python_importing(module: &str, requirement: &str) -> Result<PathBuf, String> {
    let python = std::env::var_os(PYTHON_ENV).map_or_else(|| PathBuf::from("python3"), PathBuf::from);
    let output = Command::new(&python)
        .args(["-c", &format!("import {module}")])
        .output()
        .map_err(|error| format!("running {}: {error}", python.display()))?;
    if output.status.success() {
        Ok(python)
    } else {
        Err(format!(
            "{} cannot import {module} (pip install '{requirement}')",
            python.display()
        ))
    }
}

/// The interpreter for `test`, or `None` after a loud `SKIPPED` line when there is none.
///
/// # Panics
/// Under `CI=true` when aiosmtpd is missing: CI never skips.
pub fn server_or_skip(test: &str) -> Option<PathBuf> {
    match available() {
        Ok(python) => Some(python),
        Err(reason) if crate::nats::is_ci() => {
            panic!("{test}: {reason}; under CI=true a missing SMTP server is a failure")
        }
        Err(reason) => {
            eprintln!("SKIPPED: {test}: {reason}");
            None
        }
    }
}

/// A message the server accepted, as its Maildir file holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The whole message, headers and body, as received.
    pub raw: String,
}

impl Received {
    /// The first header of that name (case ignored), unfolded; encoded words are left as sent.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.raw.split("\r\n\r\n").next().unwrap_or_default();
        let head = head.split("\n\n").next().unwrap_or_default();
        let mut value: Option<String> = None;
        for line in head.lines() {
            let line = line.trim_end_matches('\r');
            if let Some(current) = value.as_mut() {
                if line.starts_with([' ', '\t']) {
                    current.push_str(line.trim_start());
                    continue;
                }
                break;
            }
            if let Some((key, rest)) = line.split_once(':')
                && key.eq_ignore_ascii_case(name)
            {
                value = Some(rest.trim().to_owned());
            }
        }
        value
    }
}

/// A running aiosmtpd writing to a Maildir; killed when dropped.
#[derive(Debug)]
pub struct SmtpServer {
    python: PathBuf,
    port: u16,
    dir: TempDir,
    child: Option<Child>,
}

impl SmtpServer {
    /// Starts a server on a free port.
    pub async fn start(python: &Path) -> Result<Self, String> {
        let dir = tempfile::tempdir().map_err(|error| format!("a temporary directory: {error}"))?;
        let mut server = Self {
            python: python.to_owned(),
            port: 0,
            dir,
            child: None,
        };
        let mut last_error = String::new();
        for _ in 0..3 {
            server.port = crate::nats::free_port()?;
            match server.launch().await {
                Ok(()) => return Ok(server),
                Err(error) => last_error = error,
            }
        }
        Err(last_error)
    }

    /// The port it listens on (also while stopped: it comes back on the same one).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops it (SIGKILL): connections are refused until [`SmtpServer::resume`].
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and Maildir.
    pub async fn resume(&mut self) -> Result<(), String> {
        self.launch().await
    }

    /// Every message accepted so far, in no particular order.
    pub fn messages(&self) -> Vec<Received> {
        let new = self.dir.path().join("maildir").join("new");
        let Ok(entries) = std::fs::read_dir(new) else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .filter_map(|entry| std::fs::read(entry.path()).ok())
            .map(|bytes| Received {
                raw: String::from_utf8_lossy(&bytes).into_owned(),
            })
            .collect()
    }

    async fn launch(&mut self) -> Result<(), String> {
        let log_path = self.dir.path().join("server.log");
        let log = std::fs::File::options()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(|error| format!("{}: {error}", log_path.display()))?;
        let errors = log.try_clone().map_err(|error| error.to_string())?;
        let child = Command::new(&self.python)
            .args(["-m", "aiosmtpd", "-n", "-u", "-l"])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(self.dir.path().join("maildir"))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(errors)
            .spawn()
            .map_err(|error| format!("starting aiosmtpd: {error}"))?;
        self.child = Some(child);
        let deadline = Instant::now() + STARTUP;
        loop {
            if let Some(status) = self.child.as_mut().and_then(|child| child.try_wait().ok().flatten()) {
                self.child = None;
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                return Err(format!("aiosmtpd exited with {status} on port {}: {log}", self.port));
            }
            let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                self.stop();
                return Err(format!("aiosmtpd did not listen on port {} in time", self.port));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_read_unfolded_and_case_blind() {
        let message = Received {
            raw: "Message-ID: <a@b>\r\nSubject: =?utf-8?b?5Y+X?=\r\n =?utf-8?b?55CG?=\r\nTo: x@y\r\n\r\nbody\r\n"
                .into(),
        };
        assert_eq!(message.header("message-id").as_deref(), Some("<a@b>"));
        assert_eq!(
            message.header("Subject").as_deref(),
            Some("=?utf-8?b?5Y+X?==?utf-8?b?55CG?=")
        );
        assert_eq!(message.header("From"), None);
    }
}
