// Runs in the player page. Exposes window.playerCheck: steps that check.mjs calls in this order:
//   attach({player, url, packageBase}) -> waitForPlayback({seconds, timeoutMs}) -> renditions()
//   -> showRendition({id, timeoutMs, playSeconds}) for each -> audioTracks() -> textTracks({at, timeoutMs})
// errors() may be called at any time. Every step resolves (never rejects for a player problem:
// those are recorded as errors) within its timeoutMs plus one poll interval.
'use strict';

(() => {
  const POLL_MS = 50;
  const MAX_RECORDED_ERRORS = 50;
  // A poll-to-poll jump of currentTime larger than this is a seek, not playback.
  const MAX_PLAYBACK_STEP_SECONDS = 0.5;
  // See showRendition().
  const RESEEK_AFTER_SECONDS = 0.5;
  const MAX_RESEEKS = 2;
  // See textTracks().
  const TEXT_RESEEK_MS = 1000;

  const video = document.querySelector('video');
  const state = {
    kind: null, // 'hls' | 'dash'
    hls: null,
    dash: null,
    fatal: [], // errors that stop playback: player fatal errors, video.error
    nonFatal: [], // errors the player reported as recoverable
    renderedId: null, // rendition the player reports as on screen
    sar: new Map(), // DASH Representation id -> "n:d"
    startTime: null, // currentTime at which playback first advanced
    packageBase: '', // URL of the package root; reported URLs are relative to it
  };

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  function record(list, entry) {
    if (list.length < MAX_RECORDED_ERRORS) list.push(entry);
  }

  function recordVideoError() {
    const e = video.error;
    if (e) record(state.fatal, { source: 'video', code: e.code, message: e.message || null });
  }

  function playQuietly() {
    video.play().catch(() => {}); // an interrupted play() is not an error of the package
  }

  // A package URL as a path relative to the package root (stable across runs and ports).
  function packagePath(url) {
    return typeof url === 'string' && url.startsWith(state.packageBase) ? url.slice(state.packageBase.length) : url;
  }

  // A message with the package's URLs made relative to the package root.
  function packageMessage(text) {
    return typeof text === 'string' && state.packageBase ? text.replaceAll(state.packageBase, '') : text;
  }

  function hasFatal() {
    return state.fatal.length > 0;
  }

  // ---- hls.js ----

  function attachHls(url) {
    if (!window.Hls || !Hls.isSupported()) {
      record(state.fatal, { source: 'hls', fatal: true, message: 'Hls.isSupported() is false (no MediaSource)' });
      return Promise.resolve();
    }
    const hls = new Hls();
    state.hls = hls;
    hls.on(Hls.Events.ERROR, (_event, data) => {
      const entry = {
        source: 'hls',
        fatal: Boolean(data.fatal),
        type: data.type ?? null,
        details: data.details ?? null,
        message: packageMessage(data.error?.message ?? data.reason ?? null),
        url: packagePath(data.frag?.url ?? data.context?.url ?? data.url ?? null),
        http_status: data.response?.code ?? null,
      };
      record(data.fatal ? state.fatal : state.nonFatal, entry);
    });
    hls.on(Hls.Events.FRAG_CHANGED, (_event, data) => {
      if (data.frag.type === 'main') state.renderedId = packagePath(hls.levels[data.frag.level]?.uri ?? null);
    });
    const parsed = new Promise((resolve) => {
      hls.once(Hls.Events.MANIFEST_PARSED, resolve);
      hls.on(Hls.Events.ERROR, (_event, data) => data.fatal && resolve());
    });
    hls.attachMedia(video);
    hls.loadSource(url);
    return parsed.then(playQuietly);
  }

  function hlsRenditions() {
    return state.hls.levels.map((level) => ({
      id: packagePath(level.uri),
      width: level.width || null,
      height: level.height || null,
      bitrate: level.bitrate || null,
      codecs: level.attrs?.CODECS ?? level.codecs ?? null,
      frame_rate: level.frameRate || null,
    }));
  }

  function selectHlsRendition(id) {
    const index = state.hls.levels.findIndex((level) => packagePath(level.uri) === id);
    if (index < 0) return false;
    state.hls.currentLevel = index; // immediate switch, flushes the buffer; ABR stays off
    return true;
  }

  // ---- dash.js ----

  // Reads @sar of each video Representation (or its AdaptationSet): dash.js does not expose it.
  async function readDashSar(url) {
    try {
      const text = await (await fetch(url)).text();
      const doc = new DOMParser().parseFromString(text, 'application/xml');
      for (const rep of doc.getElementsByTagNameNS('*', 'Representation')) {
        const sar = rep.getAttribute('sar') || rep.parentElement?.getAttribute('sar');
        if (sar) state.sar.set(rep.getAttribute('id'), sar);
      }
    } catch {
      // dash.js reports a manifest it cannot load or parse; nothing to add here.
    }
  }

  function attachDash(url) {
    if (!window.dashjs) {
      record(state.fatal, { source: 'dash', fatal: true, message: 'dash.js did not load' });
      return Promise.resolve();
    }
    const player = dashjs.MediaPlayer().create();
    state.dash = player;
    const events = dashjs.MediaPlayer.events;
    for (const name of ['getRepresentationsByType', 'setRepresentationForTypeById', 'getTracksFor']) {
      if (typeof player[name] !== 'function') {
        record(state.fatal, { source: 'harness', message: `dash.js ${dashjs.Version} lacks ${name} (v5 API expected)` });
        return Promise.resolve();
      }
    }
    player.on(events.ERROR, (e) => {
      record(state.fatal, {
        source: 'dash',
        fatal: true,
        type: 'error',
        code: e.error?.code ?? null,
        message: packageMessage(e.error?.message ?? String(e.error ?? '')),
        url: packagePath(e.error?.data?.request?.url ?? e.error?.data?.url ?? null),
      });
    });
    player.on(events.PLAYBACK_ERROR, (e) => {
      record(state.fatal, {
        source: 'dash',
        fatal: true,
        type: 'playbackError',
        code: e.error?.code ?? null,
        message: e.error?.message ?? null,
      });
    });
    player.on(events.QUALITY_CHANGE_RENDERED, (e) => {
      if (e.mediaType === 'video') state.renderedId = e.newRepresentation?.id ?? null;
    });
    const initialized = new Promise((resolve) => {
      player.on(events.STREAM_INITIALIZED, resolve);
      player.on(events.ERROR, resolve);
    });
    player.initialize(video, url, true);
    return Promise.all([initialized, readDashSar(url)]).then(() => {
      state.renderedId ??= player.getCurrentRepresentationForType('video')?.id ?? null;
      playQuietly();
    });
  }

  function dashRenditions() {
    return state.dash.getRepresentationsByType('video').map((rep) => ({
      id: rep.id,
      width: rep.width || null,
      height: rep.height || null,
      bitrate: rep.bandwidth || null,
      codecs: rep.codecs ?? null,
      frame_rate: rep.frameRate || null,
      sar: state.sar.get(rep.id) ?? null,
    }));
  }

  function selectDashRendition(id) {
    const player = state.dash;
    if (!player.getRepresentationsByType('video').some((rep) => rep.id === id)) return false;
    player.updateSettings({ streaming: { abr: { autoSwitchBitrate: { video: false } } } });
    player.setRepresentationForTypeById('video', id, true); // forceReplace: drop the buffered picture
    return true;
  }

  // ---- common ----

  // The picture size Chromium reports for a rendition: the declared size, widened (or, for a
  // sample aspect ratio below 1, heightened) by the DASH @sar. HLS RESOLUTION is already a
  // display size.
  function expectedSize(declared) {
    const match = /^(\d+):(\d+)$/.exec(declared.sar ?? '');
    if (!match || !declared.width || !declared.height) return { width: declared.width, height: declared.height };
    const ratio = Number(match[1]) / Number(match[2]);
    if (!(ratio > 0)) return { width: declared.width, height: declared.height };
    return ratio >= 1
      ? { width: Math.round(declared.width * ratio), height: declared.height }
      : { width: declared.width, height: Math.round(declared.height / ratio) };
  }

  // Within one pixel: rounding of a non-square sample aspect ratio differs between tools.
  function sameSize(width, height, expected) {
    return (
      expected.width != null &&
      expected.height != null &&
      Math.abs(width - expected.width) <= 1 &&
      Math.abs(height - expected.height) <= 1
    );
  }

  function frameCounts() {
    const q = video.getVideoPlaybackQuality?.();
    return { decoded: q?.totalVideoFrames ?? null, dropped: q?.droppedVideoFrames ?? null };
  }

  const delta = (after, before) => (after == null || before == null ? null : after - before);

  function startPosition() {
    if (state.startTime != null) return state.startTime;
    return video.seekable.length ? video.seekable.start(0) : 0;
  }

  // ---- steps ----

  async function attach({ player, url, packageBase }) {
    state.kind = player;
    state.packageBase = packageBase;
    video.addEventListener('error', recordVideoError);
    if (player === 'hls') await attachHls(url);
    else if (player === 'dash') await attachDash(url);
    else record(state.fatal, { source: 'harness', message: `unknown player ${player}` });
    return { user_agent: navigator.userAgent, player_version: player === 'hls' ? window.Hls?.version : window.dashjs?.Version };
  }

  // Plays until currentTime advanced by `seconds` from where playback began, the video ended,
  // a fatal error happened, or timeoutMs passed.
  async function waitForPlayback({ seconds, timeoutMs }) {
    const began = performance.now();
    const deadline = began + timeoutMs;
    let advanced = 0;
    let last = null;
    let startupSeconds = null;
    while (performance.now() < deadline && !hasFatal()) {
      const now = video.currentTime;
      if (last != null && now > last && now - last <= MAX_PLAYBACK_STEP_SECONDS) {
        if (state.startTime == null) {
          state.startTime = last;
          startupSeconds = (performance.now() - began) / 1000;
        }
        advanced += now - last;
      }
      last = now;
      if (advanced >= seconds || (video.ended && advanced > 0)) break;
      if (video.paused && !video.ended && video.readyState >= 2) playQuietly();
      await sleep(POLL_MS);
    }
    return {
      start_time: state.startTime,
      startup_seconds: startupSeconds,
      advanced_seconds: advanced,
      ended: video.ended,
      duration: Number.isFinite(video.duration) ? video.duration : null,
    };
  }

  function renditions() {
    if (state.kind === 'hls' && state.hls) return hlsRenditions();
    if (state.kind === 'dash' && state.dash) return dashRenditions();
    return [];
  }

  // Forces rendition `id` (no ABR), plays from the start position, and waits until the picture
  // has the rendition's size and currentTime advanced by `playSeconds` with it (or timeoutMs).
  //
  // Chromium keeps decoding the old rendition's frames it had already read when a player removes
  // the buffer under the playhead, and then waits for the next key frame of the new one: the
  // picture freezes for up to a GOP while time advances. So when the picture still has another
  // size after RESEEK_AFTER_SECONDS of playback, the start position is sought again (at most
  // MAX_RESEEKS times): a seek makes Chromium decode the new data from its key frame.
  async function showRendition({ id, timeoutMs, playSeconds }) {
    const declared = renditions().find((r) => r.id === id);
    const expected = expectedSize(declared ?? {});
    const before = frameCounts();
    const selected = state.kind === 'hls' ? selectHlsRendition(id) : selectDashRendition(id);
    video.currentTime = startPosition();
    playQuietly();

    const began = performance.now();
    const deadline = began + timeoutMs;
    let last = video.currentTime;
    let advanced = 0; // playback advance since the switch
    let advancedShown = 0; // playback advance while the picture had the expected size
    let sinceSeek = 0; // playback advance since the last seek, while the picture had another size
    let reseeks = 0;
    while (selected && performance.now() < deadline && !hasFatal()) {
      await sleep(POLL_MS);
      const now = video.currentTime;
      const step = now - last;
      last = now;
      const playing = step > 0 && step <= MAX_PLAYBACK_STEP_SECONDS;
      const shown = sameSize(video.videoWidth, video.videoHeight, expected);
      if (playing) {
        advanced += step;
        if (shown) advancedShown += step;
        else sinceSeek += step;
      }
      if (advancedShown >= playSeconds) break;
      if (!shown && sinceSeek >= RESEEK_AFTER_SECONDS) {
        // After the last re-seek, the player has played on for a while with another picture size.
        if (reseeks === MAX_RESEEKS) break;
        reseeks += 1;
        sinceSeek = 0;
        video.currentTime = startPosition();
        last = video.currentTime;
      }
      if (video.ended) {
        video.currentTime = startPosition();
        last = video.currentTime;
        playQuietly();
      } else if (video.paused && video.readyState >= 2) {
        playQuietly();
      }
    }
    const after = frameCounts();
    return {
      selected,
      expected_width: expected.width ?? null,
      expected_height: expected.height ?? null,
      video_width: video.videoWidth,
      video_height: video.videoHeight,
      size_matches: sameSize(video.videoWidth, video.videoHeight, expected),
      played: advancedShown >= playSeconds,
      advanced_seconds: advanced,
      player_rendered: state.renderedId === id,
      reseeks,
      after_fatal_error: hasFatal(),
      decoded_frames: delta(after.decoded, before.decoded),
      dropped_frames: delta(after.dropped, before.dropped),
      wait_seconds: (performance.now() - began) / 1000,
    };
  }

  function audioTracks() {
    if (state.kind === 'hls' && state.hls) {
      const current = state.hls.audioTrack;
      return state.hls.audioTracks.map((t, i) => ({
        language: t.lang ?? null,
        name: t.name ?? null,
        default: Boolean(t.default),
        selected: i === current,
      }));
    }
    if (state.kind === 'dash' && state.dash) {
      const current = state.dash.getCurrentTrackFor('audio');
      return state.dash.getTracksFor('audio').map((t) => ({
        language: t.lang ?? null,
        name: t.labels?.[0]?.text ?? null,
        roles: (t.roles ?? []).map((r) => (typeof r === 'string' ? r : r.value)),
        selected: current != null && t.id === current.id && t.index === current.index,
      }));
    }
    return [];
  }

  // Subtitle tracks the player found in the manifest (before it makes TextTracks of them).
  function playerTextTracks() {
    if (state.kind === 'hls' && state.hls) {
      return state.hls.subtitleTracks.map((t) => ({ language: t.lang ?? null, name: t.name ?? null }));
    }
    if (state.kind === 'dash' && state.dash) {
      return state.dash.getTracksFor('text').map((t) => ({ language: t.lang ?? null, name: t.labels?.[0]?.text ?? null }));
    }
    return [];
  }

  function cueTexts(cues) {
    return cues ? Array.from(cues, (cue) => cue.text ?? '') : [];
  }

  // Shows text track `index` alone. dash.js owns the modes of the tracks it made (it loads a
  // track's cues when it selects it, and setting a mode by hand first stops that), so it is asked
  // through its API; hls.js follows mode changes of video.textTracks itself.
  function showTextTrack(index) {
    if (state.kind === 'dash' && state.dash) {
      state.dash.enableText(true);
      state.dash.setTextTrack(index);
      return;
    }
    const tracks = video.textTracks;
    for (let i = 0; i < tracks.length; i++) if (i !== index) tracks[i].mode = 'disabled';
    tracks[index].mode = 'showing';
  }

  function seek(to, timeoutMs) {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      video.addEventListener('seeked', () => { clearTimeout(timer); resolve(); }, { once: true });
      video.currentTime = to;
    });
  }

  // Lists video.textTracks. With `at` (seconds on the media timeline), pauses there and records,
  // for each track shown alone, the text of its active cues, waiting up to timeoutMs per track for
  // cues to arrive. Leaves the first track showing.
  //
  // A paused element does not get the cues of a newly selected dash.js track until it seeks, so
  // `at` is sought again after each selection and every TEXT_RESEEK_MS while no cue is active.
  async function textTracks({ at, timeoutMs }) {
    const tracks = Array.from(video.textTracks);
    const listed = tracks.map((t) => ({ kind: t.kind, label: t.label, language: t.language, mode: t.mode }));
    if (at == null) return { text_tracks: listed, player_text_tracks: playerTextTracks(), at_time: null };
    video.pause();
    await seek(at, timeoutMs);
    for (let i = 0; i < tracks.length; i++) {
      showTextTrack(i);
      const deadline = performance.now() + timeoutMs;
      let nextSeek = performance.now() + TEXT_RESEEK_MS;
      while (performance.now() < deadline && !(tracks[i].activeCues?.length > 0)) {
        if (performance.now() >= nextSeek) {
          nextSeek = performance.now() + TEXT_RESEEK_MS;
          await seek(at, Math.max(0, deadline - performance.now()));
        } else {
          await sleep(POLL_MS);
        }
      }
      listed[i].cue_count = tracks[i].cues?.length ?? 0;
      listed[i].active_cues = cueTexts(tracks[i].activeCues);
    }
    if (tracks.length > 0) showTextTrack(0);
    return { text_tracks: listed, player_text_tracks: playerTextTracks(), at_time: video.currentTime };
  }

  function errors() {
    recordVideoError(); // dedupe() drops it when the error event already recorded it
    return { errors: dedupe(state.fatal), non_fatal_errors: dedupe(state.nonFatal) };
  }

  function dedupe(list) {
    const seen = new Set();
    return list.filter((entry) => {
      const key = JSON.stringify(entry);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  window.playerCheck = { attach, waitForPlayback, renditions, showRendition, audioTracks, textTracks, errors };
})();
