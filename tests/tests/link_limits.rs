//! The per-device connection limit (issue 16, hardening): a device has at most 4 sync links,
//! however many it opens at once. The limit used to be checked when the upgrade was asked for and
//! counted only once the link was up, so connections opened together all passed the check.

use std::time::Duration;

use doithoai_e2e::{Server, enroll_raw};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const LIMIT: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_device_gets_at_most_four_links_even_when_it_opens_many_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path().join("server"));
    server.setup_ward(&["a"]);
    let code = server.add_device("dk", "collector", Some("tdp-a"), "Laptop TDP A");
    let e = enroll_raw(&server, &code);
    let token = e["token"].as_str().expect("token").to_owned();
    let url = format!("{}?token={token}", server.ws_url());

    for round in 0..3 {
        let attempts = (0..16).map(|_| {
            let req = url.as_str().into_client_request().unwrap();
            server.ws_connect(req)
        });
        let results =
            tokio::time::timeout(Duration::from_secs(30), futures::future::join_all(attempts))
                .await
                .expect("the upgrades were answered");
        let mut refused = 0;
        let mut open = Vec::new();
        for r in results {
            match r {
                Ok(ws) => open.push(ws),
                Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
                    assert_eq!(
                        resp.status().as_u16(),
                        429,
                        "refused with {}",
                        resp.status()
                    );
                    refused += 1;
                }
                Err(e) => panic!("round {round}: an upgrade failed otherwise: {e}"),
            }
        }
        assert!(
            open.len() <= LIMIT,
            "round {round}: {} links open at once for one device (limit {LIMIT})",
            open.len()
        );
        assert!(!open.is_empty(), "round {round}: no link at all");
        assert_eq!(open.len() + refused, 16);
        // Closing them gives the slots back (none is held by an abandoned upgrade).
        for mut ws in open {
            let _ = ws.close(None).await;
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
    }

    // One at a time: exactly four, the fifth refused.
    let mut open = Vec::new();
    for _ in 0..LIMIT {
        let req = url.as_str().into_client_request().unwrap();
        open.push(
            server
                .ws_connect(req)
                .await
                .expect("a link under the limit"),
        );
    }
    let req = url.as_str().into_client_request().unwrap();
    match server.ws_connect(req).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            assert_eq!(resp.status().as_u16(), 429)
        }
        Ok(_) => panic!("a fifth link was accepted"),
        Err(e) => panic!("the fifth link failed otherwise: {e}"),
    }
}
