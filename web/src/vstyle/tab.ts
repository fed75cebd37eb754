// Vant's styles for tab without the icon font (blocked by the server's CSP: default-src 'self').
import 'vant/es/style/base.css'
import 'vant/es/badge/index.css'
import 'vant/es/sticky/index.css'
import 'vant/es/swipe/index.css'
import 'vant/es/swipe-item/index.css'
import 'vant/es/tabs/index.css'
import 'vant/es/tab/index.css'
