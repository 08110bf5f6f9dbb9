/**
 * A TCP proxy in front of a real server (Redis here), so tests can take a TCP service down and
 * bring it back on the same port: refuse connections (listener closed, open sockets cut), or
 * accept and never answer (bytes swallowed in both directions); or reset the connection
 * of the next requests.
 */
import net from 'node:net';
import type { Socket } from 'node:net';
import { listenOn, stopListening } from './listen';

export type ProxyDownMode = 'refuse' | 'hang';

export interface TcpProxy {
  /** `127.0.0.1:<port>` of the proxy. */
  readonly host: string;
  readonly port: number;
  /** Connections accepted since start (each client connection counts once). */
  readonly connections: number;
  /** `true` = 'refuse'; `false` brings the proxy back on the same port. */
  setDown(down: boolean | ProxyDownMode): Promise<void>;
  /** The next `n` requests (bytes from a client, on a new or kept-alive connection) reset their connection, unforwarded. */
  resetNext(n: number): void;
  close(): Promise<void>;
}

/** Starts a proxy to `target` (`host:port`); resolves once it listens. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: ProxyDownMode | null = null;
  let connections = 0;
  let toReset = 0;
  const open = new Set<Socket>();
  const server = net.createServer((client) => {
    connections++;
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    if (mode === 'hang') {
      client.on('data', () => undefined);
      return;
    }
    const upstream = net.connect(target);
    open.add(upstream);
    upstream.on('close', () => {
      open.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
    // in 'hang' mode established connections stop forwarding too
    client.on('data', (d) => {
      if (toReset > 0) {
        toReset--;
        upstream.destroy();
        client.resetAndDestroy();
        return;
      }
      if (mode !== 'hang') upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (mode !== 'hang') client.write(d);
    });
  });
  const listen = (port: number) => listenOn(server, port);
  const stop = () => stopListening(server, open);
  const port = await listen(0);
  return {
    host: '127.0.0.1',
    port,
    get connections() {
      return connections;
    },
    async setDown(down) {
      const next: ProxyDownMode | null = down === true ? 'refuse' : down === false ? null : down;
      if (mode === 'refuse' && next !== 'refuse') await listen(port);
      // what a hung peer swallowed is lost: its connections are reset, as a real one's would be
      if (mode === 'hang' && next !== 'hang') for (const s of open) s.destroy();
      if (next === 'refuse' && mode !== 'refuse') await stop();
      mode = next;
    },
    resetNext(n) {
      toReset = n;
    },
    close: stop,
  };
}
