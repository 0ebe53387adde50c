//! Interoperability with the real JavaScript client: `tests/js/interop.mjs` uses
//! `@automerge/automerge-repo` and `@automerge/automerge-repo-network-websocket` (2.5.x, pinned by
//! the committed package-lock.json) to connect to a real `doithoai-server` with a collector's
//! token, read the ward document, and ask for another TDP's intake document, which the server
//! must refuse without ever sending it.
//!
//! Needs `node` and `tests/js/node_modules` (`npm ci` in tests/js, as `.ci/run` does). Without
//! them the test is skipped with a message, except under CI (`CI` set), where it fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use doithoai_e2e::{Server, enroll_raw};

/// The ward's name, with its diacritics: it must come through the JavaScript client intact.
const WARD_NAME: &str = "Phường Dĩnh Kế";

/// Whether this run is CI's (`CI` set to anything but empty, `0` or `false`).
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

/// The JavaScript project directory, or `None` (with the reason printed) when the test cannot
/// run here. Under CI a missing piece fails the test instead.
fn js_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("js");
    let node = Command::new("node")
        .arg("--version")
        .stdin(Stdio::null())
        .output();
    let missing = match node {
        Ok(out) if out.status.success() => {
            if dir.join("node_modules/@automerge/automerge-repo").is_dir()
                && dir
                    .join("node_modules/@automerge/automerge-repo-network-websocket")
                    .is_dir()
            {
                None
            } else {
                Some(format!(
                    "{}/node_modules is missing: run `npm ci` in {}",
                    dir.display(),
                    dir.display()
                ))
            }
        }
        _ => Some("`node` is not installed".to_owned()),
    };
    match missing {
        None => Some(dir),
        Some(why) if in_ci() => panic!("the JavaScript interop test cannot run under CI: {why}"),
        Some(why) => {
            eprintln!("SKIPPED: JavaScript interop test not run: {why}");
            None
        }
    }
}

/// The document id in output holding `automerge:ID`.
fn doc_id_in(out: &str) -> String {
    out.split_whitespace()
        .find_map(|w| w.strip_prefix("automerge:"))
        .unwrap_or_else(|| panic!("no automerge: URL in {out:?}"))
        .to_owned()
}

