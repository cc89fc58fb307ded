// One <video> played with hls.js or dash.js (their ES module bundles, copied by the build into
// vendor/ and loaded on first use), with a rendition switcher: renditions() lists the video
// renditions largest first; select(i) locks the player to renditions()[i] (ABR off), select(-1)
// gives the choice back to ABR.

import { expectedPictureSize, largestFirst, renditionName, sameSize } from './lib.js';

const VENDOR = new URL('./vendor/', import.meta.url);
const MAX_ERRORS = 50;
// After a locked switch Chromium may keep showing the old rendition's frames it had already
// read until the new one's next key frame (up to a GOP): when the picture still has another
// size after this much playback, the position is sought again so that it decodes the new data
// from its key frame (at most MAX_RESEEKS times per switch).
const RESEEK_AFTER_SECONDS = 0.5;
const MAX_RESEEKS = 2;

let hlsModule = null;
let dashModule = null;

async function loadHls() {
  hlsModule ??= import(new URL('hls.min.js', VENDOR).href);
  return (await hlsModule).default;
}

async function loadDash() {
  dashModule ??= import(new URL('dash.all.min.js', VENDOR).href);
  const module = await dashModule;
  return module.MediaPlayer ? module : module.default;
}

export class Player {
  // onChange() is called (at most once per animation frame) when anything shown changed.
  constructor(video, { onChange = () => {} } = {}) {
    this.video = video;
    this.onChange = onChange;
    this.kind = null; // 'hls' | 'dash'
    this.url = null;
    this.version = null;
    this.status = 'idle'; // idle | loading | ready | error
    this.list = [];
    this.selected = -1;
    this.renderedId = null;
    this.errors = [];
    this.nonFatal = [];
    this.hls = null;
    this.dash = null;
    this.generation = 0;
    this.switchWatch = null;
    this.changeQueued = false;
    for (const name of ['timeupdate', 'resize', 'playing', 'pause', 'ended', 'seeked', 'loadedmetadata']) {
      video.addEventListener(name, () => this.changed());
    }
    video.addEventListener('timeupdate', () => this.watchSwitch());
    video.addEventListener('error', () => this.recordVideoError());
  }

  changed() {
    if (this.changeQueued) return;
    this.changeQueued = true;
    requestAnimationFrame(() => {
      this.changeQueued = false;
      this.onChange();
    });
  }

  record(list, entry) {
    if (list.length < MAX_ERRORS) list.push(entry);
    this.changed();
  }

  recordVideoError() {
    const e = this.video.error;
    if (!e) return;
    const entry = { source: 'video', fatal: true, code: e.code, message: e.message || null };
    if (!this.errors.some((x) => x.source === 'video' && x.code === entry.code)) this.record(this.errors, entry);
  }

  // Plays `url` with `kind` ('hls' or 'dash'); resolves when the manifest is parsed (or failed).
  async load(kind, url) {
    const generation = await this.unload();
    this.kind = kind;
    this.url = url;
    this.status = 'loading';
    this.changed();
    try {
      if (kind === 'hls') await this.attachHls(url, generation);
      else if (kind === 'dash') await this.attachDash(url, generation);
      else throw new Error(`unknown player ${kind}`);
    } catch (error) {
      if (generation !== this.generation) return;
      this.record(this.errors, { source: kind, fatal: true, message: `could not start: ${error.message}` });
    }
    if (generation !== this.generation) return;
    this.status = this.errors.length > 0 ? 'error' : 'ready';
    this.video.play().catch(() => {}); // muted: allowed; an interrupted play() is no error
    this.changed();
  }

  // Stops and forgets the current player; returns the new generation number.
  async unload() {
    this.generation += 1;
    this.switchWatch = null;
    if (this.hls) this.hls.destroy();
    if (this.dash) this.dash.destroy();
    this.hls = null;
    this.dash = null;
    this.kind = null;
    this.url = null;
    this.version = null;
    this.status = 'idle';
    this.list = [];
    this.selected = -1;
    this.renderedId = null;
    this.errors = [];
    this.nonFatal = [];
    this.video.removeAttribute('src');
    this.video.load();
    this.changed();
    return this.generation;
  }

