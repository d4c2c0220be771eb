// Galerie: the photo viewer as a lightbox (full screen, wheel and pinch zoom with pan, swipe, keys),
// and, on an album or search page, focus on the tile the viewer came back to. The page works without it:
// every control is a link or is hidden until this script shows it. No inline script anywhere.
(function () {
  "use strict";
  var MAX_SCALE = 5;
  var pages = {}; // url -> Promise of the page's HTML, so that the next photo opens at once

  function focusTile() {
    var match = /^#p-([0-9a-f]{64})$/.exec(window.location.hash);
    var tile = match && document.getElementById("p-" + match[1]);
    var link = tile && tile.querySelector("a");
    if (link) { link.focus({ preventScroll: true }); tile.scrollIntoView({ block: "center" }); }
  }

  function fetchPage(url) {
    if (!pages[url]) {
      pages[url] = fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } }).then(function (r) {
        if (!r.ok) { throw new Error(r.status); }
        return r.text();
      });
      pages[url].catch(function () { delete pages[url]; });
    }
    return pages[url];
  }

  function Viewer(article) {
    this.article = article;
    this.stage = article.querySelector(".viewer-stage");
    this.img = article.querySelector("img#photo"); // a video plays; it does not zoom
    this.info = article.querySelector(".viewer-info");
    this.scale = 1; this.x = 0; this.y = 0;
    this.pointers = {};
    this.gesture = null;
    this.bind();
    this.preload();
  }

  Viewer.prototype.data = function (name) { return this.article.getAttribute("data-" + name) || ""; };

  Viewer.prototype.bind = function () {
    var self = this;
    this.article.querySelectorAll("[hidden][data-action]").forEach(function (b) {
      var action = b.getAttribute("data-action");
      if (action === "fullscreen" ? document.fullscreenEnabled : self.img) { b.hidden = false; } // zoom: photos only
    });
    this.article.querySelectorAll("[data-action]").forEach(function (control) {
      control.addEventListener("click", function (event) {
        var action = control.getAttribute("data-action");
        if (action === "close") { return; } // a plain link back to the tile
        event.preventDefault();
        if (action === "motion") { if (event.detail === 0) { self.playMotion(self.motion.hidden); } return; } // keys toggle
        self.act(action);
      });
    });
    this.article.querySelectorAll(".viewer-side").forEach(function (link) {
      link.addEventListener("click", function (event) { event.preventDefault(); self.go(link.classList.contains("prev") ? "prev" : "next"); });
    });
    if (this.img) {
      this.stage.addEventListener("wheel", function (event) { self.wheel(event); }, { passive: false });
      this.stage.addEventListener("pointerdown", function (event) { self.down(event); });
      this.stage.addEventListener("pointermove", function (event) { self.move(event); });
      ["pointerup", "pointercancel"].forEach(function (type) {
        self.stage.addEventListener(type, function (event) { self.up(event); });
      });
      this.stage.addEventListener("dblclick", function (event) { self.zoomAt(self.scale > 1 ? 1 : 2.5, event.clientX, event.clientY); });
    }
    this.bindMotion();
    this.syncFullscreen();
    this.setInfo(false);
  };

  // A Live Photo or motion photo: its clip plays while the LIVE button is pressed (touch, pen, mouse)
  // or while a mouse rests on the picture; Enter or Space on the button starts and stops it.
  Viewer.prototype.bindMotion = function () {
    var self = this;
    var button = this.article.querySelector("[data-action=motion]");
    this.motion = this.article.querySelector("video.motion");
    if (!button || !this.motion) { return; }
    button.addEventListener("pointerdown", function (event) {
      event.stopPropagation(); // not the start of a pan
      self.pressed = true;
      self.playMotion(true);
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (type) {
      button.addEventListener(type, function () { if (self.pressed) { self.pressed = false; self.playMotion(false); } });
    });
    var figure = this.motion.parentNode;
    figure.addEventListener("pointerenter", function (event) { if (event.pointerType === "mouse" && self.scale === 1) { self.playMotion(true); } });
    figure.addEventListener("pointerleave", function (event) { if (event.pointerType === "mouse" && !self.pressed) { self.playMotion(false); } });
    this.motion.addEventListener("error", function () { self.playMotion(false); });
  };

  Viewer.prototype.playMotion = function (on) {
    var video = this.motion, button = this.article.querySelector("[data-action=motion]");
    if (!video) { return; }
    if (on) {
      if (!video.getAttribute("src")) { video.src = video.getAttribute("data-src"); }
      video.hidden = false;
      try { video.currentTime = 0; } catch (e) { /* not loaded yet */ }
      var played = video.play();
      if (played && played.catch) { played.catch(function () { video.hidden = true; }); }
    } else {
      video.pause();
      video.hidden = true;
    }
    if (button) { button.setAttribute("aria-pressed", on ? "true" : "false"); }
  };

  Viewer.prototype.act = function (action) {
    var box = this.stage.getBoundingClientRect();
    var cx = box.left + box.width / 2, cy = box.top + box.height / 2;
    if (action === "zoom-in") { this.zoomAt(this.scale * 1.6, cx, cy); }
    if (action === "zoom-out") { this.zoomAt(this.scale / 1.6, cx, cy); }
    if (action === "zoom-reset") { this.zoomAt(1, cx, cy); }
    if (action === "info") { this.setInfo(!this.article.classList.contains("info-open")); }
    if (action === "fullscreen") { this.toggleFullscreen(); }
    if (action === "close") { window.location.href = this.data("back"); }
  };

  Viewer.prototype.setInfo = function (open) {
    this.article.classList.toggle("info-open", open);
    var toggle = this.article.querySelector("[data-action=info]");
    if (toggle) { toggle.setAttribute("aria-expanded", open ? "true" : "false"); }
    if (this.info) { this.info.hidden = !open; if (open) { this.info.focus(); } }
    if (this.img) { this.apply(); } // the stage makes room for the panel on a wide screen
  };

  Viewer.prototype.toggleFullscreen = function () {
    if (document.fullscreenElement) { document.exitFullscreen(); } else if (document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(function () {});
    }
  };

  Viewer.prototype.syncFullscreen = function () {
    var button = this.article.querySelector("[data-action=fullscreen]");
    if (button) { button.setAttribute("aria-pressed", document.fullscreenElement ? "true" : "false"); }
  };

  // -- zoom and pan: transform-origin 0 0, so a point q of the image is at (box + t + s q) on screen
  Viewer.prototype.zoomAt = function (scale, clientX, clientY) {
    if (!this.img) { return; } // a video (or anything else in the figure) is not zoomed
    scale = Math.min(MAX_SCALE, Math.max(1, scale));
    var box = this.base();
    var qx = (clientX - box.left - this.x) / this.scale, qy = (clientY - box.top - this.y) / this.scale;
    this.x = clientX - box.left - scale * qx;
    this.y = clientY - box.top - scale * qy;
    this.scale = scale;
    this.apply();
  };

  Viewer.prototype.base = function () {
    // the image's box as laid out (transforms do not move layout): offsets within the stage
    var stage = this.stage.getBoundingClientRect();
    return { left: stage.left + this.img.offsetLeft, top: stage.top + this.img.offsetTop,
      width: this.img.offsetWidth, height: this.img.offsetHeight, stage: stage };
  };

  Viewer.prototype.apply = function () {
    var box = this.base(), stage = box.stage;
    var ox = box.left - stage.left, oy = box.top - stage.top;
    var w = box.width * this.scale, h = box.height * this.scale;
    // keep the image over the stage: centred when smaller, edges never pulled inside when larger
    this.x = w <= stage.width ? (stage.width - w) / 2 - ox : Math.min(-ox, Math.max(stage.width - w - ox, this.x));
    this.y = h <= stage.height ? (stage.height - h) / 2 - oy : Math.min(-oy, Math.max(stage.height - h - oy, this.y));
    if (this.scale === 1) { this.x = 0; this.y = 0; }
    this.img.style.transform = this.scale === 1 ? "" : "translate(" + this.x + "px," + this.y + "px) scale(" + this.scale + ")";
    this.article.classList.toggle("zoomed", this.scale > 1);
    var out = this.article.querySelector("[data-action=zoom-out]");
    if (out) { out.disabled = this.scale <= 1; }
    var zoomIn = this.article.querySelector("[data-action=zoom-in]");
    if (zoomIn) { zoomIn.disabled = this.scale >= MAX_SCALE; }
  };

  Viewer.prototype.wheel = function (event) {
    event.preventDefault();
    var delta = event.deltaMode === 1 ? event.deltaY * 16 : event.deltaY;
    this.zoomAt(this.scale * Math.exp(-delta / 300), event.clientX, event.clientY);
  };

  Viewer.prototype.down = function (event) {
    if (event.target.closest("a, button, input, form")) { return; }
    try { this.stage.setPointerCapture(event.pointerId); } catch (e) { /* a pointer already gone */ }
    this.pointers[event.pointerId] = { x: event.clientX, y: event.clientY };
    var ids = Object.keys(this.pointers);
    if (ids.length === 2) {
      var a = this.pointers[ids[0]], b = this.pointers[ids[1]];
      this.gesture = { kind: "pinch", distance: Math.hypot(a.x - b.x, a.y - b.y) || 1, scale: this.scale };
    } else if (ids.length === 1) {
      this.gesture = { kind: this.scale > 1 ? "pan" : "swipe", x: event.clientX, y: event.clientY, tx: this.x, ty: this.y };
    }
  };

  Viewer.prototype.move = function (event) {
    if (!this.pointers[event.pointerId] || !this.gesture) { return; }
    this.pointers[event.pointerId] = { x: event.clientX, y: event.clientY };
    var g = this.gesture;
    if (g.kind === "pinch") {
      var ids = Object.keys(this.pointers), a = this.pointers[ids[0]], b = this.pointers[ids[1]];
      if (!a || !b) { return; }
      this.zoomAt(g.scale * Math.hypot(a.x - b.x, a.y - b.y) / g.distance, (a.x + b.x) / 2, (a.y + b.y) / 2);
    } else if (g.kind === "pan") {
      this.x = g.tx + event.clientX - g.x; this.y = g.ty + event.clientY - g.y;
      this.apply();
    } else if (g.kind === "swipe") {
      this.img.style.transform = "translateX(" + (event.clientX - g.x) + "px)";
    }
  };

  Viewer.prototype.up = function (event) {
    if (!this.pointers[event.pointerId]) { return; }
    delete this.pointers[event.pointerId];
    var g = this.gesture;
    if (g && g.kind === "swipe") {
      var dx = event.clientX - g.x, dy = event.clientY - g.y;
      this.img.style.transform = "";
      if (Math.abs(dx) > 60 && Math.abs(dx) > Math.abs(dy)) { this.go(dx > 0 ? "prev" : "next"); }
      else if (dy > 120 && Math.abs(dy) > Math.abs(dx)) { this.act("close"); }
    }
    this.gesture = null;
    if (Object.keys(this.pointers).length === 1 && this.scale > 1) { // one finger left after a pinch: pan on
      var id = Object.keys(this.pointers)[0], p = this.pointers[id];
      this.gesture = { kind: "pan", x: p.x, y: p.y, tx: this.x, ty: this.y };
    }
  };

  // -- next and previous: the next page's viewer swapped in, URL pushed, full screen kept
  Viewer.prototype.go = function (which) {
    var url = this.data(which);
    if (url) { open(url, true); }
  };

  Viewer.prototype.preload = function () {
    ["next", "prev"].forEach(function (which) {
      var image = this.data(which + "-image");
      if (image) { new Image().src = image; }
      if (this.data(which)) { fetchPage(this.data(which)).catch(function () {}); }
    }, this);
  };

  var current = null;

  function open(url, push) {
    fetchPage(url).then(function (html) {
      var page = new DOMParser().parseFromString(html, "text/html");
      var article = page.querySelector("article.viewer");
      if (!article || !current) { throw new Error("no viewer"); }
      var infoOpen = current.article.classList.contains("info-open");
      var focused = focusedControl(current.article);
      current.article.replaceWith(document.adoptNode(article));
      document.title = page.title;
      if (push) { history.pushState({ viewer: true }, "", url); }
      current = new Viewer(article);
      current.setInfo(infoOpen);
      if (focused) { // the same control again (Enter on « next » goes on), or the stage when it is gone
        (article.querySelector(focused) || article.querySelector(".viewer-stage")).focus({ preventScroll: true });
      }
    }).catch(function () { window.location.href = url; });
  }

  function focusedControl(article) {
    var active = document.activeElement;
    if (!active || !article.contains(active)) { return null; }
    if (active.getAttribute("data-action")) { return "[data-action=" + active.getAttribute("data-action") + "]"; }
    if (active.classList.contains("viewer-side")) { return ".viewer-side." + (active.classList.contains("prev") ? "prev" : "next"); }
    return ".viewer-stage";
  }

  function keydown(event) {
    if (!current || event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (/input|textarea|select/i.test(event.target.tagName)) { return; }
    var key = event.key;
    if (key === "Escape") { event.preventDefault(); current.act("close"); }
    else if (key === "ArrowLeft" && current.scale === 1) { current.go("prev"); }
    else if (key === "ArrowRight" && current.scale === 1) { current.go("next"); }
    else if (key === "+" || key === "=") { current.act("zoom-in"); }
    else if (key === "-" || key === "_") { current.act("zoom-out"); }
    else if (key === "0") { current.act("zoom-reset"); }
    else if (key === "f" || key === "F") { current.act("fullscreen"); }
    else if (key === "i" || key === "I") { current.act("info"); }
    else { return; }
  }

  function start() {
    var article = document.querySelector("article.viewer");
    if (!article) { // an album: back from the viewer, on the tile of the photo seen last
      focusTile();
      window.addEventListener("load", focusTile); // again once laid out (leaving full screen can take the focus)
      window.addEventListener("hashchange", focusTile);
      return;
    }
    document.body.classList.add("lightbox");
    current = new Viewer(article);
    document.addEventListener("keydown", keydown);
    document.addEventListener("fullscreenchange", function () { if (current) { current.syncFullscreen(); } });
    window.addEventListener("resize", function () { if (current && current.img) { current.apply(); } });
    window.addEventListener("popstate", function () {
      if (/^\/photos\/[0-9a-f]{64}\/?$/.test(window.location.pathname)) { open(window.location.pathname + window.location.search, false); }
    });
    history.replaceState({ viewer: true }, "", window.location.href);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
