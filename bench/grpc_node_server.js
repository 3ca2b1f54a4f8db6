// The server bench/grpc.py streams from: playground.proto's Count and Echo served by
// @grpc/grpc-js (Node's gRPC implementation), which writes a stream as fast as the client
// reads it. grpcio's Python server sends some 14,000 messages a second on this kind of
// machine, less than the client reads: it would measure itself, not the client.
// Usage: node grpc_node_server.js PLAYGROUND_PROTO INCLUDE_DIR; prints host:port, and
// exits when its standard input closes.
"use strict";
const grpc = require("@grpc/grpc-js");
const loader = require("@grpc/proto-loader");

const [proto, include] = process.argv.slice(2);
const definition = loader.loadSync(proto, {keepCase: true, longs: String, includeDirs: [include]});
const playground = grpc.loadPackageDefinition(definition).spyglass.playground;

function count(call) {
  const last = call.request.count;
  let number = 1;
  let total = 0;
  function pump() {
    while (number <= last) {
      total += number;
      const more = call.write({number: number, total: String(total)});
      number += 1;
      if (!more) {
        call.once("drain", pump);  // the client reads slower: wait for it
        return;
      }
    }
    call.end();
  }
  call.on("cancelled", () => { number = last + 1; });
  pump();
}

const server = new grpc.Server();
server.addService(playground.Playground.service, {
  Count: count,
  Echo: (call, callback) => callback(null, {text: call.request.text}),
});
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) {
    console.error(error.message);
    process.exit(1);
  }
  console.log(`127.0.0.1:${port}`);
});
process.stdin.on("end", () => server.forceShutdown());
process.stdin.resume();
