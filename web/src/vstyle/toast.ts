// Vant's styles for toast without the icon font (blocked by the server's CSP: default-src 'self').
import 'vant/es/style/base.css'
import 'vant/es/badge/index.css'
import 'vant/es/loading/index.css'
import 'vant/es/overlay/index.css'
import 'vant/es/popup/index.css'
import 'vant/es/toast/index.css'
