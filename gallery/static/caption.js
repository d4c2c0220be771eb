// Galerie admin: a photo's caption edited in place. The caption shows as a button; a click (or Enter)
// opens the field, Enter saves (the same CSRF form, posted for JSON), Escape puts the words back.
// The result is announced in the form's role=status. Without this script the form posts as it is.
// Events are delegated to the document: the viewer swaps in the next photo's page without a reload.
(function () {
  "use strict";

  function parts(form) {
    return { show: form.querySelector(".caption-show"), text: form.querySelector(".caption-text"),
      input: form.querySelector("input[name=caption]"), status: form.querySelector(".caption-status") };
  }

  function prepare(root) {
    root.querySelectorAll("form.caption-edit:not(.ready)").forEach(function (form) {
      form.classList.add("ready");
      parts(form).show.hidden = false;
    });
  }

  function edit(form, on) {
    var p = parts(form);
    form.classList.toggle("editing", on);
    if (on) {
      p.input.focus();
      p.input.select();
    } else {
      p.show.focus();
    }
  }

  function shown(form, caption) {
    var p = parts(form);
    p.input.setAttribute("data-saved", caption);
    p.input.value = caption;
    p.text.textContent = caption || p.input.getAttribute("data-empty");
    p.text.classList.toggle("empty", !caption);
  }

  // The photo's images (the admin tile, the viewer's photo) say the new caption, or when it is cleared
  // the words the page was given for it (place, time, camera: render.py alt_text), as a reload would.
  function alts(form, caption) {
    var sha = form.id.replace(/^caption-/, "").replace(/-form$/, "");
    document.querySelectorAll("img[data-caption-of]").forEach(function (img) {
      if (img.getAttribute("data-caption-of") !== sha) { return; }
      img.alt = (img.getAttribute("data-alt-prefix") || "") + (caption || img.getAttribute("data-alt-generated") || "");
    });
  }

  function save(form) {
    var p = parts(form);
    if (form.classList.contains("saving")) { return; }
    if (p.input.value.trim() === p.input.getAttribute("data-saved")) { edit(form, false); return; }
    form.classList.add("saving");
    p.status.textContent = p.input.getAttribute("data-saving");
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (!response.ok) { throw new Error(data.error || p.input.getAttribute("data-failed")); }
          return data;
        });
      })
      .then(function (data) {
        shown(form, data.caption);
        alts(form, data.caption);
        edit(form, false);
        p.status.textContent = data.message;
      })
      .catch(function (error) {
        p.status.textContent = error.message || p.input.getAttribute("data-failed");
        p.input.focus();
      })
      .then(function () { form.classList.remove("saving"); });
  }

  document.addEventListener("click", function (event) {
    var show = event.target.closest && event.target.closest("form.caption-edit .caption-show");
    if (show) { event.preventDefault(); edit(show.form, true); }
  });
  document.addEventListener("submit", function (event) {
    if (event.target.matches("form.caption-edit.ready")) { event.preventDefault(); save(event.target); }
  });
  document.addEventListener("keydown", function (event) {
    var form = event.target.form;
    if (!form || event.target.name !== "caption" || !form.classList.contains("caption-edit")) { return; }
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation(); // not the viewer's « close », not the grid's « select none »
      shown(form, event.target.getAttribute("data-saved"));
      parts(form).status.textContent = "";
      edit(form, false);
    }
  }, true);

  function start() {
    prepare(document);
    new MutationObserver(function () { prepare(document); })
      .observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
