//! One websocket link between a device and the server, as a samod `Transport`.
//!
//! A pump task owns the websocket. It forwards binary frames both ways, sends a ping every
//! `ping_interval` and drops the link when nothing at all (data, ping or pong) has arrived for
//! `idle_timeout`: on a bad network a TCP connection can stay half-open for hours, and only an
//! application-level keepalive notices. Every send has the same bound, so a black-holed peer
//! cannot wedge the pump. Frames over `max_frame_bytes` close the link with code 1009. The link
//! can also be closed from outside (a revoked device) through its [`LinkHandle`]. When the pump
//! ends, samod sees the stream end and, on a device, the dialer redials with backoff.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::channel::mpsc;
use futures::{Sink, SinkExt, Stream, StreamExt};
use samod::Transport;
use tokio::sync::watch;

/// Keepalive and size limits of a link.
#[derive(Debug, Clone, Copy)]
pub struct LinkOptions {
    /// How often a ping is sent.
    pub ping_interval: Duration,
    /// A link that has received nothing for this long is dropped.
    pub idle_timeout: Duration,
    /// The largest frame accepted, in bytes.
    pub max_frame_bytes: usize,
}

impl Default for LinkOptions {
    fn default() -> Self {
        LinkOptions {
            ping_interval: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(20),
            max_frame_bytes: 32 * 1024 * 1024,
        }
    }
}

impl LinkOptions {
    /// Reads `DOITHOAI_PING_SECS`, `DOITHOAI_IDLE_SECS` and `DOITHOAI_MAX_FRAME_BYTES` over the
    /// defaults (tests shorten the keepalive).
    pub fn from_env() -> Self {
        let mut o = LinkOptions::default();
        let num = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<f64>().ok());
        if let Some(s) = num("DOITHOAI_PING_SECS") {
            o.ping_interval = Duration::from_secs_f64(s.max(0.05));
        }
        if let Some(s) = num("DOITHOAI_IDLE_SECS") {
            o.idle_timeout = Duration::from_secs_f64(s.max(0.1));
        }
        if let Some(n) = num("DOITHOAI_MAX_FRAME_BYTES") {
            o.max_frame_bytes = n as usize;
        }
        o
    }
}

/// Counters shared by every link of a process (the server's `/metrics`).
#[derive(Debug, Default)]
pub struct LinkStats {
    pub messages_in: AtomicU64,
    pub messages_out: AtomicU64,
    pub bytes_in: AtomicU64,
    pub bytes_out: AtomicU64,
    pub dropped_idle: AtomicU64,
    pub refused_frames: AtomicU64,
}

/// Why a link ended, as samod's transport error.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LinkError {
    #[error("no answer for {0:?}: the link is dropped")]
    Idle(Duration),
    #[error("frame of {size} bytes is over the limit of {max}")]
    TooLarge { size: usize, max: usize },
    #[error("text frames are not part of the protocol")]
    Text,
    #[error("a message that is not an automerge-repo CBOR map")]
    Malformed,
    #[error("websocket error: {0}")]
    Socket(String),
    #[error("closed: {0}")]
    Closed(String),
}

/// One kind of websocket message, seen through what the pump needs.
pub enum Frame {
    Binary(Vec<u8>),
    Text,
    Ping,
    Pong,
    Close,
}

/// The websocket message types the pump can drive (axum's and tungstenite's).
pub trait WsMessage: Sized + Send + 'static {
    fn frame(self) -> Frame;
    fn binary(data: Vec<u8>) -> Self;
    fn ping() -> Self;
    fn close(code: u16, reason: &str) -> Self;
}

impl WsMessage for tokio_tungstenite::tungstenite::Message {
    fn frame(self) -> Frame {
        use tokio_tungstenite::tungstenite::Message as M;
        match self {
            M::Binary(b) => Frame::Binary(b.into()),
            M::Text(_) => Frame::Text,
            M::Ping(_) => Frame::Ping,
            M::Pong(_) => Frame::Pong,
            M::Close(_) => Frame::Close,
            M::Frame(_) => Frame::Pong,
        }
    }
    fn binary(data: Vec<u8>) -> Self {
        Self::Binary(data.into())
    }
    fn ping() -> Self {
        Self::Ping(Vec::new().into())
    }
    fn close(code: u16, reason: &str) -> Self {
        use tokio_tungstenite::tungstenite::protocol::CloseFrame;
        Self::Close(Some(CloseFrame {
            code: code.into(),
            reason: reason.to_owned().into(),
        }))
    }
}

