/**
 * A socket.io client on a plain TCP socket, for tests that play a console which stops reading:
 * the WebSocket upgrade and masked text frames written by hand (RFC 6455 §5.2), socket.io's
 * packets as text (`40{auth}` connect, `42[event, data]` event, `3` engine pong). `pause()` stops
 * reading from the socket, so the kernel's buffers fill and whatever the server sends waits in
 * the server's process; writing goes on. What it reads is counted, and with `keepText` read as
 * frames: their text kept, a close frame answered.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';

export class RawSocketIo {
  /** Bytes read after the upgrade's answer. */
  received = 0;
  /** The payloads of the frames read, one a line, when `keepText` (the first 64 KiB). */
  text = '';
  private unread = Buffer.alloc(0);
  closed = false;

  private constructor(
    readonly tcp: net.Socket,
    private readonly keepText: boolean,
  ) {
    tcp.on('close', () => (this.closed = true));
    // A server that drops the connection while the test still writes: the close is the result.
    tcp.on('error', () => (this.closed = true));
  }

  /** Opens the WebSocket transport of `baseUrl`'s socket.io and waits for the upgrade's 101. */
  static async open(baseUrl: string, keepText = false): Promise<RawSocketIo> {
    const url = new URL(baseUrl);
    const tcp = net.connect(Number(url.port), url.hostname);
    await once(tcp, 'connect');
    tcp.write(
      `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    const raw = new RawSocketIo(tcp, keepText);
    let head = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        head += chunk.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        tcp.off('data', onData);
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`the upgrade was refused: ${head.slice(0, 200)}`));
        raw.count(Buffer.from(head.slice(end + 4), 'latin1'));
        tcp.on('data', (c: Buffer) => raw.count(c));
        resolve();
      };
      tcp.on('data', onData);
      tcp.once('error', reject);
    });
    return raw;
  }

  private count(chunk: Buffer): void {
    this.received += chunk.length;
    if (!this.keepText) return;
    this.unread = Buffer.concat([this.unread, chunk]);
    this.readFrames();
  }

  /** The server's frames (unmasked), while `keepText`: text kept, a close answered as a client does. */
  private readFrames(): void {
    for (;;) {
      const b = this.unread;
      if (b.length < 2) return;
      let len = b[1]! & 0x7f;
      let at = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = Number(b.readBigUInt64BE(2));
        at = 10;
      }
      if (b.length < at + len) return;
      const opcode = b[0]! & 0x0f;
      const payload = b.subarray(at, at + len);
      this.unread = b.subarray(at + len);
      if (opcode === 0x8) {
        this.frame(0x88, Buffer.from(payload));
        this.tcp.end();
      } else if (this.text.length < 65_536) this.text += `${payload.toString('utf8')}\n`;
    }
  }

  /** Sends one masked text frame (a client's frames must be masked). */
  send(text: string): void {
    this.frame(0x81, Buffer.from(text, 'utf8'));
  }

  /** One masked frame with its first byte (FIN and opcode) as given. */
  private frame(first: number, payload: Buffer): void {
    if (this.closed || this.tcp.writableEnded) return;
    const n = payload.length;
    const head = n < 126 ? Buffer.from([first, 0x80 | n]) : Buffer.alloc(n < 65_536 ? 4 : 10);
    if (n >= 126 && n < 65_536) {
      head[0] = first;
      head[1] = 0x80 | 126;
      head.writeUInt16BE(n, 2);
    } else if (n >= 65_536) {
      head[0] = first;
      head[1] = 0x80 | 127;
      head.writeBigUInt64BE(BigInt(n), 2);
    }
    const mask = randomBytes(4);
    for (let k = 0; k < n; k++) payload[k]! ^= mask[k % 4]!;
    this.tcp.write(Buffer.concat([head, mask, payload]));
  }

  /** socket.io's connect to the main namespace with `auth`. */
  connect(auth: Record<string, unknown>): void {
    this.send(`40${JSON.stringify(auth)}`);
  }

  /** A client event. */
  emit(event: string, data: unknown): void {
    this.send(`42${JSON.stringify([event, data])}`);
  }

  /** An engine.io pong, sent blind: the server's heartbeat takes it without a ping having been read. */
  pong(): void {
    this.send('3');
  }

  /** Stops reading: what the server sends waits in the kernel's buffers, then in the server's process. */
  pause(): void {
    this.tcp.pause();
  }

  resume(): void {
    this.tcp.resume();
  }

  close(): void {
    this.tcp.destroy();
  }
}
