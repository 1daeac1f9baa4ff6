/**
 * A bare aedes broker in its own process, for the baseline of bench run 11: no hooks, no
 * intake, no storage, only what an MQTT broker must do. Prints `{"url": …}` once listening on a
 * port the system picks (loopback), and stops on SIGTERM.
 */
import { createServer } from 'node:net';
import { Aedes } from 'aedes';

const broker = await Aedes.createBroker();
const server = createServer((socket) => broker.handle(socket));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const address = server.address();
if (address === null || typeof address === 'string') throw new Error(`unexpected listener address ${String(address)}`);
process.stdout.write(`${JSON.stringify({ url: `mqtt://127.0.0.1:${address.port}` })}\n`);
process.on('SIGTERM', () => {
  server.close();
  broker.close(() => process.exit(0));
});
