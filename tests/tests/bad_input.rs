//! Bad input on the sync websocket, against a real `doithoai-server` process: a wrong, missing or
//! revoked token, a text frame, random bytes, an oversized frame, garbage CBOR, CBOR that is no
//! automerge-repo message, broken automerge data inside a valid message, a handshake (or a
//! message) that claims another peer id than the token's, and too many connections of one
//! device. Each gets a clear refusal, and after each the server still serves the others: a
//! bystander device that stayed connected the whole time still gets answers (it asks for
//! another TDP's intake and is told "doc-unavailable"), a new device can enrol, connect and get
//! the ward document, and `/healthz` answers 200. `/metrics` counts the refused tokens and
//! frames.
//!
//! The automerge-repo messages are written by hand (CBOR maps, as the JavaScript client sends
//! them) so that the test sees exactly what the server sends back. Every wait is bounded.

use std::time::{Duration, Instant};

use doithoai_e2e::{Server, enroll_raw};
use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How long any single wait in these tests may take.
const WAIT: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------------------------------------
// automerge-repo messages
// ---------------------------------------------------------------------------------------------

/// `{type: "join", senderId, peerMetadata: {isEphemeral: true}, supportedProtocolVersions: ["1"]}`
fn join_msg(peer: &str) -> Vec<u8> {
    let mut e = minicbor::Encoder::new(Vec::new());
    e.map(4).unwrap();
    e.str("type").unwrap().str("join").unwrap();
    e.str("senderId").unwrap().str(peer).unwrap();
    e.str("peerMetadata").unwrap().map(1).unwrap();
    e.str("isEphemeral").unwrap().bool(true).unwrap();
    e.str("supportedProtocolVersions").unwrap();
    e.array(1).unwrap().str("1").unwrap();
    e.into_writer()
}

/// A first automerge sync message from a peer that has nothing of the document.
fn first_sync_data() -> Vec<u8> {
    let doc = automerge::Automerge::new();
    let mut state = automerge::sync::State::new();
    use automerge::sync::SyncDoc;
    doc.generate_sync_message(&mut state)
        .expect("a first sync message")
        .encode()
}

/// `{type: "request", senderId, targetId, documentId, data}`
fn request_msg(peer: &str, server: &str, doc_id: &str) -> Vec<u8> {
    request_msg_with(peer, server, doc_id, &first_sync_data(), 0)
}

/// A request with the given sync data and, if `padding` > 0, an extra key of that many bytes
/// (the protocol ignores keys it does not know).
fn request_msg_with(
    peer: &str,
    server: &str,
    doc_id: &str,
    data: &[u8],
    padding: usize,
) -> Vec<u8> {
    let mut e = minicbor::Encoder::new(Vec::new());
    e.map(if padding > 0 { 6 } else { 5 }).unwrap();
    e.str("type").unwrap().str("request").unwrap();
    e.str("senderId").unwrap().str(peer).unwrap();
    e.str("targetId").unwrap().str(server).unwrap();
    e.str("documentId").unwrap().str(doc_id).unwrap();
    e.str("data").unwrap().bytes(data).unwrap();
    if padding > 0 {
        e.str("padding")
            .unwrap()
            .bytes(&vec![0u8; padding])
            .unwrap();
    }
    e.into_writer()
}

/// `{type: "sync", senderId, targetId, documentId, data}`
fn sync_msg(peer: &str, server: &str, doc_id: &str, data: &[u8]) -> Vec<u8> {
    let mut e = minicbor::Encoder::new(Vec::new());
    e.map(5).unwrap();
    e.str("type").unwrap().str("sync").unwrap();
    e.str("senderId").unwrap().str(peer).unwrap();
    e.str("targetId").unwrap().str(server).unwrap();
    e.str("documentId").unwrap().str(doc_id).unwrap();
    e.str("data").unwrap().bytes(data).unwrap();
    e.into_writer()
}

/// What the test reads of a message from the server.
#[derive(Debug, Default, Clone)]
struct RepoMsg {
    kind: String,
    sender: String,
    document: String,
    message: String,
    data_len: usize,
}

fn decode(bytes: &[u8]) -> Result<RepoMsg, String> {
    let mut d = minicbor::Decoder::new(bytes);
    let n = d
        .map()
        .map_err(|e| e.to_string())?
        .ok_or("indefinite map")?;
    let mut m = RepoMsg::default();
    for _ in 0..n {
        let key = d.str().map_err(|e| e.to_string())?.to_owned();
        let text = |d: &mut minicbor::Decoder| -> Result<String, String> {
            if d.probe().str().is_ok() {
                Ok(d.str().map_err(|e| e.to_string())?.to_owned())
            } else {
                d.skip().map_err(|e| e.to_string())?;
                Ok(String::new())
            }
        };
        match key.as_str() {
            "type" => m.kind = text(&mut d)?,
            "senderId" => m.sender = text(&mut d)?,
            "documentId" => m.document = text(&mut d)?,
            "message" => m.message = text(&mut d)?,
            "data" => m.data_len = d.bytes().map_err(|e| e.to_string())?.len(),
            _ => d.skip().map_err(|e| e.to_string())?,
        }
    }
    Ok(m)
}

