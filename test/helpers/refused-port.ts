/**
 * A port on 127.0.0.1 that refuses connections and that nobody else can take while the test runs.
 * A port that was bound and then released could be taken by another process at any time (the
 * suite runs its files in parallel); this one stays held by one end of an open loopback
 * connection, which listens for nothing, so a connection to it gets a reset: ECONNREFUSED.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** The held ports' sockets, referenced so that they stay open while the process runs. */
const held: Array<{ server: Server; holder: Socket; accepted: Socket[] }> = [];

/** Returns a held, refusing port. Its three sockets are unref'd: they live until the test file's process ends. */
export async function refusedPort(): Promise<number> {
  const accepted: Socket[] = [];
  const server = createServer((socket) => {
    socket.unref();
    accepted.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const holder = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => holder.once('connect', resolve).once('error', reject));
  server.unref();
  holder.unref();
  held.push({ server, holder, accepted });
  return holder.localPort as number;
}
