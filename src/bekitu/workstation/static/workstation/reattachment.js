// The re-attachment page follows the worker: while the plan is confirmed or running it asks
// for the progress every two seconds, moves the bar and the status text (read out by screen
// readers, role="status"), and reloads the page once the plan is done to show the outcomes.
(function () {
  "use strict";
  var box = document.getElementById("plan-progress");
  if (!box) { return; }
  var status = box.getAttribute("data-status");
  if (status !== "confirmed" && status !== "running") { return; }
  var url = box.getAttribute("data-progress-url");
  var bar = document.getElementById("progress-bar");
  var text = document.getElementById("progress-text");
  var label = document.getElementById("plan-status");
  function ask() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (progress) {
        if (!progress) { window.setTimeout(ask, 5000); return; }
        bar.max = Math.max(progress.total, 1);
        bar.value = progress.processed;
        text.textContent = progress.text;
        label.textContent = progress.status_label;
        if (progress.status === "done") { window.location.reload(); return; }
        window.setTimeout(ask, 2000);
      })
      .catch(function () { window.setTimeout(ask, 5000); });
  }
  window.setTimeout(ask, 2000);
})();
