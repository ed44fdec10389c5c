/* trackly.test analytics tag */
(function(w,d){var i=new Image();i.src=d.currentScript.src.replace(/t\.js$/,"collect")+"?p="+encodeURIComponent(location.pathname);w.trackly={page:location.pathname};})(window,document);
