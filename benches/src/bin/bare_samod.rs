//! The floor for W1: a bare samod sync server in a few lines (the same samod version, in-memory
//! storage, no authentication). Like the reference server (`sharePolicy: async () => false`) it
//! does not announce documents: it syncs what clients ask for. `bare-samod PORT`.

use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::routing::get;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(8801);
    let repo = samod::Repo::build_tokio()
        .with_peer_id(samod::PeerId::from("bare-samod"))
        .with_share_policy(samod::ShareConfig::read_write().with_announce(false))
        .load()
        .await;
    let acceptor = repo.make_acceptor(format!("ws://127.0.0.1:{port}/sync").parse()?)?;
    let app = axum::Router::new()
        .route(
            "/sync",
            get(
                |State(acc): State<samod::AcceptorHandle>, ws: WebSocketUpgrade| async move {
                    ws.on_upgrade(move |socket| async move {
                        let _ = acc.accept_axum(socket, None);
                    })
                },
            ),
        )
        .route("/healthz", get(|| async { "ok" }))
        .with_state(acceptor);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
