// Served by the static rule "/assets" (a folder).
"use strict";
const socket = io();
const status = document.getElementById("status");
socket.on("connect", () => {
  status.dataset.state = "connected";
  status.textContent = "connected";
});
socket.on("disconnect", (reason) => {
  status.dataset.state = "disconnected";
  status.textContent = "disconnected: " + reason;
});
socket.on("time", (t) => (document.getElementById("time").textContent = t));
