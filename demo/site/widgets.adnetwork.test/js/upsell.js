/* adnetwork.test upsell widget v1 */
(function(){var el=document.getElementById("upsell");if(el){el.textContent="Customers also bought: the Kiln grinder";}})();
