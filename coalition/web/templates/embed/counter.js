(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var titles = {{ titles|tojson }};
  // The widget speaks the language asked on the tag, else the one of the partner's page.
  var locale = script.getAttribute("data-locale") || (script.src.match(/[?&]locale=([^&]+)/) || [])[1]
    || document.documentElement.lang || "";
  var frame = document.createElement("iframe");
  // The widget lives beside this script, wherever the partner's page loaded it from.
  // data-countries lists the member states against their thresholds below the total.
  var countries = script.hasAttribute("data-countries") && script.getAttribute("data-countries") !== "false";
  var query = [];
  if (locale) { query.push("locale=" + encodeURIComponent(locale)); }
  if (countries) { query.push("countries=1"); }
  frame.src = script.src.replace(/counter\.js(\?.*)?$/, "counter") + (query.length ? "?" + query.join("&") : "");
  frame.title = titles[locale] || titles[locale.split("-")[0].toLowerCase()] || titles.en;
  frame.loading = "lazy";
  frame.referrerPolicy = "no-referrer";
  frame.style.border = "0";
  frame.style.width = "100%";
  frame.style.maxWidth = (script.getAttribute("data-width") || "420") + "px";
  frame.style.height = (script.getAttribute("data-height") || (countries ? "960" : "220")) + "px";
  script.parentNode.insertBefore(frame, script.nextSibling);
}());
