// A part of a form that only some choices ask for says so: data-shown-when="name=v1,v2" shows
// it while the radio button `name` chosen has one of those values, and hides it (and so takes
// it out of the Tab order) while another is chosen. With nothing chosen, or without scripts,
// every part stays shown, and the server takes what the choices need.
(function () {
  "use strict";
  var parts = document.querySelectorAll("[data-shown-when]");
  if (!parts.length) { return; }
  function rule(part) {
    var text = part.getAttribute("data-shown-when");
    var at = text.indexOf("=");
    return { name: text.slice(0, at), values: text.slice(at + 1).split(",") };
  }
  function follow() {
    Array.prototype.forEach.call(parts, function (part) {
      var wanted = rule(part);
      var form = part.closest("form") || document;
      var checked = form.querySelector('input[name="' + wanted.name + '"]:checked');
      part.hidden = checked !== null && wanted.values.indexOf(checked.value) < 0;
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target && event.target.type === "radio") { follow(); }
  });
  follow();
})();