impl WsMessage for axum::extract::ws::Message {
    fn frame(self) -> Frame {
        use axum::extract::ws::Message as M;
        match self {
            M::Binary(b) => Frame::Binary(b.into()),
            M::Text(_) => Frame::Text,
            M::Ping(_) => Frame::Ping,
            M::Pong(_) => Frame::Pong,
            M::Close(_) => Frame::Close,
        }
    }
    fn binary(data: Vec<u8>) -> Self {
        Self::Binary(data.into())
    }
    fn ping() -> Self {
        Self::Ping(Vec::new().into())
    }
    fn close(code: u16, reason: &str) -> Self {
        Self::Close(Some(axum::extract::ws::CloseFrame {
            code,
            reason: reason.to_owned().into(),
        }))
    }
}

/// Closes a link from outside.
#[derive(Clone)]
pub struct LinkHandle {
    close: Arc<watch::Sender<Option<(u16, String)>>>,
}

impl LinkHandle {
    /// Closes the link with a websocket close code and a reason the other end can show.
    pub fn close(&self, code: u16, reason: &str) {
        let _ = self.close.send(Some((code, reason.to_owned())));
    }

    /// Whether the pump has ended.
    pub fn is_closed(&self) -> bool {
        self.close.is_closed()
    }
}

/// Turns a websocket into a samod transport driven by a keepalive pump.
pub fn link<S, M, E>(ws: S, opts: LinkOptions, stats: Arc<LinkStats>) -> (Transport, LinkHandle)
where
    S: Stream<Item = Result<M, E>> + Sink<M> + Send + Unpin + 'static,
    <S as Sink<M>>::Error: std::fmt::Display + Send,
    M: WsMessage,
    E: std::fmt::Display + Send + 'static,
{
    link_labelled(ws, opts, stats, "server")
}

/// [`link`], naming the other end in logs (the peer id on the server).
pub fn link_labelled<S, M, E>(
    ws: S,
    opts: LinkOptions,
    stats: Arc<LinkStats>,
    label: &str,
) -> (Transport, LinkHandle)
where
    S: Stream<Item = Result<M, E>> + Sink<M> + Send + Unpin + 'static,
    <S as Sink<M>>::Error: std::fmt::Display + Send,
    M: WsMessage,
    E: std::fmt::Display + Send + 'static,
{
    let (in_tx, in_rx) = mpsc::channel::<Result<Vec<u8>, LinkError>>(16);
    let (out_tx, out_rx) = mpsc::channel::<Vec<u8>>(16);
    let (close_tx, close_rx) = watch::channel(None);
    tokio::spawn(pump(
        ws,
        in_tx,
        out_rx,
        close_rx,
        opts,
        stats,
        Arc::from(label),
    ));
    let transport = Transport::new(in_rx, out_tx);
    (
        transport,
        LinkHandle {
            close: Arc::new(close_tx),
        },
    )
}

