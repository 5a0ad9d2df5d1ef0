//! Starting `redress up` as a real process and talking to it.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub const ADMIN_TOKEN: &str = "process-test-admin-token-42";

/// A running `redress up`.
pub struct Product {
    pub child: Child,
    pub base_url: String,
    /// What it printed before its `console:` line.
    pub startup_lines: Vec<String>,
    lines: mpsc::Receiver<String>,
}

impl Product {
    /// Starts `redress up` on `data_dir` with extra environment; waits for its `console:` line.
    pub fn start(data_dir: &Path, env: &[(&str, &str)]) -> Product {
        Self::start_with(data_dir, env, &[])
    }

    /// As [`Product::start`], with more arguments to `redress up`.
    pub fn start_with(data_dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Product {
        let mut up = vec![
            "up",
            "--http",
            "127.0.0.1:0",
            "--admin-token",
            ADMIN_TOKEN,
            "--data-dir",
        ];
        let data_dir = data_dir.to_str().expect("a UTF-8 path");
        up.push(data_dir);
        up.extend_from_slice(args);
        let env: Vec<(String, String)> = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let (child, lines, startup_lines, ready) = spawn_until(&up, &env, "console: ");
        Product {
            child,
            base_url: ready.trim_end_matches('/').to_owned(),
            startup_lines,
            lines,
        }
    }

    /// Lines printed since start-up.
    #[allow(dead_code)]
    pub fn try_line(&self) -> Option<String> {
        self.lines.try_recv().ok()
    }

    /// Waits for the process to end (it killed itself at a crash hook).
    pub fn wait_for_death(&mut self, timeout: Duration) -> std::process::ExitStatus {
        testkit::wait_until_blocking(timeout, || self.child.try_wait().ok().flatten())
            .expect("the process died at its crash hook")
    }

    /// Sends a signal and waits for the exit status.
    pub fn signal(&mut self, signal: &str) -> std::process::ExitStatus {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        testkit::wait_until_blocking(Duration::from_secs(30), || self.child.try_wait().ok().flatten())
            .expect("the process ends")
    }
}

impl Drop for Product {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A blocking HTTP client.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

/// A process started by [`spawn_ready`], killed when dropped.
pub struct Running {
    pub child: Child,
    /// The line that said it was ready (without its prefix).
    pub ready: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    /// Kills the process with SIGKILL and waits for it.
    pub fn kill(&mut self) {
        let _ = Command::new("kill").args(["-9", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }
}

/// Starts `redress <args>` with `env` and waits for a stdout line starting with `prefix`.
pub fn spawn_ready(args: &[&str], env: &[(String, String)], prefix: &str) -> Running {
    let (child, _, _, ready) = spawn_until(args, env, prefix);
    Running { child, ready }
}

/// Starts `redress <args>` with `env`; returns the child, the rest of its stdout, the lines it
/// printed before the one starting with `prefix`, and that line without the prefix. A process
/// that never prints it within 60 s is killed and reaped, and the test fails.
fn spawn_until(
    args: &[&str],
    env: &[(String, String)],
    prefix: &str,
) -> (Child, mpsc::Receiver<String>, Vec<String>, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_redress"));
    command
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("redress starts");
    let stdout = child.stdout.take().expect("stdout");
    let (sender, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let mut before = Vec::new();
    loop {
        let Ok(line) = lines.recv_timeout(Duration::from_secs(60)) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`{prefix}` not printed within 60 s");
        };
        match line.strip_prefix(prefix) {
            Some(rest) => return (child, lines, before, rest.trim().to_owned()),
            None => before.push(line),
        }
    }
}
