// The expert's drawing surface over the live picture: a transparent canvas the size of the video.
// A press, drag and release is one gesture; its path (x, y in 0..1 of the picture) goes back to
// Python, which turns it into a mark. Speaks Streamlit's component protocol (apiVersion 1) with
// postMessage by hand: no build step, no library, nothing fetched from elsewhere.
(function () {
  "use strict";

  var MAX_POINTS = 64; // the room refuses longer free lines
  var MIN_STEP = 0.004; // pointer moves shorter than this (share of the picture) add no point
  var TAP_RADIUS = 0.04;

  var canvas = document.getElementById("surface");
  var g = canvas.getContext("2d");
  var args = { aspect: 0.75, kind: "circle", colour: "#ff0000", label: "" };
  var path = null; // the gesture being drawn, or null
  var sent = 0;
  var clearTimer = null;

  function post(type, data) {
    var message = { isStreamlitMessage: true, type: type };
    for (var k in data) message[k] = data[k];
    window.parent.postMessage(message, "*");
  }

  function resize() {
    var width = document.body.clientWidth || window.innerWidth;
    var height = Math.max(1, Math.round(width * args.aspect));
    var ratio = window.devicePixelRatio || 1;
    canvas.style.height = height + "px";
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    post("streamlit:setFrameHeight", { height: height });
    draw();
  }

  function at(event) {
    var box = canvas.getBoundingClientRect();
    var x = (event.clientX - box.left) / box.width;
    var y = (event.clientY - box.top) / box.height;
    return [Math.min(1, Math.max(0, x)), Math.min(1, Math.max(0, y))];
  }

  function thinned(points) {
    if (points.length <= MAX_POINTS) return points;
    var out = [];
    for (var i = 0; i < MAX_POINTS; i++) out.push(points[Math.round((i * (points.length - 1)) / (MAX_POINTS - 1))]);
    return out;
  }

  function draw() {
    var w = canvas.clientWidth, h = canvas.clientHeight;
    g.clearRect(0, 0, w, h);
    if (!path || !path.length) return;
    var a = path[0], b = path[path.length - 1];
    var ax = a[0] * w, ay = a[1] * h, bx = b[0] * w, by = b[1] * h;
    g.strokeStyle = args.colour;
    g.fillStyle = args.colour;
    g.lineWidth = Math.max(2, Math.min(w, h) / 160);
    g.lineCap = "round";
    g.lineJoin = "round";
    g.beginPath();
    var kind = args.kind;
    var moved = Math.hypot(b[0] - a[0], b[1] - a[1]) > 0.015;
    if (kind === "text") {
      g.font = Math.max(12, Math.round(h / 18)) + "px sans-serif";
      g.textBaseline = "top";
      g.fillText(args.label || "?", bx, by);
      return;
    }
    if (!moved || kind === "circle") {
      var r = moved ? Math.hypot(bx - ax, by - ay) : TAP_RADIUS * w;
      g.arc(ax, ay, r, 0, 2 * Math.PI);
    } else if (kind === "box") {
      g.rect(ax, ay, bx - ax, by - ay);
    } else if (kind === "arrow") {
      var angle = Math.atan2(by - ay, bx - ax), head = Math.max(10, g.lineWidth * 4);
      g.moveTo(ax, ay);
      g.lineTo(bx, by);
      g.moveTo(bx - head * Math.cos(angle - 0.5), by - head * Math.sin(angle - 0.5));
      g.lineTo(bx, by);
      g.lineTo(bx - head * Math.cos(angle + 0.5), by - head * Math.sin(angle + 0.5));
    } else {
      g.moveTo(ax, ay);
      for (var i = 1; i < path.length; i++) g.lineTo(path[i][0] * w, path[i][1] * h);
    }
    g.stroke();
  }

  canvas.addEventListener("pointerdown", function (event) {
    if (event.button !== 0) return;
    canvas.setPointerCapture(event.pointerId);
    clearTimeout(clearTimer);
    path = [at(event)];
    draw();
    event.preventDefault();
  });

  canvas.addEventListener("pointermove", function (event) {
    if (!path) return;
    var p = at(event), last = path[path.length - 1];
    if (Math.hypot(p[0] - last[0], p[1] - last[1]) < MIN_STEP) return;
    path.push(p);
    draw();
  });

  function finish(event) {
    if (!path) return;
    var p = at(event), last = path[path.length - 1];
    if (p[0] !== last[0] || p[1] !== last[1]) path.push(p);
    sent += 1;
    var points = thinned(path).map(function (q) {
      return [Math.round(q[0] * 10000) / 10000, Math.round(q[1] * 10000) / 10000];
    });
    post("streamlit:setComponentValue", { value: { id: Date.now() + "-" + sent, points: points }, dataType: "json" });
    // The stroke stays until the mark comes back drawn on the video, then goes.
    clearTimer = setTimeout(function () {
      path = null;
      draw();
    }, 1200);
  }

  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointercancel", function () {
    path = null;
    draw();
  });

  window.addEventListener("message", function (event) {
    var data = event.data || {};
    if (data.type !== "streamlit:render") return;
    var given = data.args || {};
    var aspect = Number(given.aspect);
    args.aspect = aspect > 0.1 && aspect < 10 ? aspect : 0.75;
    args.kind = String(given.kind || "circle");
    args.colour = /^#[0-9a-fA-F]{6}$/.test(given.colour) ? given.colour : "#ff0000";
    args.label = String(given.label || "");
    resize();
  });

  window.addEventListener("resize", resize);
  post("streamlit:componentReady", { apiVersion: 1 });
})();