async fn pump<S, M, E>(
    ws: S,
    mut to_samod: mpsc::Sender<Result<Vec<u8>, LinkError>>,
    mut from_samod: mpsc::Receiver<Vec<u8>>,
    mut close: watch::Receiver<Option<(u16, String)>>,
    opts: LinkOptions,
    stats: Arc<LinkStats>,
    label: Arc<str>,
) where
    S: Stream<Item = Result<M, E>> + Sink<M> + Send + Unpin + 'static,
    <S as Sink<M>>::Error: std::fmt::Display + Send,
    M: WsMessage,
    E: std::fmt::Display + Send + 'static,
{
    let (mut sink, mut stream) = ws.split();
    let mut ticker = tokio::time::interval(opts.ping_interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_seen = Instant::now();
    let mut close_open = true;
    // A send that does not complete within the idle bound means a dead link.
    macro_rules! send {
        ($msg:expr) => {
            match tokio::time::timeout(opts.idle_timeout, sink.send($msg)).await {
                Ok(Ok(())) => true,
                Ok(Err(e)) => {
                    tracing::debug!(error = %e, "websocket send failed");
                    let _ = to_samod.try_send(Err(LinkError::Socket(e.to_string())));
                    false
                }
                Err(_) => {
                    stats.dropped_idle.fetch_add(1, Ordering::Relaxed);
                    tracing::info!("websocket send blocked past the idle bound; dropping the link");
                    let _ = to_samod.try_send(Err(LinkError::Idle(opts.idle_timeout)));
                    false
                }
            }
        };
    }
    loop {
        tokio::select! {
            incoming = stream.next() => {
                let Some(incoming) = incoming else { break };
                let msg = match incoming {
                    Ok(m) => m,
                    Err(e) => {
                        let err = e.to_string();
                        if err.contains("too long") || err.contains("Space limit") || err.contains("size") {
                            stats.refused_frames.fetch_add(1, Ordering::Relaxed);
                            // Tell the other end why, if the socket still takes a frame.
                            let _ = send!(M::close(1009, "khung tin quá lớn / frame too large"));
                        }
                        tracing::info!(peer = %label, error = %err, "websocket receive failed");
                        let _ = to_samod.try_send(Err(LinkError::Socket(err)));
                        break;
                    }
                };
                last_seen = Instant::now();
                match msg.frame() {
                    Frame::Binary(data) => {
                        if data.len() > opts.max_frame_bytes {
                            stats.refused_frames.fetch_add(1, Ordering::Relaxed);
                            let _ = send!(M::close(1009, "khung tin quá lớn / frame too large"));
                            let _ = to_samod.try_send(Err(LinkError::TooLarge { size: data.len(), max: opts.max_frame_bytes }));
                            break;
                        }
                        // automerge-repo messages are CBOR maps with a text `type` (and sender):
                        // anything else is refused here with a specific reason (1007), rather
                        // than closed by the sync engine with none.
                        if !well_formed(&data) {
                            stats.refused_frames.fetch_add(1, Ordering::Relaxed);
                            tracing::info!(peer = %label, bytes = data.len(), "malformed message refused");
                            let _ = send!(M::close(1007, "tin nhắn không hợp lệ / malformed message"));
                            let _ = to_samod.try_send(Err(LinkError::Malformed));
                            break;
                        }
                        stats.messages_in.fetch_add(1, Ordering::Relaxed);
                        stats.bytes_in.fetch_add(data.len() as u64, Ordering::Relaxed);
                        if to_samod.send(Ok(data)).await.is_err() {
                            break;
                        }
                    }
                    Frame::Text => {
                        stats.refused_frames.fetch_add(1, Ordering::Relaxed);
                        let _ = send!(M::close(1003, "chỉ nhận khung nhị phân / binary frames only"));
                        let _ = to_samod.try_send(Err(LinkError::Text));
                        break;
                    }
                    Frame::Ping | Frame::Pong => {}
                    Frame::Close => break,
                }
            }
            outgoing = from_samod.next() => {
                match outgoing {
                    Some(data) => {
                        stats.messages_out.fetch_add(1, Ordering::Relaxed);
                        stats.bytes_out.fetch_add(data.len() as u64, Ordering::Relaxed);
                        if !send!(M::binary(data)) {
                            break;
                        }
                    }
                    None => {
                        // The sync engine ended the connection: a protocol violation (an
                        // undecodable message, a handshake claiming another peer) or shutdown.
                        tracing::info!(peer = %label, "the sync engine closed the connection");
                        let _ = send!(M::close(1008, "kết nối bị đóng bởi máy chủ / closed by the sync engine"));
                        break;
                    }
                }
            }
            _ = ticker.tick() => {
                if last_seen.elapsed() > opts.idle_timeout {
                    stats.dropped_idle.fetch_add(1, Ordering::Relaxed);
                    tracing::info!(idle = ?last_seen.elapsed(), "no answer on the link; dropping it");
                    let _ = to_samod.try_send(Err(LinkError::Idle(opts.idle_timeout)));
                    break;
                }
                if !send!(M::ping()) {
                    break;
                }
            }
            changed = close.changed(), if close_open => {
                let reason = if changed.is_ok() { close.borrow().clone() } else { None };
                if let Some((code, reason)) = reason {
                    let _ = send!(M::close(code, &reason));
                    let _ = to_samod.try_send(Err(LinkError::Closed(reason)));
                    break;
                }
                if changed.is_err() {
                    // Every handle was dropped: nobody can close the link from outside any more.
                    close_open = false;
                }
            }
        }
    }
    to_samod.close_channel();
}

/// Where the server's accepted connections enter the repository.
#[derive(Clone)]
pub struct Acceptor {
    inner: samod::AcceptorHandle,
}

impl Acceptor {
    pub(crate) fn new(inner: samod::AcceptorHandle) -> Self {
        Acceptor { inner }
    }

    /// Accepts an authenticated axum websocket as a connection of `peer_id`: samod closes it
    /// if the automerge-repo handshake claims any other peer id.
    pub fn accept_axum(
        &self,
        socket: axum::extract::ws::WebSocket,
        peer_id: &str,
        opts: LinkOptions,
        stats: Arc<LinkStats>,
    ) -> Result<LinkHandle, crate::SyncError> {
        let (transport, handle) = link_labelled(socket, opts, stats, peer_id);
        self.inner
            .accept(transport.with_expected_peer_id(samod::PeerId::from(peer_id)))
            .map_err(|_| crate::SyncError::Stopped)?;
        Ok(handle)
    }
}

/// Whether `data` is one whole, well-formed CBOR map with a text `type`, as every automerge-repo
/// message is; a `senderId`, where present, must be text too (every message but `error` has one).
pub fn well_formed(data: &[u8]) -> bool {
    let mut d = minicbor::Decoder::new(data);
    let Ok(Some(entries)) = d.map() else {
        // Not a map, or an indefinite-length one (automerge-repo never writes those).
        return false;
    };
    let mut has_type = false;
    for _ in 0..entries {
        if !matches!(d.datatype(), Ok(minicbor::data::Type::String)) {
            // A key that is not text is skipped with its value, but must be well-formed.
            if d.skip().is_err() || d.skip().is_err() {
                return false;
            }
            continue;
        }
        let value_ok = match d.str() {
            Ok("type") => {
                has_type = true;
                d.str().is_ok()
            }
            Ok("senderId") => d.str().is_ok(),
            Ok(_) => d.skip().is_ok(),
            Err(_) => false,
        };
        if !value_ok {
            return false;
        }
    }
    has_type && d.position() == data.len()
}

#[cfg(test)]
mod tests {
    use super::well_formed;

    fn map(entries: &[(&str, &str)]) -> Vec<u8> {
        let mut e = minicbor::Encoder::new(Vec::new());
        e.map(entries.len() as u64).expect("map");
        for (k, v) in entries {
            e.str(k).expect("key").str(v).expect("value");
        }
        e.into_writer()
    }

    #[test]
    fn automerge_repo_messages_pass_and_malformed_frames_do_not() {
        let join = map(&[("type", "join"), ("senderId", "peer-a")]);
        assert!(well_formed(&join));
        // Other fields, bytes included, are allowed in any order.
        let mut e = minicbor::Encoder::new(Vec::new());
        e.map(4).expect("map");
        e.str("documentId").expect("k").str("abc").expect("v");
        e.str("data").expect("k").bytes(&[1, 2, 3]).expect("v");
        e.str("senderId").expect("k").str("p").expect("v");
        e.str("type").expect("k").str("sync").expect("v");
        assert!(well_formed(&e.into_writer()));

        assert!(!well_formed(&[]), "empty");
        assert!(!well_formed(&[0xff, 0x00, 0x13]), "not CBOR");
        assert!(!well_formed(&map(&[("hello", "world")])), "no type");
        assert!(
            well_formed(&map(&[("type", "error"), ("message", "x")])),
            "samod's error message has no sender"
        );
        assert!(!well_formed(&[0xa5, 0x64, b't', b'y']), "truncated");
        let mut extra = join.clone();
        extra.push(0);
        assert!(!well_formed(&extra), "trailing bytes");
        let mut numeric = minicbor::Encoder::new(Vec::new());
        numeric.map(2).expect("map");
        numeric.str("type").expect("k").str("join").expect("v");
        numeric.str("senderId").expect("k").u64(7).expect("v");
        assert!(!well_formed(&numeric.into_writer()), "numeric sender");
        let mut array = minicbor::Encoder::new(Vec::new());
        array.array(1).expect("array").u8(1).expect("item");
        assert!(!well_formed(&array.into_writer()), "array");
    }
}
