// The browser side of the chat example. io() comes from
// /socket.io/socket.io.min.js, the official socket.io-client served by the
// Socket.IO server (core.Options.ServeClient); every text from the network
// is shown with textContent.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const messages = $("messages");
  const composer = $("composer");
  const input = $("message");
  const sendButton = composer.querySelector("button");
  const login = $("login");
  const loginForm = $("login-form");
  const nickname = $("nickname");
  const loginError = $("login-error");
  const status = $("status");
  const users = $("users");
  const typingLine = $("typing");

  const TYPING_IDLE_MS = 1500; // "stop typing" after this long without a key
  const ACK_TIMEOUT_MS = 10000;

  function setStatus(state, text) {
    status.dataset.state = state;
    status.textContent = text;
  }

  if (typeof io !== "function") {
    $("missing").hidden = false;
    login.hidden = true;
    document.querySelector("main.chat").hidden = true;
    setStatus("error", "client script not loaded");
    return;
  }

  const socket = io();
  let username = null; // set once the server has accepted our nickname
  let typing = false;
  let typingTimer = null;
  const typers = new Set();

  // ---- rendering ----

  function nearBottom() {
    return messages.scrollHeight - messages.scrollTop - messages.clientHeight < 80;
  }

  function append(li) {
    const stick = nearBottom();
    messages.append(li);
    if (stick) li.scrollIntoView({ block: "end" });
    return li;
  }

  function clock(ms) {
    return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function colorOf(name) {
    let h = 0;
    for (const c of name) h = (h * 31 + c.codePointAt(0)) % 360;
    return `hsl(${h} 55% 40%)`;
  }

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function addMessage(m, mine) {
    const li = el("li", "msg " + (mine ? "mine" : "theirs"));
    const meta = el("div", "meta");
    const author = el("span", "author", m.username);
    if (!mine) author.style.color = colorOf(m.username);
    const time = el("time", "", clock(m.time));
    meta.append(author, time);
    li.append(meta, el("div", "body", m.message));
    if (mine) li.append(el("div", "state", "sending…"));
    return append(li);
  }

  function setDelivery(li, state, text) {
    li.dataset.status = state;
    li.querySelector(".state").textContent = text;
  }

  function addNotice(text) {
    return append(el("li", "notice", text));
  }

  function setUsers(n) {
    users.dataset.count = n;
    users.textContent = n === 1 ? "1 user online" : `${n} users online`;
  }

  function renderTyping() {
    const names = [...typers];
    typingLine.textContent =
      names.length === 0 ? "" :
      names.length === 1 ? `${names[0]} is typing…` :
      names.length === 2 ? `${names[0]} and ${names[1]} are typing…` :
      "Several people are typing…";
  }

  // ---- joining ----

  function join(name, rejoin) {
    socket.timeout(ACK_TIMEOUT_MS).emit("add user", name, (err, res) => {
      if (err || !res || res.error) {
        loginError.textContent = err ? "The server did not answer; try again." : (res && res.error) || "Refused.";
        username = null;
        login.hidden = false;
        nickname.focus();
        return;
      }
      username = res.username;
      login.hidden = true;
      input.disabled = sendButton.disabled = false;
      input.focus();
      setUsers(res.numUsers);
      addNotice(rejoin ? `Reconnected as ${username}` : `Welcome, ${username}!`);
    });
  }

  loginForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const name = nickname.value.trim();
    if (!name) {
      loginError.textContent = "Choose a nickname.";
      return;
    }
    loginError.textContent = "";
    join(name, false);
  });

  // ---- sending ----

  function stopTyping() {
    clearTimeout(typingTimer);
    if (typing) {
      typing = false;
      socket.emit("stop typing");
    }
  }

  input.addEventListener("input", () => {
    if (!username || !socket.connected) return;
    if (!typing) {
      typing = true;
      socket.emit("typing");
    }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  });

  composer.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text || !username) return;
    input.value = "";
    stopTyping();
    const li = addMessage({ username, message: text, time: Date.now() }, true);
    li.dataset.status = "sending";
    socket.timeout(ACK_TIMEOUT_MS).emit("new message", text, (err, res) => {
      if (err) {
        setDelivery(li, "failed", "not delivered");
      } else if (res && res.error) {
        setDelivery(li, "failed", `not delivered: ${res.error}`);
      } else {
        setDelivery(li, "delivered", `✓ delivered ${clock(res.time)}`);
      }
    });
  });

  // ---- events from the server ----

  socket.on("connect", () => {
    const engine = socket.io.engine;
    const show = () => setStatus("connected", `connected · ${engine.transport.name}`);
    show();
    engine.on("upgrade", show);
    if (username) join(username, true); // the server forgot us while we were away
  });

  socket.on("disconnect", (reason) => {
    setStatus("offline", "reconnecting…");
    typers.clear();
    renderTyping();
    if (username) addNotice(`Disconnected (${reason})`);
  });

  socket.on("connect_error", (err) => {
    setStatus("offline", `cannot connect: ${err.message}`);
  });

  socket.on("user joined", (p) => {
    addNotice(`${p.username} joined`);
    setUsers(p.numUsers);
  });

  socket.on("user left", (p) => {
    addNotice(`${p.username} left`);
    setUsers(p.numUsers);
    typers.delete(p.username);
    renderTyping();
  });

  socket.on("new message", (m) => {
    typers.delete(m.username);
    renderTyping();
    addMessage(m, false);
  });

  socket.on("typing", (p) => {
    typers.add(p.username);
    renderTyping();
  });

  socket.on("stop typing", (p) => {
    typers.delete(p.username);
    renderTyping();
  });
})();
