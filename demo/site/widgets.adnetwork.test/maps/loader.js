/* adnetwork.test maps loader */
(function(){var m=document.getElementById("map");if(m){m.className="map-ready";}})();