// ---------------------------------------------------------------------------------------------
// A ward on a real server
// ---------------------------------------------------------------------------------------------

struct Ward {
    server: Server,
    ward_doc: String,
    intake_b: String,
    _tmp: tempfile::TempDir,
}

struct Device {
    id: String,
    token: String,
    peer: String,
    /// This device's own intake document (TDP A's).
    intake: String,
}

/// How a connection presents its token.
enum Auth<'a> {
    Header(&'a str),
    Query(&'a str),
    None,
}

/// A websocket after a completed automerge-repo handshake.
struct Joined {
    ws: Ws,
    peer: String,
    server_peer: String,
}

/// How a connection ended.
#[derive(Debug)]
enum Ended {
    /// A close frame with this code and reason.
    Close(u16, String),
    /// The stream ended or failed without a close frame.
    Gone(String),
}

/// The document id in a line holding `automerge:ID`.
fn doc_id_in(out: &str) -> String {
    out.split_whitespace()
        .find_map(|w| w.strip_prefix("automerge:"))
        .unwrap_or_else(|| panic!("no automerge: URL in {out:?}"))
        .to_owned()
}

impl Ward {
    fn start(env: &[(&str, &str)]) -> Ward {
        let tmp = tempfile::tempdir().unwrap();
        let env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let server = Server::start_with_env(tmp.path().join("server"), env);
        let out = server.admin(&["ward", "create", "--id", "dk", "--name", "Phường Dĩnh Kế"]);
        let ward_doc = doc_id_in(&out);
        for (id, name) in [("tdp-a", "TDP A"), ("tdp-b", "TDP B")] {
            server.admin(&[
                "point", "add", "--ward", "dk", "--kind", "tdp", "--id", id, "--name", name,
            ]);
        }
        let points = server.admin(&["point", "list", "--ward", "dk"]);
        let intake_b = doc_id_in(
            points
                .lines()
                .find(|l| l.starts_with("tdp-b"))
                .expect("tdp-b listed"),
        );
        Ward {
            server,
            ward_doc,
            intake_b,
            _tmp: tmp,
        }
    }

    /// Adds a collector of TDP A and enrols it.
    fn device(&self, name: &str) -> Device {
        self.device_at("tdp-a", name)
    }

    /// Adds a collector of `point` and enrols it.
    fn device_at(&self, point: &str, name: &str) -> Device {
        let code = self.server.add_device("dk", "collector", Some(point), name);
        let j = enroll_raw(&self.server, &code);
        let s = |k: &str| {
            j[k].as_str()
                .unwrap_or_else(|| panic!("no {k} in enrolment answer {j}"))
                .to_owned()
        };
        Device {
            id: s("device_id"),
            token: s("token"),
            peer: s("peer_id"),
            intake: j["documents"]["intake"]
                .as_str()
                .and_then(|u| u.strip_prefix("automerge:"))
                .expect("an intake document")
                .to_owned(),
        }
    }

    /// Opens `/sync`; a refusal comes back as its HTTP status and JSON body.
    async fn connect(&self, auth: Auth<'_>) -> Result<Ws, (u16, serde_json::Value)> {
        let base = self.server.ws_url();
        let url = match auth {
            Auth::Query(t) => format!("{base}?token={t}"),
            _ => base,
        };
        let mut req = url.into_client_request().unwrap();
        if let Auth::Header(t) = auth {
            req.headers_mut()
                .insert("authorization", format!("Bearer {t}").parse().unwrap());
        }
        match tokio::time::timeout(WAIT, self.server.ws_connect(req)).await {
            Err(_) => panic!("the websocket upgrade got no answer within {WAIT:?}"),
            Ok(Ok(ws)) => Ok(ws),
            Ok(Err(tungstenite::Error::Http(resp))) => {
                let body = resp.body().clone().unwrap_or_default();
                let json = serde_json::from_slice(&body).unwrap_or_else(|_| {
                    panic!(
                        "refusal without a JSON body: {} {:?}",
                        resp.status(),
                        String::from_utf8_lossy(&body)
                    )
                });
                Err((resp.status().as_u16(), json))
            }
            Ok(Err(e)) => panic!("websocket connect failed: {e}"),
        }
    }

    /// Connects a device with its token and completes the handshake.
    async fn join(&self, d: &Device) -> Joined {
        let mut ws = self
            .connect(Auth::Header(&d.token))
            .await
            .unwrap_or_else(|(s, b)| panic!("device {} refused: {s} {b}", d.id));
        send(&mut ws, Message::binary(join_msg(&d.peer))).await;
        let peer = next_msg(&mut ws)
            .await
            .unwrap_or_else(|e| panic!("no handshake answer: {e:?}"));
        assert_eq!(peer.kind, "peer", "handshake answer: {peer:?}");
        Joined {
            ws,
            peer: d.peer.clone(),
            server_peer: peer.sender,
        }
    }

    async fn http_get(&self, path: &str) -> (u16, String) {
        let client = doithoai_sync::http::Client::new(&self.server.trust()).expect("client");
        client
            .request(&self.server.url(), "GET", path, None, None, WAIT)
            .await
            .unwrap_or_else(|e| panic!("GET {path} got no answer within {WAIT:?}: {e}"))
    }

    /// One counter of `/metrics` (the sum of its series).
    async fn metric(&self, name: &str) -> u64 {
        let (status, body) = self.http_get("/metrics").await;
        assert_eq!(status, 200, "/metrics: {body}");
        body.lines()
            .filter(|l| !l.starts_with('#'))
            .filter(|l| l.split(['{', ' ']).next() == Some(name))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
            .sum()
    }

    /// The server still serves others after `case`: `/healthz` is 200, the bystander's
    /// connection is open and answered, and a new device enrols, connects and gets the ward
    /// document.
    async fn assert_serving(&self, bystander: &mut Joined, case: &str) {
        let (status, body) = self.http_get("/healthz").await;
        assert_eq!(status, 200, "after {case}: /healthz {status} {body}");
        let reply = request(bystander, &self.intake_b).await;
        assert!(
            matches!(&reply, Ok(m) if m.kind == "doc-unavailable" && m.document == self.intake_b),
            "after {case}: the bystander's request got {reply:?}"
        );
        let d = self.device(&format!("after {case}"));
        let mut fresh = self.join(&d).await;
        let reply = request(&mut fresh, &self.ward_doc).await;
        assert!(
            matches!(&reply, Ok(m) if m.kind == "sync" && m.document == self.ward_doc && m.data_len > 0),
            "after {case}: a new device asking for the ward document got {reply:?}"
        );
        let _ = fresh.ws.close(None).await;
    }
}

async fn send(ws: &mut Ws, msg: Message) {
    tokio::time::timeout(WAIT, ws.send(msg))
        .await
        .expect("send blocked")
        .expect("send failed");
}

/// The next automerge-repo message, or how the connection ended.
async fn next_msg(ws: &mut Ws) -> Result<RepoMsg, Ended> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let frame = tokio::time::timeout_at(deadline, ws.next())
            .await
            .unwrap_or_else(|_| panic!("no message from the server within {WAIT:?}"));
        match frame {
            None => return Err(Ended::Gone("stream ended".into())),
            Some(Err(e)) => return Err(Ended::Gone(e.to_string())),
            Some(Ok(Message::Binary(b))) => {
                return Ok(decode(&b).unwrap_or_else(|e| panic!("server sent bad CBOR: {e}")));
            }
            Some(Ok(Message::Close(f))) => {
                return Err(match f {
                    Some(f) => Ended::Close(u16::from(f.code), f.reason.to_string()),
                    None => Ended::Close(1005, String::new()),
                });
            }
            Some(Ok(other)) => {
                assert!(!other.is_text(), "the server sent a text frame: {other:?}");
            }
        }
    }
}

