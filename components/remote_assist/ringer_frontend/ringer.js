// The ringer of components/remote_assist/ringing.py: a short tone made with WebAudio when a new
// request rings (no sound file to fetch), and a browser notification when the tab is in the
// background. It speaks Streamlit's component protocol by hand (postMessage), so nothing is
// loaded from another host and the page's Content-Security-Policy ('self' scripts) holds.
(function () {
  "use strict";
  var PLAYED = "portsight.ringer.played"; // the newest ring this tab has sounded (survives a remount)
  var allow = document.getElementById("allow");
  // Same-origin frame: the flags go on the app's <body> too, where a test (or a person) can see them.
  var host = (function () {
    try { return window.parent.document.body; } catch (e) { return null; }
  })();

  function send(type, extra) {
    var message = { isStreamlitMessage: true, type: type };
    for (var k in extra) { message[k] = extra[k]; }
    window.parent.postMessage(message, "*");
  }

  function flag(name, value) {
    document.body.setAttribute(name, value);
    if (host) { host.setAttribute(name, value); }
  }

  function height() {
    send("streamlit:setFrameHeight", { height: allow.hidden ? 0 : allow.offsetHeight + 8 });
  }

  function tone() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return Promise.resolve("unsupported"); }
    var ctx = new Context();
    return ctx.resume().then(function () {
      if (ctx.state !== "running") { return "blocked"; } // the browser waits for a click on the page first
      var start = ctx.currentTime;
      [880, 660, 880].forEach(function (hz, i) {
        var osc = ctx.createOscillator();
        var gain = ctx.createGain();
        osc.type = "sine";
        osc.frequency.value = hz;
        gain.gain.setValueAtTime(0.0001, start + i * 0.22);
        gain.gain.exponentialRampToValueAtTime(0.25, start + i * 0.22 + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, start + i * 0.22 + 0.2);
        osc.connect(gain).connect(ctx.destination);
        osc.start(start + i * 0.22);
        osc.stop(start + i * 0.22 + 0.21);
      });
      setTimeout(function () { ctx.close(); }, 1200);
      return "played";
    }, function () { return "blocked"; });
  }

  function hidden() {
    try { return window.parent.document.hidden; } catch (e) { return document.hidden; }
  }

  function notify(args) {
    if (!("Notification" in window) || Notification.permission !== "granted" || !hidden()) { return "none"; }
    var note = new Notification(args.title, { body: args.body, tag: "portsight-ring-" + args.token });
    note.onclick = function () { window.parent.focus(); note.close(); };
    return "shown";
  }

  function render(args) {
    var canAsk = "Notification" in window && Notification.permission === "default";
    allow.textContent = args.allow_label;
    allow.hidden = !canAsk;
    height();
    var last = Number(sessionStorage.getItem(PLAYED) || 0);
    if (!args.token || args.token <= last) { return; }
    sessionStorage.setItem(PLAYED, String(args.token));
    flag("data-ring", String(args.token));
    flag("data-ring-notification", notify(args));
    tone().then(function (outcome) { flag("data-ring-sound", outcome); });
  }

  allow.addEventListener("click", function () {
    Notification.requestPermission().then(function () {
      allow.hidden = Notification.permission !== "default";
      height();
    });
  });

  window.addEventListener("message", function (event) {
    if (event.data && event.data.type === "streamlit:render") { render(event.data.args || {}); }
  });
  send("streamlit:componentReady", { apiVersion: 1 });
})();
