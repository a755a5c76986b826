// The translator's workspace: the quality checks of a save, shown while one types.
(function () {
  "use strict";
  document.querySelectorAll("form.translate[data-check]").forEach(function (form) {
    var output = form.querySelector(".qa");
    var timer = null;
    function labelOf(name) {
      var field = form.querySelector("[name='" + name + "']");
      var label = field && form.querySelector("label[for='" + field.id + "']");
      return label ? label.textContent : name;
    }
    function show(answer) {
      output.replaceChildren();
      Object.keys(answer.errors).forEach(function (name) {
        answer.errors[name].forEach(function (message) {
          var line = document.createElement("p");
          line.className = "error";
          line.textContent = labelOf(name) + ": " + message;
          output.appendChild(line);
        });
      });
      answer.warnings.forEach(function (warning) {
        var line = document.createElement("p");
        line.className = "warning";
        line.textContent = labelOf(warning.field) + ": " + warning.message;
        output.appendChild(line);
      });
    }
    function check() {
      var body = new FormData(form);
      fetch(form.getAttribute("data-check"), {
        method: "POST", body: body, credentials: "same-origin",
        headers: {"X-CSRFToken": body.get("csrf_token"), "Accept": "application/json"}
      }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (answer) {
        if (answer) { show(answer); }
      }).catch(function () {});
    }
    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(check, 400);
    });
  });
}());