/// Waits for the server to close the connection (within `within`) and says how, with the
/// automerge-repo messages it sent before closing.
async fn closed_within(ws: &mut Ws, within: Duration, case: &str) -> (Ended, Vec<RepoMsg>) {
    let deadline = tokio::time::Instant::now() + within;
    let mut said = Vec::new();
    loop {
        let frame = match tokio::time::timeout_at(deadline, ws.next()).await {
            Ok(f) => f,
            Err(_) => panic!("{case}: the connection is still open after {within:?}"),
        };
        let ended = match frame {
            None => Ended::Gone("stream ended".into()),
            Some(Err(e)) => Ended::Gone(e.to_string()),
            Some(Ok(Message::Close(Some(f)))) => {
                Ended::Close(u16::from(f.code), f.reason.to_string())
            }
            Some(Ok(Message::Close(None))) => Ended::Close(1005, String::new()),
            Some(Ok(Message::Binary(b))) => {
                said.push(decode(&b).unwrap_or_else(|e| panic!("server sent bad CBOR: {e}")));
                continue;
            }
            // Pings and pongs: keep reading.
            Some(Ok(_)) => continue,
        };
        return (ended, said);
    }
}

/// A refusal that closed the connection, whether with a close frame or by dropping it. What
/// the server said first must not include a completed handshake or any document.
fn assert_refused(case: &str, ended: &Ended, said: &[RepoMsg]) {
    for m in said {
        assert!(
            m.kind == "error",
            "{case}: before closing, the server sent {m:?}"
        );
    }
    match ended {
        Ended::Close(code, reason) => {
            eprintln!("{case}: closed with {code} {reason:?}; said {said:?}")
        }
        Ended::Gone(how) => eprintln!("{case}: connection dropped ({how}); said {said:?}"),
    }
}

/// The link refused the frame itself: a 1007 close with its reason in Vietnamese.
fn assert_malformed(case: &str, ended: &Ended) {
    match ended {
        Ended::Close(1007, reason) => assert!(
            reason.contains("tin nhắn không hợp lệ"),
            "{case}: close reason {reason:?}"
        ),
        other => panic!("{case}: ended with {other:?}, not a 1007 close"),
    }
}

