// A read-only static file server for the player check, on Node's own http module.
//
// Contract:
// - Listens on 127.0.0.1 with an ephemeral port; only GET and HEAD (others: 405).
// - `mounts` maps a URL prefix ending in "/" to a directory; the rest of the path, percent-decoded,
//   names a file inside it. `files` maps exact URL paths to single files (the player page and bundles).
// - A path with a ".." segment, a NUL, a malformed escape, or one whose real path (symlinks resolved)
//   lies outside the mount's real directory is refused with 403. A missing file, a directory or an
//   unmapped URL is 404.
// - Single byte ranges are honoured (206 with Content-Range); an unsatisfiable one is 416; several
//   ranges are answered with the whole file (200), as RFC 9110 allows.
// - `onResponse({method, path, status})` is called once per request, after the status is known.

import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';

export const MIME_TYPES = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.mpd': 'application/dash+xml',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.m4a': 'audio/mp4',
  '.ts': 'video/mp2t',
  '.vtt': 'text/vtt',
  '.ttml': 'application/ttml+xml',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
};

export function mimeType(filePath) {
  return MIME_TYPES[path.extname(filePath).toLowerCase()] ?? 'application/octet-stream';
}

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// Returns the percent-decoded URL path (no query or fragment), keeping ".." segments as sent.
function decodedPath(rawUrl) {
  const raw = rawUrl.split(/[?#]/, 1)[0];
  let decoded;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw new HttpError(403, 'malformed escape');
  }
  if (decoded.includes('\0')) throw new HttpError(403, 'NUL in path');
  return decoded;
}

// Resolves `relative` inside `dirReal` (a real path); throws 403 for any way out, 404 when absent.
async function resolveInside(dirReal, relative) {
  const segments = relative.split(/[/\\]/);
  if (segments.includes('..')) throw new HttpError(403, 'path escapes the root');
  const candidate = path.join(dirReal, ...segments);
  let real;
  try {
    real = await realpath(candidate);
  } catch {
    throw new HttpError(404, 'not found');
  }
  if (real !== dirReal && !real.startsWith(dirReal + path.sep)) {
    throw new HttpError(403, 'path escapes the root');
  }
  return real;
}

// Parses a Range header against `size`: null for the whole file, {start, end} (inclusive), or
// 'unsatisfiable'.
export function parseRange(header, size) {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null; // several ranges or another unit: answer with the whole file
  const [, first, last] = match;
  if (first === '' && last === '') return null;
  let start;
  let end;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(first);
    end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
    if (last !== '' && Number(last) < start) return null; // invalid range: ignore it
  }
  if (start >= size || size === 0) return 'unsatisfiable';
  return { start, end };
}

async function locate(urlPath, mountsReal, files) {
  if (Object.hasOwn(files, urlPath)) return files[urlPath];
  for (const [prefix, dirReal] of mountsReal) {
    if (urlPath.startsWith(prefix)) return resolveInside(dirReal, urlPath.slice(prefix.length));
  }
  // A traversal outside every mount is still refused as such, not reported as missing.
  if (urlPath.split('/').includes('..')) throw new HttpError(403, 'path escapes the root');
  throw new HttpError(404, 'not found');
}

async function serveFile(req, res, filePath) {
  const info = await stat(filePath).catch(() => null);
  if (!info || !info.isFile()) throw new HttpError(404, 'not a file');
  const headers = {
    'Content-Type': mimeType(filePath),
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'no-store',
  };
  const range = parseRange(req.headers.range, info.size);
  if (range === 'unsatisfiable') {
    res.writeHead(416, { ...headers, 'Content-Range': `bytes */${info.size}` });
    res.end();
    return 416;
  }
  const { start, end } = range ?? { start: 0, end: info.size - 1 };
  const status = range ? 206 : 200;
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${info.size}`;
  headers['Content-Length'] = String(Math.max(0, end - start + 1));
  res.writeHead(status, headers);
  if (req.method === 'HEAD' || info.size === 0) {
    res.end();
    return status;
  }
  await new Promise((resolve) => {
    const stream = createReadStream(filePath, { start, end });
    stream.on('error', () => {
      res.destroy();
      resolve();
    });
    res.on('close', () => {
      stream.destroy();
      resolve();
    });
    stream.pipe(res);
  });
  return status;
}

// Starts the server. Returns {origin, port, close()}; close() resolves once every socket is closed.
export async function startServer({ mounts = {}, files = {}, onResponse = () => {} } = {}) {
  const mountsReal = [];
  for (const [prefix, dir] of Object.entries(mounts)) {
    if (!prefix.startsWith('/') || !prefix.endsWith('/')) {
      throw new Error(`mount prefix must start and end with "/": ${prefix}`);
    }
    mountsReal.push([prefix, await realpath(dir)]);
  }

  const server = createServer(async (req, res) => {
    let status;
    let urlPath = req.url;
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        throw new HttpError(405, 'method not allowed');
      }
      urlPath = decodedPath(req.url);
      status = await serveFile(req, res, await locate(urlPath, mountsReal, files));
    } catch (error) {
      status = error instanceof HttpError ? error.status : 500;
      if (!res.headersSent) {
        const headers = { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' };
        if (status === 405) headers.Allow = 'GET, HEAD';
        res.writeHead(status, headers);
        res.end(req.method === 'HEAD' ? undefined : `${status} ${error.message}\n`);
      } else {
        res.destroy();
      }
    }
    onResponse({ method: req.method, path: urlPath, status });
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
