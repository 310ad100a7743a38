/**
 * A TLS front for a plain-HTTP server on 127.0.0.1, with a certificate made at test time. It can
 * hold a connection's TLS handshake for a while before answering it: from the client's side the
 * connection is slow to open (a lost SYN, a slow DNS answer or a far TLS server look the same),
 * and no byte of the request can be written until it is open. Bytes the client did write are
 * passed on at once.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';

export interface Certificate {
  /** The PEM files, for NODE_EXTRA_CA_CERTS (a client that is to trust it). */
  certFile: string;
  key: Buffer;
  cert: Buffer;
}

/** A self-signed certificate for 127.0.0.1 and localhost, valid one day, made with openssl. */
export function makeCertificate(dir: string): Certificate {
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=localhost',
      '-days',
      '1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return { certFile, key: readFileSync(keyFile), cert: readFileSync(certFile) };
}

export interface TlsFront {
  /** `https://127.0.0.1:PORT`. */
  url: string;
  /** TCP connections accepted. */
  connections(): number;
  /** Bytes of HTTP passed on to the server behind (what the client wrote after a handshake). */
  bytesPassed(): number;
  close(): Promise<void>;
}

/**
 * Starts the front. `handshakeDelayMs(n)` says how long the n-th connection (from 1) waits
 * before its handshake is answered.
 */
export async function startTlsFront(
  certificate: Certificate,
  upstreamPort: number,
  handshakeDelayMs: (n: number) => number = () => 0,
): Promise<TlsFront> {
  let connections = 0;
  let bytesPassed = 0;
  const sockets = new Set<Socket>();
  const tls = createTlsServer({ key: certificate.key, cert: certificate.cert }, (clear: TLSSocket) => {
    const upstream = createConnection(upstreamPort, '127.0.0.1');
    sockets.add(upstream);
    clear.on('data', (chunk: Buffer) => (bytesPassed += chunk.length));
    clear.pipe(upstream).pipe(clear);
    const end = (): void => {
      clear.destroy();
      upstream.destroy();
    };
    clear.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  // A refused certificate or an abandoned handshake is what some tests are about: not an error here.
  tls.on('tlsClientError', () => undefined);
  // Nothing is read from a connection until its handshake is let go.
  const tcp = createServer({ pauseOnConnect: true }, (socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    const delay = handshakeDelayMs(connections);
    const handOver = (): void => {
      if (!socket.destroyed) tls.emit('connection', socket);
    };
    if (delay > 0) setTimeout(handOver, delay);
    else handOver();
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  const { port } = tcp.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    connections: () => connections,
    bytesPassed: () => bytesPassed,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        tcp.close(() => resolve());
      }),
  };
}
