/* adnetwork.test share buttons v0.9 */
(function(){document.querySelectorAll("article h1").forEach(function(h){var a=document.createElement("a");a.href="#share";a.textContent="Share";h.after(a);});})();
