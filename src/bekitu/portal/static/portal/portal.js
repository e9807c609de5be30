/*
 * The portal's signing: a form with data-sign="<keyType>" signs the text of #xml-to-sign
 * through NCALayer (ncalayer.js) before it is sent, puts the signed XML into its hidden
 * `signed_xml` field and submits. A failure is said in #sign-error, in the page's language
 * (the texts are on that element, by NCALayer's error code).
 *
 * The proof of work past a per-address limit (docs/decisions/0020): a form holding a
 * `proof_nonce` field finds, as soon as the page loads, a nonce such that SHA-256(salt +
 * nonce) begins with `proof_difficulty` zero bits (Web Crypto, a chunk of hashes at a time
 * so that the page stays responsive), says so in #work-status (texts on that element), and
 * holds the form's submission until it is found; a form marked data-work-resubmit is sent
 * again by itself once it is.
 */
(function () {
  "use strict";

  var CHUNK = 512; // hashes between two yields to the page: a few milliseconds on a phone
  var work = null; // the promise of the nonce, once the page's puzzle is being solved

  function zeroBits(bytes) {
    var bits = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] !== 0) { return bits + Math.clz32(bytes[i]) - 24; }
      bits += 8;
    }
    return bits;
  }

  function solve(salt, difficulty) {
    var encoder = new TextEncoder();
    return new Promise(function (resolve, reject) {
      var next = 0;
      function chunk() {
        var digests = [];
        for (var i = 0; i < CHUNK; i++) {
          digests.push(crypto.subtle.digest("SHA-256", encoder.encode(salt + (next + i))));
        }
        Promise.all(digests).then(function (found) {
          for (var j = 0; j < found.length; j++) {
            if (zeroBits(new Uint8Array(found[j])) >= difficulty) {
              resolve(String(next + j));
              return;
            }
          }
          next += CHUNK;
          setTimeout(chunk, 0);
        }, reject);
      }
      chunk();
    });
  }

  function status(text) {
    var line = document.getElementById("work-status");
    if (line) { line.textContent = line.getAttribute("data-" + text) || ""; }
  }

  function startWork(form) {
    var nonce = form.querySelector('input[name="proof_nonce"]');
    var salt = form.querySelector('input[name="proof_salt"]');
    var difficulty = form.querySelector('input[name="proof_difficulty"]');
    if (!window.crypto || !crypto.subtle || !window.TextEncoder) {
      status("failed");
      return Promise.reject(new Error("no Web Crypto"));
    }
    status("checking");
    return solve(salt.value, parseInt(difficulty.value, 10)).then(function (found) {
      nonce.value = found;
      status("done");
      return found;
    }, function (error) {
      status("failed");
      throw error;
    });
  }

  // The nonce found (at once for a form with no puzzle); the submission waits for it.
  function workDone(form) {
    if (!form.querySelector('input[name="proof_nonce"]')) { return Promise.resolve(); }
    if (!work) { work = startWork(form); }
    return work;
  }

  function onWorkSubmit(event) {
    var form = event.target;
    var nonce = form.querySelector('input[name="proof_nonce"]');
    if (form.hasAttribute("data-sign") || !nonce || nonce.value) { return; }
    event.preventDefault();
    var button = form.querySelector('button[type="submit"]');
    if (button) { button.disabled = true; }
    workDone(form).then(function () { form.submit(); }, function () {
      if (button) { button.disabled = false; }
    });
  }

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
        return workDone(form);
      })
      .then(function () {
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
    var nonce = document.querySelector('form input[name="proof_nonce"]');
    if (!nonce) { return; }
    var form = nonce.form;
    form.addEventListener("submit", onWorkSubmit);
    workDone(form).then(function () {
      if (form.hasAttribute("data-work-resubmit")) { form.submit(); }
    }, function () { /* said in #work-status */ });
  });
})();
