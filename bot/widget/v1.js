/* CDS Outreach Bot web chat widget, v1.
 * <script src="https://BOT/widget/v1.js" data-site="KEY" async></script>
 * Vanilla JavaScript inside a Shadow DOM; no inline code, no eval, styles through the CSSOM, so
 * it works under a strict CSP (script-src BOT; connect-src BOT; img-src BOT). Messages are text:
 * nothing a message holds is ever parsed as HTML.
 * Transport: POST each message with an id made here (a retry is handled once by the server);
 * read the conversation's numbered events over Server-Sent Events from the last number seen,
 * or by long polling when streams fail. The server keeps the history; this keeps only the
 * token, the last number read (for the unread badge) and the messages not yet accepted. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.dataset.site) return;
  var BASE = new URL(script.src).origin;
  var SITE = script.dataset.site;
  var API = BASE + "/web/v1/" + encodeURIComponent(SITE);
  var KEY = "cdsbot:" + SITE + ":";
  var RETRY_MAX = 30000;

  var store = {
    get: function (name) { try { return JSON.parse(localStorage.getItem(KEY + name)); } catch (e) { return null; } },
    set: function (name, value) { try { localStorage.setItem(KEY + name, JSON.stringify(value)); } catch (e) { /* private mode */ } }
  };
  // The visitor's own choice (/lang) first, then the tag's, then the page's language.
  var LANG = store.get("lang") || script.dataset.lang ||
    ((document.documentElement.lang || "vi").slice(0, 2) === "en" ? "en" : "vi");
  var tabs = typeof BroadcastChannel === "function" ? new BroadcastChannel(KEY + "tabs") : null;

  var state = {
    labels: null, token: store.get("token"), conversation: null, lastSeq: 0,
    readConversation: (store.get("read") || [])[0], readSeq: (store.get("read") || [])[1] || 0, unread: 0, open: false, outbox: store.get("outbox") || [],
    streaming: null, polling: false, failures: 0, useLongPoll: typeof ReadableStream !== "function",
    flushing: false, liveFrom: null
  };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var name in attrs || {}) node.setAttribute(name, attrs[name]);
    if (text != null) node.textContent = text;
    return node;
  }
  function newId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }
  function safeUrl(url, relative) {
    try {
      var parsed = new URL(url, relative ? BASE : undefined);
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
    } catch (e) { return null; }
  }
  function sleep(ms) { return new Promise(function (done) { setTimeout(done, ms); }); }

  // -- the page: launcher, panel ------------------------------------------------------------
  var host = el("div", { "data-cdsbot": "" });
  var root = host.attachShadow({ mode: "open" });
  var ui = {};

  function draw(labels) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
    ui.launcher = el("button", { type: "button", class: "launcher", "aria-expanded": "false",
      "aria-controls": "cdsbot-panel", "aria-label": labels.open });
    ui.launcher.appendChild(el("span", { class: "icon", "aria-hidden": "true" }, "💬"));
    ui.badge = el("span", { class: "badge", hidden: "" });
    ui.launcher.appendChild(ui.badge);
    ui.panel = el("div", { id: "cdsbot-panel", class: "panel", role: "dialog", "aria-modal": "false",
      "aria-labelledby": "cdsbot-title", hidden: "" });
    var head = el("div", { class: "head" });
    head.appendChild(el("h2", { id: "cdsbot-title" }, labels.title));
    ui.fresh = el("button", { type: "button", class: "fresh" }, labels["new"]);
    ui.close = el("button", { type: "button", class: "close", "aria-label": labels.close }, "×");
    head.appendChild(ui.fresh);
    head.appendChild(ui.close);
    ui.log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
      "aria-label": labels.messages, tabindex: "0" });
    ui.status = el("p", { class: "status", role: "status" });
    ui.form = el("form", { class: "compose" });
    ui.input = el("textarea", { rows: "1", "aria-label": labels.placeholder, placeholder: labels.placeholder,
      maxlength: "4000", enterkeyhint: "send" });
    ui.send = el("button", { type: "submit", class: "send" }, labels.send);
    ui.form.appendChild(ui.input);
    ui.form.appendChild(ui.send);
    [head, ui.log, ui.status, ui.form].forEach(function (n) { ui.panel.appendChild(n); });
    root.appendChild(ui.launcher);
    root.appendChild(ui.panel);
    document.body.appendChild(host);

    ui.launcher.addEventListener("click", function () { state.open ? closePanel() : openPanel(); });
    ui.close.addEventListener("click", closePanel);
    ui.fresh.addEventListener("click", newConversation);
    ui.panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { e.preventDefault(); closePanel(); } });
    ui.form.addEventListener("submit", function (e) { e.preventDefault(); submit(); });
    ui.input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
    });
    if (window.visualViewport) window.visualViewport.addEventListener("resize", fitViewport);
  }

  function relabel(labels) {  // the visitor switched language: the widget's words follow
    state.labels = labels;
    root.getElementById("cdsbot-title").textContent = labels.title;
    ui.fresh.textContent = labels["new"];
    ui.close.setAttribute("aria-label", labels.close);
    ui.log.setAttribute("aria-label", labels.messages);
    ui.input.setAttribute("aria-label", labels.placeholder);
    ui.input.setAttribute("placeholder", labels.placeholder);
    ui.send.textContent = labels.send;
    ui.launcher.setAttribute("aria-label", state.open ? labels.close : labels.open);
  }
  function followLanguage(locale) {
    if (locale !== "vi" && locale !== "en") return;
    if (locale !== LANG) {
      LANG = locale;
      fetch(API + "/hello?lang=" + LANG, { credentials: "omit" }).then(function (res) {
        return res.ok ? res.json().then(function (data) { relabel(data.labels); }) : null;
      }, function () {});
    }
    store.set("lang", LANG);
  }

  function fitViewport() {  // phones: keep the input above the on-screen keyboard
    if (window.innerWidth <= 480 && window.visualViewport) ui.panel.style.height = window.visualViewport.height + "px";
    else ui.panel.style.height = "";
  }

  function openPanel() {
    state.open = true;
    ui.panel.hidden = false;
    ui.launcher.setAttribute("aria-expanded", "true");
    ui.launcher.setAttribute("aria-label", state.labels.close);
    markRead();
    fitViewport();
    ui.input.focus();
    ensureSession().then(connect);
  }
  function closePanel() {
    state.open = false;
    ui.panel.hidden = true;
    ui.launcher.setAttribute("aria-expanded", "false");
    showBadge();
    ui.launcher.focus();
  }
  function markRead() {
    state.readSeq = Math.max(state.readSeq, state.lastSeq);
    state.unread = 0;
    state.readConversation = state.conversation;
    store.set("read", [state.conversation, state.readSeq]);
    showBadge();
  }
  function showBadge() {
    var label = state.labels.open;
    if (state.unread > 0 && !state.open) {
      ui.badge.hidden = false;
      ui.badge.textContent = String(state.unread);
      label += " (" + state.labels.unread.replace("{count}", state.unread) + ")";
    } else {
      ui.badge.hidden = true;
    }
    if (!state.open) ui.launcher.setAttribute("aria-label", label);
  }
  function setStatus(text) { ui.status.textContent = text || ""; }

  // -- rendering events ---------------------------------------------------------------------
  function render(event) {
    var body = event.body || {};
    var bubble = el("div", { class: "msg " + event.kind, "data-seq": String(event.seq) });
    if (event.kind === "notice") bubble.appendChild(el("strong", { class: "tag" }, state.labels.notice));
    if (body.text) bubble.appendChild(el("p", {}, body.text));
    if (body.image) {
      var src = safeUrl(body.image, false);
      if (src) bubble.appendChild(el("img", { src: src, alt: "", loading: "lazy" }));
    }
    if (body.file) bubble.appendChild(fileOf(body.file));
    if (body.buttons && body.buttons.length) {
      var row = el("div", { class: "buttons" });
      body.buttons.forEach(function (b) { row.appendChild(buttonOf(b)); });
      bubble.appendChild(row);
    }
    return bubble;
  }
  function fileOf(file) {
    var url = safeUrl(file.url, true);
    var box = el("div", { class: "file" });
    if (!url) return box;
    if (file.kind === "image") box.appendChild(el("img", { src: url, alt: file.caption || file.name }));
    var link = el("a", { href: url, download: file.name, target: "_blank", rel: "noopener noreferrer" },
      state.labels.download + ": " + file.name);
    box.appendChild(link);
    return box;
  }
  function buttonOf(b) {
    if (b.url) {
      var href = safeUrl(b.url, false);
      if (href) return el("a", { href: href, target: "_blank", rel: "noopener noreferrer", class: "link" }, b.label);
      return el("span", {}, b.label);
    }
    var button = el("button", { type: "button", "data-payload": b.payload || "" }, b.label);
    button.addEventListener("click", function () { queue({ payload: b.payload, label: b.label }); });
    return button;
  }
  function accept(event) {
    if (event.seq <= state.lastSeq) return;  // replayed: shown already
    state.lastSeq = event.seq;
    if (event.kind === "moved") { follow(event.body.conversation); return; }
    if (event.kind === "cleared") { clearBefore(event.seq); return; }
    // Only replies newer than the page: a replayed history must not flip the language back.
    if (event.kind === "bot" && event.body && event.body.locale && event.seq > state.liveFrom) followLanguage(event.body.locale);
    var clientId = event.body && event.body.client_id;
    if (clientId) {
      var pending = ui.log.querySelector('[data-pending="' + clientId + '"]');
      if (pending) pending.remove();
      dropFromOutbox(clientId);
    }
    var bubble = render(event);
    var firstPending = ui.log.querySelector("[data-pending]");
    ui.log.insertBefore(bubble, firstPending);  // confirmed messages stay above the unsent ones
    ui.log.scrollTop = ui.log.scrollHeight;
    if (state.open && document.visibilityState === "visible") markRead();
    else if (event.seq > state.readSeq && event.kind !== "user") { state.unread += 1; showBadge(); }
  }
  function showPending(item) {
    var bubble = el("div", { class: "msg user pending", "data-pending": item.id });
    bubble.appendChild(el("p", {}, item.label || item.text));
    bubble.appendChild(el("span", { class: "note" }, state.labels.sending));
    ui.log.appendChild(bubble);
    ui.log.scrollTop = ui.log.scrollHeight;
  }
  function notePending(id, text) {
    var note = ui.log.querySelector('[data-pending="' + id + '"] .note');
    if (note) note.textContent = text;
  }
  function clearBefore(seq) {  // the visitor's data was deleted: what came before goes too
    Array.prototype.slice.call(ui.log.querySelectorAll(".msg[data-seq]")).forEach(function (n) {
      if (Number(n.dataset.seq) < seq) n.remove();
    });
  }
  function reset(conversation) {  // the events are read again from the first
    state.conversation = conversation;
    state.lastSeq = 0;
    state.unread = 0;
    if (conversation !== state.readConversation) { state.readConversation = conversation; state.readSeq = 0; }
    Array.prototype.slice.call(ui.log.querySelectorAll(".msg:not([data-pending])")).forEach(function (n) { n.remove(); });
  }

  // -- talking to the server ----------------------------------------------------------------
  function call(method, path, body) {
    var headers = { "Content-Type": "application/json" };
    if (state.token) headers.Authorization = "Bearer " + state.token;
    return fetch(API + path + (path.indexOf("?") < 0 ? "?" : "&") + "lang=" + LANG, {
      method: method, headers: headers, body: body ? JSON.stringify(body) : undefined,
      cache: "no-store", credentials: "omit"
    });
  }
  function ensureSession() {
    if (state.session) return state.session;
    state.session = call("POST", "/session", { token: state.token, locale: LANG }).then(function (res) {
      if (!res.ok) throw res;
      return res.json();
    }).then(function (data) {
      if (data.token) { state.token = data.token; store.set("token", data.token); }
      if (state.liveFrom == null) state.liveFrom = data.last_seq;
      if (state.conversation !== data.conversation) reset(data.conversation);
    }).catch(function (err) {
      state.session = null;
      return tryLater(err).then(ensureSession);
    });
    return state.session;
  }
  function tryLater(res) {  // a refusal with its reason, or the network: wait, then again
    var wait = Math.min(RETRY_MAX, 1000 * Math.pow(2, state.failures++));
    if (res && typeof res.json === "function") {
      var after = Number(res.headers.get("Retry-After"));
      if (after) wait = after * 1000;
      return res.json().then(function (data) { setStatus(data.message); }, function () {}).then(function () { return sleep(wait); });
    }
    setStatus(navigator.onLine === false ? state.labels.offline : state.labels.reconnecting);
    return sleep(wait);
  }
  function follow(conversation) {  // another tab, or this one, started a new conversation
    stopStream();
    reset(conversation);
    connect();
  }
  function newConversation() {
    ensureSession().then(function () { return call("POST", "/conversations"); }).then(function (res) {
      if (!res.ok) return tryLater(res);
      return res.json().then(function (data) {
        if (tabs) tabs.postMessage({ conversation: data.conversation });
        follow(data.conversation);
        ui.input.focus();
      });
    });
  }

  // -- reading: a stream from the last number seen, or long polls ----------------------------
  function connect() {
    if (state.streaming || state.polling || !state.token || document.visibilityState === "hidden") return;
    if (navigator.onLine === false) { setStatus(state.labels.offline); return; }
    if (state.useLongPoll) longPoll(); else stream();
  }
  function stopStream() {
    if (state.streaming) state.streaming.abort();
    state.streaming = null;
  }
  function cursor() { return "?conversation=" + (state.conversation || "") + "&after=" + state.lastSeq; }
  function stream() {
    var ctrl = new AbortController();
    state.streaming = ctrl;
    var headers = { Authorization: "Bearer " + state.token, Accept: "text/event-stream" };
    var got = false;
    fetch(API + "/stream" + cursor() + "&lang=" + LANG, { headers: headers, signal: ctrl.signal, cache: "no-store", credentials: "omit" })
      .then(function (res) {
        if (!res.ok || !res.body) throw res;
        setStatus("");
        state.failures = 0;
        var reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        var buffer = "";
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) return;
            buffer += chunk.value.replace(/\r\n/g, "\n");
            var blocks = buffer.split("\n\n");
            buffer = blocks.pop();
            blocks.forEach(function (block) { got = true; dispatch(block); });
            return pump();
          });
        }
        return pump();
      })
      .catch(function (err) { return ctrl.signal.aborted ? null : failed(err, got); })
      .then(function () {
        if (state.streaming !== ctrl) return;
        state.streaming = null;
        if (!ctrl.signal.aborted) setTimeout(connect, 0);
      });
  }
  function dispatch(block) {
    var kind = "message", data = "";
    block.split("\n").forEach(function (line) {
      if (line.indexOf("event:") === 0) kind = line.slice(6).trim();
      else if (line.indexOf("data:") === 0) data += line.slice(5).replace(/^ /, "");
    });
    if (!data) return;
    var parsed = JSON.parse(data);
    if (kind === "reset") reset(parsed.conversation);
    else accept(parsed);
  }
  function failed(res, got) {
    if (res && res.status === 401) { lostSession(); return; }
    if (res && res.status === 403) { setStatus(""); return sleep(RETRY_MAX); }
    if (!got && !(res && res.status)) state.streamFailures = (state.streamFailures || 0) + 1;
    if (state.streamFailures >= 3) state.useLongPoll = true;  // a network that breaks streams
    return tryLater(res);
  }
  function lostSession() {
    state.token = null;
    state.session = null;
    store.set("token", null);
    ensureSession().then(function () { connect(); flush(); });
  }
  function longPoll() {
    state.polling = true;
    call("GET", "/events" + cursor() + "&wait=1").then(function (res) {
      if (!res.ok) throw res;
      setStatus("");
      state.failures = 0;
      return res.json().then(function (data) {
        if (data.reset) reset(data.conversation);
        data.events.forEach(accept);
      });
    }).catch(function (err) { return failed(err, false); }).then(function () {
      state.polling = false;
      setTimeout(connect, 0);
    });
  }

  // -- sending: kept until the server has it, retried with the same id ----------------------
  function queue(item) {
    item.id = newId();
    state.outbox.push(item);
    store.set("outbox", state.outbox);
    showPending(item);
    flush();
  }
  function submit() {
    var text = ui.input.value.trim();
    if (!text) return;
    ui.input.value = "";
    queue({ text: text });
  }
  function dropFromOutbox(id) {
    state.outbox = state.outbox.filter(function (item) { return item.id !== id; });
    store.set("outbox", state.outbox);
  }
  function flush() {
    if (state.flushing || !state.outbox.length) return;
    state.flushing = true;
    ensureSession().then(function next() {
      var item = state.outbox.filter(function (i) { return !i.sent; })[0];
      if (!item) return;
      var body = { id: item.id, text: item.text || "", payload: item.payload, label: item.label, locale: LANG };
      return call("POST", "/messages", body).then(function (res) {
        if (res.status === 401) { state.token = null; state.session = null; store.set("token", null); return ensureSession().then(next); }
        if (res.status === 400 || res.status === 413) {
          return res.json().then(function (data) { notePending(item.id, data.message); item.sent = true; dropFromOutbox(item.id); }).then(next);
        }
        if (!res.ok) { notePending(item.id, state.labels.retrying); return tryLater(res).then(next); }
        state.failures = 0;
        setStatus("");
        item.sent = true;
        notePending(item.id, "");
        connect();
        return next();
      }, function () {
        notePending(item.id, navigator.onLine === false ? state.labels.offline : state.labels.retrying);
        return tryLater(null).then(next);
      });
    }).then(function () { state.flushing = false; });
  }

  // -- the page's life ------------------------------------------------------------------------
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") stopStream();  // browsers allow few connections per host
    else if (state.token) { connect(); if (state.open) markRead(); }
  });
  window.addEventListener("online", function () { setStatus(""); state.failures = 0; connect(); flush(); });
  window.addEventListener("offline", function () { setStatus(state.labels.offline); });
  if (tabs) tabs.onmessage = function (e) { if (e.data && e.data.conversation && e.data.conversation !== state.conversation) follow(e.data.conversation); };

  var CSS = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif}",
    ".launcher{position:fixed;right:16px;bottom:16px;z-index:2147483000;width:56px;height:56px;border-radius:50%;border:0;background:#c8102e;color:#fff;font-size:26px;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.3)}",
    ".launcher:focus-visible,button:focus-visible,a:focus-visible,textarea:focus-visible,.log:focus-visible{outline:3px solid #1a56db;outline-offset:2px}",
    ".badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#1a56db;color:#fff;font-size:13px;line-height:22px;font-weight:700}",
    ".badge[hidden],.panel[hidden]{display:none}",
    ".panel{position:fixed;right:16px;bottom:84px;z-index:2147483000;width:380px;max-width:calc(100vw - 32px);height:min(600px,calc(100vh - 100px));display:flex;flex-direction:column;background:#fff;color:#111;border-radius:12px;box-shadow:0 4px 24px rgba(0,0,0,.3);overflow:hidden;font-size:16px}",
    "@media (max-width:480px){.panel{right:0;bottom:0;width:100vw;max-width:100vw;height:100dvh;border-radius:0}}",
    ".head{display:flex;align-items:center;gap:8px;padding:10px 12px;background:#c8102e;color:#fff}",
    "h2{flex:1;margin:0;font-size:17px;font-weight:700}",
    ".head button{background:transparent;color:#fff;border:1px solid rgba(255,255,255,.7);border-radius:6px;min-height:36px;padding:0 10px;font-size:14px;cursor:pointer}",
    ".head .close{font-size:24px;border:0;min-width:44px}",
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;background:#f6f6f6}",
    ".msg{max-width:85%;padding:8px 12px;border-radius:12px;background:#fff;border:1px solid #ddd;white-space:pre-wrap;overflow-wrap:anywhere;line-height:1.4}",
    ".msg p{margin:0}",
    ".msg.user{align-self:flex-end;background:#fde8eb;border-color:#f3b6bf}",
    ".msg.notice{border:2px solid #1a56db;background:#eef3ff}",
    ".msg .tag{display:block;font-size:13px;color:#1a56db;margin-bottom:4px}",
    ".msg .note{display:block;font-size:13px;color:#555}",
    ".msg img{display:block;max-width:100%;margin-top:6px;border-radius:6px}",
    ".buttons{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px}",
    ".buttons button,.buttons .link{min-height:40px;padding:6px 12px;border-radius:20px;border:1px solid #c8102e;background:#fff;color:#a00d25;font-size:15px;cursor:pointer;text-decoration:none;display:inline-flex;align-items:center}",
    ".file a{display:inline-block;margin-top:6px;color:#1a56db}",
    ".status{margin:0;padding:0 12px;font-size:14px;color:#7a4b00;background:#fff8e1}",
    ".status:empty{display:none}",
    ".compose{display:flex;gap:8px;padding:10px;border-top:1px solid #ddd;background:#fff}",
    "textarea{flex:1;resize:none;font-size:16px;line-height:1.4;padding:8px 10px;border:1px solid #999;border-radius:8px;max-height:120px;color:#111;background:#fff}",
    ".send{min-width:64px;min-height:44px;border:0;border-radius:8px;background:#c8102e;color:#fff;font-size:16px;font-weight:700;cursor:pointer}"
  ].join("\n");

  // Start: the site's words (refused for an origin the key was not made for: then nothing is
  // drawn), then, for a returning visitor, the session for the unread badge and the stream.
  fetch(API + "/hello?lang=" + LANG, { credentials: "omit" }).then(function (res) {
    if (!res.ok) throw new Error("HTTP " + res.status);
    return res.json();
  }).then(function (data) {
    state.labels = data.labels;
    var start = function () {
      draw(data.labels);
      state.outbox.forEach(showPending);
      if (state.token || state.outbox.length) ensureSession().then(function () { connect(); flush(); });
    };
    if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
  }).catch(function (err) {  // an origin the key was not made for gets no CORS headers: a network error here
    if (window.console) console.warn("CDS chat: not started; is this page's origin allowed for site key " + SITE + "? (" + (err.message || err) + ")");
  });
})();