  async attachHls(url, generation) {
    const Hls = await loadHls();
    if (generation !== this.generation) return;
    this.version = Hls.version;
    if (!Hls.isSupported()) throw new Error('this browser has no MediaSource: hls.js cannot play');
    const hls = new Hls();
    this.hls = hls;
    hls.on(Hls.Events.ERROR, (_event, data) => {
      this.record(data.fatal ? this.errors : this.nonFatal, {
        source: 'hls',
        fatal: Boolean(data.fatal),
        type: data.type ?? null,
        details: data.details ?? null,
        message: data.error?.message ?? data.reason ?? null,
        url: data.frag?.url ?? data.context?.url ?? data.url ?? null,
        http_status: data.response?.code ?? null,
      });
    });
    hls.on(Hls.Events.FRAG_CHANGED, (_event, data) => {
      if (data.frag.type !== 'main') return;
      this.renderedId = hls.levels[data.frag.level]?.uri ?? null;
      this.changed();
    });
    hls.on(Hls.Events.LEVEL_SWITCHED, () => this.changed());
    const parsed = new Promise((resolve) => {
      hls.once(Hls.Events.MANIFEST_PARSED, resolve);
      hls.on(Hls.Events.ERROR, (_event, data) => data.fatal && resolve());
    });
    hls.attachMedia(this.video);
    hls.loadSource(url);
    await parsed;
    if (generation !== this.generation) return;
    const base = new URL(url, location.href);
    const id = (uri) => {
      // The media playlist as a path relative to the manifest (hls.js makes it absolute).
      const u = new URL(uri, base);
      const dir = base.href.slice(0, base.href.lastIndexOf('/') + 1);
      return u.href.startsWith(dir) ? u.href.slice(dir.length) : u.href;
    };
    this.list = hls.levels
      .map((level, index) => ({
        level: index,
        id: id(level.uri),
        uri: level.uri,
        name: renditionName(id(level.uri)),
        width: level.width || null,
        height: level.height || null,
        bitrate: level.bitrate || null,
        codecs: level.videoCodec ?? level.attrs?.CODECS ?? null,
        sar: null,
      }))
      .sort(largestFirst);
  }

  async attachDash(url, generation) {
    const dashjs = await loadDash();
    if (generation !== this.generation) return;
    const player = dashjs.MediaPlayer().create();
    this.dash = player;
    this.version = player.getVersion?.() ?? null;
    const events = dashjs.MediaPlayer.events;
    player.updateSettings({ streaming: { abr: { autoSwitchBitrate: { video: true } } } });
    player.on(events.ERROR, (e) => {
      this.record(this.errors, {
        source: 'dash',
        fatal: true,
        type: 'error',
        code: e.error?.code ?? null,
        message: e.error?.message ?? String(e.error ?? ''),
        url: e.error?.data?.request?.url ?? e.error?.data?.url ?? null,
      });
    });
    player.on(events.PLAYBACK_ERROR, (e) => {
      this.record(this.errors, { source: 'dash', fatal: true, type: 'playbackError', code: e.error?.code ?? null, message: e.error?.message ?? null });
    });
    player.on(events.QUALITY_CHANGE_RENDERED, (e) => {
      if (e.mediaType !== 'video') return;
      this.renderedId = e.newRepresentation?.id ?? null;
      this.changed();
    });
    const initialized = new Promise((resolve) => {
      player.on(events.STREAM_INITIALIZED, resolve);
      player.on(events.ERROR, resolve);
    });
    player.initialize(this.video, url, false);
    const [, sar] = await Promise.all([initialized, readDashSar(url)]);
    if (generation !== this.generation) return;
    this.renderedId ??= player.getCurrentRepresentationForType('video')?.id ?? null;
    this.list = player
      .getRepresentationsByType('video')
      .map((rep) => ({
        id: rep.id,
        name: renditionName(rep.id),
        width: rep.width || null,
        height: rep.height || null,
        bitrate: rep.bandwidth || null,
        codecs: rep.codecs ?? null,
        sar: sar.get(rep.id) ?? null,
      }))
      .sort(largestFirst);
  }

