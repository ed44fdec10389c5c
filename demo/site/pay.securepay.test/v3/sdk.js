/* securepay.test SDK v3 (self-updating: no integrity possible) */
(function(w){"use strict";w.SecurePay={collectDeviceData:function(){return {ua:navigator.userAgent,tz:Intl.DateTimeFormat().resolvedOptions().timeZone};}};})(window);