/// Asks for a document and returns the server's answer about it.
async fn request(j: &mut Joined, doc: &str) -> Result<RepoMsg, Ended> {
    send(
        &mut j.ws,
        Message::binary(request_msg(&j.peer, &j.server_peer, doc)),
    )
    .await;
    loop {
        let m = next_msg(&mut j.ws).await?;
        if m.document == doc {
            return Ok(m);
        }
    }
}

/// Runs a test body on a runtime, bounded in time.
fn run<F: std::future::Future<Output = ()>>(limit: Duration, f: F) {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            tokio::time::timeout(limit, f)
                .await
                .unwrap_or_else(|_| panic!("test did not finish within {limit:?}"))
        })
}

fn has_diacritics(s: &str) -> bool {
    s.chars()
        .any(|c| "ăâđêôơưáàảãạếềểễệốồổỗộớờởỡợíìỉĩịúùủũụứừửữựýỳỷỹỵ".contains(c))
}

// ---------------------------------------------------------------------------------------------
// The cases
// ---------------------------------------------------------------------------------------------

#[test]
fn wrong_and_missing_tokens_are_refused_with_a_clear_message() {
    run(Duration::from_secs(60), async {
        let w = Ward::start(&[]);
        let bystander_dev = w.device("bystander");
        let mut bystander = w.join(&bystander_dev).await;
        let refused_before = w.metric("doithoai_tokens_refused_total").await;

        // A token of the right shape, one character off the bystander's.
        let mut off = bystander_dev.token.clone().into_bytes();
        off[0] = if off[0] == b'a' { b'b' } else { b'a' };
        let off = String::from_utf8(off).unwrap();
        let wrong = "0".repeat(64);
        for (case, auth) in [
            ("a wrong token in the header", Auth::Header(&wrong)),
            ("a wrong token in the query", Auth::Query(&wrong)),
            ("a token one character off", Auth::Header(&off)),
            ("a token that is not hex", Auth::Query("%F0%9F%92%A3")),
        ] {
            let (status, body) = w
                .connect(auth)
                .await
                .err()
                .unwrap_or_else(|| panic!("{case}: the websocket was accepted"));
            assert_eq!(status, 401, "{case}: {body}");
            assert_eq!(body["error"], "unauthorized", "{case}: {body}");
            let vi = body["message"].as_str().unwrap_or_default();
            let en = body["message_en"].as_str().unwrap_or_default();
            assert!(
                has_diacritics(vi) && vi.contains("không hợp lệ"),
                "{case}: the Vietnamese message {vi:?} must say the token is invalid"
            );
            assert!(
                en.to_lowercase().contains("token"),
                "{case}: English message {en:?}"
            );
            w.assert_serving(&mut bystander, case).await;
        }

        let (status, body) = w
            .connect(Auth::None)
            .await
            .expect_err("a websocket without a token was accepted");
        assert_eq!(status, 401, "missing token: {body}");
        let vi = body["message"].as_str().unwrap_or_default();
        assert!(has_diacritics(vi) && vi.contains("Thiếu"), "{body}");
        assert!(
            body["message_en"]
                .as_str()
                .is_some_and(|m| m.contains("missing")),
            "{body}"
        );
        w.assert_serving(&mut bystander, "a missing token").await;

        let refused_after = w.metric("doithoai_tokens_refused_total").await;
        assert!(
            refused_after >= refused_before + 5,
            "doithoai_tokens_refused_total went from {refused_before} to {refused_after} after 5 refusals"
        );
        // The good token works in the query too (browsers cannot set headers).
        let mut ws = w
            .connect(Auth::Query(&bystander_dev.token))
            .await
            .unwrap_or_else(|(s, b)| panic!("the bystander's token in the query: {s} {b}"));
        let _ = ws.close(None).await;
    });
}

#[test]
fn another_wards_documents_are_not_revealed() {
    run(Duration::from_secs(60), async {
        let w = Ward::start(&[]);
        // A second ward on the same server, with its own TDP and collector.
        let out = w.server.admin(&[
            "ward",
            "create",
            "--id",
            "hb",
            "--name",
            "Phường Hoàng Văn Thụ",
        ]);
        let other_ward_doc = doc_id_in(&out);
        w.server.admin(&[
            "point", "add", "--ward", "hb", "--kind", "tdp", "--id", "tdp-1", "--name", "TDP 1",
        ]);
        let code = w
            .server
            .add_device("hb", "collector", Some("tdp-1"), "Laptop HB");
        let j = enroll_raw(&w.server, &code);
        let token = j["token"].as_str().expect("token").to_owned();
        let d = Device {
            id: j["device_id"].as_str().expect("id").to_owned(),
            token,
            peer: j["peer_id"].as_str().expect("peer").to_owned(),
            intake: String::new(),
        };
        let mut hb = w.join(&d).await;
        // Its own ward's document: served.
        let reply = request(&mut hb, &other_ward_doc).await;
        assert!(
            matches!(&reply, Ok(m) if m.kind == "sync" && m.document == other_ward_doc && m.data_len > 0),
            "its own ward document: {reply:?}"
        );
        // The first ward's documents: as if they did not exist.
        for (what, doc) in [("ward", &w.ward_doc), ("intake", &w.intake_b)] {
            let reply = request(&mut hb, doc).await;
            assert!(
                matches!(&reply, Ok(m) if m.kind == "doc-unavailable" && &m.document == doc),
                "the other ward's {what} document: {reply:?}"
            );
        }
        // And the first ward's devices do not see the second's.
        let mut dk = w.join(&w.device("dk device")).await;
        let reply = request(&mut dk, &other_ward_doc).await;
        assert!(
            matches!(&reply, Ok(m) if m.kind == "doc-unavailable"),
            "the second ward's document from the first: {reply:?}"
        );
    });
}

