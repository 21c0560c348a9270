//! `cartbridge demo`, the README's first command: started on a free port, it builds the store
//! (saying so), and the curl commands it prints, run as printed through `sh` and the machine's
//! curl, return the demo store's data on both protocols; `demo --curl` prints fresh ones.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::shop::envelope;
use common::{binary, free_port, require_program};

/// The demo server, stopped when the test ends (also on failure).
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The printed commands: every line that starts with `curl `.
fn curl_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| l.starts_with("curl "))
        .map(str::to_string)
        .collect()
}

/// Runs a printed command as a person pasting it into a shell would.
fn paste(command: &str) -> String {
    require_program("curl");
    let out = Command::new("sh").arg("-c").arg(command).output().unwrap();
    assert!(
        out.status.success(),
        "{command}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn start_demo(dir: &Path, listen: &str) -> (Running, String) {
    let mut child = Command::new(binary())
        .args(["demo", "--listen", listen, "--dir"])
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let running = Running(child);
    let mut printed = String::new();
    while !printed.contains("Serving on") {
        let mut line = String::new();
        let n = reader.read_line(&mut line).unwrap();
        assert!(n > 0, "the demo stopped before serving:\n{printed}");
        printed.push_str(&line);
    }
    (running, printed)
}

#[test]
fn the_printed_curl_commands_return_data() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cartbridge-demo");
    let listen = format!("127.0.0.1:{}", free_port());
    let (_demo, printed) = start_demo(&dir, &listen);
    assert!(
        printed.starts_with("cartbridge demo: building the demo store in"),
        "{printed}"
    );
    let commands = curl_lines(&printed);
    assert_eq!(commands.len(), 5, "{printed}");

    assert!(paste(&commands[0]).starts_with("BRIDGE INSTALLED"));
    assert_eq!(paste(&commands[1]), "BRIDGE_OK");
    let query = paste(&commands[2]);
    assert!(query.contains(r#"s:8:"products";i:19;"#), "{query}");
    let info = envelope(paste(&commands[3]).as_bytes());
    assert_eq!(info["result"]["store_name"], "Your Store", "{info}");
    let count = envelope(paste(&commands[4]).as_bytes());
    assert_eq!(count["result"]["count"], 19, "{count}");
    // A native command works once: its nonce is single-use, as printed.
    let again = envelope(paste(&commands[4]).as_bytes());
    assert_eq!(again["return_code"], 401, "{again}");

    let fresh = Command::new(binary())
        .args(["demo", "--curl", "--listen", &listen, "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(fresh.status.success());
    let fresh = curl_lines(&String::from_utf8_lossy(&fresh.stdout));
    assert_eq!(fresh.len(), 5);
    let count = envelope(paste(&fresh[4]).as_bytes());
    assert_eq!(count["result"]["count"], 19, "{count}");
}

#[test]
fn demo_curl_without_a_demo_store_says_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(binary())
        .args(["demo", "--curl", "--dir"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(message.contains("run `cartbridge demo` first"), "{message}");
}
