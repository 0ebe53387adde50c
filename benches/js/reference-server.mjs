// The reference automerge-repo sync server for the W1 comparison: @automerge/automerge-repo with
// the websocket server adapter and filesystem storage, as its own sync-server example does,
// authentication off. Usage: node reference-server.mjs PORT DATA_DIR
import { WebSocketServer } from "ws"
import { Repo } from "@automerge/automerge-repo"
import { NodeWSServerAdapter } from "@automerge/automerge-repo-network-websocket"
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs"
import http from "node:http"

const port = Number(process.argv[2] ?? 8802)
const dir = process.argv[3] ?? "./reference-data"
const wss = new WebSocketServer({ noServer: true })
new Repo({
  network: [new NodeWSServerAdapter(wss)],
  storage: new NodeFSStorageAdapter(dir),
  peerId: "reference-server",
  // A server does not announce documents: it syncs what clients ask for.
  sharePolicy: async () => false,
})
const server = http.createServer((req, res) => {
  res.writeHead(200, { "content-type": "text/plain" })
  res.end("ok")
})
server.on("upgrade", (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req))
})
server.listen(port, "127.0.0.1", () => console.log(`reference server on ${port}`))
