// Padlock Coffee Roasters: small enhancements, first-party.
(function () {
  "use strict";
  var cart = document.querySelector(".site-header nav a[href='/cart.html']");
  if (cart && window.localStorage) {
    var n = window.localStorage.getItem("cartCount");
    if (n) {
      cart.textContent = "Cart (" + n + ")";
    }
  }
})();
