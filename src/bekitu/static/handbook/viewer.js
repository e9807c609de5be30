// The handbook's diagram page: shows the BPMN file with the bpmn-js viewer and, when an
// element is selected (on the diagram or in the table), what the regulation says of it.
// No inline code or styles: the page runs under the site's strict Content-Security-Policy.
(function () {
  "use strict";
  var holder = document.getElementById("bpmn-canvas");
  var data = document.getElementById("element-info");
  if (!holder || !data || !window.BpmnJS) { return; }
  var info = JSON.parse(data.textContent);
  var panel = document.getElementById("element-panel");
  var viewer = new window.BpmnJS({ container: holder });
  var selected = null;

  function field(name) { return panel.querySelector('[data-field="' + name + '"]'); }

  function show(id) {
    var item = info[id];
    if (!item) { return; }
    field("name").textContent = item.name;
    ["role", "duration", "input", "output"].forEach(function (name) {
      field(name).textContent = item[name] || "—";
    });
    var list = field("clauses");
    list.replaceChildren();
    item.clauses.forEach(function (clause) {
      var li = document.createElement("li");
      var code = document.createElement("strong");
      code.textContent = clause.id + ". ";
      li.appendChild(code);
      li.appendChild(document.createTextNode(clause.text));
      list.appendChild(li);
    });
    var canvas = viewer.get("canvas");
    if (selected) { canvas.removeMarker(selected, "handbook-selected"); }
    if (viewer.get("elementRegistry").get(id)) {
      canvas.addMarker(id, "handbook-selected");
      selected = id;
    }
    panel.dataset.element = id;
  }

  // The running process: a badge on each element with its figures (heads and the region).
  function addFigures() {
    var source = document.getElementById("mining-data");
    if (!source) { return; }
    var figures = JSON.parse(source.textContent);
    var overlays = viewer.get("overlays");
    var registry = viewer.get("elementRegistry");
    Object.keys(figures).forEach(function (id) {
      if (!registry.get(id)) { return; }
      var badge = document.createElement("div");
      badge.className = "mining-badge" + (figures[id].late > 0 ? " mining-late" : "");
      badge.textContent = figures[id].label;
      badge.dataset.element = id;
      overlays.add(id, "mining", { position: { bottom: -4, left: -10 }, html: badge });
    });
  }

  viewer.on("element.click", function (event) { show(event.element.id); });
  document.querySelectorAll("[data-element]").forEach(function (button) {
    button.addEventListener("click", function () {
      show(button.dataset.element);
      // From the table, take the reader (and the focus) to the diagram and the panel.
      holder.scrollIntoView({ block: "start" });
      field("name").focus();
    });
  });

  fetch(holder.dataset.source, { credentials: "same-origin" })
    .then(function (response) { return response.text(); })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      // As tall as the diagram needs at the page's width: Appendix 1 is wide and low.
      var canvas = viewer.get("canvas");
      var box = canvas.viewbox().inner;
      var height = holder.clientWidth * box.height / box.width + 60;
      holder.style.height = Math.round(Math.min(Math.max(height, 320), 900)) + "px";
      canvas.resized();
      canvas.zoom("fit-viewport", "auto");
      addFigures();
      holder.dataset.ready = "true";
      document.dispatchEvent(new CustomEvent("handbook:ready", { detail: viewer }));
    })
    .catch(function (error) {
      holder.dataset.ready = "failed";
      holder.textContent = String(error);
    });
}());