#[test]
fn a_revoked_device_is_cut_off_and_refused() {
    run(Duration::from_secs(60), async {
        let w = Ward::start(&[]);
        let mut bystander = w.join(&w.device("bystander")).await;
        let d = w.device("to revoke");
        let mut live = w.join(&d).await;
        let reply = request(&mut live, &w.ward_doc).await;
        assert!(matches!(&reply, Ok(m) if m.kind == "sync"), "{reply:?}");

        let out = w.server.admin(&["device", "revoke", &d.id]);
        assert!(out.contains(&d.id), "revoke output: {out}");
        let revoked_at = Instant::now();
        let (ended, said) =
            closed_within(&mut live.ws, Duration::from_millis(1500), "revoked device").await;
        let took = revoked_at.elapsed();
        eprintln!("the revoked device's live connection ended after {took:?}: {ended:?}");
        if let Ended::Close(code, reason) = &ended {
            assert_eq!(*code, 4001, "close code for a revoked device: {ended:?}");
            assert!(reason.contains("thu hồi"), "close reason {reason:?}");
        }
        assert!(
            said.iter().all(|m| m.kind != "sync"),
            "a revoked device was sent {said:?}"
        );

        let before = w.metric("doithoai_tokens_refused_total").await;
        for auth in [Auth::Header(&d.token), Auth::Query(&d.token)] {
            let (status, body) = w
                .connect(auth)
                .await
                .expect_err("a revoked token was accepted");
            assert_eq!(status, 401, "{body}");
            let vi = body["message"].as_str().unwrap_or_default();
            assert!(vi.contains("thu hồi"), "revocation message: {body}");
            assert!(
                body["message_en"]
                    .as_str()
                    .is_some_and(|m| m.contains("revoked")),
                "{body}"
            );
        }
        let after = w.metric("doithoai_tokens_refused_total").await;
        assert!(after >= before + 2, "refused tokens {before} -> {after}");
        w.assert_serving(&mut bystander, "a revoked device").await;
    });
}

#[test]
fn a_text_frame_or_random_bytes_close_the_connection() {
    run(Duration::from_secs(60), async {
        let w = Ward::start(&[]);
        let mut bystander = w.join(&w.device("bystander")).await;
        let refused_before = w.metric("doithoai_frames_refused_total").await;

        // A text frame, after the handshake and as the very first frame: closed with 1003
        // (unsupported data).
        for handshake_first in [true, false] {
            let case = if handshake_first {
                "a text frame after the handshake"
            } else {
                "a text frame first"
            };
            let d = w.device(case);
            let mut ws = if handshake_first {
                w.join(&d).await.ws
            } else {
                w.connect(Auth::Header(&d.token)).await.unwrap()
            };
            send(&mut ws, Message::text("{\"type\":\"join\"}")).await;
            let (ended, said) = closed_within(&mut ws, WAIT, case).await;
            assert!(
                matches!(ended, Ended::Close(1003, _)),
                "{case}: ended with {ended:?}, not a 1003 close"
            );
            assert_refused(case, &ended, &said);
            w.assert_serving(&mut bystander, case).await;
        }
        let refused_after = w.metric("doithoai_frames_refused_total").await;
        assert!(
            refused_after >= refused_before + 2,
            "doithoai_frames_refused_total {refused_before} -> {refused_after} after two text frames"
        );

        // Random bytes in a binary frame, before and after the handshake.
        let mut rng = doithoai_e2e::Rng::new(7);
        let noise: Vec<u8> = (0..512).map(|_| rng.next() as u8).collect();
        for handshake_first in [false, true] {
            let case = if handshake_first {
                "random bytes after the handshake"
            } else {
                "random bytes first"
            };
            let d = w.device(case);
            let mut ws = if handshake_first {
                w.join(&d).await.ws
            } else {
                w.connect(Auth::Header(&d.token)).await.unwrap()
            };
            send(&mut ws, Message::binary(noise.clone())).await;
            let (ended, said) = closed_within(&mut ws, WAIT, case).await;
            assert_refused(case, &ended, &said);
            assert_malformed(case, &ended);
            w.assert_serving(&mut bystander, case).await;
        }

        // The server logs both.
        let log = w.server.log();
        assert!(
            log.contains("err=Text"),
            "the server log does not mention the text frames:\n{log}"
        );
        assert!(
            log.contains("malformed message refused"),
            "the server log does not mention the undecodable frames:\n{log}"
        );
    });
}

