// Follows an export made in the background: asks for its status every two seconds until it
// is ready or has failed, then shows the download link. The status region is a polite live
// region, so a screen reader hears the change without losing its place.
(function () {
  "use strict";
  var box = document.getElementById("export-status");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var state = document.getElementById("export-state");
  var bar = document.getElementById("export-progress");
  var download = document.getElementById("export-download");
  var tries = 0;

  function show(data) {
    state.textContent = data.label + (data.error ? ": " + data.error : "");
    bar.value = data.progress;
    bar.textContent = data.progress + " %";
    if (data.file) {
      download.hidden = false;
    }
    return data.status === "done" || data.status === "failed";
  }

  function poll() {
    tries += 1;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (!show(data) && tries < 900) { window.setTimeout(poll, 2000); }
      })
      .catch(function () { if (tries < 900) { window.setTimeout(poll, 5000); } });
  }

  if (download.hidden) { window.setTimeout(poll, 1000); }
}());
