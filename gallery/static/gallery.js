// Galerie: the embed snippet, the upload drop zone (the photo viewer is viewer.js). No inline script anywhere.
(function () {
  "use strict";
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
