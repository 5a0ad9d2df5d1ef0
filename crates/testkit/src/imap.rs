//! A real IMAP server for tests: [`ImapServer`] runs Debian's Dovecot (`dovecot-imapd`)
//! unprivileged on a free loopback port, with one passwd-file user whose Maildir lives in a
//! temporary directory. Mail is delivered by writing a file into the Maildir's `new/`.
//! [`ImapServer::start_with_tls`] also offers STARTTLS and implicit TLS (IMAPS) with a
//! certificate for 127.0.0.1 from a test CA made by the `openssl` command (Dovecot's package
//! depends on it); trust the CA through [`ImapServer::ca_file`].
//!
//! The binary is `$REDRESS_DOVECOT` when set, else `/usr/sbin/dovecot`, else `dovecot` on the
//! `PATH`. Run as root, the server runs as `nobody` (Dovecot refuses root for its login
//! processes); otherwise as the current user. A test asks [`server_or_skip`] first: without a
//! binary it fails under `CI=true` and otherwise says `SKIPPED` loudly; it never passes silently.

use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The variable that names the Dovecot binary to use.
pub const DOVECOT_ENV: &str = "REDRESS_DOVECOT";

/// The mailbox user's name and password.
pub const USER: &str = "complaints";
pub const PASSWORD: &str = "imap-test-password";

const STARTUP: Duration = Duration::from_secs(15);

/// The Dovecot binary, if one runs.
pub fn available() -> Result<PathBuf, String> {
    let candidates: Vec<PathBuf> = match std::env::var_os(DOVECOT_ENV) {
        Some(path) => vec![PathBuf::from(path)],
        None => vec![PathBuf::from("/usr/sbin/dovecot"), PathBuf::from("dovecot")],
    };
    let mut reasons = Vec::new();
    for binary in candidates {
        match Command::new(&binary).arg("--version").output() {
            Ok(output) if output.status.success() => return Ok(binary),
            Ok(output) => reasons.push(format!("{} --version exited with {}", binary.display(), output.status)),
            Err(error) => reasons.push(format!("running {}: {error}", binary.display())),
        }
    }
    Err(format!(
        "no Dovecot ({}); install Debian's dovecot-imapd",
        reasons.join("; ")
    ))
}

/// The binary for `test`, or `None` after a loud `SKIPPED` line when there is none.
///
/// # Panics
/// Under `CI=true` when Dovecot is missing: CI never skips.
pub fn server_or_skip(test: &str) -> Option<PathBuf> {
    match available() {
        Ok(binary) => Some(binary),
        Err(reason) if crate::nats::is_ci() => {
            panic!("{test}: {reason}; under CI=true a missing IMAP server is a failure")
        }
        Err(reason) => {
            eprintln!("SKIPPED: {test}: {reason}");
            None
        }
    }
}

/// Who the server runs as: (user name, group name, uid, gid), and whether to switch to it.
struct Account {
    user: String,
    group: String,
    uid: u32,
    gid: u32,
    switch: bool,
}

fn id(flag: &str) -> Result<String, String> {
    let output = Command::new("id")
        .arg(flag)
        .output()
        .map_err(|error| format!("running id {flag}: {error}"))?;
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

fn account() -> Result<Account, String> {
    let uid: u32 = id("-u")?.parse().map_err(|_| "id -u is not a number".to_owned())?;
    if uid == 0 {
        // Debian's nobody/nogroup.
        return Ok(Account {
            user: "nobody".into(),
            group: "nogroup".into(),
            uid: 65534,
            gid: 65534,
            switch: true,
        });
    }
    Ok(Account {
        user: id("-un")?,
        group: id("-gn")?,
        uid,
        gid: id("-g")?.parse().map_err(|_| "id -g is not a number".to_owned())?,
        switch: false,
    })
}

/// A running Dovecot with one mailbox user; stopped when dropped.
pub struct ImapServer {
    binary: PathBuf,
    port: u16,
    /// The IMAPS port, when TLS is offered.
    tls_port: Option<u16>,
    dir: TempDir,
    account: Account,
    child: Option<Child>,
}

impl std::fmt::Debug for ImapServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImapServer")
            .field("port", &self.port)
            .field("dir", &self.dir.path())
            .finish_non_exhaustive()
    }
}

