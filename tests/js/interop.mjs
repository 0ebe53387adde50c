// Interoperability check: the real JavaScript automerge-repo client against doithoai-server.
//
// It connects to the server's /sync websocket with the device token in the query string (the
// JavaScript websocket adapter cannot set headers), claims the device's enrolled peer id, finds
// the ward document and reads its name and type, then asks for another collection point's intake
// document, which the server must refuse ("unavailable"). It prints one JSON line on stdout and
// exits 0 when both hold, 1 otherwise. A hard timeout makes sure it never hangs.
//
// Arguments (argv, or the environment variable of the same meaning):
//   1. DOITHOAI_SYNC_URL     ws://127.0.0.1:PORT/sync?token=TOKEN
//   2. DOITHOAI_PEER_ID      the peer id the server gave at enrolment (device-...)
//   3. DOITHOAI_WARD_URL     automerge:... of the ward document
//   4. DOITHOAI_REFUSED_URL  automerge:... of a document this device must not get (another TDP's
//                            intake)
// Optional environment:
//   DOITHOAI_TIMEOUT_MS      hard timeout of the whole run (default 20000)
//   DOITHOAI_CONNECT_MS      how long to wait for the server's handshake answer (default 8000)
//
// The JSON line holds: ok, phase (where it stopped), peer_id, server_peer_id, ward {name, type},
// refused {refused, error, leaked}, received (every repo message the server sent: type,
// documentId, data bytes), close (code and reason if the server closed the websocket before its
// handshake answer), server_error (an automerge-repo error message from the server) and error.

import { Repo, cbor, interpretAsDocumentId } from "@automerge/automerge-repo"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"

const arg = (i, name) => process.argv[2 + i] ?? process.env[name] ?? ""
const syncUrl = arg(0, "DOITHOAI_SYNC_URL")
const peerId = arg(1, "DOITHOAI_PEER_ID")
const wardUrl = arg(2, "DOITHOAI_WARD_URL")
const refusedUrl = arg(3, "DOITHOAI_REFUSED_URL")
const num = (name, dflt) => {
  const n = Number(process.env[name])
  return Number.isFinite(n) && n > 0 ? n : dflt
}
const hardTimeoutMs = num("DOITHOAI_TIMEOUT_MS", 20000)
const connectMs = num("DOITHOAI_CONNECT_MS", 8000)

const result = {
  ok: false,
  phase: "start",
  peer_id: peerId,
  server_peer_id: null,
  ward: null,
  refused: null,
  received: [],
  close: null,
  server_error: null,
  error: null,
}

let finished = false
function finish(ok, error) {
  if (finished) return
  finished = true
  result.ok = ok
  if (error) result.error = String(error?.message ?? error)
  process.stdout.write(JSON.stringify(result) + "\n")
  // Exit at once: never wait on sockets or timers of the repo.
  process.exit(ok ? 0 : 1)
}

// The hard timeout: whatever happens, the script ends.
setTimeout(() => finish(false, `hard timeout after ${hardTimeoutMs} ms in phase ${result.phase}`), hardTimeoutMs)
// The websocket adapter throws from its error handler (e.g. a 401 answer): report, do not hang.
process.on("uncaughtException", e => finish(false, e))
process.on("unhandledRejection", e => finish(false, e))

if (!syncUrl || !peerId || !wardUrl || !refusedUrl) {
  process.stderr.write(
    "usage: node interop.mjs WS_URL?token=TOKEN PEER_ID WARD_URL REFUSED_URL\n" +
      "   (or DOITHOAI_SYNC_URL, DOITHOAI_PEER_ID, DOITHOAI_WARD_URL, DOITHOAI_REFUSED_URL)\n",
  )
  finish(false, "missing arguments")
}

/** Strings written by Rust are scalars (ImmutableString in JavaScript); text objects are strings. */
function str(v) {
  if (v === undefined || v === null) return null
  if (typeof v === "string") return v
  if (typeof v.val === "string") return v.val
  return String(v)
}

function withTimeout(promise, ms, what) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

async function main() {
  const refusedId = interpretAsDocumentId(refusedUrl)
  // A long retry interval: a closed connection is reported, not silently redialled in a loop.
  const adapter = new WebSocketClientAdapter(syncUrl, 60000)

  // Everything the server sends that the repo sees, for the protocol-level assertion.
  adapter.on("message", m => {
    result.received.push({
      type: m.type,
      documentId: m.documentId ?? null,
      bytes: m.data?.byteLength ?? 0,
    })
  })
  // The server's protocol errors ({type: "error"}), which the adapter only logs.
  const receiveMessage = adapter.receiveMessage.bind(adapter)
  adapter.receiveMessage = bytes => {
    try {
      const m = cbor.decode(new Uint8Array(bytes))
      if (m?.type === "error") result.server_error = String(m.message ?? "")
    } catch {
      // the adapter reports undecodable frames itself
    }
    receiveMessage(bytes)
  }
  let closedBeforeHandshake
  const connected = new Promise((resolve, reject) => {
    closedBeforeHandshake = reject
    adapter.on("peer-candidate", ({ peerId: remote }) => {
      result.server_peer_id = remote
      resolve(remote)
    })
  })

  // A close before the server's answer (a refused handshake) is reported at once, with its
  // code: wrap the adapter's close handler before the repo makes it connect.
  const onClose = adapter.onClose
  adapter.onClose = e => {
    result.close = { code: e?.code ?? null, reason: String(e?.reason ?? "") }
    closedBeforeHandshake(new Error(`the server closed the connection (${e?.code} ${e?.reason ?? ""})`))
    onClose()
  }

  result.phase = "connect"
  // No storage: everything the script holds came from the server in this run.
  const repo = new Repo({ network: [adapter], peerId, storage: undefined })
  await withTimeout(connected, connectMs, "the server's answer to the handshake")

  result.phase = "ward"
  const ward = await withTimeout(repo.find(wardUrl), connectMs, "the ward document")
  const doc = ward.doc()
  result.ward = { url: wardUrl, name: str(doc?.name), type: str(doc?.type) }

  result.phase = "refused"
  result.refused = { url: refusedUrl, refused: false, error: null, leaked: false }
  try {
    const h = await withTimeout(repo.find(refusedUrl), connectMs, "the refused document")
    result.refused.error = "the server gave the document"
    result.refused.leaked = true
    result.refused.keys = Object.keys(h.doc() ?? {})
  } catch (e) {
    const msg = String(e?.message ?? e)
    result.refused.error = msg
    result.refused.refused = /unavailable/i.test(msg)
  }
  // At the protocol level: nothing but "doc-unavailable" may have come for that document.
  const leaks = result.received.filter(m => m.documentId === refusedId && m.type !== "doc-unavailable")
  if (leaks.length > 0) result.refused.leaked = true

  result.phase = "done"
  const ok =
    result.ward.type === "ward" &&
    !!result.ward.name &&
    result.refused.refused &&
    !result.refused.leaked &&
    result.server_peer_id !== null
  try {
    adapter.disconnect()
  } catch {
    // already closed
  }
  finish(ok, ok ? null : "checks failed")
}

main().catch(e => finish(false, e))