  // The video renditions, largest first, each with the picture size Chromium should decode.
  renditions() {
    return this.list.map((r, index) => ({
      index,
      id: r.id,
      name: r.name,
      width: r.width,
      height: r.height,
      bitrate: r.bitrate,
      codecs: r.codecs,
      sar: r.sar,
      expected: expectedPictureSize(r),
    }));
  }

  // Locks the player to renditions()[index]; -1 returns to ABR. Returns false for no such index.
  select(index) {
    if (index !== -1 && !(index >= 0 && index < this.list.length)) return false;
    this.selected = index;
    const rendition = this.list[index];
    if (this.hls) {
      this.hls.currentLevel = index === -1 ? -1 : rendition.level; // immediate switch, flushes the buffer
    } else if (this.dash) {
      if (index === -1) {
        this.dash.updateSettings({ streaming: { abr: { autoSwitchBitrate: { video: true } } } });
      } else {
        this.dash.updateSettings({ streaming: { abr: { autoSwitchBitrate: { video: false } } } });
        this.dash.setRepresentationForTypeById('video', rendition.id, true); // forceReplace: drop the buffered picture
      }
    } else {
      return false;
    }
    this.switchWatch = index === -1 ? null : { expected: expectedPictureSize(rendition), last: this.video.currentTime, played: 0, reseeks: 0 };
    this.changed();
    return true;
  }

  // See RESEEK_AFTER_SECONDS.
  watchSwitch() {
    const watch = this.switchWatch;
    if (!watch) return;
    const now = this.video.currentTime;
    const step = now - watch.last;
    watch.last = now;
    if (sameSize(this.video.videoWidth, this.video.videoHeight, watch.expected)) {
      this.switchWatch = null;
      return;
    }
    if (step > 0 && step < 1) watch.played += step;
    if (watch.played < RESEEK_AFTER_SECONDS) return;
    if (watch.reseeks >= MAX_RESEEKS) {
      this.switchWatch = null;
      return;
    }
    watch.reseeks += 1;
    watch.played = 0;
    this.video.currentTime = now;
    watch.last = now;
  }

  // The id of the rendition the player reports as on screen, as renditions() names it.
  renderedName() {
    if (this.renderedId == null) return null;
    const r = this.list.find((x) => x.id === this.renderedId || x.uri === this.renderedId);
    return r ? r.name : renditionName(this.renderedId);
  }

  snapshot() {
    const v = this.video;
    return {
      kind: this.kind,
      url: this.url,
      version: this.version,
      status: this.status,
      renditions: this.renditions(),
      selected: this.selected,
      rendered: this.renderedName(),
      video_width: v.videoWidth,
      video_height: v.videoHeight,
      current_time: v.currentTime,
      paused: v.paused,
      ended: v.ended,
      duration: Number.isFinite(v.duration) ? v.duration : null,
      errors: [...this.errors],
      non_fatal_errors: [...this.nonFatal],
    };
  }
}

// @sar of each video Representation (or of its AdaptationSet): dash.js does not expose it.
async function readDashSar(url) {
  const sar = new Map();
  try {
    const text = await (await fetch(url)).text();
    const doc = new DOMParser().parseFromString(text, 'application/xml');
    for (const rep of doc.getElementsByTagNameNS('*', 'Representation')) {
      const value = rep.getAttribute('sar') || rep.parentElement?.getAttribute('sar');
      if (value) sar.set(rep.getAttribute('id'), value);
    }
  } catch {
    // dash.js reports a manifest it cannot load or parse.
  }
  return sar;
}
