// moq-fastrelay web player: one dependency-free ES module.
// WebTransport (to the relay that served this page) + MoQT draft-18 (SETUP, catalog, SUBSCRIBE,
// subgroup streams) + LOC objects + WebCodecs (H.264; H.265 where the browser decodes it) + canvas.
// Test hooks: window.__moq (live figures) and window.__moqWait(frames, timeoutMs).

const SETUP = 0x2f00, SUBSCRIBE = 0x3, SUBSCRIBE_OK = 0x4, REQUEST_ERROR = 0x5, PUBLISH_DONE = 0xb, GOAWAY = 0x10;
const PARAM_SUBSCRIPTION_FILTER = 0x21, FILTER_LARGEST_OBJECT = 0x2;
const LOC_TIMESTAMP = 0x10, LOC_PTS = 0x4d460000, LOC_FRAME_INFO = 0x4d460006;

// ---- draft-18 vi64 (leading ones give the length: 1..9 bytes) ----
export function encodeVI64(value) {
  let v = BigInt(value);
  let n = 1;
  while (n < 9 && v >= 1n << BigInt(7 * n)) n++;
  const out = new Uint8Array(n);
  if (n === 9) {
    out[0] = 0xff;
    for (let i = 8; i >= 1; i--) { out[i] = Number(v & 0xffn); v >>= 8n; }
    return out;
  }
  const prefix = BigInt((0xff00 >> (n - 1)) & 0xff);
  v |= prefix << BigInt(8 * (n - 1));
  for (let i = n - 1; i >= 0; i--) { out[i] = Number(v & 0xffn); v >>= 8n; }
  return out;
}

function vi64Length(first) {
  let ones = 0;
  while (ones < 8 && (first & (0x80 >> ones))) ones++;
  return ones === 8 ? 9 : ones + 1;
}

function decodeVI64(bytes, at) {
  const n = vi64Length(bytes[at]);
  if (n === 9) {
    let v = 0n;
    for (let i = 1; i < 9; i++) v = (v << 8n) | BigInt(bytes[at + i]);
    return [Number(v), n];
  }
  let v = BigInt(bytes[at] & (0xff >> n));
  for (let i = 1; i < n; i++) v = (v << 8n) | BigInt(bytes[at + i]);
  return [Number(v), n];
}

