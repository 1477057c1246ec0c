/**
 * A real `Connection` for unit tests of the classes that hold connections, without a server: its
 * socket records the frames sent to it instead of writing them.
 */
import type { AppConfig } from '../../src/config/config.js';
import { Connection } from '../../src/connections/connection.js';
import type { ClientSocket, TransportName } from '../../src/transport/client-socket.js';
import type { PreparedFrame } from '../../src/transport/ws-frame.js';

export class RecordingSocket implements ClientSocket {
  readonly transport: TransportName = 'ws';
  readonly bufferedBytes = 0;
  open = true;
  /** The text of every frame sent, in order. */
  readonly sent: string[] = [];

  send(frame: PreparedFrame): void {
    this.sent.push(frame.text);
  }
  close(): void {
    this.open = false;
  }
  ping(): void {}
  terminate(): void {
    this.open = false;
  }
}

/** A connection to `app` whose frames land in `socket.sent`. */
export function testConnection(app: AppConfig, socketId: string): Connection & { socket: RecordingSocket } {
  return new Connection(socketId, app, new RecordingSocket(), 0, '127.0.0.1') as Connection & {
    socket: RecordingSocket;
  };
}
