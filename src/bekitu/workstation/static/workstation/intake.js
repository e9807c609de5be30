// The intake form shows what the chosen channel and applicant ask for: the identity document
// presented at the desk, the caller's answers by telephone, the applicant's IIN when someone
// applies for the recipient, the power of attorney for a representative. Without scripts every
// part stays shown and the server takes what the channel and the role need; a hidden part
// leaves the Tab order with it.
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form) { return; }
  var parts = [
    { id: "identity-document", field: "channel", shows: ["desk"] },
    { id: "caller-identity", field: "channel", shows: ["phone"] },
    {
      id: "field-applicant_iin",
      field: "applicant_role",
      shows: ["parent", "guardian", "representative"]
    },
    { id: "poa", field: "applicant_role", shows: ["representative"] }
  ];
  function chosen(name) {
    var checked = form.querySelector('input[name="' + name + '"]:checked');
    return checked ? checked.value : "";
  }
  function follow() {
    parts.forEach(function (part) {
      var box = document.getElementById(part.id);
      var value = chosen(part.field);
      // Nothing chosen yet: the part stays, so nothing the specialist may need is hidden.
      if (box) { box.hidden = value !== "" && part.shows.indexOf(value) < 0; }
    });
  }
  form.addEventListener("change", function (event) {
    var name = event.target && event.target.name;
    if (name === "channel" || name === "applicant_role") { follow(); }
  });
  follow();
})();
