// Switchboard loader: the one script a site owner pastes.
//   <script src="https://EDGE/widget.js" data-site="SITE_ID" defer></script>
// It draws the launcher at once (in a shadow root, so host CSS cannot restyle it) and creates the
// chat iframe on the edge's origin only when the page is idle or the launcher is clicked, so it
// never competes with the host page's own loading. Build: minified by scripts/build-assets.
(function () {
  if (window.__switchboardLoaded) return;
  window.__switchboardLoaded = true;
  var script = document.currentScript;
  var base = new URL(script.src, location.href);
  var site = script.getAttribute("data-site") || "default";
  var color = script.getAttribute("data-color") || "#4f46e5";
  var frame = null, ready = false, open = false, listeners = {}, identity = null, attributes = null, resetting = false;

  var host = document.createElement("div");
  host.setAttribute("data-switchboard", "");
  var root = host.attachShadow({ mode: "open" });
  root.innerHTML =
    "<style>" +
    ":host{all:initial}" +
    "button{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:60px;height:60px;border:0;border-radius:50%;" +
    "background:" + color + ";color:#fff;cursor:pointer;box-shadow:0 6px 20px rgba(0,0,0,.25);display:grid;place-items:center}" +
    "button:focus-visible{outline:3px solid #111;outline-offset:3px}" +
    "iframe{position:fixed;right:20px;bottom:92px;z-index:2147483000;width:400px;height:min(680px,calc(100vh - 112px));" +
    "border:0;border-radius:16px;box-shadow:0 12px 40px rgba(0,0,0,.3);background:#fff}" +
    "iframe[hidden]{display:none}" +
    "@media (max-width:480px){iframe{inset:0;width:100%;height:100%;border-radius:0}.open button{display:none}}" +
    "</style><div><button type=button aria-expanded=false aria-label='Open chat'></button></div>";
  var wrap = root.querySelector("div");
  var launcher = root.querySelector("button");
  var chatIcon = "<svg width=28 height=28 viewBox='0 0 24 24' aria-hidden=true><path fill=currentColor d='M4 4h16v12H7l-3 3z'/></svg>";
  var closeIcon = "<svg width=24 height=24 viewBox='0 0 24 24' aria-hidden=true><path d='M6 6l12 12M18 6L6 18' stroke=currentColor stroke-width=2.5 stroke-linecap=round /></svg>";
  launcher.innerHTML = chatIcon;

  function emit(name, data) {
    (listeners[name] || []).forEach(function (fn) { try { fn(data); } catch (e) { setTimeout(function () { throw e; }); } });
  }
  function post(kind, extra) {
    var msg = { switchboard: kind };
    for (var k in extra || {}) msg[k] = extra[k];
    if (frame && ready) frame.contentWindow.postMessage(msg, base.origin);
  }
  function load(openNow) {
    if (frame) return;
    frame = document.createElement("iframe");
    frame.title = "Support chat";
    frame.hidden = !openNow;
    // The chat talks to this page only if its origin is allowed (widget/src/host.rs).
    frame.src = new URL("widget/?site=" + encodeURIComponent(site) + "&origin=" + encodeURIComponent(location.origin) + (openNow ? "&open=1" : ""), base).href;
    wrap.appendChild(frame);
  }
  function setOpen(next) {
    if (next === open) return;
    open = next;
    load(open);
    frame.hidden = !open;
    wrap.className = open ? "open" : "";
    launcher.setAttribute("aria-expanded", String(open));
    launcher.setAttribute("aria-label", open ? "Close chat" : "Open chat");
    launcher.innerHTML = open ? closeIcon : chatIcon;
    if (open) { frame.focus(); post("open"); } else { launcher.focus(); post("close"); }
    emit(open ? "open" : "close");
  }
  launcher.addEventListener("click", function () { setOpen(!open); });
  window.addEventListener("message", function (e) {
    if (!frame || e.source !== frame.contentWindow || e.origin !== base.origin || !e.data) return;
    var kind = e.data.switchboard;
    if (kind === "ready") {
      ready = true;
      if (resetting) { post("reset"); resetting = false; }
      if (identity) post("identify", { identity: identity });
      if (attributes) post("attributes", { attributes: attributes });
      if (open) post("open");
    }
    else if (kind === "close") setOpen(false);
    else if (kind === "event") emit(e.data.name, e.data.data);
  });

  var api = {
    open: function () { setOpen(true); },
    close: function () { setOpen(false); },
    toggle: function () { setOpen(!open); },
    on: function (name, fn) { (listeners[name] = listeners[name] || []).push(fn); },
    // {user_id, email, name, user_hash} or {user_jwt}: used when the visitor's conversation is created.
    identify: function (who) {
      identity = {};
      ["user_id", "email", "name", "user_hash", "user_jwt"].forEach(function (k) { if (who && who[k] != null) identity[k] = String(who[k]); });
      post("identify", { identity: identity });
    },
    // The host page's logout: nobody is identified any more, and the chat forgets every
    // conversation this browser kept (the next one starts afresh).
    reset: function () {
      identity = null;
      attributes = null;
      // Before the chat listens, it is told once it does.
      resetting = !(frame && ready);
      post("reset");
    },
    // Custom attributes ({{conversation.attributes.NAME}}); null or "" removes one.
    setAttributes: function (attrs) {
      var changed = {};
      attributes = attributes || {};
      for (var k in attrs || {}) changed[k] = attributes[k] = attrs[k] == null ? "" : String(attrs[k]);
      post("attributes", { attributes: changed });
    },
  };
  // Calls queued before the loader ran (window.Switchboard = [["open"], ...]) are replayed.
  var queued = Array.isArray(window.Switchboard) ? window.Switchboard : [];
  window.Switchboard = api;
  queued.forEach(function (call) { if (api[call[0]]) api[call[0]].apply(null, call.slice(1)); });

  function attach() { document.body.appendChild(host); }
  function preload() {
    var idle = window.requestIdleCallback || function (fn) { setTimeout(fn, 1500); };
    idle(function () { load(false); }, { timeout: 5000 });
  }
  if (document.body) attach(); else document.addEventListener("DOMContentLoaded", attach);
  if (document.readyState === "complete") preload(); else window.addEventListener("load", preload);
})();