impl ImapServer {
    /// Starts a server offering plain IMAP on a free port.
    pub async fn start(binary: &Path) -> Result<Self, String> {
        Self::start_offering(binary, false).await
    }

    /// Starts a server offering plain IMAP with STARTTLS on [`ImapServer::port`] and IMAPS on
    /// [`ImapServer::tls_port`], with a self-signed certificate for 127.0.0.1.
    pub async fn start_with_tls(binary: &Path) -> Result<Self, String> {
        Self::start_offering(binary, true).await
    }

    async fn start_offering(binary: &Path, tls: bool) -> Result<Self, String> {
        let dir = tempfile::tempdir().map_err(|error| format!("a temporary directory: {error}"))?;
        let mut server = Self {
            binary: binary.to_owned(),
            port: 0,
            tls_port: None,
            dir,
            account: account()?,
            child: None,
        };
        server.lay_out()?;
        if tls {
            server.certify()?;
        }
        let mut last_error = String::new();
        for _ in 0..3 {
            server.port = crate::nats::free_port()?;
            if tls {
                server.tls_port = Some(crate::nats::free_port()?);
            }
            match server.launch().await {
                Ok(()) => return Ok(server),
                Err(error) => last_error = error,
            }
        }
        Err(last_error)
    }

    /// The port it listens on (plain IMAP on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The IMAPS port.
    ///
    /// # Panics
    /// When the server was started without TLS.
    pub fn tls_port(&self) -> u16 {
        self.tls_port.expect("started with TLS")
    }

    /// The PEM certificate of the test CA a client trusts to reach the server over TLS.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// The user's Maildir.
    pub fn maildir(&self) -> PathBuf {
        self.dir.path().join("home").join(USER).join("Maildir")
    }

    /// Delivers a message: written into the Maildir's `tmp/`, then moved into `new/`.
    pub fn deliver(&self, raw: &[u8]) -> Result<(), String> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let name = format!(
            "{}.M{}P{}Q{}.redress-test",
            stamp.as_secs(),
            stamp.subsec_micros(),
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let tmp = self.maildir().join("tmp").join(&name);
        std::fs::write(&tmp, raw).map_err(|error| format!("{}: {error}", tmp.display()))?;
        self.own(&tmp)?;
        let new = self.maildir().join("new").join(&name);
        std::fs::rename(&tmp, &new).map_err(|error| format!("{}: {error}", new.display()))
    }

