(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var locale = script.getAttribute("data-locale") || (script.src.match(/[?&]locale=([^&]+)/) || [])[1];
  var frame = document.createElement("iframe");
  // The widget lives beside this script, wherever the partner's page loaded it from.
  frame.src = script.src.replace(/counter\.js(\?.*)?$/, "counter") + (locale ? "?locale=" + encodeURIComponent(locale) : "");
  frame.title = {{ frame_title|tojson }};
  frame.loading = "lazy";
  frame.referrerPolicy = "no-referrer";
  frame.style.border = "0";
  frame.style.width = "100%";
  frame.style.maxWidth = (script.getAttribute("data-width") || "420") + "px";
  frame.style.height = (script.getAttribute("data-height") || "190") + "px";
  script.parentNode.insertBefore(frame, script.nextSibling);
}());