/// Runs `node interop.mjs ARGS` with a hard bound and returns its JSON result, exit status
/// and stderr.
fn run_script(
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (serde_json::Value, bool, String) {
    let mut child = Command::new("node")
        .arg("interop.mjs")
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start node");
    // The script has its own hard timeout (20 s); this bound only guards against node itself.
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        if child.try_wait().expect("wait for node").is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().expect("node output");
            panic!(
                "node interop.mjs did not end within 40 s: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("node output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .unwrap_or_else(|| panic!("no JSON result from interop.mjs: {stdout}{stderr}"));
    let json: serde_json::Value = serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("bad JSON result {line:?}: {e}; {stderr}"));
    (json, out.status.success(), stderr)
}

#[test]
fn javascript_client_reads_the_ward_and_is_refused_another_tdps_intake() {
    let Some(js) = js_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    // Debug logs of the share policy and of samod's sync messages: the protocol-level record
    // of what the server decided and sent.
    let server = Server::start_with_env(
        tmp.path().join("server"),
        vec![(
            "DOITHOAI_LOG".into(),
            "info,doithoai_sync::policy=debug,samod=debug".into(),
        )],
    );
    let ward_doc = doc_id_in(&server.admin(&["ward", "create", "--id", "dk", "--name", WARD_NAME]));
    let intake_a = doc_id_in(&server.admin(&[
        "point", "add", "--ward", "dk", "--kind", "tdp", "--id", "tdp-a", "--name", "TDP A",
    ]));
    let intake_b = doc_id_in(&server.admin(&[
        "point", "add", "--ward", "dk", "--kind", "tdp", "--id", "tdp-b", "--name", "TDP B",
    ]));
    let code = server.add_device("dk", "collector", Some("tdp-a"), "Laptop TDP A");
    let enrolled = enroll_raw(&server, &code);
    let token = enrolled["token"].as_str().expect("token");
    let peer = enrolled["peer_id"].as_str().expect("peer_id");
    let ward_url = enrolled["documents"]["ward"].as_str().expect("ward URL");
    assert_eq!(ward_url, format!("automerge:{ward_doc}"));
    assert_eq!(
        enrolled["documents"]["intake"].as_str(),
        Some(format!("automerge:{intake_a}").as_str())
    );
    let refused_url = format!("automerge:{intake_b}");
    // Over wss: Node trusts the server's self-signed certificate as an extra CA.
    let sync_url = format!("{}?token={token}", server.ws_url());
    let ca = server.dir.join("tls-cert.pem");
    let ca = ca.to_str().expect("path");
    let node_env = [("NODE_EXTRA_CA_CERTS", ca)];

    let (result, ok, stderr) =
        run_script(&js, &[&sync_url, peer, ward_url, &refused_url], &node_env);
    eprintln!("interop.mjs: {result}");
    assert!(ok, "interop.mjs failed: {result}\n{stderr}");
    assert_eq!(result["ok"], true, "{result}");
    assert_eq!(result["peer_id"], peer, "{result}");
    assert_eq!(result["server_peer_id"], "doithoai-server", "{result}");
    assert_eq!(result["ward"]["name"], WARD_NAME, "{result}");
    assert_eq!(result["ward"]["type"], "ward", "{result}");
    assert_eq!(result["refused"]["refused"], true, "{result}");
    assert_eq!(result["refused"]["leaked"], false, "{result}");
    assert!(
        result["refused"]["error"]
            .as_str()
            .is_some_and(|e| e.contains("unavailable")),
        "{result}"
    );

    // Protocol level, as the JavaScript client saw it: the ward document came as sync data,
    // the refused one only as "doc-unavailable", never with data.
    let received = result["received"].as_array().expect("received messages");
    assert!(
        received.iter().any(|m| m["type"] == "sync"
            && m["documentId"] == ward_doc.as_str()
            && m["bytes"].as_u64() > Some(0)),
        "no sync data for the ward document: {result}"
    );
    let about_b: Vec<_> = received
        .iter()
        .filter(|m| m["documentId"] == intake_b.as_str())
        .collect();
    assert!(
        !about_b.is_empty() && about_b.iter().all(|m| m["type"] == "doc-unavailable"),
        "the server's messages about TDP B's intake: {about_b:?}"
    );

    // Protocol level, as the server logged it: it decided "none" for TDP B's intake and this
    // peer, and generated sync messages for the ward document but never for TDP B's intake.
    let log = server.log();
    assert!(
        log.lines().any(|l| l.contains("share decision")
            && l.contains(&intake_b)
            && l.contains(peer)
            && l.contains("None")),
        "the server log has no refusal of TDP B's intake for {peer}:\n{log}"
    );
    let generated = |doc: &str| {
        log.lines()
            .filter(|l| l.contains(doc) && l.contains("direction=\"generated\""))
            .count()
    };
    assert!(
        generated(&ward_doc) > 0,
        "the server log records no sync message sent for the ward document (has samod's log \
         format changed?):\n{log}"
    );
    assert_eq!(
        generated(&intake_b),
        0,
        "the server generated sync messages for TDP B's intake:\n{log}"
    );

    // The same client claiming another peer id than its token's is closed before any answer.
    let (result, ok, _) = run_script(
        &js,
        &[&sync_url, "device-someone-else", ward_url, &refused_url],
        &[("DOITHOAI_CONNECT_MS", "5000"), node_env[0]],
    );
    eprintln!("interop.mjs with another peer id: {result}");
    assert!(!ok, "a client claiming another peer id succeeded: {result}");
    assert_eq!(result["phase"], "connect", "{result}");
    assert!(result["server_peer_id"].is_null(), "{result}");
    assert!(
        result["received"].as_array().is_some_and(|r| r.is_empty()),
        "{result}"
    );
    assert!(
        result["server_error"]
            .as_str()
            .is_some_and(|e| e.contains("mismatch")),
        "{result}"
    );

    // And a wrong token is refused at the websocket upgrade.
    let bad_url = format!("{}?token={}", server.ws_url(), "0".repeat(64));
    let (result, ok, _) = run_script(&js, &[&bad_url, peer, ward_url, &refused_url], &node_env);
    eprintln!("interop.mjs with a wrong token: {result}");
    assert!(!ok, "a wrong token succeeded: {result}");
    assert!(
        result["error"].as_str().is_some_and(|e| e.contains("401")),
        "{result}"
    );
}
