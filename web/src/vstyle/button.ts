// Vant's styles for button without the icon font (blocked by the server's CSP: default-src 'self').
import 'vant/es/style/base.css'
import 'vant/es/badge/index.css'
import 'vant/es/loading/index.css'
import 'vant/es/button/index.css'
