/**
 * The embedded MQTT broker (aedes) used when no external broker is configured. It listens on
 * a TCP port like any broker, so gateways, the simulator and the ingest talk to it the same
 * way they would to Mosquitto or EMQX.
 */
import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';

export interface EmbeddedBroker {
  url: string;
  port: number;
  connectedClients(): number;
  close(): Promise<void>;
}

export class PortInUseError extends Error {}

export async function startEmbeddedBroker(host: string, port: number): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker({ drainTimeout: 30_000 });
  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new PortInUseError(`MQTT port ${port} on ${host} is already in use; set CITYTWIN_MQTT_PORT to another port (0 = any free port)`));
      else reject(err);
    });
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `mqtt://${urlHost === '0.0.0.0' ? '127.0.0.1' : urlHost}:${actualPort}`,
    port: actualPort,
    connectedClients: () => broker.connectedClients,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}
