// The browser side of the latency example, after python-socketio's
// latency.html: emit "ping_from_client" every second, time the server's
// "pong_from_server" and the event's acknowledgement, and chart the last
// minute. io() comes from /socket.io/socket.io.min.js, the official
// socket.io-client served by the Socket.IO server (core.Options.ServeClient).
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const status = $("status");
  const INTERVAL_MS = 1000; // between a reply and the next ping
  const TIMEOUT_MS = 5000; // a ping without reply after this is lost
  const KEEP = 60; // samples in the chart and the statistics

  function setStatus(state, text) {
    status.dataset.state = state;
    status.textContent = text;
  }

  if (typeof io !== "function") {
    $("missing").hidden = false;
    setStatus("error", "client script not loaded");
    return;
  }

  const socket = io();
  const samples = []; // round trips to pong_from_server, in ms
  let count = 0;
  let timer = null;
  let seq = 0; // the ping in flight; replies to older ones are ignored
  let sentAt = 0;

  const ms = (v) => (v < 10 ? v.toFixed(1) : v.toFixed(0)) + " ms";

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(ping, delay);
  }

  function ping() {
    if (!socket.connected) return;
    const mine = ++seq;
    sentAt = performance.now();
    socket.timeout(TIMEOUT_MS).emit("ping_from_client", (err) => {
      if (mine !== seq) return;
      if (err) {
        $("ack").textContent = "timeout";
      } else {
        $("ack").textContent = ms(performance.now() - sentAt);
      }
      schedule(INTERVAL_MS);
    });
  }

  socket.on("pong_from_server", () => {
    const rtt = performance.now() - sentAt;
    samples.push(rtt);
    if (samples.length > KEEP) samples.shift();
    count++;
    $("latency").textContent = ms(rtt);
    $("count").textContent = count;
    $("count").dataset.count = count;
    const min = Math.min(...samples);
    const max = Math.max(...samples);
    const avg = samples.reduce((a, b) => a + b, 0) / samples.length;
    $("stats").textContent = `${ms(min)} / ${ms(avg)} / ${ms(max)}`;
    draw();
  });

  socket.on("connect", () => {
    const engine = socket.io.engine;
    const show = () => {
      $("transport").textContent = engine.transport.name;
      setStatus("connected", `connected (${engine.transport.name})`);
    };
    show();
    engine.on("upgrade", show);
    schedule(0);
  });

  socket.on("disconnect", (reason) => {
    clearTimeout(timer);
    seq++;
    setStatus("offline", `disconnected (${reason}), reconnecting…`);
  });

  socket.on("connect_error", (err) => setStatus("offline", `cannot connect: ${err.message}`));

  // ---- the chart: one bar per sample, newest on the right ----

  const canvas = $("chart");
  const ctx = canvas.getContext("2d");

  function draw() {
    const w = canvas.width;
    const h = canvas.height;
    const pad = 24;
    ctx.clearRect(0, 0, w, h);
    const top = Math.max(1, ...samples) * 1.2;
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillStyle = "#9aa1ad";
    ctx.strokeStyle = "#e2e5ea";
    for (const f of [0.5, 1]) {
      const y = h - pad - (h - 2 * pad) * f;
      ctx.beginPath();
      ctx.moveTo(pad, y);
      ctx.lineTo(w - 8, y);
      ctx.stroke();
      ctx.fillText(ms(top * f), pad + 4, y - 4);
    }
    const slot = (w - pad - 8) / KEEP;
    ctx.fillStyle = "#2f6fed";
    samples.forEach((v, i) => {
      const bh = Math.max(2, (h - 2 * pad) * (v / top));
      const x = w - 8 - (samples.length - i) * slot;
      ctx.fillRect(x + 1, h - pad - bh, Math.max(1, slot - 2), bh);
    });
  }
  draw();
})();