#[test]
fn garbage_cbor_closes_the_connection() {
    run(Duration::from_secs(60), async {
        let w = Ward::start(&[]);
        let mut bystander = w.join(&w.device("bystander")).await;

        // Not an automerge-repo message: a CBOR map without a type, one with an unknown type,
        // a request without its fields, a join without its versions, a CBOR array, a map
        // truncated in its middle, an empty frame.
        let mut no_type = minicbor::Encoder::new(Vec::new());
        no_type.map(1).unwrap();
        no_type.str("hello").unwrap().str("world").unwrap();
        let mut unknown = minicbor::Encoder::new(Vec::new());
        unknown.map(2).unwrap();
        unknown.str("type").unwrap().str("launch-missiles").unwrap();
        unknown.str("senderId").unwrap().str("x").unwrap();
        let mut bare_request = minicbor::Encoder::new(Vec::new());
        bare_request.map(1).unwrap();
        bare_request.str("type").unwrap().str("request").unwrap();
        let mut bare_join = minicbor::Encoder::new(Vec::new());
        bare_join.map(2).unwrap();
        bare_join.str("type").unwrap().str("join").unwrap();
        bare_join.str("senderId").unwrap().u64(7).unwrap();
        let mut array = minicbor::Encoder::new(Vec::new());
        array.array(2).unwrap().u8(1).unwrap().u8(2).unwrap();
        // Frames that are not a well-formed CBOR map with a text type are refused by the link
        // (1007, "malformed message"); well-formed ones that the sync engine cannot use are
        // closed by it (1008).
        let cases: Vec<(&str, Vec<u8>, u16)> = vec![
            ("bytes ff 00 13", vec![0xff, 0x00, 0x13], 1007),
            ("a map without a type", no_type.into_writer(), 1007),
            ("a map with an unknown type", unknown.into_writer(), 1008),
            (
                "a request without its fields",
                bare_request.into_writer(),
                1008,
            ),
            (
                "a join with a numeric sender",
                bare_join.into_writer(),
                1007,
            ),
            ("a CBOR array", array.into_writer(), 1007),
            ("a truncated map", vec![0xa5, 0x64, b't', b'y'], 1007),
            ("an empty binary frame", Vec::new(), 1007),
        ];
        for (case, bytes, code) in &cases {
            for handshake_first in [false, true] {
                let label = format!(
                    "{case} ({} the handshake)",
                    if handshake_first { "after" } else { "before" }
                );
                let d = w.device(&label);
                let mut ws = if handshake_first {
                    w.join(&d).await.ws
                } else {
                    w.connect(Auth::Header(&d.token)).await.unwrap()
                };
                send(&mut ws, Message::binary(bytes.clone())).await;
                let (ended, said) = closed_within(&mut ws, WAIT, &label).await;
                assert_refused(&label, &ended, &said);
                match (&ended, code) {
                    (Ended::Close(1007, reason), 1007) => {
                        assert!(reason.contains("không hợp lệ"), "{label}: {reason:?}")
                    }
                    (Ended::Close(1008, _), 1008) => {}
                    _ => panic!("{label}: ended with {ended:?}, expected a {code} close"),
                }
                w.assert_serving(&mut bystander, &label).await;
            }
        }
        let log = w.server.log();
        assert!(
            log.contains("malformed message refused") && log.contains("failed to decode message"),
            "the server log does not mention the refused frames:\n{log}"
        );
    });
}