function concat(parts) {
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

const utf8 = new TextEncoder();
const lengthPrefixed = (bytes) => concat([encodeVI64(bytes.length), bytes]);

/// A control message: type (vi64), payload length (16 bits), payload.
function frameMessage(type, payload) {
  const len = new Uint8Array([payload.length >> 8, payload.length & 0xff]);
  return concat([encodeVI64(type), len, payload]);
}

export function setupMessage() {
  // No options: over WebTransport the path and authority come from the CONNECT.
  return frameMessage(SETUP, new Uint8Array(0));
}

export function subscribeMessage(requestID, namespace, name, largestObject) {
  const ns = namespace.map((f) => lengthPrefixed(utf8.encode(f)));
  const params = largestObject
    ? [encodeVI64(1), encodeVI64(PARAM_SUBSCRIPTION_FILTER), lengthPrefixed(encodeVI64(FILTER_LARGEST_OBJECT))]
    : [encodeVI64(0)];
  return frameMessage(SUBSCRIBE, concat([encodeVI64(requestID), encodeVI64(namespace.length), ...ns,
                                          lengthPrefixed(utf8.encode(name)), ...params]));
}

// ---- a byte reader over a WebTransport ReadableStream ----
class StreamReader {
  constructor(stream) { this.reader = stream.getReader(); this.buf = new Uint8Array(0); this.pos = 0; this.ended = false; }
  async fill(n) {
    while (this.buf.length - this.pos < n) {
      if (this.ended) return false;
      const { value, done } = await this.reader.read();
      if (done) { this.ended = true; return this.buf.length - this.pos >= n; }
      this.buf = concat([this.buf.subarray(this.pos), value]);
      this.pos = 0;
    }
    return true;
  }
  async atEnd() { return !(await this.fill(1)); }
  async bytes(n) {
    if (!(await this.fill(n))) throw new Error("stream ended inside a field");
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  async u8() { return (await this.bytes(1))[0]; }
  async u16() { const b = await this.bytes(2); return (b[0] << 8) | b[1]; }
  async vi64() {
    if (!(await this.fill(1))) throw new Error("stream ended inside a field");
    const n = vi64Length(this.buf[this.pos]);
    if (!(await this.fill(n))) throw new Error("stream ended inside a field");
    const [v] = decodeVI64(this.buf, this.pos);
    this.pos += n;
    return v;
  }
  async message() { const type = await this.vi64(); const len = await this.u16(); return { type, payload: await this.bytes(len) }; }
  cancel() { this.reader.cancel().catch(() => {}); }
}

/// Key-Value-Pairs filling `bytes`: even types carry a vi64, odd types length-prefixed bytes.
export function parsePairs(bytes) {
  const out = new Map();
  let at = 0, type = 0;
  while (at < bytes.length) {
    const [delta, n] = decodeVI64(bytes, at); at += n; type += delta;
    if (type % 2 === 0) { const [v, m] = decodeVI64(bytes, at); at += m; out.set(type, v); }
    else { const [len, m] = decodeVI64(bytes, at); at += m; out.set(type, bytes.slice(at, at + len)); at += len; }
  }
  return out;
}

const unzigzag = (v) => (v % 2 === 0 ? v / 2 : -(v + 1) / 2);

function base64Bytes(s) { const bin = atob(s); return Uint8Array.from(bin, (c) => c.charCodeAt(0)); }
function hexBytes(s) { return Uint8Array.from(s.match(/../g).map((h) => parseInt(h, 16))); }
async function sha256Hex(bytes) {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}
function percentile(values, p) {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

// ---- the player ----
export class Player {
  constructor({ canvas, statusElement, figuresElement, relayURL, certificateHash, namespace, track, audio = true }) {
    Object.assign(this, { canvas, statusElement, figuresElement, relayURL, certificateHash, namespace, track, audioEnabled: audio });
    this.ctx = canvas.getContext("2d");
    this.nextRequestID = 0;
    this.aliases = new Map();       // track alias -> handler(object)
    this.aliasWaiters = new Map();  // track alias -> [resolve]
    this.stats = {
      status: "starting", protocol: null, codec: null, decoded: 0, dropped: 0, skippedAtJoin: 0, gaps: 0, late: 0,
      group: null, object: null, bytes: 0, bitrateKbps: 0, latencyMs: null, latencyP50Ms: null, errors: [],
      decodedHashes: [], firstObject: null, ended: false,
    };
    this.latencies = [];
    this.submitted = [];            // hashes of the chunks given to the decoder, in order
    this.hashChain = Promise.resolve();
    this.bytesWindow = [];
    this.waiters = [];
  }

  setStatus(text) {
    this.stats.status = text;
    if (this.statusElement) this.statusElement.textContent = text;
  }

  fail(message) {
    this.stats.errors.push(String(message));
    this.setStatus("error: " + message);
    console.error("player:", message);
    this.wake();
  }

  wake() { for (const w of this.waiters.splice(0)) w(); }

  async start() {
    if (typeof WebTransport === "undefined") return this.fail("this browser has no WebTransport");
    if (typeof VideoDecoder === "undefined") return this.fail("this browser has no WebCodecs VideoDecoder");
    const options = { protocols: ["moqt-18"] };
    if (this.certificateHash) options.serverCertificateHashes = [{ algorithm: "sha-256", value: hexBytes(this.certificateHash) }];
    this.setStatus("connecting to " + this.relayURL);
    try {
      this.wt = new WebTransport(this.relayURL, options);
      await this.wt.ready;
    } catch (e) {
      return this.fail("WebTransport connection failed: " + e);
    }
    this.stats.protocol = this.wt.protocol || null;
    this.wt.closed.then((info) => this.onClosed("closed " + JSON.stringify(info)), (e) => this.onClosed("closed: " + e));
    this.setupDone = new Promise((resolve) => (this.resolveSetup = resolve));
    this.acceptUniStreams();
    const control = await this.wt.createUnidirectionalStream();
    this.controlWriter = control.getWriter();
    await this.controlWriter.write(setupMessage());
    await this.setupDone;
    this.setStatus("session up; reading the catalog");
    this.figuresTimer = setInterval(() => this.showFigures(), 250);
    const catalog = await this.fetchCatalog();
    if (catalog) await this.startVideo(catalog);
  }

  onClosed(why) {
    if (!this.stats.ended && !this.stats.errors.length) this.setStatus("session " + why);
    this.wake();
  }

  async acceptUniStreams() {
    const incoming = this.wt.incomingUnidirectionalStreams.getReader();
    for (;;) {
      let next;
      try { next = await incoming.read(); } catch { return; }
      if (next.done) return;
      this.readUniStream(new StreamReader(next.value)).catch((e) => {
        if (!this.stats.ended) console.warn("player: stream:", e);
      });
    }
  }

  async readUniStream(r) {
    const type = await r.vi64();
    if (type === SETUP) {
      await r.bytes(await r.u16());  // the relay's setup options: nothing this player needs
      this.resolveSetup();
      while (!(await r.atEnd())) {
        const m = await r.message();
        if (m.type === GOAWAY) this.setStatus("relay is going away");
      }
      return;
    }
    const isSubgroup = type <= 0x7f && (type & 0x10) !== 0 && (type & 0x06) !== 0x06;
    if (!isSubgroup) { r.cancel(); return; }  // FETCH or padding: not used here
    const alias = await r.vi64();
    const group = await r.vi64();
    if (((type & 0x06) >> 1) === 2) await r.vi64();  // explicit subgroup ID
    if (!(type & 0x20)) await r.u8();                // publisher priority
    const handler = await this.handlerFor(alias);
    let objectID = null;
    let complete = false;
    try {
      while (!(await r.atEnd())) {
        const delta = await r.vi64();
        objectID = objectID === null ? delta : objectID + delta + 1;
        const properties = type & 0x01 ? parsePairs(await r.bytes(await r.vi64())) : new Map();
        const length = await r.vi64();
        if (length === 0) { await r.vi64(); continue; }  // a status object (end of group/track)
        const payload = await r.bytes(length);
        handler.onObject({ group, object: objectID, properties, payload });
      }
      complete = true;
    } finally {
      // Ended (FIN) or cut short (reset): nothing more of this group will come on it.
      if (handler.onGroupEnd) handler.onGroupEnd(group, complete);
    }
  }

  handlerFor(alias) {
    if (this.aliases.has(alias)) return Promise.resolve(this.aliases.get(alias));
    return new Promise((resolve) => {
      const list = this.aliasWaiters.get(alias) || [];
      list.push(resolve);
      this.aliasWaiters.set(alias, list);
    });
  }

  /// SUBSCRIBE on a new bidi stream; `handler.onObject` gets every object, `handler.onGroupEnd`
  /// (optional) the end of each group's stream; resolves with the alias.
  async subscribe(name, largestObject, handler) {
    const id = this.nextRequestID;
    this.nextRequestID += 2;
    const stream = await this.wt.createBidirectionalStream();
    const writer = stream.writable.getWriter();
    await writer.write(subscribeMessage(id, this.namespace, name, largestObject));
    const r = new StreamReader(stream.readable);
    const reply = await r.message();
    if (reply.type === REQUEST_ERROR) {
      const [code, n] = decodeVI64(reply.payload, 0);
      const [, m] = decodeVI64(reply.payload, n);
      const [len, k] = decodeVI64(reply.payload, n + m);
      const reason = new TextDecoder().decode(reply.payload.slice(n + m + k, n + m + k + len));
      throw new Error(`SUBSCRIBE ${name} refused: code ${code} ${reason}`);
    }
    if (reply.type !== SUBSCRIBE_OK) throw new Error(`unexpected reply 0x${reply.type.toString(16)} to SUBSCRIBE`);
    const [alias] = decodeVI64(reply.payload, 0);
    this.aliases.set(alias, handler);
    for (const w of this.aliasWaiters.get(alias) || []) w(handler);
    this.aliasWaiters.delete(alias);
    // Later messages on the request stream: PUBLISH_DONE ends the track.
    (async () => {
      try {
        while (!(await r.atEnd())) {
          const m = await r.message();
          if (m.type === PUBLISH_DONE && name !== "catalog") { this.stats.ended = true; this.setStatus("track ended (PUBLISH_DONE)"); this.wake(); }
        }
      } catch { /* the session ended */ }
    })();
    return alias;
  }

  async fetchCatalog() {
    let resolveCatalog;
    const got = new Promise((resolve) => (resolveCatalog = resolve));
    try {
      await this.subscribe("catalog", false, { onObject: (o) => resolveCatalog(o.payload) });
    } catch (e) {
      this.fail(String(e.message || e));
      return null;
    }
    const bytes = await got;
    try { return JSON.parse(new TextDecoder().decode(bytes)); } catch (e) { this.fail("bad catalog: " + e); return null; }
  }

  async startVideo(catalog) {
    const tracks = catalog.tracks || [];
    const video = tracks.find((t) => (this.track ? t.name === this.track : (t.role === "video" || /^(avc|hev|hvc)/.test(t.codec || ""))));
    if (!video) return this.fail(`no video track${this.track ? " named " + this.track : ""} in the catalog`);
    const config = { codec: video.codec, optimizeForLatency: true, hardwareAcceleration: "prefer-software" };
    if (video.width && video.height) { config.codedWidth = video.width; config.codedHeight = video.height; }
    const extradata = video["x-moqfr-extradata"];
    if (extradata) {
      const bytes = base64Bytes(extradata);
      if (bytes[0] === 1) config.description = bytes;  // avcC / hvcC: length-prefixed NAL units follow
    }
    this.stats.codec = video.codec;
    let support;
    try { support = await VideoDecoder.isConfigSupported(config); } catch (e) { support = { supported: false }; }
    if (!support.supported) return this.fail(`codec ${video.codec} of track '${video.name}' is not supported by this browser`);
    if (video.width && video.height) { this.canvas.width = video.width; this.canvas.height = video.height; }
    this.decoder = new VideoDecoder({
      output: (frame) => this.onFrame(frame),
      error: (e) => this.fail("decoder: " + e),
    });
    this.decoder.configure(config);
    this.setStatus(`playing ${this.namespace.join("/")}/${video.name} (${video.codec})`);
    try {
      await this.subscribe(video.name, true, { onObject: (o) => this.onVideoObject(o), onGroupEnd: (g, complete) => this.onGroupEnd(g, complete) });
    } catch (e) {
      this.fail(String(e.message || e));
      return;
    }
    const audio = this.audioEnabled && tracks.find((t) => t.role === "audio");
    if (audio) await this.startAudio(audio);
  }

  // ---- audio: WebCodecs AudioDecoder + Web Audio, played on the video's clock ----
  async startAudio(track) {
    const config = { codec: track.codec, sampleRate: track.samplerate || 48000, numberOfChannels: parseInt(track.channelConfig || "2", 10) || 2 };
    if (track["x-moqfr-extradata"]) config.description = base64Bytes(track["x-moqfr-extradata"]);
    this.stats.audioCodec = track.codec;
    this.stats.audioDecoded = 0;
    if (typeof AudioDecoder === "undefined") { this.stats.audioStatus = "no WebCodecs AudioDecoder in this browser"; return; }
    let support;
    try { support = await AudioDecoder.isConfigSupported(config); } catch (e) { support = { supported: false }; }
    if (!support.supported) {
      this.stats.audioStatus = `audio codec ${track.codec} of track '${track.name}' is not supported by this browser`;
      return;
    }
    this.audioContext = new AudioContext({ sampleRate: config.sampleRate });
    this.audioContext.resume().catch(() => {});
    this.audioDecoder = new AudioDecoder({
      output: (data) => this.onAudio(data),
      error: (e) => { this.stats.audioStatus = "audio decoder: " + e; this.stats.errors.push("audio decoder: " + e); this.wake(); },
    });
    this.audioDecoder.configure(config);
    this.stats.audioStatus = `playing ${track.name} (${track.codec})`;
    try {
      await this.subscribe(track.name, true, { onObject: (o) => this.onAudioObject(o) });
    } catch (e) {
      this.stats.audioStatus = String(e.message || e);
    }
  }

  onAudioObject({ properties, payload }) {
    const pts = properties.has(LOC_PTS) ? unzigzag(properties.get(LOC_PTS)) : 0;
    try {
      this.audioDecoder.decode(new EncodedAudioChunk({ type: "key", timestamp: pts, data: payload }));
    } catch (e) {
      this.stats.errors.push("audio decode: " + e);
    }
  }

  onAudio(data) {
    this.stats.audioDecoded++;
    const ctx = this.audioContext;
    const buffer = ctx.createBuffer(data.numberOfChannels, data.numberOfFrames, data.sampleRate);
    for (let c = 0; c < data.numberOfChannels; c++) {
      const plane = new Float32Array(data.numberOfFrames);
      data.copyTo(plane, { planeIndex: c, format: "f32-planar" });
      buffer.copyToChannel(plane, c);
    }
    const now = performance.now();
    if (this.clockBase === undefined) this.clockBase = { wall: now, ts: data.timestamp };
    // Due on the video's clock (performance time), converted to the audio context's clock.
    const dueMs = this.clockBase.wall + (data.timestamp - this.clockBase.ts) / 1000;
    const at = ctx.currentTime + Math.max(0, dueMs - now) / 1000;
    if (dueMs < now - 50) this.stats.audioLate = (this.stats.audioLate || 0) + 1;
    const source = ctx.createBufferSource();
    source.buffer = buffer;
    source.connect(ctx.destination);
    source.start(at);
    data.close();
    this.wake();
  }

  // Groups arrive on streams of their own and may overtake each other: objects of a newer group
  // wait until the current group's stream has ended (or for at most 300 ms), so the decoder gets
  // every group whole and in order.
  onVideoObject(o) {
    this.stats.bytes += o.payload.length;
    this.bytesWindow.push([performance.now(), o.payload.length]);
    if (this.current === undefined) {
      if (!this.isKey(o)) { this.stats.skippedAtJoin++; return; }  // a decoder starts at a keyframe
      this.stats.firstObject = { group: o.group, object: o.object, key: true };
      this.current = { group: o.group, next: 0, ended: false };
    }
    if (o.group < this.current.group) { this.stats.dropped++; return; }  // too late: a newer group plays
    if (o.group > this.current.group) {
      this.waiting = this.waiting || new Map();
      if (!this.waiting.has(o.group)) this.waiting.set(o.group, { objects: [], ended: false, since: performance.now() });
      this.waiting.get(o.group).objects.push(o);
      if (this.current.ended) this.advance(); else this.armAdvance();
      return;
    }
    this.decodeInGroup(o);
  }

  isKey(o) { return ((o.properties.get(LOC_FRAME_INFO) || 0) & 4) !== 0 || (o.object === 0 && !o.properties.has(LOC_FRAME_INFO)); }

  decodeInGroup(o) {
    if (this.current.broken) { this.stats.dropped++; return; }
    if (o.object !== this.current.next) {
      // A missing object: the rest of the group depends on it.
      this.stats.gaps++;
      this.stats.dropped++;
      this.current.broken = true;
      return;
    }
    this.current.next = o.object + 1;
    this.decode(o, o.object === 0 ? this.isKey(o) : false);
  }

  onGroupEnd(group, complete) {
    if (!complete) {
      this.stats.resetGroups = (this.stats.resetGroups || 0) + 1;
      if (this.current && group >= this.current.group) this.stats.gaps++;  // the relay cut the group short
    }
    if (this.current && group === this.current.group) { this.current.ended = true; this.advance(); }
    else if (this.waiting && this.waiting.has(group)) { this.waiting.get(group).ended = true; }
  }

  /// Moves to the oldest waiting group once the current one ended (or waited too long).
  advance(force) {
    while (this.current && this.waiting && this.waiting.size && (this.current.ended || force)) {
      if (!this.current.ended) this.stats.gaps++;  // its tail never came
      force = false;
      const group = Math.min(...this.waiting.keys());
      const w = this.waiting.get(group);
      this.waiting.delete(group);
      if (group > this.current.group + 1) this.stats.gaps += group - this.current.group - 1;
      this.current = { group, next: 0, ended: w.ended };
      w.objects.sort((a, b) => a.object - b.object);
      for (const o of w.objects) this.decodeInGroup(o);
    }
  }

  armAdvance() {
    if (this.advanceTimer) return;
    this.advanceTimer = setTimeout(() => {
      this.advanceTimer = null;
      if (!this.waiting || !this.waiting.size) return;
      const oldest = Math.min(...[...this.waiting.values()].map((w) => w.since));
      if (performance.now() - oldest >= 300) this.advance(true);
      if (this.waiting.size) this.armAdvance();
    }, 100);
  }

  decode({ group, object, properties, payload }, key) {
    this.stats.group = group;
    this.stats.object = object;
    const pts = properties.has(LOC_PTS) ? unzigzag(properties.get(LOC_PTS)) : 0;
    const capture = properties.get(LOC_TIMESTAMP);
    this.pending = this.pending || new Map();
    this.pending.set(pts, capture);
    const index = this.submitted.length;
    this.submitted.push(null);
    this.hashChain = this.hashChain.then(async () => { this.submitted[index] = { group, object, sha256: await sha256Hex(payload) }; });
    try {
      this.decoder.decode(new EncodedVideoChunk({ type: key ? "key" : "delta", timestamp: pts, data: payload }));
    } catch (e) {
      this.fail("decode: " + e);
    }
  }

  onFrame(frame) {
    // Play out at the capture clock: a frame is drawn when its timestamp is due (never held more
    // than 100 ms), so the canvas moves at the source's pace even if objects arrive in bursts.
    const capture = this.pending && this.pending.get(frame.timestamp);
    if (this.pending) this.pending.delete(frame.timestamp);
    const now = performance.now();
    if (this.clockBase === undefined) this.clockBase = { wall: now, ts: frame.timestamp };
    const due = this.clockBase.wall + (frame.timestamp - this.clockBase.ts) / 1000;
    const delay = Math.min(100, Math.max(0, due - now));
    if (due < now - 50) { this.stats.late++; this.clockBase = { wall: now, ts: frame.timestamp }; }
    this.stats.decoded++;
    setTimeout(() => {
      this.ctx.drawImage(frame, 0, 0, this.canvas.width, this.canvas.height);
      frame.close();
      if (capture) {
        const latency = Date.now() - capture / 1000;
        this.latencies.push(latency);
        if (this.latencies.length > 10000) this.latencies.shift();
        this.stats.latencyMs = Math.round(latency * 10) / 10;
      }
      this.wake();
    }, delay);
  }

  showFigures() {
    const now = performance.now();
    this.bytesWindow = this.bytesWindow.filter(([t]) => t > now - 1000);
    this.stats.bitrateKbps = Math.round(this.bytesWindow.reduce((s, [, n]) => s + n, 0) * 8 / 1000);
    this.stats.latencyP50Ms = percentile(this.latencies, 50);
    const s = this.stats;
    const lines = [
      `status     ${s.status}`,
      `protocol   ${s.protocol || "-"}   codec ${s.codec || "-"}`,
      `decoded    ${s.decoded}   dropped ${s.dropped}   gaps ${s.gaps}   skipped at join ${s.skippedAtJoin}   late ${s.late}`,
      `position   group ${s.group ?? "-"} object ${s.object ?? "-"}`,
      `latency    ${s.latencyMs ?? "-"} ms (p50 ${s.latencyP50Ms === null ? "-" : s.latencyP50Ms.toFixed(1)} ms)`,
      `bitrate    ${s.bitrateKbps} kbit/s`,
    ];
    if (s.audioStatus) lines.push(`audio      ${s.audioStatus}; ${s.audioDecoded || 0} frames decoded`);
    if (this.figuresElement) this.figuresElement.textContent = lines.join("\n");
  }

  /// Resolves with the figures once `frames` frames were drawn, an error happened, the track
  /// ended, or `timeoutMs` passed.
  async waitFor(frames, timeoutMs, audioFrames = 0) {
    const deadline = performance.now() + timeoutMs;
    const enough = () => this.stats.decoded >= frames && (this.stats.audioDecoded || 0) >= audioFrames;
    while (!enough() && !this.stats.errors.length && !this.stats.ended && performance.now() < deadline) {
      await new Promise((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, Math.max(0, Math.min(250, deadline - performance.now())));
      });
    }
    await this.hashChain;
    this.showFigures();
    return { ...this.stats, decodedHashes: this.submitted.slice(0, this.stats.decoded), latencyP50Ms: percentile(this.latencies, 50) };
  }
}

/// Starts the player of index.html: the relay's address and certificate hash come from
/// /config.json; ?namespace=a/b and ?track=name choose what to play.
export async function main() {
  const params = new URLSearchParams(location.search);
  const canvas = document.getElementById("video");
  const statusElement = document.getElementById("status");
  const figuresElement = document.getElementById("figures");
  let config;
  try {
    config = await (await fetch("config.json", { cache: "no-store" })).json();
  } catch (e) {
    statusElement.textContent = "error: cannot read config.json: " + e;
    return;
  }
  const host = params.get("relay") || `${location.hostname.includes(":") ? "[" + location.hostname + "]" : location.hostname}:${config.port}`;
  const player = new Player({
    canvas, statusElement, figuresElement,
    relayURL: `https://${host}${config.path || "/moq"}`,
    certificateHash: params.get("hash") || config.certificateHash,
    namespace: (params.get("namespace") || "demo").split("/"),
    track: params.get("track"),
    audio: params.get("audio") !== "0",
  });
  window.__moq = player.stats;
  window.__moqWait = (frames, timeoutMs, audioFrames) => player.waitFor(frames, timeoutMs, audioFrames);
  await player.start();
}
