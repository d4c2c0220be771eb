// Galerie: keyboard and swipe in the photo viewer, the upload drop zone. No inline script anywhere.
(function () {
  "use strict";
  var viewer = document.querySelector(".viewer");
  if (viewer) {
    var go = function (which) {
      var target = viewer.getAttribute("data-" + which);
      if (target) { window.location.href = target; }
    };
    document.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey || /input|textarea|select/i.test(event.target.tagName)) { return; }
      if (event.key === "ArrowLeft") { go("prev"); }
      if (event.key === "ArrowRight") { go("next"); }
    });
    var startX = null;
    viewer.addEventListener("touchstart", function (event) { startX = event.touches[0].clientX; }, { passive: true });
    viewer.addEventListener("touchend", function (event) {
      if (startX === null) { return; }
      var delta = event.changedTouches[0].clientX - startX;
      startX = null;
      if (Math.abs(delta) > 60) { go(delta > 0 ? "prev" : "next"); }
    });
  }
  var code = document.getElementById("embed-code");
  if (code) { code.addEventListener("focus", function () { code.select(); }); }

  var zone = document.querySelector(".dropzone");
  if (zone) {
    var input = zone.querySelector("input[type=file]");
    var list = document.getElementById("upload-results");
    var bar = document.getElementById("upload-progress");
    var send = function (files) {
      var form = new FormData(zone.closest("form"));
      form.delete("files");
      for (var i = 0; i < files.length; i++) { form.append("files", files[i]); }
      var request = new XMLHttpRequest();
      request.open("POST", zone.closest("form").action);
      request.setRequestHeader("Accept", "application/json");
      request.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) { bar.value = event.loaded / event.total; }
      });
      request.addEventListener("load", function () {
        bar.value = 1;
        list.textContent = "";
        var report;
        try { report = JSON.parse(request.responseText); } catch (e) { report = { error: request.statusText }; }
        if (report.error) { var li = document.createElement("li"); li.textContent = report.error; list.appendChild(li); return; }
        (report.files || []).forEach(function (file) {
          var item = document.createElement("li");
          item.textContent = file.name + " — " + file.status + (file.detail ? " (" + file.detail + ")" : "");
          list.appendChild(item);
        });
      });
      request.send(form);
    };
    zone.addEventListener("dragover", function (event) { event.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("over");
      send(event.dataTransfer.files);
    });
    if (input) { input.addEventListener("change", function () { send(input.files); }); }
  }
})();