#[test]
fn garbage_automerge_data_in_a_valid_message_harms_no_one() {
    run(Duration::from_secs(60), async {
        let w = Ward::start(&[]);
        let mut bystander = w.join(&w.device("bystander")).await;
        let mut rng = doithoai_e2e::Rng::new(11);
        let noise: Vec<u8> = (0..4096).map(|_| rng.next() as u8).collect();
        // A sync message starts with its type byte (0x42): keep it, then nonsense.
        let mut broken = vec![0x42u8];
        broken.extend_from_slice(&noise[..64]);
        // The envelope is valid, the automerge data is not: the server drops the data (and
        // says so in its log); for a document the device may read it still answers with its
        // own sync message, for a document it may not read it reveals nothing.
        for (case, kind, whose, data) in [
            (
                "a request for the ward document with random data",
                "request",
                "ward",
                &noise,
            ),
            (
                "a request for the ward document with a broken sync message",
                "request",
                "ward",
                &broken,
            ),
            (
                "a sync message for its own intake with random data",
                "sync",
                "own",
                &noise,
            ),
            (
                "a sync message for its own intake with a broken sync message",
                "sync",
                "own",
                &broken,
            ),
            (
                "a request for its own intake with empty data",
                "request",
                "own",
                &Vec::new(),
            ),
            (
                "a sync message for another TDP's intake with random data",
                "sync",
                "other",
                &noise,
            ),
            (
                "a sync message for another TDP's intake",
                "sync",
                "other",
                &first_sync_data(),
            ),
        ] {
            let d = w.device(case);
            let mut j = w.join(&d).await;
            let doc = match whose {
                "ward" => w.ward_doc.clone(),
                "own" => d.intake.clone(),
                _ => w.intake_b.clone(),
            };
            let msg = if kind == "request" {
                request_msg_with(&j.peer, &j.server_peer, &doc, data, 0)
            } else {
                sync_msg(&j.peer, &j.server_peer, &doc, data)
            };
            send(&mut j.ws, Message::binary(msg)).await;
            let answer =
                tokio::time::timeout(Duration::from_millis(1500), next_msg(&mut j.ws)).await;
            eprintln!("{case}: {answer:?}");
            match (&answer, whose) {
                (Ok(Ok(m)), "other") => assert!(
                    m.kind == "doc-unavailable" && m.data_len == 0,
                    "{case}: another TDP's intake answered with {m:?}"
                ),
                (Ok(Ok(m)), _) => assert!(
                    m.document == doc && (m.kind == "sync" || m.kind == "doc-unavailable"),
                    "{case}: answered {m:?}"
                ),
                // Closing the connection or saying nothing are refusals too.
                _ => {}
            }
            let _ = j.ws.close(None).await;
            w.assert_serving(&mut bystander, case).await;
        }
        let log = w.server.log();
        assert!(
            log.contains("failed to decode sync message"),
            "the server log does not mention the broken sync data:\n{log}"
        );
    });
}

#[test]
fn an_oversized_frame_closes_the_connection() {
    run(Duration::from_secs(60), async {
        let w = Ward::start(&[("DOITHOAI_MAX_FRAME_BYTES", "65536")]);
        let mut bystander = w.join(&w.device("bystander")).await;
        let refused_before = w.metric("doithoai_frames_refused_total").await;

        // A frame under the limit passes: a 60 000-byte request (the padding is a key the
        // protocol ignores) is answered.
        let under = request_msg_with(
            &bystander.peer,
            &bystander.server_peer,
            &w.intake_b,
            &first_sync_data(),
            60_000,
        );
        assert!(under.len() < 65536);
        send(&mut bystander.ws, Message::binary(under)).await;
        let reply = next_msg(&mut bystander.ws).await;
        assert!(
            matches!(&reply, Ok(m) if m.kind == "doc-unavailable"),
            "a frame under the limit got {reply:?}"
        );

        for (case, handshake_first, size) in [
            ("an oversized frame first", false, 200_000),
            ("an oversized frame after the handshake", true, 200_000),
            ("a frame one byte over the limit", true, 65_537),
        ] {
            let d = w.device(case);
            let mut ws = if handshake_first {
                w.join(&d).await.ws
            } else {
                w.connect(Auth::Header(&d.token)).await.unwrap()
            };
            // Sending may itself fail once the server has cut the connection.
            let big = vec![0xa0u8; size];
            let _ = tokio::time::timeout(WAIT, ws.send(Message::binary(big))).await;
            let (ended, said) = closed_within(&mut ws, WAIT, case).await;
            if let Ended::Close(code, _) = ended {
                assert!(
                    code == 1009 || code == 1002,
                    "{case}: close code {code}, not 1009 (too big) or 1002 (protocol error)"
                );
            }
            assert_refused(case, &ended, &said);
            w.assert_serving(&mut bystander, case).await;
        }
        let refused_after = w.metric("doithoai_frames_refused_total").await;
        assert!(
            refused_after >= refused_before + 3,
            "doithoai_frames_refused_total {refused_before} -> {refused_after} after 3 oversized frames"
        );
    });
}

#[test]
fn a_handshake_claiming_another_peer_id_is_closed() {
    run(Duration::from_secs(60), async {
        let w = Ward::start(&[]);
        let mut bystander = w.join(&w.device("bystander")).await;
        let victim = w.device("victim");
        let thief = w.device("thief");

        for (case, claimed) in [
            ("another device's peer id", victim.peer.as_str()),
            ("the server's peer id", "doithoai-server"),
            ("a made-up peer id", "device-000000000000"),
            ("an empty peer id", ""),
        ] {
            let mut ws = w.connect(Auth::Header(&thief.token)).await.unwrap();
            send(&mut ws, Message::binary(join_msg(claimed))).await;
            // Asking for a document right away must not help either.
            let _ = tokio::time::timeout(
                WAIT,
                ws.send(Message::binary(request_msg(
                    claimed,
                    "doithoai-server",
                    &victim.intake,
                ))),
            )
            .await;
            // The server may say why (an automerge-repo error message) before it closes; it
            // must never complete the handshake nor send a document.
            let (ended, said) = closed_within(&mut ws, WAIT, case).await;
            assert_refused(case, &ended, &said);
            w.assert_serving(&mut bystander, case).await;
        }
        // The victim itself still connects and syncs.
        let mut v = w.join(&victim).await;
        let reply = request(&mut v, &w.ward_doc).await;
        assert!(matches!(&reply, Ok(m) if m.kind == "sync"), "{reply:?}");
    });
}

