// Preloaded into the CLI under test (`node --import`): notes, in the order they happen, every
// write to and every fsync of a file the process opened by name, as JSON lines appended to
// $FSYNC_LOG. The notes are written synchronously, before the call returns, so a server that
// receives a request can read from the log everything the process did before sending it.
// syncBuiltinESMExports makes `import { writeSync } from 'node:fs'` see the wrappers too.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const log = process.env.FSYNC_LOG;
if (log) {
  const { openSync, writeSync, fsyncSync, fdatasyncSync, closeSync } = fs;
  const out = openSync(log, 'a');
  const paths = new Map();
  const note = (entry) => writeSync(out, `${JSON.stringify(entry)}\n`);
  /** The record type of a JSON line written: `type` in the checkpoint, `t` in the outbox. */
  const kindOf = (text) => /"(?:type|t)":"(\w+)"/.exec(text)?.[1] ?? '?';

  fs.openSync = function (path, ...rest) {
    const fd = openSync.call(fs, path, ...rest);
    if (typeof path === 'string') paths.set(fd, path);
    return fd;
  };
  fs.closeSync = function (fd) {
    paths.delete(fd);
    return closeSync.call(fs, fd);
  };
  fs.writeSync = function (fd, data, ...rest) {
    const written = writeSync.call(fs, fd, data, ...rest);
    if (paths.has(fd)) {
      const offset = typeof rest[0] === 'number' && typeof data !== 'string' ? rest[0] : 0;
      const text =
        typeof data === 'string'
          ? data
          : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8', offset, offset + written);
      note({ op: 'write', path: paths.get(fd), kind: kindOf(text.slice(0, 400)) });
    }
    return written;
  };
  fs.fsyncSync = function (fd) {
    fsyncSync.call(fs, fd);
    if (paths.has(fd)) note({ op: 'fsync', path: paths.get(fd) });
  };
  fs.fdatasyncSync = function (fd) {
    fdatasyncSync.call(fs, fd);
    if (paths.has(fd)) note({ op: 'fsync', path: paths.get(fd) });
  };
  syncBuiltinESMExports();
}
