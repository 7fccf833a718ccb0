// Peer reachability over real TCP: a replica that refuses handshakes twice in a row holds no
// nodes in this replica's eyes (onChange is told), one answered handshake brings it back, and
// a replica that left the live list is forgotten.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import type { AddressInfo } from "node:net";
import { PeerReachability, addressOf } from "../../src/replicas/peer-reachability.js";
import { systemClock } from "../../src/util/clock.js";
import { tcpConnect } from "../../src/util/tcp-connect.js";

function listen(port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

test("a peer refusing two handshakes in a row is unreachable; one answer brings it back; a peer that left is forgotten", async () => {
  let server = await listen();
  const port = (server.address() as AddressInfo).port;
  let peers = [{ name: "r2", url: `http://127.0.0.1:${port}` }];
  let changes = 0;
  const reach = new PeerReachability({ peers: () => peers, connect: tcpConnect, clock: systemClock, onChange: () => changes++ });

  await reach.check();
  assert.equal(reach.isReachable("r2"), true);
  await close(server);
  await reach.check();
  assert.equal(reach.isReachable("r2"), true, "one refusal is not enough");
  await reach.check();
  assert.equal(reach.isReachable("r2"), false, "two in a row");
  assert.equal(changes, 1);

  server = await listen(port);
  await reach.check();
  assert.equal(reach.isReachable("r2"), true);
  assert.equal(changes, 2);

  // Unreachable, then gone from the live list: forgotten (reachable again should it come back).
  await close(server);
  await reach.check();
  await reach.check();
  assert.equal(reach.isReachable("r2"), false);
  peers = [];
  await reach.check();
  assert.equal(reach.isReachable("r2"), true);
  assert.equal(changes, 4);
});

test("a replica's address is its URL's host and port, the scheme's port when it names none", () => {
  assert.equal(addressOf("https://vigil-2.example.com"), "vigil-2.example.com:443");
  assert.equal(addressOf("http://10.0.0.2"), "10.0.0.2:80");
  assert.equal(addressOf("https://[::1]:7070"), "[::1]:7070");
});