#[test]
fn spoofed_identities_after_the_handshake_get_nothing() {
    run(Duration::from_secs(60), async {
        let w = Ward::start(&[]);
        let mut bystander = w.join(&w.device("bystander")).await;
        // The victim is a collector of TDP A, the thief one of TDP B: the thief must never get
        // TDP A's intake, whatever it claims inside its messages.
        let victim = w.device("victim");
        let thief = w.device_at("tdp-b", "thief");

        // A request whose senderId is the victim's, on the thief's connection.
        let mut j = w.join(&thief).await;
        let spoofed = request_msg(&victim.peer, &j.server_peer, &victim.intake);
        send(&mut j.ws, Message::binary(spoofed)).await;
        let answer = tokio::time::timeout(Duration::from_millis(1500), next_msg(&mut j.ws)).await;
        eprintln!("a request with the victim's senderId: {answer:?}");
        if let Ok(Ok(m)) = &answer {
            assert!(
                m.kind != "sync" && m.data_len == 0,
                "a request with a spoofed senderId got {m:?}"
            );
        }
        let _ = j.ws.close(None).await;
        w.assert_serving(&mut bystander, "a spoofed senderId").await;

        // A second join, claiming the victim's peer id, after a good handshake.
        let mut j = w.join(&thief).await;
        send(&mut j.ws, Message::binary(join_msg(&victim.peer))).await;
        let ask = request_msg(&victim.peer, &j.server_peer, &victim.intake);
        let _ = tokio::time::timeout(WAIT, j.ws.send(Message::binary(ask))).await;
        let mut said = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_millis(1500);
        while let Ok(next) = tokio::time::timeout_at(deadline, next_msg(&mut j.ws)).await {
            match next {
                Ok(m) => said.push(m),
                Err(_) => break,
            }
        }
        eprintln!("a second join as the victim: {said:?}");
        assert!(
            said.iter().all(|m| m.kind != "sync" && m.kind != "peer"),
            "a second join as the victim got {said:?}"
        );
        let _ = j.ws.close(None).await;
        w.assert_serving(&mut bystander, "a second join").await;

        // A valid request before any handshake.
        let mut ws = w.connect(Auth::Header(&thief.token)).await.unwrap();
        let ask = request_msg(&thief.peer, "doithoai-server", &w.ward_doc);
        send(&mut ws, Message::binary(ask)).await;
        let mut said = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_millis(1500);
        while let Ok(next) = tokio::time::timeout_at(deadline, next_msg(&mut ws)).await {
            match next {
                Ok(m) => said.push(m),
                Err(e) => {
                    eprintln!("a request before the handshake: ended {e:?}");
                    break;
                }
            }
        }
        eprintln!("a request before the handshake: {said:?}");
        assert!(
            said.iter().all(|m| m.kind != "sync"),
            "a request before the handshake got {said:?}"
        );
        w.assert_serving(&mut bystander, "a request before the handshake")
            .await;

        // A request for a document id that is not one.
        let mut j = w.join(&thief).await;
        let ask = request_msg(&thief.peer, &j.server_peer, "not a document id!");
        send(&mut j.ws, Message::binary(ask)).await;
        let (ended, said) = closed_within(&mut j.ws, WAIT, "an invalid document id").await;
        assert_refused("an invalid document id", &ended, &said);
        w.assert_serving(&mut bystander, "an invalid document id")
            .await;
    });
}

#[test]
fn too_many_connections_of_one_device_are_refused_and_freed_when_closed() {
    run(Duration::from_secs(60), async {
        let w = Ward::start(&[]);
        let mut bystander = w.join(&w.device("bystander")).await;
        let d = w.device("greedy");
        let mut open = Vec::new();
        for _ in 0..4 {
            open.push(w.join(&d).await);
        }
        let (status, body) = w
            .connect(Auth::Header(&d.token))
            .await
            .expect_err("a fifth connection of one device was accepted");
        assert_eq!(status, 429, "{body}");
        assert!(
            has_diacritics(body["message"].as_str().unwrap_or_default()),
            "{body}"
        );
        w.assert_serving(&mut bystander, "a fifth connection").await;

        // Connections that end, whether closed by the device or cut by the server for bad
        // input, give their place back.
        let mut first = open.remove(0);
        let _ = first.ws.close(None).await;
        let mut second = open.remove(0);
        send(&mut second.ws, Message::text("nope")).await;
        let _ = closed_within(&mut second.ws, WAIT, "text frame").await;
        let deadline = Instant::now() + WAIT;
        let mut again = Vec::new();
        while again.len() < 2 {
            match w.connect(Auth::Header(&d.token)).await {
                Ok(ws) => again.push(ws),
                Err((429, _)) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await
                }
                Err((s, b)) => panic!("a connection after two ended: {s} {b}"),
            }
        }
        w.assert_serving(&mut bystander, "connections given back")
            .await;
    });
}
