/**
 * The runtime's cost of one HMAC-SHA256 with a Buffer key (`npm run bench:node-hmac`), as libsignal
 * computes several per WhatsApp message (chain keys, message keys, MACs), against the same with a
 * KeyObject key. Node 24.18.0 to 24.21.0 check a Buffer key by throwing and catching an exception on
 * every call, which makes the first about five times slower than on 24.17.0 or 26.x; this shows
 * whether the Node running it has that cost. Prints microseconds per call; writes nothing.
 */
import { createHmac, createSecretKey } from 'node:crypto';

const CALLS = 100_000;
const data = Buffer.alloc(64, 2);

function perCall(key: Buffer | ReturnType<typeof createSecretKey>): number {
  for (let i = 0; i < CALLS / 5; i++) createHmac('sha256', key).update(data).digest(); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) createHmac('sha256', key).update(data).digest();
  return Number(process.hrtime.bigint() - start) / CALLS / 1000;
}

const buffer = Buffer.alloc(32, 1);
process.stdout.write(
  `${process.version}: createHmac with a Buffer key ${perCall(buffer).toFixed(2)} µs/call, ` +
    `with a KeyObject ${perCall(createSecretKey(buffer)).toFixed(2)} µs/call\n`,
);
