/* Installable web app: register the service worker (keeps the app shell and emergency numbers offline). */
if ("serviceWorker" in navigator) {
  window.addEventListener("load", function () { navigator.serviceWorker.register("/sw.js").catch(function () {}); });
}
