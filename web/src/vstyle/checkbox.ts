// Vant's styles for checkbox without the icon font (blocked by the server's CSP: default-src 'self').
import 'vant/es/style/base.css'
import 'vant/es/badge/index.css'
import 'vant/es/checkbox-group/index.css'
import 'vant/es/checkbox/index.css'