    /// The server's log so far (for a failing test's message).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
    }

    /// Stops it: SIGTERM to the master (which stops its children), SIGKILL if it lingers.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .stderr(Stdio::null())
                .status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn own(&self, path: &Path) -> Result<(), String> {
        if self.account.switch {
            std::os::unix::fs::chown(path, Some(self.account.uid), Some(self.account.gid))
                .map_err(|error| format!("chown {}: {error}", path.display()))?;
        }
        Ok(())
    }

    /// The directories, the passwd file; owned by the server's account.
    fn lay_out(&self) -> Result<(), String> {
        let root = self.dir.path();
        let maildir = self.maildir();
        let mut made = vec![root.to_owned(), root.join("run"), root.join("state"), root.join("home")];
        made.push(root.join("home").join(USER));
        made.push(maildir.clone());
        for sub in ["new", "cur", "tmp"] {
            made.push(maildir.join(sub));
        }
        for dir in &made {
            std::fs::create_dir_all(dir).map_err(|error| format!("{}: {error}", dir.display()))?;
            self.own(dir)?;
        }
        let passwd = root.join("passwd");
        let line = format!(
            "{USER}:{{PLAIN}}{PASSWORD}:{}:{}::{}\n",
            self.account.uid,
            self.account.gid,
            root.join("home").join(USER).display()
        );
        std::fs::write(&passwd, line).map_err(|error| format!("{}: {error}", passwd.display()))?;
        self.own(&passwd)?;
        Ok(())
    }

    /// A test CA (`ca.pem`) and the server's certificate for 127.0.0.1 and localhost signed by
    /// it (`cert.pem`, `key.pem`): webpki refuses a CA certificate as the server's own.
    fn certify(&self) -> Result<(), String> {
        let root = self.dir.path();
        let openssl = |args: &[&str]| -> Result<(), String> {
            let output = Command::new("openssl")
                .args(args)
                .current_dir(root)
                .output()
                .map_err(|error| format!("running openssl: {error}"))?;
            if output.status.success() {
                Ok(())
            } else {
                Err(format!(
                    "openssl {}: {}",
                    args.join(" "),
                    String::from_utf8_lossy(&output.stderr)
                ))
            }
        };
        const NEW_KEY: [&str; 5] = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
        openssl(
            &[
                &["req", "-x509"][..],
                &NEW_KEY,
                &["-days", "2", "-subj", "/CN=redress test CA"],
                &["-keyout", "ca.key", "-out", "ca.pem"],
            ]
            .concat(),
        )?;
        openssl(
            &[
                &["req"][..],
                &NEW_KEY,
                &["-subj", "/CN=localhost", "-keyout", "key.pem", "-out", "server.csr"],
            ]
            .concat(),
        )?;
        let extensions = "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
                          keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n";
        std::fs::write(root.join("server.ext"), extensions).map_err(|error| format!("server.ext: {error}"))?;
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "cert.pem",
        ])?;
        self.own(&root.join("cert.pem"))?;
        self.own(&root.join("key.pem"))
    }

    /// The TLS settings and the IMAPS listener's body.
    fn tls_config(&self) -> (String, String) {
        let root = self.dir.path().display();
        match self.tls_port {
            None => ("ssl = no\n".into(), "    port = 0\n".into()),
            Some(port) => (
                format!("ssl = yes\nssl_cert = <{root}/cert.pem\nssl_key = <{root}/key.pem\n"),
                format!("    address = 127.0.0.1\n    port = {port}\n    ssl = yes\n"),
            ),
        }
    }

    fn config(&self) -> String {
        let root = self.dir.path().display();
        let Account { user, group, .. } = &self.account;
        let (tls, imaps) = self.tls_config();
        format!(
            "base_dir = {root}/run
state_dir = {root}/state
instance_name = redress-test-{port}
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
{tls}disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = 1
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
service imap-login {{
  chroot =
  user = {user}
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
{imaps}  }}
}}
service anvil {{
  chroot =
}}
service auth {{
  user = {user}
}}
service auth-worker {{
  user = {user}
}}
",
            port = self.port
        )
    }

    async fn launch(&mut self) -> Result<(), String> {
        let config_path = self.dir.path().join("dovecot.conf");
        std::fs::write(&config_path, self.config()).map_err(|error| format!("{}: {error}", config_path.display()))?;
        self.own(&config_path)?;
        let mut command = Command::new(&self.binary);
        command
            .arg("-F")
            .arg("-c")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if self.account.switch {
            use std::os::unix::process::CommandExt as _;
            command.uid(self.account.uid).gid(self.account.gid);
        }
        let child = command
            .spawn()
            .map_err(|error| format!("starting {}: {error}", self.binary.display()))?;
        self.child = Some(child);
        let deadline = Instant::now() + STARTUP;
        loop {
            if let Some(status) = self.child.as_mut().and_then(|child| child.try_wait().ok().flatten()) {
                self.child = None;
                return Err(format!(
                    "dovecot exited with {status} on port {}: {}",
                    self.port,
                    self.log()
                ));
            }
            let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                self.stop();
                return Err(format!(
                    "dovecot did not listen on port {} in time: {}",
                    self.port,
                    self.log()
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for ImapServer {
    fn drop(&mut self) {
        self.stop();
    }
}
