// Unit tests of server.mjs: run with `node --test web/player-check/`.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, symlink, rm } from 'node:fs/promises';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startServer, parseRange } from './server.mjs';

let base;
let server;
const segment = Buffer.from(Array.from({ length: 100 }, (_, i) => i));

// Sends a request with the path exactly as given (no client-side normalisation of "..").
function get(rawPath, { method = 'GET', headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path: rawPath, method, headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

before(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'player-check-test-'));
  const root = path.join(base, 'pkg');
  await mkdir(path.join(root, 'h264_720p'), { recursive: true });
  await writeFile(path.join(root, 'master.m3u8'), '#EXTM3U\n');
  await writeFile(path.join(root, 'manifest.mpd'), '<MPD/>');
  await writeFile(path.join(root, 'h264_720p', 'seg_00001.m4s'), segment);
  await writeFile(path.join(root, 'h264_720p', 'init.mp4'), 'init');
  await writeFile(path.join(root, 'subs.vtt'), 'WEBVTT\n');
  await writeFile(path.join(base, 'secret.txt'), 'secret');
  await symlink(path.join(base, 'secret.txt'), path.join(root, 'link-out.m4s'));
  await symlink(base, path.join(root, 'dir-out'));
  await symlink(path.join(root, 'master.m3u8'), path.join(root, 'link-in.m3u8'));
  await writeFile(path.join(base, 'page.html'), '<html></html>');
  server = await startServer({
    mounts: { '/pkg/': root },
    files: { '/player/index.html': path.join(base, 'page.html') },
  });
});

after(async () => {
  await server?.close();
  await rm(base, { recursive: true, force: true });
});

test('serves package files with their MIME types', async () => {
  const expected = {
    '/pkg/master.m3u8': 'application/vnd.apple.mpegurl',
    '/pkg/manifest.mpd': 'application/dash+xml',
    '/pkg/h264_720p/seg_00001.m4s': 'video/iso.segment',
    '/pkg/h264_720p/init.mp4': 'video/mp4',
    '/pkg/subs.vtt': 'text/vtt',
    '/player/index.html': 'text/html; charset=utf-8',
  };
  for (const [url, type] of Object.entries(expected)) {
    const res = await get(url);
    assert.equal(res.status, 200, url);
    assert.equal(res.headers['content-type'], type, url);
  }
});

test('HEAD answers the length without a body', async () => {
  const res = await get('/pkg/h264_720p/seg_00001.m4s', { method: 'HEAD' });
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-length'], '100');
  assert.equal(res.body.length, 0);
});

test('a byte range is answered with 206 and Content-Range', async () => {
  const res = await get('/pkg/h264_720p/seg_00001.m4s', { headers: { Range: 'bytes=10-19' } });
  assert.equal(res.status, 206);
  assert.equal(res.headers['content-range'], 'bytes 10-19/100');
  assert.equal(res.headers['content-length'], '10');
  assert.deepEqual(res.body, segment.subarray(10, 20));
});

test('open-ended and suffix ranges', async () => {
  const open = await get('/pkg/h264_720p/seg_00001.m4s', { headers: { Range: 'bytes=95-' } });
  assert.equal(open.status, 206);
  assert.equal(open.headers['content-range'], 'bytes 95-99/100');
  assert.deepEqual(open.body, segment.subarray(95));
  const suffix = await get('/pkg/h264_720p/seg_00001.m4s', { headers: { Range: 'bytes=-3' } });
  assert.equal(suffix.status, 206);
  assert.equal(suffix.headers['content-range'], 'bytes 97-99/100');
  assert.deepEqual(suffix.body, segment.subarray(97));
});

test('a range past the end is 416', async () => {
  const res = await get('/pkg/h264_720p/seg_00001.m4s', { headers: { Range: 'bytes=100-200' } });
  assert.equal(res.status, 416);
  assert.equal(res.headers['content-range'], 'bytes */100');
});

test('parseRange', () => {
  assert.equal(parseRange(undefined, 10), null);
  assert.deepEqual(parseRange('bytes=0-0', 10), { start: 0, end: 0 });
  assert.deepEqual(parseRange('bytes=5-100', 10), { start: 5, end: 9 });
  assert.equal(parseRange('bytes=0-1,3-4', 10), null);
  assert.equal(parseRange('bytes=7-3', 10), null);
  assert.equal(parseRange('bytes=-0', 10), 'unsatisfiable');
  assert.equal(parseRange('bytes=0-', 0), 'unsatisfiable');
});

test('missing files, directories and unmapped URLs are 404', async () => {
  for (const url of ['/pkg/h264_720p/seg_00002.m4s', '/pkg/h264_720p/', '/pkg/', '/nothing', '/player/hls.min.js']) {
    assert.equal((await get(url)).status, 404, url);
  }
});

test('paths escaping the root are 403', async () => {
  const escapes = [
    '/pkg/../../etc/passwd',
    '/pkg/../secret.txt',
    '/pkg/h264_720p/../../secret.txt',
    '/pkg/%2e%2e/secret.txt',
    '/pkg/%2E%2E%2Fsecret.txt',
    '/pkg/..%5csecret.txt',
    '/../etc/passwd',
    '/pkg/link-out.m4s',
    '/pkg/dir-out/secret.txt',
    '/pkg/master.m3u8%00.js',
    '/pkg/%zz',
  ];
  for (const url of escapes) {
    const res = await get(url);
    assert.equal(res.status, 403, url);
    assert.ok(!res.body.toString().includes('secret'), url);
  }
});

test('a symlink that stays inside the root is served', async () => {
  const res = await get('/pkg/link-in.m3u8');
  assert.equal(res.status, 200);
  assert.equal(res.body.toString(), '#EXTM3U\n');
});

test('only GET and HEAD are allowed', async () => {
  const res = await get('/pkg/master.m3u8', { method: 'PUT' });
  assert.equal(res.status, 405);
  assert.equal(res.headers.allow, 'GET, HEAD');
});
