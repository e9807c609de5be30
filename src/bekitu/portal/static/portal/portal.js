/*
 * The portal's signing: a form with data-sign="<keyType>" signs the text of #xml-to-sign
 * through NCALayer (ncalayer.js) before it is sent, puts the signed XML into its hidden
 * `signed_xml` field and submits. A failure is said in #sign-error, in the page's language
 * (the texts are on that element, by NCALayer's error code).
 */
(function () {
  "use strict";

  function say(form, code) {
    var box = document.getElementById("sign-error");
    var status = document.getElementById("sign-status");
    if (status) { status.textContent = ""; }
    if (!box) { return; }
    box.textContent = box.getAttribute("data-" + code) || box.getAttribute("data-other");
    box.hidden = false;
    box.setAttribute("tabindex", "-1");
    box.focus();
  }

  function onSubmit(event) {
    var form = event.target;
    var field = form.querySelector('input[name="signed_xml"]');
    if (!field || field.value) { return; }
    event.preventDefault();
    var source = document.getElementById("xml-to-sign");
    var button = form.querySelector('button[type="submit"]');
    var status = document.getElementById("sign-status");
    if (status) { status.textContent = status.getAttribute("data-waiting") || "…"; }
    if (button) { button.disabled = true; }
    window.BekituNCALayer.signXml(source.textContent, { keyType: form.getAttribute("data-sign") })
      .then(function (signed) {
        field.value = signed;
        form.submit();
      })
      .catch(function (error) {
        if (button) { button.disabled = false; }
        say(form, (error && error.code) || "other");
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form[data-sign]");
    for (var i = 0; i < forms.length; i++) {
      forms[i].addEventListener("submit", onSubmit);
    }
  });
})();
