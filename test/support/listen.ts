/** Listening and stopping for the test servers that go down and come back on the same port. */
import type { AddressInfo, Server } from 'node:net';

/** Listens on 127.0.0.1:`port` (0 = any free port); resolves with the port. */
export function listenOn(server: Server, port: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Cuts every open connection and stops listening, so new connections are refused. */
export function stopListening(server: Server, open: Set<{ destroy(): unknown }>): Promise<void> {
  return new Promise<void>((resolve) => {
    for (const s of open) s.destroy();
    open.clear();
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}
