// Galerie admin: selection in the album grid (click, Shift+click for a range, Ctrl+A, Escape),
// a live count, and a confirmation before destructive posts. Every form works without it.
(function () {
  "use strict";
  var picker = document.getElementById("picker");
  var count = document.getElementById("picked-count");
  if (picker && count) {
    var boxes = Array.prototype.slice.call(picker.querySelectorAll("input[type=checkbox]"));
    var last = null;
    var update = function () {
      var n = 0;
      boxes.forEach(function (box) {
        box.closest("li").classList.toggle("picked", box.checked);
        if (box.checked) { n++; }
      });
      count.textContent = String(n);
    };
    var setAll = function (value) { boxes.forEach(function (box) { box.checked = value; }); update(); };
    boxes.forEach(function (box, index) {
      box.addEventListener("click", function (event) {
        if (event.shiftKey && last !== null && last !== index) {
          var from = Math.min(last, index), to = Math.max(last, index);
          for (var i = from; i <= to; i++) { boxes[i].checked = box.checked; }
        }
        last = index;
        update();
      });
      box.addEventListener("change", update);
    });
    document.querySelectorAll("[data-select]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { setAll(button.getAttribute("data-select") === "all"); });
    });
    document.addEventListener("keydown", function (event) {
      var typing = /input|textarea|select/i.test(event.target.tagName) && event.target.type !== "checkbox";
      if (typing) { return; }
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "a") { event.preventDefault(); setAll(true); }
      if (event.key === "Escape") { setAll(false); }
    });
    update();
  }
  document.querySelectorAll("[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
